"""Rescuing a prompt frozen by a job that never awaits.

The terminal prompt runs inside the event loop, so a coroutine job that
computes for a minute without an ``await`` freezes it; Ctrl-C then used to
crash IPython's prompt ("KeyboardInterrupt escaped interact()", IPython
issue 13737).  Here a watchdog thread notices the freeze, says which job
holds the loop, and turns the next Ctrl-C into :class:`JobInterrupted`
raised inside that job only: it fails, the prompt comes back.

While the user is at the prompt the watchdog claims SIGINT from the
process's one owner of it (:mod:`ipython_bg.process.signals`), and Ctrl-C
reaches it one of two ways.  Before prompt_toolkit has put the terminal in
raw mode it is a SIGINT, heard by the claim in the main thread.  In raw
mode it is just a byte that nobody reads while the loop is frozen, so the
watchdog reads the terminal itself from the start of a freeze, warning or
not, and on a Ctrl-C sends SIGINT to the main thread: the claim's handler
raises there, in the job's own frame, and a long C call (``time.sleep``, a
blocking read) returns early for a handler that raises, as it would for
plain IPython's Ctrl-C.  The other keys it reads are given back to the
prompt as the loop next waits for events (typeahead.py).
"""

from __future__ import annotations

import asyncio
import functools
import signal
import sys
import threading
import time
from typing import Callable

from ipython_bg.hosts.loop_watch import READ_AFTER, SelectorWatch
from ipython_bg.hosts.terminal.typeahead import give_to_prompt, raw_terminal
from ipython_bg.model.failures import JobInterrupted
from ipython_bg.model.job import Job
from ipython_bg.process.changes import Change
from ipython_bg.process.signals import SIGNALS, Claim

__all__ = ["Watchdog"]

# What the watch names when the loop is held by many short steps, none long.
_MANY = object()


def _interruptible(task) -> bool:
    """Jobs and the user's own tasks; never the prompt's own."""
    if isinstance(task, Job):
        return True
    if task is _MANY:
        return False
    frame = getattr(task.get_coro(), "cr_frame", None) if task is not None else None
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return bool(module) and not module.startswith(("prompt_toolkit", "IPython", "asyncio"))


