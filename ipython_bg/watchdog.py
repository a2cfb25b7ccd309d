"""Rescuing a prompt frozen by a job that never awaits.

The terminal prompt runs inside the event loop, so a coroutine job that
computes for a minute without an ``await`` freezes it; Ctrl-C then used to
crash IPython's prompt ("KeyboardInterrupt escaped interact()", IPython
issue 13737).  Here a watchdog thread notices the freeze, says which job
holds the loop, and turns the next Ctrl-C into :class:`JobInterrupted`
raised inside that job only: it fails, the prompt comes back.

Ctrl-C reaches us one of two ways.  Before prompt_toolkit has put the
terminal in raw mode it is a SIGINT, handled by :meth:`Watchdog.on_sigint`
(installed between cells).  In raw mode it is just a byte that nobody reads
while the loop is frozen, so the watchdog reads the terminal itself while
the freeze lasts (keys typed in a frozen prompt are dropped, as Ctrl-C at a
prompt drops the line anyway).
"""

from __future__ import annotations

import asyncio
import os
import select
import sys
import threading
import time
from typing import Callable

from ._internals import get_selector, raise_in_thread, set_selector
from .jobs import Job

__all__ = ["JobInterrupted", "SelectorWatch", "Watchdog"]

class JobInterrupted(Exception):
    """Ctrl-C stopped a job that was blocking the prompt."""

    def __init__(self, message: str = "Ctrl-C stopped it: it was blocking the prompt"):
        super().__init__(message)


class SelectorWatch:
    """Stands in for a loop's selector and notes when the loop stops
    waiting: ``busy_since`` is ``None`` while the loop waits for events, and
    the time it woke while it runs callbacks and task steps."""

    def __init__(self, selector):
        self.selector = selector
        self.busy_since: float | None = time.monotonic()
        self._select = selector.select
        # The loop calls these on every I/O event: the selector's own.
        self.get_key = selector.get_key
        self.register = selector.register
        self.unregister = selector.unregister
        self.modify = selector.modify
        self.get_map = selector.get_map

    def select(self, timeout=None):
        self.busy_since = None
        ready = self._select(timeout)
        self.busy_since = time.monotonic()
        return ready

    def __getattr__(self, name):
        return getattr(self.selector, name)


#: Stands for the tasks of a loop iteration none of which held it for long.
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


class Watchdog:
    """A daemon thread that watches the loop while the user is at the prompt.

    It wakes every ``threshold / 2`` seconds while armed (at the prompt) and
    only reads a timestamp: it never schedules anything on the loop, so a
    healthy loop does not know it is there.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, threshold: Callable[[], float]):
        self.loop = loop
        self.threshold = threshold
        self.watch: SelectorWatch | None = None
        self._armed = threading.Event()
        self._stopped = False
        self._reported: float | None = None
        self._named = None  # the task named as blocking, while it blocks
        self._thread: threading.Thread | None = None
        self._main = threading.main_thread().ident

    # -- life ------------------------------------------------------------------

    def start(self) -> bool:
        """Watch the loop; False if its kind cannot be watched (uvloop)."""
        selector = get_selector(self.loop)
        if selector is None:
            return False
        # asyncio has no hook for "the loop woke up"; its selector is the one
        # object every loop iteration passes through, so we stand in for it.
        if not isinstance(selector, SelectorWatch):
            selector = SelectorWatch(selector)
            set_selector(self.loop, selector)
        self.watch = selector
        self._thread = threading.Thread(target=self._run, name="ipython_bg-watchdog", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stopped = True
        self._armed.set()
        if self.watch is not None and get_selector(self.loop) is self.watch:
            set_selector(self.loop, self.watch.selector)

    def arm(self) -> None:
        """The user is at the prompt: watch."""
        self._armed.set()

    def disarm(self) -> None:
        """A cell runs: the loop is the cell's business."""
        self._armed.clear()

    # -- watching ----------------------------------------------------------------

    def _run(self) -> None:
        seen = None  # (busy_since, current task) at the previous look
        while not self._stopped:
            self._armed.wait()
            threshold = self.threshold()
            time.sleep(max(threshold, 0.05) / 2)
            if self._stopped or not self._armed.is_set() or threshold <= 0:
                continue
            busy = self.watch.busy_since
            task = asyncio.current_task(self.loop) if busy is not None else None
            previous, seen = seen, (busy, task)
            if busy is None or busy == self._reported or time.monotonic() - busy < threshold:
                continue
            if task is not None and previous != (busy, task):
                # The loop has been busy since ``busy``, but this task was not
                # running at the last look: it may be one short step among
                # thousands (a burst of jobs), innocent of the freeze.
                if previous is None or previous[0] != busy or previous[1] is None:
                    continue  # look again: a blocking task will still be there
                task = _MANY
            self._reported, self._named = busy, task
            self._say_frozen(task, time.monotonic() - busy)
            if _interruptible(task):
                self._listen_for_ctrl_c(task, busy)

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

    def _listen_for_ctrl_c(self, task, busy: float) -> None:
        """In raw mode Ctrl-C is a byte: read the terminal while frozen."""
        try:
            import termios
        except ImportError:
            return
        try:
            fd = sys.__stdin__.fileno()
            raw = not termios.tcgetattr(fd)[3] & termios.ICANON
        except (termios.error, OSError, ValueError, AttributeError):  # not a terminal
            return
        if not raw:
            return  # cooked: Ctrl-C arrives as SIGINT, see on_sigint
        while not self._stopped and self.watch.busy_since == busy:
            readable, _, _ = select.select([fd], [], [], 0.1)
            if readable and b"\x03" in os.read(fd, 1024):
                if self.watch.busy_since == busy and asyncio.current_task(self.loop) is task:
                    self._raise_in_main_thread()
                return

    def _raise_in_main_thread(self) -> None:
        # The job runs in the main thread and will not look up.
        raise_in_thread(self._main, JobInterrupted)

    def on_sigint(self, signum, frame) -> None:
        """SIGINT between cells: stop the job holding the loop, if any."""
        task = asyncio.current_task(self.loop) if self.loop.is_running() else None
        # Only the job named as blocking: any other was caught in one short
        # step, among many, by this Ctrl-C.
        if _interruptible(task) and task is self._named and self.watch.busy_since == self._reported:
            raise JobInterrupted()
        # Nothing of ours runs: leave the prompt alone (raising here would
        # break prompt_toolkit half-way, as in IPython issue 13737).
