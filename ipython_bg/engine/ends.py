"""Jobs' ends, reported in batches: every job that ends in one loop
iteration is reported by one callback, however many there are.

A job notes its end within its own last step (so a failure's traceback is
kept as it was); the report runs right after, on the loop's thread, and
tells each listener about each job in the context the job ended in (in a
kernel, that of the cell that started it).  A burst of thousands is told
in slices, so that the prompt (and Ctrl-C) gets the loop in between.
"""

from __future__ import annotations

import asyncio
import collections
import sys
from typing import Callable

from ipython_bg.model.job import Job
from ipython_bg.model.output import CURRENT
from ipython_bg.model.table import JobTable
from ipython_bg.model.tracebacks import describe_exception

__all__ = ["EndReports"]


class EndReports:
    """Tells ``listeners`` of every job of ``table`` that ends."""

    #: Ends told per loop callback.
    slice = 5000

    def __init__(self, table: JobTable):
        self.table = table
        self.listeners: list[Callable[[Job], object]] = []
        self._ended: collections.deque[Job] = collections.deque()
        self._scheduled = False
        self._sliced = False

    @property
    def reporting(self) -> bool:
        """True while a burst of ends too big for one callback is being
        told, slice by slice (the last slice is not told yet)."""
        return self._sliced

    def ended(self, job: Job) -> None:
        """``job`` ends: called within its last step, so the job is done
        only once that returns."""
        if not self._scheduled:
            loop = job.get_loop()
            if loop.is_closed():  # closed under the job, as at exit: nobody is left to tell
                return
            self._scheduled = True
            loop.call_soon(self._report)
        self._ended.append(job)

    def _report(self) -> None:
        ended = self._take()
        self._sliced = bool(self._ended)
        if self._sliced:
            ended[-1].get_loop().call_soon(self._report)
        else:
            self._scheduled = False
        self._tell(ended)

    def finish(self) -> None:
        """Tell every end not told yet, now: for a loop that may not run
        again soon (a shell whose loop runs only in the foreground)."""
        self._sliced = False
        while self._ended:
            self._tell(self._take())

    def _take(self) -> list[Job]:
        return [self._ended.popleft() for _ in range(min(len(self._ended), self.slice))]

    def _tell(self, ended: list[Job]) -> None:
        # Ranked as they ran: once finished, another job may be current.
        markers = self.table.markers()
        self.table.mark_finished(ended)
        for job in ended:
            job.end_reported(markers.get(job.id, ""))
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
                    print(f"ipython_bg: reporting job {job.id} failed: {describe_exception(exc)}", file=sys.stderr)