class Watchdog(Change):
    """A daemon thread that watches the loop while the user is at the prompt.

    It wakes a few times a second while armed (at the prompt) and only
    reads a timestamp: it never schedules anything on the loop, so a
    healthy loop does not know it is there.
    """

    why = "a job that freezes the terminal prompt is named, and Ctrl-C stops it (a watch on the loop's selector)"

    def __init__(self, loop: asyncio.AbstractEventLoop, threshold: Callable[[], float]):
        self.loop = loop
        self.threshold = threshold
        self.watch: SelectorWatch | None = None
        self.watching = False
        self._armed = threading.Event()
        self._stopped = False
        self._reported: float | None = None
        self._named = None  # the task holding the loop, while it holds it
        self._thread: threading.Thread | None = None
        self._main = threading.main_thread().ident
        self._claim: Claim | None = None
        self._kicked = False  # the watchdog thread sent the SIGINT the claim hears

    # -- life ------------------------------------------------------------------

    def install(self) -> None:
        """Watch the loop, unless its kind cannot be watched (uvloop):
        :attr:`watching` says."""
        self.watch = SelectorWatch.on(self.loop, functools.partial(self.loop.call_soon, give_to_prompt))
        if self.watch is None:
            return
        self.watching = True
        self._thread = threading.Thread(target=self._run, name="ipython_bg-watchdog", daemon=True)
        self._thread.start()

    def uninstall(self) -> None:
        self.watching = False
        self._stopped = True
        self._release()
        self._armed.set()
        if self.watch is not None:
            self.watch.let_go()
            self.watch.remove(self.loop)

    def arm(self) -> None:
        """The user is at the prompt: watch, and hear Ctrl-C first."""
        if self._claim is None:
            self._claim = SIGNALS.claim(signal.SIGINT, self._take)
        self._armed.set()

    def disarm(self) -> None:
        """A cell runs: the loop, and Ctrl-C, are the cell's business."""
        self._armed.clear()
        self._release()

    def _release(self) -> None:
        claim, self._claim = self._claim, None
        if claim is not None:
            claim.release()

    # -- watching ----------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopped:
            self._armed.wait()
            if self.watch.busy_since is None:
                self.watch.wait_until_awake(lambda: self._stopped)
                continue
            threshold = self.threshold()
            time.sleep(READ_AFTER)
            if self._stopped or not self._armed.is_set():
                continue
            busy = self.watch.busy_since
            if busy is None or busy == self._reported or time.monotonic() - busy < READ_AFTER:
                continue
            self._reported = busy
            self._while_frozen(busy, threshold)

    def _say_frozen(self, task, seconds: float) -> None:
        if isinstance(task, Job):
            what = f"job [{task.id}] {task.kind.value}  {task.source}"
        elif task is _MANY:
            what = "a run of many short steps (jobs and callbacks, none for long)"
        else:
            what = f"task {task.get_name()!r}" if task is not None else "a callback"
        advice = "press Ctrl-C to stop it" if _interruptible(task) else "it cannot be stopped from here"
        # Straight to the terminal: prompt_toolkit's patched stdout would
        # wait for the frozen loop.
        stream = sys.__stderr__
        stream.write(f"\r\nipython_bg: {what} is blocking the prompt ({seconds:.1f} s without an await); {advice}\r\n")
        stream.flush()

    def _while_frozen(self, busy: float, threshold: float) -> None:
        """Until the loop is free: warn once the freeze lasts ``threshold``;
        read the terminal (in raw mode Ctrl-C is a byte), a Ctrl-C stopping
        the job, other keys kept for the prompt."""
        def frozen() -> bool:
            return not self._stopped and self._armed.is_set() and self.watch.busy_since == busy

        warned, previous = False, None
        while frozen():
            task = asyncio.current_task(self.loop)
            # A task holds the loop only if it was running at the previous
            # look too: one short step among thousands (a burst of jobs)
            # is innocent of the freeze.
            self._named = task if task is not None and task is previous else None
            previous = task
            if threshold > 0 and not warned and time.monotonic() - busy >= threshold:
                warned = True
                named = self._named if self._named is not None else _MANY if task is not None else None
                self._say_frozen(named, time.monotonic() - busy)
            fd = raw_terminal()
            if fd is None:
                time.sleep(0.05)  # cooked: Ctrl-C arrives as SIGINT, heard by the claim (_take)
                continue
            self.watch.keys.read(fd, 0.05, frozen, functools.partial(self._interrupt, busy))
        self._named = None

    def _interrupt(self, busy: float) -> bool:
        """Stop the job holding the loop; False if nothing of the user's
        holds it (the Ctrl-C is then the prompt's own key)."""
        task = asyncio.current_task(self.loop)
        if task is not self._named:
            # Not seen at the last look: one more, so that a job caught in
            # one short step among many is not the one stopped.
            time.sleep(0.02)
            if asyncio.current_task(self.loop) is not task:
                return False
            self._named = task
        if self.watch.busy_since != busy or not _interruptible(task):
            return False
        # The job runs in the main thread and will not look up: a signal
        # reaches it even inside a long C call.
        self._kicked = True
        signal.pthread_kill(self._main, signal.SIGINT)
        return True

    def _take(self, frame) -> bool:
        """The claim on SIGINT at the prompt: stop the job the watch saw
        holding the loop, in its own frame.  Only that one: any other was
        caught in one short step, among many, by this Ctrl-C.  A SIGINT the
        watchdog sent stays ours even if the job ended meanwhile: it was a
        key, never meant for the prompt (whose handler would raise
        KeyboardInterrupt half-way through prompt_toolkit, IPython issue
        13737)."""
        kicked, self._kicked = self._kicked, False
        task = asyncio.current_task(self.loop) if self.loop.is_running() else None
        if _interruptible(task) and task is self._named:
            raise JobInterrupted()
        return kicked
