"""Waiting for jobs: in the foreground where the loop is free, from another
thread, or awaiting where the loop already runs the caller.

A part of :class:`~ipython_bg.engine.control.JobControl`, which provides
``home_loop``, ``runner`` and ``keep``.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Iterable

from ipython_bg._internals import running_loop
from ipython_bg.engine.foreground import (
    LEAVE,
    ForegroundInterrupt,
    ForegroundSuspended,
    ForegroundTimeout,
    JobCancelled,
    failed_with,
    interrupt_waits,
    results,
)
from ipython_bg.engine.other_threads import wait_in_thread
from ipython_bg.model.job import Job

__all__ = ["Waits", "running_loop"]


class Waits:
    """The waiting side of a JobControl."""

    def can_block(self) -> bool:
        """Whether a wait here may run the job loop: not where a loop already
        runs this thread (the job loop in a kernel or an await cell, or
        another inside ``asyncio.run``).  Checked before a job is made, so a
        refused wait has started nothing."""
        return running_loop() is None and not self.home_loop().is_running()

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
            job.begin_wait()
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
                job.end_wait()
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
        :meth:`in_other_thread`).  Jobs still running at ``timeout`` go on in the table."""
        __tracebackhide__ = True  # the job's failure shows the job's frames
        return wait_in_thread(list(jobs), timeout, self.keep)

    async def wait_async(self, jobs: list[Job], *, timeout: float | None = None) -> list:
        """:meth:`wait` for a caller already running on the loop.  If the
        caller is cancelled (a kernel interrupt), the jobs are cancelled and
        given a moment to run their ``finally`` blocks first."""
        __tracebackhide__ = True  # the job's failure shows the job's frames
        here = contextvars.copy_context()  # the waiting cell's: the jobs write there meanwhile
        for job in jobs:
            job.begin_wait()
            job.show_output_in(here)
        try:
            _, pending = await asyncio.wait(jobs, timeout=timeout)
        except asyncio.CancelledError:
            if interrupt_waits(jobs) == LEAVE:
                for job in jobs:
                    if not job.done():
                        job.end_wait()
                        self.keep(job)
            stopping = [job for job in jobs if job.cancel_requested and not job.done()]
            if stopping:
                await asyncio.wait(stopping, timeout=1.0)
            raise
        finally:
            for job in jobs:
                job.show_output_in(None)
        if pending:
            for job in jobs:
                job.end_wait()
                self.keep(job)
            raise ForegroundTimeout(jobs[0] if len(jobs) == 1 else jobs, timeout)
        return results(jobs)

