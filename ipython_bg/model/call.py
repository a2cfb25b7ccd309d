"""A call handed to a worker (a thread, a process, an executor), and the
job whose code runs here, a thread job's call included."""

from __future__ import annotations

import time
from concurrent.futures import Future as ConcurrentFuture
from typing import Callable

from ipython_bg.model.job import Job, JobState, is_awaitable
from ipython_bg.model.output import CURRENT, JobOutput

__all__ = ["ThreadCall", "running_job"]


class ThreadCall:
    """A call handed to a worker: stamps when the worker really starts and ends.

    The job's own task learns the outcome only when the event loop next runs
    (the executor's future is chained to the loop by ``call_soon_threadsafe``);
    during a synchronous cell that can be long after the call ended, so the
    job reads its true state from here.
    """

    def __init__(self, func: Callable, args: tuple = (), kwargs: dict | None = None, context=None, output=None):
        self.func = func
        self.args = args
        self.kwargs = kwargs or {}
        self.context = context
        self.output: JobOutput | None = output
        self.started: float | None = None
        self.ended: float | None = None
        self.future: ConcurrentFuture | None = None
        # The call returned an awaitable, which the job then awaits.
        self.continued = False
        # Ends the work itself when the job is cancelled, where that can be
        # done (a process, a cluster task); a thread cannot be stopped.
        self.stop: Callable[[], object] | None = None
        # Where it runs, when the executor says (a Dask key, a worker).
        self.where: str | None = None
        self.job: Job | None = None
        # The context in which what a process sends back (output, progress)
        # is written here: one naming this call, so the job's output.
        self.echo = None
        # Told, in the worker's thread, when a worker takes the call (a
        # call the pool held for a free worker changes from pending).
        self.on_start: Callable[[], object] | None = None

    def mark_started(self) -> None:
        """A worker takes the call now; from the thread that runs it."""
        self.started = time.monotonic()
        on_start = self.on_start
        if on_start is not None:
            on_start()

    def _in_context(self):
        __tracebackhide__ = True
        token = CURRENT.set(self)
        try:
            return self.func(*self.args, **self.kwargs)
        finally:
            CURRENT.reset(token)  # the context would hold the call that holds it

    def state(self) -> JobState:
        """Where the call is, by its executor's future: the worker may have
        finished while the loop (which tells the job) was not running."""
        future = self.future
        if not future.running() and not future.done():
            # Our own pools say whether their limit holds the call, or a
            # worker just has not taken it yet; another executor cannot.
            return JobState.PENDING if getattr(future, "held", True) else JobState.RUNNING
        if future.done():
            if future.cancelled():
                return JobState.CANCELLED
            if future.exception() is not None:
                return JobState.FAILED
            if not is_awaitable(future.result()):
                return JobState.DONE
        return JobState.RUNNING

    def __call__(self):
        __tracebackhide__ = True
        self.mark_started()
        try:
            if self.context is None:
                return self.func(*self.args, **self.kwargs)
            return self.context.run(self._in_context)
        finally:
            self.ended = time.monotonic()


def running_job() -> Job | None:
    """The job whose code runs here (a thread job's too), or None."""
    running = CURRENT.get()
    if isinstance(running, ThreadCall):
        return running.job
    return running if isinstance(running, Job) else None  # a process job's writer is no job
