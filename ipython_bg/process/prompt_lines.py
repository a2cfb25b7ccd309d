"""What is written while the terminal prompt is up goes above it.

IPython's terminal prompt enters prompt_toolkit's ``patch_stdout``, which
puts a new proxy in ``sys.stdout`` and ``sys.stderr`` for each prompt and
takes it out again as the prompt returns.  With the extension loaded the
prompt leaves the standard streams alone instead: the extension's own
proxies (:mod:`.streams`) stay in place, and while the prompt is up they
send what they are given through prompt_toolkit's public ``StdoutProxy``,
which writes it above the prompt.  So text from a stream taken at any
moment (a logging handler made in a cell, a tqdm bar, a saved
``sys.stderr``) lands above the prompt, never on its line.

A job's partial line (progress dots, a bar redrawn with carriage returns)
written where the prompt is would be written over by the redrawn prompt,
so a job's text goes on only when its line ends.  Until then the line is
held, per job: what follows its last carriage return, which is what a
terminal would show of it, and at most the job's ``output_limit`` of it.
What a job leaves of a line is written, ended, when the job ends or the
prompt returns.  What the job writes is kept in its output as ever.
"""

from __future__ import annotations

import contextlib
import sys
import threading

from ipython_bg._internals import unwrap_prompt_stdout, wrap_prompt_stdout
from ipython_bg.process.changes import Change
from ipython_bg.process.streams import StreamProxy

__all__ = ["AbovePrompt", "PartialLine", "PromptStreams"]


class PartialLine:
    """A job's line not yet ended, as a terminal would show it: what
    follows its last carriage return, at most ``limit`` characters of it
    (its end), kept in pieces so that each write costs its own length."""

    __slots__ = ("limit", "_pieces", "_size")

    def __init__(self, limit: int):
        self.limit = max(limit, 1)
        self._pieces: list[str] = []
        self._size = 0

    def add(self, text: str) -> str:
        """Add ``text``; returns the lines it ended, to be written now
        (empty if it ended none)."""
        ended = ""
        if "\n" in text:
            head, _, text = text.rpartition("\n")
            ended = self.text() + head + "\n"
            self._pieces, self._size = [], 0
        # A carriage return at the very end moves the cursor only: what
        # comes next overwrites the line, and is cut here then.
        cut = text.rstrip("\r").rfind("\r")
        if cut >= 0:
            text = text[cut + 1:]
            self._pieces, self._size = [], 0
        if text:
            self._pieces.append(text)
            self._size += len(text)
            if self._size > self.limit:
                self._trim()
        return ended

    def _trim(self) -> None:
        # Down to a little under the limit, so that a line growing on and
        # on is joined once every many writes rather than at each one.
        keep = self.limit - self.limit // 8
        text = "".join(self._pieces)[-keep:]
        self._pieces, self._size = [text], len(text)

    def text(self) -> str:
        return "".join(self._pieces)

    def shown(self) -> str:
        """The line as a terminal would show it."""
        return self.text().rstrip("\r").rpartition("\r")[2]


class AbovePrompt:
    """Where the standard streams write while one terminal prompt is up:
    prompt_toolkit's ``StdoutProxy`` (public), which writes above the
    prompt, with each job's partial line held until it ends."""

    def __init__(self, raw: bool):
        from prompt_toolkit.patch_stdout import StdoutProxy

        self._proxy = StdoutProxy(raw=raw)
        self._lines: dict = {}  # what runs (CURRENT's value) -> its PartialLine
        self._lock = threading.Lock()  # thread jobs write too
        self._closing = False  # the proxy writes what it holds: later writes wait in _after
        self._after: list[tuple[str, object]] = []
        self._closed = False

    def write(self, running, text: str, fallback) -> int:
        """``running`` (a job, or None) wrote ``text``; once the prompt is
        gone, it goes to ``fallback``, the stream behind the proxy."""
        with self._lock:
            if self._closed:
                return fallback.write(text)
            if self._closing:
                self._after.append((text, fallback))
                return len(text)
            if running is None:
                return self._proxy.write(text)
            line = self._lines.get(running)
            if line is None:
                line = self._lines[running] = PartialLine(running.output.limit)
            ended = line.add(text)
            if ended:
                self._proxy.write(ended)
        return len(text)

    def flush(self, running, fallback) -> None:
        with self._lock:
            if self._closed:
                fallback.flush()
            elif running is None and not self._closing:  # a job's partial line waits for its end
                self._proxy.flush()

    def release(self, *running) -> None:
        """Write, ended, what each of ``running`` left of a line."""
        with self._lock:
            if not self._closed:
                self._release(running)

    def _release(self, running) -> None:
        for line in [self._lines.pop(each) for each in running if each in self._lines]:
            shown = line.shown()
            if shown:
                self._proxy.write(shown + "\n")

    def close(self) -> None:
        """The prompt has returned: what jobs left of a line is written,
        ended, and then what the ``StdoutProxy`` holds; any write after
        that goes to the streams themselves."""
        with self._lock:
            self._release(list(self._lines))
            self._proxy.flush()
            self._closing = True
        # Its thread may hold text for a moment yet: what is written
        # meanwhile goes after it, not around it (nor under this lock, which
        # a write of that thread could need).
        self._proxy.close()
        with self._lock:
            self._closed = True
            for text, stream in self._after:
                stream.write(text)
            self._after.clear()


class PromptStreams(Change):
    """While IPython's terminal prompt is up, the extension's proxies in
    ``sys.stdout`` and ``sys.stderr`` write above it; they are never swapped
    for prompt_toolkit's own, so nothing that kept them writes on the
    prompt's line, and none is freed under a thread that prints."""

    why = (
        "what is written while the terminal prompt is up goes above it, through the same sys.stdout "
        "and sys.stderr as at any other time, a job's partial line once it ends"
    )

    def __init__(self):
        self.above: AbovePrompt | None = None

    def install(self) -> None:
        wrap_prompt_stdout(self.patch_stdout)

    def uninstall(self) -> None:
        unwrap_prompt_stdout()

    @contextlib.contextmanager
    def patch_stdout(self, original, raw: bool = False):
        """What IPython's prompt enters in place of prompt_toolkit's
        ``patch_stdout`` (``original``).  IPython's completer enters it
        too, while the prompt is up: that changes nothing."""
        if self.above is not None:
            yield
            return
        proxies = [stream for stream in (sys.stdout, sys.stderr) if isinstance(stream, StreamProxy)]
        if not proxies:  # both replaced since the last cell: as without the extension
            with original(raw=raw):
                yield
            return
        above = self.above = AbovePrompt(raw)
        for proxy in proxies:
            proxy.above = above
        try:
            yield
        finally:
            above.close()
            for proxy in proxies:
                proxy.above = None
            self.above = None

    def release(self, *running) -> None:
        """What ``running`` (a job and its call, which have ended) left of
        a line, written now above the prompt."""
        above = self.above
        if above is not None:
            above.release(*running)
