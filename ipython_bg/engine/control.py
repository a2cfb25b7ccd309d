"""Starting jobs and waiting for them: the engine behind the magics.

It needs no IPython; the extension gives its :class:`JobControl` IPython's
loop and listens for finished jobs (:mod:`ipython_bg.api` has the
module-level functions of Nick Coghlan's proposal).

A job comes in one of two ways: :meth:`JobControl.start` for an awaitable,
:meth:`JobControl.start_call` for a call and the executor it goes to.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import sys
import threading
import types
from typing import Any, Callable, Iterable

from ipython_bg._internals import running_loop
from ipython_bg.engine.calls import finish_call, submit
from ipython_bg.engine.foreground import (
    LEAVE,
    ForegroundInterrupt,
    ForegroundRunner,
    ForegroundSuspended,
    ForegroundTimeout,
    JobCancelled,
    failed_with,
    interrupt_waits,
    results,
    run_until_done,
)
from ipython_bg.engine.other_threads import in_loop_thread, wait_in_thread
from ipython_bg.engine.pools import DaemonThreadPool, ForkPool
from ipython_bg.model.job import Job, ThreadCall, is_awaitable
from ipython_bg.model.output import CURRENT, JobOutput
from ipython_bg.model.table import JobTable
from ipython_bg.model.tracebacks import describe_exception

__all__ = ["JobControl", "describe"]


def describe(target: Any) -> str:
    """Short source-like text for a target given without its source."""
    if asyncio.iscoroutine(target):
        return f"{getattr(target, '__qualname__', type(target).__name__)}()"
    if isinstance(target, functools.partial):
        return repr(target)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if callable(target) and name:
        return name
    return repr(target)


async def _await(awaitable):
    return await awaitable


class JobControl:
    """Jobs on one event loop: start them, wait for them, hear when they end.

    ``get_loop`` returns the loop jobs run on (IPython's, in IPython).
    Callables run on a pool of ``worker_threads`` daemon threads unless an
    executor is given.  Every finished job is passed to each function in
    ``listeners``, on the loop's thread, in the context the job ended in (in
    a kernel, that of the cell that started it).
    ``home`` is the loop's thread, if known (crossing.py says why).
    """

    def __init__(
        self,
        get_loop: Callable[[], asyncio.AbstractEventLoop] | None = None,
        *,
        history: int = 1000,
        worker_threads: int = 32,
        process_workers: int | None = None,
    ):
        self.get_loop = get_loop or _default_loop
        self.table = JobTable(history)
        self.listeners: list[Callable[[Job], object]] = []
        self.runner = ForegroundRunner(self.get_loop)
        self.threads = DaemonThreadPool(worker_threads)
        self.process_workers = process_workers
        self._processes: ForkPool | None = None
        self._ended: collections.deque[Job] = collections.deque()
        self._report_scheduled = False
        self._sliced = False
        self._on_end = self._job_ended  # one bound method for every job
        self.output_limit, self.quiet = 100_000, False  # for new jobs' outputs (output.py)
        self.home: threading.Thread | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop jobs start on: the running one, else ``get_loop()``'s."""
        return running_loop() or self.get_loop()

    def off_loop(self) -> bool:
        """Whether this thread must leave the job loop to its own thread:
        it is not ``home`` (or, that unknown, a thread job's, or the loop
        runs elsewhere) and runs no loop of its own (``asyncio.run``)."""
        return running_loop() is None and self._elsewhere(self.get_loop())

    def _elsewhere(self, loop: asyncio.AbstractEventLoop) -> bool:
        # off_loop, for a thread known to run no loop.
        if self.home is not None:
            return threading.current_thread() is not self.home
        return loop.is_running() or isinstance(CURRENT.get(), ThreadCall)

    @property
    def processes(self) -> ForkPool:
        """The extension's own process pool (made on first use)."""
        if self._processes is None:
            self._processes = ForkPool(self.process_workers)
        return self._processes

    def set_worker_threads(self, count: int) -> None:
        self.threads.max_workers = count

    def set_process_workers(self, count: int | None) -> None:
        self.process_workers = count
        if self._processes is not None:
            self._processes.max_workers = count or self._processes.default_workers()

    # -- the two ways in ---------------------------------------------------

    def start(self, awaitable, *, source: str | None = None, origin: str | None = None, keep: bool = True) -> Job:
        """A job for a coroutine, future or other awaitable, scheduled on the
        loop; in the table unless ``keep`` is false (a foreground job, kept
        only if it outlives its wait).  A Job is taken as it is."""
        loop = running_loop()
        if loop is None:
            loop = self.get_loop()
            if self._elsewhere(loop):
                return in_loop_thread(loop, functools.partial(self._start, awaitable, loop, source, origin, keep))
        return self._start(awaitable, loop, source, origin, keep)

    def _start(self, awaitable, loop, source: str | None, origin: str | None, keep: bool) -> Job:
        if isinstance(awaitable, Job):
            job = awaitable
        else:
            if isinstance(awaitable, types.CoroutineType):
                coro, source = awaitable, source or f"{awaitable.__qualname__}()"
            elif is_awaitable(awaitable):
                coro, source = _await(awaitable), source or describe(awaitable)
            else:
                raise TypeError(f"cannot run {type(awaitable).__name__} in the background: give an awaitable")
            output = JobOutput(self.output_limit, self.quiet)
            job = Job(coro, loop=loop, source=source, origin=origin, output=output)
        if keep:
            self.keep(job)
        return job

    def start_call(
        self,
        func: Callable,
        args: tuple = (),
        kwargs: dict | None = None,
        *,
        executor=None,
        source: str | None = None,
        origin: str | None = None,
        keep: bool = True,
    ) -> Job:
        """A job for ``func(*args, **kwargs)`` on ``executor`` (default: the
        worker threads), which starts on a worker now.  TypeError if a
        process pool cannot take the call."""
        loop = running_loop()
        if loop is None:
            loop = self.get_loop()
            if self._elsewhere(loop):
                start = functools.partial(self._start_call, func, args, kwargs, executor, loop, source, origin, keep)
                return in_loop_thread(loop, start)
        return self._start_call(func, args, kwargs, executor, loop, source, origin, keep)

    def _start_call(self, func, args, kwargs, executor, loop, source, origin, keep) -> Job:
        output = JobOutput(self.output_limit, self.quiet)
        call, kind = submit(func, args, kwargs or {}, executor or self.threads, output)
        source = source or describe(func)
        job = Job(finish_call(call, loop), loop=loop, source=source, kind=kind, call=call, origin=origin, output=output)
        if keep:
            self.keep(job)
        return job

    def keep(self, job: Job) -> Job:
        """File ``job`` in the table and report its end once.  A job that was
        filed once (and maybe forgotten since) is left as it is."""
        if job.id is not None:
            return job
        job.on_end = self._on_end
        self.table.add(job)
        if job.done():
            job.note_end()
        return job

    # -- ends --------------------------------------------------------------

    #: Ends reported per loop callback: a burst of thousands is reported in
    #: slices, so that the prompt (and Ctrl-C) gets the loop in between.
    report_slice = 5000

    @property
    def reporting(self) -> bool:
        """True while a burst of ends too big for one callback is being
        reported, slice by slice (the last slice is not reported yet)."""
        return self._sliced

    def _job_ended(self, job: Job) -> None:
        # Called within the job's last step, so the job is done only once
        # that returns: one loop callback reports every job that ended
        # meanwhile, however many there are.
        if job.context is None:  # Python 3.10: the task's context, as it ends
            job.context = contextvars.copy_context()
        if not self._report_scheduled:
            loop = job.get_loop()
            if loop.is_closed():  # closed under the job, as at exit: nobody is left to tell
                return
            self._report_scheduled = True
            loop.call_soon(self._report)
        self._ended.append(job)

    def _report(self) -> None:
        ended = self._take()
        self._sliced = bool(self._ended)
        if self._sliced:
            ended[-1].get_loop().call_soon(self._report)
        else:
            self._report_scheduled = False
        self._tell(ended)

    def finish_reports(self) -> None:
        """Report every end not reported yet, now: for a loop that may not
        run again soon (a shell whose loop runs only in the foreground)."""
        self._sliced = False
        while self._ended:
            self._tell(self._take())

    def _take(self) -> list[Job]:
        return [self._ended.popleft() for _ in range(min(len(self._ended), self.report_slice))]

    def _tell(self, ended: list[Job]) -> None:
        # Ranked as they ran: once finished, another job may be current.
        markers = self.table.markers()
        self.table.mark_finished(ended)
        for job in ended:
            job.end_marker = markers.get(job.id, "")
            context = job.context
            if context.get(CURRENT) is not None:
                # Ended where another job's output is current (cancelled
                # before its first step, by that job): the notice is not its.
                context.run(CURRENT.set, None)
            if not job.cancelled():
                # Retrieving the exception keeps asyncio from logging "Task
                # exception was never retrieved": the listeners report it.
                asyncio.Task.exception(job)  # the task's own: what it ended with is not needed here
            for listener in self.listeners:
                try:
                    context.run(listener, job)
                except Exception as exc:  # one failing listener never stops the rest
                    print(
                        f"ipython_bg: reporting job {job.id} failed: {describe_exception(exc)}",
                        file=sys.stderr,
                    )

    def on_loop(self, function: Callable[[], Any]):
        """``function()``, called where asyncio sees the job loop running.

        In a kernel the loop already runs the cell; elsewhere it is run for
        the one step this takes (ready background callbacks run too).
        """
        loop = self.get_loop()
        if loop.is_running():
            return function()

        async def call():
            return function()

        return loop.run_until_complete(call())

    # -- waiting -------------------------------------------------------------

    def can_block(self) -> bool:
        """Whether a wait here may run the job loop: not where a loop already
        runs this thread (the job loop in a kernel or an await cell, or
        another inside ``asyncio.run``).  Checked before a job is made, so a
        refused wait has started nothing."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return not self.get_loop().is_running()
        return False

    def foreground(self, job: Job, *, timeout: float | None = None, suspendable: bool = False):
        """Wait for a job made with ``keep=False`` and return its result; if
        the wait stops first (``timeout``, or Ctrl-Z when ``suspendable``)
        the job goes on in the background, in the table."""
        __tracebackhide__ = True  # the job's failure shows the job's frames
        try:
            return self.wait([job], timeout=timeout, suspendable=suspendable)[0]
        except (ForegroundTimeout, ForegroundSuspended):
            self.keep(job)
            raise
        except ForegroundInterrupt:
            if not job.done():  # a thread's call, which Ctrl-C cannot stop
                self.keep(job)
            raise

    def wait(self, jobs: Iterable[Job], *, timeout: float | None = None, suspendable: bool = False) -> list:
        """Wait for every job and return their results in order.

        The first failure is raised once all have ended.  Ctrl-C cancels
        the jobs waited for, as ``fg`` then Ctrl-C would in a shell.
        """
        __tracebackhide__ = True  # the job's failure shows the job's frames
        jobs = list(jobs)
        for job in jobs:
            job.waited = True
        gathered = asyncio.gather(*jobs, return_exceptions=True) if len(jobs) > 1 else jobs[0]
        try:
            self.runner.run(
                gathered,
                timeout=timeout,
                suspendable=suspendable,
                interrupt=lambda: interrupt_waits(jobs),
            )
        except (ForegroundTimeout, ForegroundSuspended, ForegroundInterrupt) as stopped:
            for job in jobs:
                job.waited = False
            stopped.job = jobs[0] if len(jobs) == 1 else jobs
            raise
        except asyncio.CancelledError:
            for job in jobs:
                if job.cancelled():
                    raise JobCancelled(job) from None
            raise
        except Exception:
            if not all(job.done() for job in jobs):
                raise
        except BaseException as exc:
            # A job's own SystemExit or odd BaseException (not a second
            # Ctrl-C): raised by results(), in the job's frames, not ours.
            if not failed_with(jobs, exc):
                raise
        return results(jobs)

    def wait_from_thread(self, jobs: Iterable[Job], *, timeout: float | None = None) -> list:
        """:meth:`wait` for a thread that must not run the loop (see
        :meth:`off_loop`).  Jobs still running at ``timeout`` go on in the table."""
        __tracebackhide__ = True  # the job's failure shows the job's frames
        return wait_in_thread(list(jobs), timeout, self.keep)

    async def wait_async(self, jobs: list[Job], *, timeout: float | None = None) -> list:
        """:meth:`wait` for a caller already running on the loop.  If the
        caller is cancelled (a kernel interrupt), the jobs are cancelled and
        given a moment to run their ``finally`` blocks first."""
        __tracebackhide__ = True  # the job's failure shows the job's frames
        for job in jobs:
            job.waited = True
        try:
            _, pending = await asyncio.wait(jobs, timeout=timeout)
        except asyncio.CancelledError:
            if interrupt_waits(jobs) == LEAVE:
                for job in jobs:
                    if not job.done():
                        job.waited = False
                        self.keep(job)
            stopping = [job for job in jobs if job.cancel_requested and not job.done()]
            if stopping:
                await asyncio.wait(stopping, timeout=1.0)
            raise
        if pending:
            for job in jobs:
                job.waited = False
                self.keep(job)
            raise ForegroundTimeout(jobs[0] if len(jobs) == 1 else jobs, timeout)
        return results(jobs)

    # -- leaving -------------------------------------------------------------

    def cancel_all(self, timeout: float = 2.0) -> list[Job]:
        """Cancel every unfinished job and, where the loop is free, give
        their ``finally`` blocks up to ``timeout`` seconds to run."""
        running = self.table.running()
        for job in running:
            job.cancel()
        loop = self.get_loop()
        if running and not loop.is_running() and not loop.is_closed():
            run_until_done(loop, loop.create_task(asyncio.wait(running, timeout=timeout)))
        return running

    def close(self) -> None:
        """Stop the worker pools: threads are daemons and never hold the
        exit; processes are terminated."""
        self.threads.shutdown(wait=False, cancel_futures=True)
        if self._processes is not None:
            self._processes.shutdown(wait=True, cancel_futures=True)
            self._processes = None


_plain_loop: asyncio.AbstractEventLoop | None = None


def _default_loop() -> asyncio.AbstractEventLoop:
    """One loop for this process, made on first use."""
    global _plain_loop
    if _plain_loop is None or _plain_loop.is_closed():
        _plain_loop = asyncio.new_event_loop()
    return _plain_loop
