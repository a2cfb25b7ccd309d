"""What jobs write while the terminal prompt shows, a whole line at a time.

At the prompt ``sys.stdout`` and ``sys.stderr`` are prompt_toolkit's
proxies, which put each line above the prompt.  A partial line flushed to
them (progress dots, a tqdm bar redrawn with carriage returns) is written
where the prompt is, and the prompt, drawn again, writes over it: the dots
are lost and the bar and the prompt run into each other.  So a job's text
goes on only when its line ends.  Until then the line is held, per job,
keeping what follows its last carriage return, which is what a terminal
would show of it.  What a job leaves of a line is written, ended, when the
job ends or the prompt returns.  What the job writes is kept in its output
as ever.
"""

from __future__ import annotations

import sys
import threading

from ipython_bg._internals import unwrap_prompt_stdout, wrap_prompt_stdout
from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change
from ipython_bg.process.streams import StreamProxy, wrap_streams

__all__ = ["PromptStreamProxy", "PromptStreams", "release_lines", "wrap_prompt_streams"]


class PromptStreamProxy(StreamProxy):
    """:class:`~ipython_bg.process.streams.StreamProxy` over prompt_toolkit's proxy."""

    def __init__(self, stream):
        super().__init__(stream)
        self._lines: dict = {}  # what runs (CURRENT's value) -> its line so far
        self._lock = threading.Lock()  # thread jobs write too

    def write(self, text):
        running = CURRENT.get()
        if running is None:
            return self._write(text)
        output = running.output
        output.write(text)
        if output.quiet:
            return len(text)
        with self._lock:
            done, newline, rest = (self._lines.pop(running, "") + text).rpartition("\n")
            shown = rest.rstrip("\r").rpartition("\r")[2]
            if shown:
                self._lines[running] = shown
        if newline:
            self._write(done + newline)
        return len(text)

    def flush(self) -> None:
        if CURRENT.get() is None:  # a job's partial line waits for its end
            self._stream.flush()

    def release(self, *running) -> None:
        """Write, ended, what each of ``running`` left of a line."""
        with self._lock:
            lines = [self._lines.pop(each) for each in running if each in self._lines]
        for line in lines:
            self._write(line + "\n")

    def release_all(self) -> None:
        self.release(*list(self._lines))


def wrap_prompt_streams() -> None:
    """Wrap the streams the prompt put in place (see :func:`wrap_streams`)."""
    wrap_streams(PromptStreamProxy)


def release_lines(*running) -> None:
    """What jobs left of a line, written now: of ``running`` (a job and its
    call, which has ended), or of every job (the prompt returns)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, PromptStreamProxy):
            if running:
                stream.release(*running)
            else:
                stream.release_all()


class PromptStreams(Change):
    """Each time IPython's terminal prompt puts prompt_toolkit's proxy in
    ``sys.stdout``, the jobs' capture goes in front of it, and what jobs
    left of a line is written as the prompt returns."""

    why = "jobs' output at the terminal prompt is kept, and goes above the prompt a whole line at a time"

    def install(self) -> None:
        wrap_prompt_stdout(wrap_prompt_streams, release_lines)

    def uninstall(self) -> None:
        unwrap_prompt_stdout()
