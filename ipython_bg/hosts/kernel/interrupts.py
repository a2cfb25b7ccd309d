"""A kernel interrupt that frees a loop a job holds.

A kernel's loop runs the jobs between cells, so a coroutine job that
computes without awaiting holds the whole kernel: no cell runs, and the
interrupt button does nothing, since ipykernel ignores SIGINT between cells
(and during a cell schedules the cancel of an ``await`` on that same loop).
Here SIGINT is claimed, for as long as the extension is loaded, from the
process's one owner of it (:mod:`ipython_bg.process.signals`): while a job
holds the loop, that job, and only that job, fails with
:class:`~ipython_bg.model.failures.JobInterrupted`, as Ctrl-C does in the
terminal; otherwise the interrupt goes where it went before (ipykernel's
handler, or nowhere between cells).  What a job holding the loop is comes
from a watch on the loop's selector: the loop has not waited for events for
a while, and a job's step is what runs.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time

from ipython_bg._internals import idle_sigint, set_idle_sigint
from ipython_bg.hosts.loop_watch import READ_AFTER, SelectorWatch
from ipython_bg.model.failures import JobInterrupted
from ipython_bg.model.job import Job
from ipython_bg.process.changes import Change
from ipython_bg.process.signals import SIGNALS, Claim, Relay

__all__ = ["LoopBreaker"]

MESSAGE = "the kernel interrupt stopped it: it was holding the event loop"


class LoopBreaker(Change):
    """Turns a kernel interrupt into JobInterrupted for a job holding the loop."""

    why = "a kernel interrupt frees a loop that a job holds (a claim on SIGINT, and a watch on the loop's selector)"

    def __init__(self, kernel):
        self.kernel = kernel
        self.loop: asyncio.AbstractEventLoop | None = None
        self.watch: SelectorWatch | None = None
        self.claim: Claim | None = None

    def install(self) -> bool:
        """Watch the kernel's loop, if it runs here (not yet while a kernel
        loads the extension from its configuration: then at the end of the
        first cell), and claim SIGINT; False where the loop cannot be
        watched (uvloop) or this is not the main thread."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if threading.current_thread() is not threading.main_thread():
            return False
        self.watch = SelectorWatch.on(loop, _no_keys)
        if self.watch is None:
            return False
        self.loop = loop
        self.claim = SIGNALS.claim(signal.SIGINT, self._take)
        self.between_cells()
        return True

    def uninstall(self) -> None:
        if self.watch is None:
            return
        self.claim.release()
        saved = idle_sigint(self.kernel)
        if isinstance(saved, Relay):
            set_idle_sigint(self.kernel, saved.underneath)
        self.watch.remove(self.loop)
        self.watch = None

    def between_cells(self) -> None:
        """Keep the claim heard between cells too: ipykernel puts back the
        handler it saved before each message (SIG_IGN) after it, so that
        one gets the relay.  Only the main thread may (a subshell's cells
        run in threads of their own)."""
        if threading.current_thread() is not threading.main_thread():
            return
        if self.watch is None:
            self.install()
            return
        set_idle_sigint(self.kernel, SIGNALS.relay(signal.SIGINT, idle_sigint(self.kernel)))

    def holder(self) -> Job | None:
        """The job holding the loop now: its step has run for a while."""
        if self.watch is None:
            return None
        busy = self.watch.busy_since
        task = asyncio.current_task(self.loop)
        if isinstance(task, Job) and busy is not None and time.monotonic() - busy >= READ_AFTER:
            return task
        return None

    def _take(self, frame) -> bool:
        """The claim: in the main thread, so in the holding job's frames,
        raise JobInterrupted if a job holds the loop; else not ours."""
        if self.holder() is not None:
            raise JobInterrupted(MESSAGE)
        return False


def _no_keys(data: bytes) -> None:
    """A kernel has no terminal: the watch never reads keys."""
