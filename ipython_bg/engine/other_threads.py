"""The job loop used from a thread that does not run it: a thread job
calling ``run_in_background`` or ``run_in_foreground``, a ``%fg`` in a
``%%bg`` cell that runs in a thread.

Such a thread never runs the loop itself: the loop belongs to the thread
that runs the prompt or the kernel, and a second thread running it crashes
that one ("This event loop is already running").  What touches the loop
(making a task, the job table) is handed to the loop's own thread; a wait
is a plain threading wait for the job's end, which the loop's thread
reports.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future
from typing import Callable, Iterable, TypeVar

from ipython_bg.engine.foreground import ForegroundTimeout, results
from ipython_bg.model.call import running_job
from ipython_bg.model.job import Job

__all__ = ["in_loop_thread", "refuse_own", "wait_for_end", "wait_in_thread"]

T = TypeVar("T")


def in_loop_thread(loop: asyncio.AbstractEventLoop, function: Callable[[], T]) -> T:
    """``function()``, called in the thread that runs ``loop`` when it next
    runs, from a thread that does not; returns what it returns or raises
    what it raises.

    This thread waits for the loop's turn: at once in a kernel, or at a
    terminal's prompt; after a synchronous cell, or in a shell whose loop
    runs only in the foreground, until the next ``%fg``.  The job table and
    the loop are then only ever touched by their own thread."""
    outcome: Future = Future()

    def run() -> None:
        try:
            outcome.set_result(function())
        except BaseException as exc:  # carried to the waiting thread
            outcome.set_exception(exc)

    # The callback runs in a copy of this thread's context: a job made
    # there belongs to the cell that started this thread's job.
    loop.call_soon_threadsafe(run)
    return outcome.result()


def wait_for_end(loop: asyncio.AbstractEventLoop, job: asyncio.Future, timeout: float | None) -> bool:
    """Wait in this thread until ``job`` (on ``loop``) is done, at most
    ``timeout`` seconds; whether it is.  The loop's thread hears the end
    (a done job's callback runs too, at the loop's next turn)."""
    ended = threading.Event()
    loop.call_soon_threadsafe(job.add_done_callback, lambda _: ended.set())
    return ended.wait(timeout)


def wait_in_thread(jobs: list[Job], timeout: float | None, keep: Callable[[Job], object]) -> list:
    """Wait here for every job's end and return their results in order
    (the first failure raised); at ``timeout``, ForegroundTimeout, and each
    job goes on in the background, ``keep`` filing it (on the loop)."""
    __tracebackhide__ = True  # the job's failure shows the job's frames
    refuse_own(jobs)
    for job in jobs:
        job.begin_wait()
    deadline = None if timeout is None else time.monotonic() + timeout
    for job in jobs:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not wait_for_end(job.get_loop(), job, left):
            for each in jobs:
                each.end_wait()
                each.get_loop().call_soon_threadsafe(keep, each)
            raise ForegroundTimeout(jobs[0] if len(jobs) == 1 else jobs, timeout)
    return results(jobs)


def refuse_own(jobs: Iterable[Job]) -> None:
    """ValueError if the job running here is among ``jobs``: waiting for
    itself, it would never end."""
    own = running_job()
    if own is not None and any(job is own for job in jobs):
        raise ValueError(f"job {own.id} ({own.source}) cannot wait for itself: it would never end")
