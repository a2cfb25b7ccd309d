"""The least a job could cost, as a reference for the overhead benchmark.

:class:`LeastJob` is an ``asyncio.Task`` subclass holding what a Job holds
(an id, its source, its times, its context and an output record).  Its
coroutine is wrapped so that the job is named in a context variable while
it runs and its end is noted within its last step; a table files it by
id, and the ends of one loop iteration are reported in one callback.

That is all: no loop lookup, no thread check, no listeners, no unwrapping
of failures, nothing for options or verbs.  Any job that has an identity,
keeps its output and tells of its end has to pay at least this much over
a bare task, written as plainly as :class:`ipython_bg.model.job.Job` is, so the
gap between this and a bare task is what no plain-code job can avoid.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import itertools
import sys
import time

RUNNING: contextvars.ContextVar = contextvars.ContextVar("least_job", default=None)


class LeastOutput:
    __slots__ = ("limit", "size", "chunks")

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.chunks: list = []


class LeastTable:
    """Jobs by id, and their ends reported once per loop iteration."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.jobs: dict[int, LeastJob] = {}
        self._ids = itertools.count(1)
        self._ended: collections.deque = collections.deque()
        self._scheduled = False

    def start(self, coro) -> LeastJob:
        job = LeastJob(coro, loop=self.loop, source=f"{coro.__qualname__}()", table=self)
        job.id = next(self._ids)
        self.jobs[job.id] = job
        return job

    def ended(self, job: LeastJob) -> None:
        self._ended.append(job)
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self._report)

    def _report(self) -> None:
        self._scheduled = False
        while self._ended:
            self._ended.popleft()  # where a Job's end goes to its history and listeners


class LeastJob(asyncio.Task):
    __slots__ = ("id", "source", "started", "ended", "context", "output", "table")

    def __init__(self, coro, *, loop, source: str, table: LeastTable):
        self.context = context = contextvars.copy_context()
        self.output = LeastOutput(100_000)
        if sys.version_info >= (3, 11):
            super().__init__(_named(self, coro), loop=loop, name=source, context=context)
        else:  # Task(context=) is new in 3.11
            super().__init__(_named(self, coro), loop=loop, name=source)
        self.id = None
        self.source = source
        self.started = time.monotonic()
        self.ended = None
        self.table = table


async def _named(job: LeastJob, coro):
    token = RUNNING.set(job)
    try:
        return await coro
    finally:
        RUNNING.reset(token)
        job.ended = time.monotonic()
        job.table.ended(job)
