"""``sys.stdout`` and ``sys.stderr`` while the extension is loaded: each
write goes on to the stream that was there before (a terminal,
prompt_toolkit's proxy, ipykernel's OutStream) and is also kept in the
current job's output (:mod:`ipython_bg.model.output`)."""

from __future__ import annotations

import sys

from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change

__all__ = ["StandardStreams", "StreamProxy", "original", "unwrap_streams", "wrap_streams"]


class StreamProxy:
    """``sys.stdout`` (or stderr) while the extension is loaded: every
    write goes to the stream that was there, and into the current job's
    output; a quiet job's writes are only kept."""

    def __init__(self, stream):
        self._stream = stream
        self._write = stream.write

    def write(self, text, _current=CURRENT.get):
        running = _current()
        if running is None:
            return self._write(text)
        output = running.output
        # JobOutput.write, inline: this runs for every piece of every print.
        output._chunks.append(text)
        output.size += len(text)
        if output.size > output.limit:
            output._trim()
        return len(text) if output.quiet else self._write(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        # flush, fileno, isatty, encoding, and ipykernel's own attributes.
        return getattr(self._stream, name)

    def __repr__(self) -> str:
        return f"<ipython_bg capture of {self._stream!r}>"


def wrap_streams(proxy: type = StreamProxy) -> None:
    """Put proxies (of class ``proxy``) in front of ``sys.stdout`` and
    ``sys.stderr`` (again, if something replaced them since:
    prompt_toolkit's patch_stdout does while the terminal prompt is shown)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, StreamProxy):
            setattr(sys, name, proxy(stream))


def unwrap_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, StreamProxy):
            setattr(sys, name, stream._stream)


def original(stream):
    """The stream behind a proxy (for code that checks what it writes to)."""
    return stream._stream if isinstance(stream, StreamProxy) else stream


class StandardStreams(Change):
    """Proxies in ``sys.stdout`` and ``sys.stderr`` that keep each job's output."""

    why = "sys.stdout and sys.stderr keep what each job writes, for %jobs -o and its cell"

    def install(self) -> None:
        wrap_streams()

    def uninstall(self) -> None:
        unwrap_streams()

    def again(self) -> None:
        """In front of the streams again, if something replaced them since
        (pytest's capsys, a user's own)."""
        wrap_streams()
