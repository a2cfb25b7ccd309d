"""``sys.stdout`` and ``sys.stderr`` while the extension is loaded.

Each is one :class:`StreamProxy` for as long as the extension is loaded:
every write goes on to the stream that was there before (a terminal,
ipykernel's OutStream) and is also kept in the current job's output
(:mod:`ipython_bg.model.output`).  A proxy is never swapped out while the
extension is loaded, because other code keeps what it found in
``sys.stderr`` (a logging handler, a tqdm bar, ``f = sys.stderr`` in a
cell) and writes there later.  While the terminal prompt is up, a proxy
sends what it is given above the prompt (:mod:`.prompt_lines`) instead.

No proxy is ever freed: ``print()`` holds only a borrowed reference to
``sys.stdout``, and a proxy freed while another thread prints through it
crashes the interpreter (CPython gh-130163).  So every proxy made is kept
here, and made again for the same stream is the same proxy; after the
extension is unloaded a proxy that something kept still writes to its
stream.
"""

from __future__ import annotations

import sys

from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change

__all__ = ["StandardStreams", "StreamProxy", "original", "proxy_for"]

_NAMES = ("stdout", "stderr")


class StreamProxy:
    """``sys.stdout`` (or stderr) while the extension is loaded: every
    write goes to the stream that was there, or above the terminal prompt
    while it is up, and into the current job's output; a quiet job's
    writes are only kept."""

    def __init__(self, stream):
        self._stream = stream
        #: Where writes go while the terminal prompt is up
        #: (:class:`~ipython_bg.process.prompt_lines.AbovePrompt`), else None.
        self.above = None

    def write(self, text):
        running = CURRENT.get()
        if running is not None:
            output = running.output
            output.write(text)
            if output.quiet:
                return len(text)
            if output.shown_in is not None:  # in the foreground: in the waiting cell
                return output.shown_in.copy().run(self._stream.write, text)
        above = self.above
        if above is None:
            # The stream's write as it is now: IPython's history patches it
            # on the stream for the length of a cell (InteractiveShell._tee).
            return self._stream.write(text)
        return above.write(running, text, self._stream)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        above = self.above
        if above is None:
            return self._stream.flush()
        return above.flush(CURRENT.get(), self._stream)

    def __getattr__(self, name):
        # fileno, isatty, encoding, and ipykernel's own attributes.
        return getattr(self._stream, name)

    def __repr__(self) -> str:
        return f"<ipython_bg capture of {self._stream!r}>"


#: Every proxy ever made, by the id of its stream (which it keeps alive).
_PROXIES: dict[int, StreamProxy] = {}


def proxy_for(stream) -> StreamProxy:
    """The one proxy of ``stream``, made the first time it is asked for."""
    proxy = _PROXIES.get(id(stream))
    if proxy is None:
        proxy = _PROXIES[id(stream)] = StreamProxy(stream)
    return proxy


def original(stream):
    """The stream behind a proxy (for code that checks what it writes to)."""
    return stream._stream if isinstance(stream, StreamProxy) else stream


class StandardStreams(Change):
    """Proxies in ``sys.stdout`` and ``sys.stderr`` that keep each job's output."""

    why = "sys.stdout and sys.stderr keep what each job writes, for %jobs -o and its cell"

    def install(self) -> None:
        self.again()

    def uninstall(self) -> None:
        for name in _NAMES:
            stream = getattr(sys, name)
            if isinstance(stream, StreamProxy):
                setattr(sys, name, original(stream))

    def again(self) -> None:
        """In front of the streams again, if something replaced them since
        (pytest's capsys, ipykernel's in-process kernel at each cell)."""
        for name in _NAMES:
            stream = getattr(sys, name)
            if stream is not None and not isinstance(stream, StreamProxy):
                setattr(sys, name, proxy_for(stream))
