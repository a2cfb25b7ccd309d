"""A kernel interrupt that frees a loop a job holds.

A kernel's loop runs the jobs between cells, so a coroutine job that
computes without awaiting holds the whole kernel: no cell runs, and the
interrupt button does nothing, since ipykernel ignores SIGINT between cells
(and during a cell schedules the cancel of an ``await`` on that same loop).
Here SIGINT is heard while a job holds the loop: that job, and only that
job, fails with :class:`~ipython_bg.model.failures.JobInterrupted`, as Ctrl-C
does in the terminal.  What a job holding the loop is comes from a watch on
the loop's selector: the loop has not waited for events for a while, and
a job's step is what runs.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time

from ipython_bg._internals import running_loop, set_idle_sigint
from ipython_bg.hosts.loop_watch import READ_AFTER, SelectorWatch
from ipython_bg.model.failures import JobInterrupted
from ipython_bg.model.job import Job
from ipython_bg.process.changes import Change

__all__ = ["LoopBreaker"]

MESSAGE = "the kernel interrupt stopped it: it was holding the event loop"


class LoopBreaker(Change):
    """Turns a kernel interrupt into JobInterrupted for a job holding the loop."""

    why = "a kernel interrupt frees a loop that a job holds (SIGINT between cells, and a watch on the loop's selector)"

    def __init__(self, kernel):
        self.kernel = kernel
        self.loop: asyncio.AbstractEventLoop | None = None
        self.watch: SelectorWatch | None = None

    def install(self) -> bool:
        """Watch the kernel's loop, if it runs here (not yet while a kernel
        loads the extension from its configuration: then at the end of the
        first cell), and hear SIGINT between cells; False where the loop
        cannot be watched (uvloop) or this is not the main thread."""
        loop = running_loop()
        if loop is None or threading.current_thread() is not threading.main_thread():
            return False
        self.watch = SelectorWatch.on(loop, _no_keys)
        if self.watch is None:
            return False
        self.loop = loop
        self.between_cells()
        return True

    def uninstall(self) -> None:
        if self.watch is None:
            return
        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGINT) == self.on_idle_sigint:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        set_idle_sigint(self.kernel, signal.SIG_IGN, instead_of=self.on_idle_sigint)
        self.watch.remove(self.loop)
        self.watch = None

    def between_cells(self) -> None:
        """Be the SIGINT handler while no cell runs (ipykernel's is SIG_IGN):
        now, if none runs, and after the running one.  Only the main thread
        may set it (a subshell's cells run in threads of their own)."""
        if threading.current_thread() is not threading.main_thread():
            return
        if self.watch is None:
            self.install()
            return
        if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
            signal.signal(signal.SIGINT, self.on_idle_sigint)
        set_idle_sigint(self.kernel, self.on_idle_sigint, instead_of=signal.SIG_IGN)

    def holder(self) -> Job | None:
        """The job holding the loop now: its step has run for a while."""
        if self.watch is None:
            return None
        busy = self.watch.busy_since
        task = asyncio.current_task(self.loop)
        if isinstance(task, Job) and busy is not None and time.monotonic() - busy >= READ_AFTER:
            return task
        return None

    def interrupt_holder(self) -> None:
        """Raise JobInterrupted here, in the main thread, if a job holds the
        loop: the signal handler runs in that job's frames."""
        if self.holder() is not None:
            raise JobInterrupted(MESSAGE)

    def on_idle_sigint(self, signum, frame) -> None:
        self.interrupt_holder()  # else ignored, as ipykernel does between cells


def _no_keys(data: bytes) -> None:
    """A kernel has no terminal: the watch never reads keys."""
