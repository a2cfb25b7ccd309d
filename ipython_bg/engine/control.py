"""Starting jobs and waiting for them: the engine behind the magics.

It needs no IPython; the extension gives its :class:`JobControl` IPython's
loop and listens for finished jobs (:mod:`ipython_bg.api` has the
module-level functions of Nick Coghlan's proposal).

A job comes in one of two ways: :meth:`JobControl.start` for an awaitable,
:meth:`JobControl.start_call` for a call and the executor it goes to.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import types
from typing import Any, Callable

from ipython_bg.engine.calls import finish_call, submit
from ipython_bg.engine.ends import EndReports
from ipython_bg.engine.foreground import (
    ForegroundRunner,
    run_until_done,
)
from ipython_bg.engine.other_threads import in_loop_thread
from ipython_bg.engine.pools import DaemonThreadPool, ForkPool
from ipython_bg.engine.waits import Waits, running_loop
from ipython_bg.model.call import ThreadCall
from ipython_bg.model.job import Job, is_awaitable
from ipython_bg.model.output import CURRENT, JobOutput
from ipython_bg.model.table import JobTable

__all__ = ["Defaults", "JobControl", "describe"]


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


class Defaults:
    """The settings a JobControl reads where the extension gives none
    (plain Python): the same names as the extension's traits."""

    def __init__(self, history=1000, worker_threads=32, process_workers=0, output_limit=100_000, quiet=False):
        self.history = history
        self.worker_threads = worker_threads
        self.process_workers = process_workers
        self.output_limit = output_limit
        self.quiet = quiet


class JobControl(Waits):
    """Jobs on one event loop: start them, wait for them, hear when they end.

    ``home_loop()`` returns the loop jobs run on (IPython's, in IPython),
    whichever thread asks; ``settings`` has the extension's settings as
    attributes (:class:`Defaults` without it), read when they are needed.
    Callables run on a pool of ``worker_threads`` daemon threads unless an
    executor is given.  Every finished job is told to each function in
    ``listeners`` (:mod:`~ipython_bg.engine.ends`).  ``home`` is the loop's
    thread, if known (other_threads.py says why).
    """

    def __init__(self, home_loop: Callable[[], asyncio.AbstractEventLoop] | None = None, *, settings=None):
        self.home_loop = home_loop or _default_loop
        self.settings = settings if settings is not None else Defaults()
        self.table = JobTable(self.settings.history)
        self.ends = EndReports(self.table)
        # One bound method for every job to keep, not one each: a job is
        # then one object fewer for the garbage collector to look at.
        self._tell_end = self.ends.ended
        self.listeners = self.ends.listeners
        self.runner = ForegroundRunner(self.home_loop)
        self.threads = DaemonThreadPool(self.settings.worker_threads)
        self._processes: ForkPool | None = None
        self.home: threading.Thread | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop a job started here runs on: the one running in this
        thread (``asyncio.run`` in a thread job), else the home loop."""
        return running_loop() or self.home_loop()

    def in_other_thread(self) -> bool:
        """Whether this thread must leave the home loop to its own thread:
        it runs no loop of its own and is not ``home`` (that unknown: the
        loop runs elsewhere, or this is a thread job's worker)."""
        return running_loop() is None and self._not_home(self.home_loop())

    def _not_home(self, loop: asyncio.AbstractEventLoop) -> bool:
        if self.home is not None:
            return threading.current_thread() is not self.home
        return loop.is_running() or isinstance(CURRENT.get(), ThreadCall)

    @property
    def processes(self) -> ForkPool:
        """The extension's own process pool (made on first use)."""
        if self._processes is None:
            self._processes = ForkPool(self.settings.process_workers or None)
        return self._processes

    def set_worker_threads(self, count: int) -> None:
        self.threads.max_workers = count

    def set_process_workers(self, count: int) -> None:
        if self._processes is not None:
            self._processes.max_workers = count or self._processes.default_workers()

    def new_output(self, quiet: bool = False) -> JobOutput:
        """What a new job keeps of its output, as the settings say now."""
        return JobOutput(self.settings.output_limit, self.settings.quiet or quiet)

    # -- the two ways in ---------------------------------------------------

    def start(
        self, awaitable, *, source: str | None = None, origin: str | None = None, keep: bool = True, quiet: bool = False
    ) -> Job:
        """A job for a coroutine, future or other awaitable, scheduled on the
        loop; in the table unless ``keep`` is false (a foreground job, kept
        only if it outlives its wait).  A Job is taken as it is."""
        loop = self._loop_here()
        if loop is None:
            loop = self.home_loop()
            return in_loop_thread(loop, functools.partial(self._start, awaitable, source, origin, keep, quiet, loop))
        return self._start(awaitable, source, origin, keep, quiet, loop)

    def _loop_here(self) -> asyncio.AbstractEventLoop | None:
        """The loop a job may be made on in this thread: the one running
        here, else the home loop; None where this thread must leave the
        home loop to its own thread (which then makes the job)."""
        loop = running_loop()
        if loop is None:
            loop = self.home_loop()
            if self._not_home(loop):
                return None
        return loop

    def _start(self, awaitable, source, origin, keep, quiet, loop) -> Job:
        if isinstance(awaitable, Job):
            job = awaitable
        else:
            if isinstance(awaitable, types.CoroutineType):
                coro, source = awaitable, source or f"{awaitable.__qualname__}()"
            elif is_awaitable(awaitable):
                coro, source = _await(awaitable), source or describe(awaitable)
            else:
                raise TypeError(f"cannot run {type(awaitable).__name__} in the background: give an awaitable")
            job = Job(coro, loop=loop, source=source, origin=origin, output=self.new_output(quiet))
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
        quiet: bool = False,
    ) -> Job:
        """A job for ``func(*args, **kwargs)`` on ``executor`` (default: the
        worker threads), which starts on a worker now.  TypeError if a
        process pool cannot take the call."""
        loop = self._loop_here()
        if loop is None:
            loop = self.home_loop()
            make = functools.partial(self._start_call, func, args, kwargs, executor, source, origin, keep, quiet, loop)
            return in_loop_thread(loop, make)
        return self._start_call(func, args, kwargs, executor, source, origin, keep, quiet, loop)

    def _start_call(self, func, args, kwargs, executor, source, origin, keep, quiet, loop) -> Job:
        output = self.new_output(quiet)
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
        job.tell_end_to(self._tell_end)
        self.table.add(job)
        if job.done():
            job.note_end()
        return job

    @property
    def reporting(self) -> bool:
        """Whether a burst of ends is being reported, slice by slice."""
        return self.ends.reporting

    def finish_reports(self) -> None:
        """Report every end not reported yet (see :mod:`~ipython_bg.engine.ends`)."""
        self.ends.finish()

    def call_with_loop_running(self, function: Callable[[], Any]):
        """``function()``, called where asyncio sees the job loop running.

        In a kernel the loop already runs the cell; elsewhere it is run for
        the one step this takes (ready background callbacks run too).
        """
        loop = self.home_loop()
        if loop.is_running():
            return function()

        async def call():
            return function()

        return loop.run_until_complete(call())

    # -- leaving -------------------------------------------------------------

    def cancel_all(self, timeout: float = 2.0) -> list[Job]:
        """Cancel every unfinished job and, where the loop is free, give
        their ``finally`` blocks up to ``timeout`` seconds to run."""
        running = self.table.running()
        for job in running:
            job.cancel()
        loop = self.home_loop()
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
