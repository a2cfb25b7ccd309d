"""The job model: what a background job is, and the table that holds them.

Nothing here knows about IPython.  A :class:`Job` *is* an
:class:`asyncio.Task` (a subclass, not a wrapper), so asyncio treats it as
the future it is: ``await job``, ``asyncio.wait([j1, j2])``,
``asyncio.gather``, ``job.result()``, ``job.cancel()`` all work, and a job
costs no more than the task it runs in.  A second future chained to the
task by a callback would double the per-job work for no gain.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import enum
import itertools
import operator
import os
import re
import sys
import time
import traceback
import types
from concurrent.futures import Future as ConcurrentFuture
from itertools import compress, repeat
from typing import Any, Callable, Iterable, Iterator

__all__ = [
    "Endings",
    "Job",
    "JobKind",
    "JobState",
    "JobTable",
    "NoSuchJob",
    "ThreadCall",
]


class JobState(enum.Enum):
    PENDING = "pending"      # waiting for a worker (thread, process, executor)
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class JobKind(enum.Enum):
    COROUTINE = "coroutine"
    THREAD = "thread"
    PROCESS = "process"
    EXECUTOR = "executor"
    DASK = "dask"


class NoSuchJob(LookupError):
    """A job spec matched no job (or matched several, for ``%name``)."""


class ThreadCall:
    """A call handed to a worker: stamps when the worker really starts and ends.

    The job's own task learns the outcome only when the event loop next runs
    (the executor's future is chained to the loop by ``call_soon_threadsafe``);
    during a synchronous cell that can be long after the call ended, so the
    job reads its true state from here.
    """

    __slots__ = ("func", "args", "kwargs", "context", "started", "ended", "future", "continued", "stop", "where")

    def __init__(self, func: Callable, args: tuple, kwargs: dict, context=None):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.context = context
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

    def __call__(self):
        self.started = time.monotonic()
        try:
            if self.context is None:
                return self.func(*self.args, **self.kwargs)
            return self.context.run(self.func, *self.args, **self.kwargs)
        finally:
            self.ended = time.monotonic()


_task_init = asyncio.Task.__init__
_monotonic = time.monotonic
_copy_context = contextvars.copy_context


class Job(asyncio.Task):
    """A background job: an asyncio Task with a shell-style identity.

    ``id`` is ``None`` until the job enters a :class:`JobTable`: at once
    if it is made with the table's :class:`Endings`, else by ``add()``.

    Making a job is most of what a job costs over a bare task, so every
    job sets only the slots below; what most jobs never change (``kind``,
    ``call``, ``waited``...) is a class attribute, and a job that changes
    one keeps it in the instance dict every Task already has (making that
    dict costs more than several slots).
    """

    __slots__ = ("id", "source", "origin", "assign_to", "started", "ended", "_endings")

    kind = JobKind.COROUTINE
    call: ThreadCall | None = None
    assign_error: BaseException | None = None
    # Someone waited for it in the foreground and got its outcome there.
    waited = False
    _failure_tb = None

    def __init__(
        self,
        coro,
        loop: asyncio.AbstractEventLoop,
        source: str,
        assign_to: str | None = None,
        origin: str | None = None,
        endings: Endings | None = None,
    ):
        # Named by its source, for whoever lists tasks by name (asyncio's
        # debug logs, aiomonitor): more use than Task's "Task-N", which
        # it would format for every job at 2% of a job's cost.
        _task_init(self, _tracked(self, coro), loop=loop, name=source)
        self.source = source
        self.started = _monotonic()
        self.ended: float | None = None
        # Slots, not class defaults: every job a magic starts has both.
        self.assign_to = assign_to
        self.origin = origin
        self._endings = endings  # where it reports its end
        if endings is None:
            self.id: int | None = None
        else:
            # Into the table its end is reported to, at once: what
            # JobTable.add does, inline, since nearly every job starts here
            # and a call costs 2% of a job.
            table = endings.table
            self.id = job_id = next(table._ids)
            table._jobs[job_id] = table._running[job_id] = self

    # -- ending ----------------------------------------------------------

    def _note_end(self, _=None) -> None:
        if self.ended is not None:
            return
        call = self.call
        if call is None or call.ended is None or call.continued:
            self.ended = _monotonic()
        else:
            self.ended = call.ended
        if self._endings is not None:
            self._endings.add(self)

    def cancel(self, msg=None) -> bool:
        if self.ended is not None:
            return super().cancel(msg)
        wrapper = self.get_coro()
        unstarted = wrapper.cr_frame is not None and not (wrapper.cr_running or wrapper.cr_suspended)
        # A task cancelled before its first step never enters _tracked:
        # its end is noted when the task is done.
        self.add_done_callback(self._note_end)
        cancelling = super().cancel(msg)
        if cancelling and unstarted:
            # Nor will it ever await the job's own coroutine (asyncio throws
            # the cancellation into the wrapper before its first line), so
            # close that here, or it would warn it was never awaited.
            wrapper.cr_frame.f_locals["coro"].close()
        return cancelling

    # -- state -----------------------------------------------------------

    @property
    def state(self) -> JobState:
        if self.done():
            if self.cancelled():
                return JobState.CANCELLED
            return JobState.FAILED if self.exception() is not None else JobState.DONE
        call = self.call
        if call is not None:
            future = call.future
            if future is not None and not future.running() and not future.done():
                return JobState.PENDING
            # The worker may have finished while the loop was not running.
            if future is not None and future.done():
                if future.cancelled():
                    return JobState.CANCELLED
                if future.exception() is not None:
                    return JobState.FAILED
                if not _is_awaitable(future.result()):
                    return JobState.DONE
        return JobState.RUNNING

    @property
    def outcome(self) -> tuple[JobState, Any, BaseException | None]:
        """``(state, result, exception)``, seen through an unfinished task
        to the worker's outcome where that is already known."""
        state = self.state
        if self.done():
            if state is JobState.DONE:
                return state, self.result(), None
            if state is JobState.FAILED:
                return state, None, self.exception()
            return state, None, None
        future = self.call.future if self.call is not None else None
        if state is JobState.DONE:
            return state, future.result(), None
        if state is JobState.FAILED:
            return state, None, future.exception()
        return state, None, None

    @property
    def elapsed(self) -> float:
        started = self.started
        ended = self.ended
        call = self.call
        if call is not None and call.future is not None and not (call.future.running() or call.future.done()):
            return 0.0
        if call is not None and call.started is not None:
            started = call.started
            if ended is None and call.ended is not None and self.state.finished:
                ended = call.ended
        return (ended if ended is not None else time.monotonic()) - started

    def format_traceback(self) -> str | None:
        """The failure's traceback as text, or ``None`` if the job did not fail."""
        state, _, exc = self.outcome
        if state is not JobState.FAILED or exc is None:
            return None
        return "".join(_format_without_our_frames(exc, self.failure_traceback()))

    def failure_traceback(self):
        """The failure's traceback as it was when the job failed, without
        ipython_bg's own frames (``None`` if unknown)."""
        tb = self._failure_tb
        if tb is None:
            exc = self.outcome[2]
            tb = exc.__traceback__ if exc is not None else None
        return without_our_frames(tb)

    def __repr__(self) -> str:
        ident = "?" if self.id is None else self.id
        return f"<Job {ident} {self.state.value} {self.kind.value}: {self.source}>"

    def _repr_pretty_(self, printer, cycle):
        ident = "?" if self.id is None else self.id
        printer.text(f"[{ident}] {self.kind.value}  {self.source}")

    def _repr_html_(self) -> str:
        # A method rather than a formatter registered at load: reaching
        # IPython's formatters makes all of them, which cost loading the
        # extension a millisecond and a half.
        from .display import job_html

        return job_html(self)


async def _tracked(job: Job, coro):
    # The job's end is noted within its own last step, not by a
    # done-callback: a callback costs a loop iteration's handle per job,
    # and jobs that end together are then reported together.
    try:
        return await coro
    except asyncio.CancelledError:
        raise
    except GeneratorExit:
        # Closed unfinished: the task is being destroyed (its loop was
        # closed under it, as at exit), not ending; there is nobody to
        # tell, and a closed loop cannot take the report.
        job._endings = None
        raise
    except BaseException as exc:
        # Kept now: every later re-raise (result(), %fg) rewrites
        # exc.__traceback__, and CPython's Future restores it only once.
        job._failure_tb = exc.__traceback__
        raise
    finally:
        # Every job ends here, most with no worker call behind them and an
        # Endings to tell, and that case is inline: calling _note_end()
        # would cost 2% of a job.
        if job.call is None and job._endings is not None:
            job.ended = _monotonic()
            job._endings.add(job)
        else:
            job._note_end()


class Endings:
    """Where jobs report their end, and who hears of it.

    A job adds itself in its own last step, in its own context.  It is not
    done until that step returns, so the first job to arrive schedules one
    loop callback, which marks every job that arrived meanwhile finished in
    ``table`` and then passes each to the ``listeners`` (a failed one to
    ``failure_listeners`` too) in the context the job ended in: in a
    kernel, that of the cell that started it, where its notice belongs.
    A job that succeeds with no listener costs no more than a list entry.
    """

    __slots__ = ("table", "listeners", "failure_listeners", "_jobs", "_contexts")

    def __init__(self, table: JobTable):
        self.table = table
        self.listeners: list[Callable[[Job], object]] = []
        self.failure_listeners: list[Callable[[Job], object]] = []
        self._jobs: list[Job] = []  # ended since the last report
        # The context each job ended in, for the listeners, or None: every
        # job that failed (a failure passes through the job's wrapper, which
        # keeps its traceback) or has a listener to hear of it.
        self._contexts: dict[Job, contextvars.Context | None] = {}

    def add(self, job: Job) -> None:
        if self.listeners or job._failure_tb is not None:
            self._contexts[job] = _copy_context() if self.listeners or self.failure_listeners else None
        ended = self._jobs
        ended.append(job)
        if len(ended) == 1:
            job.get_loop().call_soon(self._report)

    def _report(self) -> None:
        finished, self._jobs = self._jobs, []
        if not all(map(_done, finished)):
            # Still finishing (a cancellation in flight): next time.
            self._jobs = [job for job in finished if not job.done()]
            self._jobs[0].get_loop().call_soon(self._report)
            finished = [job for job in finished if job.done()]
        self.table.mark_finished(finished)
        contexts = self._contexts
        if not contexts:
            return  # no listener, no failure
        for job in finished:
            if job not in contexts:
                continue
            context = contexts.pop(job)
            # Retrieving the exception is what keeps asyncio from logging
            # "Task exception was never retrieved": the listeners report it.
            failed = not job.cancelled() and job.exception() is not None
            if context is None:
                continue
            for listener in (self.listeners + self.failure_listeners) if failed else self.listeners:
                try:
                    context.run(listener, job)
                except Exception as exc:  # one failing listener never stops the rest
                    print(
                        f"ipython_bg: reporting job {job.id} failed: {type(exc).__name__}: {exc}",
                        file=sys.stderr,
                    )


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def without_our_frames(tb):
    """A copy of traceback ``tb`` without the frames of ipython_bg itself,
    which only carried the job: the user's code is what failed."""
    kept = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            kept.append(tb)
        tb = tb.tb_next
    clean = None
    for entry in reversed(kept):
        clean = types.TracebackType(clean, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return clean


def _format_without_our_frames(exc: BaseException, tb) -> list[str]:
    report = traceback.TracebackException(type(exc), exc, tb)
    for part in _chain(report):
        kept = [frame for frame in part.stack if not frame.filename.startswith(_PACKAGE_DIR)]
        part.stack = traceback.StackSummary.from_list(kept)
    return list(report.format())


def _chain(report: traceback.TracebackException):
    while report is not None:
        yield report
        report = report.__cause__ or report.__context__


def _is_awaitable(value) -> bool:
    return hasattr(type(value), "__await__") or asyncio.iscoroutine(value)


# Job specs, as bash has them: N, %N, %+ or %% (current), %- (previous),
# %name (description starts with name), %?text (description contains text).
# Compiled on first use (re keeps it), not at import: loading stays quick.
_SPEC = r"%?(?P<number>\d+)|%(?P<mark>[+%-])|%\?(?P<contains>.+)|%(?P<prefix>.+)"


_done = asyncio.Task.done
_job_id = operator.attrgetter("id")
_popleft = collections.deque.popleft
_consume = collections.deque(maxlen=0).extend  # runs an iterator to its end, in C


def is_job_spec(word: str) -> bool:
    return re.fullmatch(_SPEC, word) is not None


class JobTable:
    """Jobs by id: every unfinished job (a strong reference, since the
    loop keeps only weak ones) and the ``history`` most recent finished ones.
    """

    def __init__(self, history: int = 1000):
        self.history = history
        self._jobs: dict[int, Job] = {}      # all, in id order
        self._running: dict[int, Job] = {}   # not yet marked finished, in id order
        self._finished: collections.deque[int] = collections.deque()  # in finish order
        self._ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._jobs)

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def __contains__(self, job) -> bool:
        return getattr(job, "id", None) is not None and self._jobs.get(job.id) is job

    def __getitem__(self, job_id: int) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NoSuchJob(f"no job {job_id}") from None

    def add(self, job: Job) -> Job:
        """Give ``job`` the next id and keep it; a finished job goes to history."""
        job_id = job.id
        if job_id is None:
            job_id = job.id = next(self._ids)
        self._jobs[job_id] = self._running[job_id] = job
        if job.done():
            self.mark_finished([job])
        return job

    def mark_finished(self, jobs: Iterable[Job]) -> None:
        """Move jobs that ended into the bounded history, in that order."""
        # Every job that ends passes here, so the loops run in C (map,
        # compress): as Python loops they cost 6% of a job.  A job counts
        # once, and only while it is in the table (a forgotten job stays
        # forgotten): compress keeps the ids whose pop found a running job
        # (a Job is always true).
        ids = list(map(_job_id, jobs))
        self._finished.extend(compress(ids, map(self._running.pop, ids, repeat(None))))
        self._trim()

    def set_history(self, history: int) -> None:
        self.history = max(0, history)
        self._trim()

    def _trim(self) -> None:
        excess = len(self._finished) - self.history
        if excess > 0:
            # The oldest `excess` finished ids leave the deque and the table.
            dropped = map(_popleft, repeat(self._finished, excess))
            _consume(map(self._jobs.pop, dropped, repeat(None)))

    def forget(self, job: Job) -> None:
        """Drop a finished job from the table."""
        if job.id in self._running:
            raise ValueError(f"job {job.id} has not finished")
        if self._jobs.pop(job.id, None) is not None:
            self._finished.remove(job.id)

    def forget_finished(self) -> list[Job]:
        """Drop every finished job; returns them."""
        forgotten = [self._jobs.pop(job_id) for job_id in self._finished if job_id in self._jobs]
        self._finished.clear()
        return forgotten

    def running(self) -> list[Job]:
        return list(self._running.values())

    def _ranked(self) -> Iterator[Job]:
        # Unfinished jobs newest first, then finished ones newest first: the
        # order in which bash picks its current (%+) and previous (%-) job.
        yield from reversed(self._running.values())
        for job in reversed(self._jobs.values()):
            if job.id not in self._running:
                yield job

    def ordered(self) -> list[Job]:
        return list(self._ranked())

    def markers(self) -> dict[int, str]:
        """``{id: '+' or '-'}`` for the current and previous job."""
        return {job.id: mark for job, mark in zip(self._ranked(), "+-")}

    def current(self) -> Job:
        for job in self._ranked():
            return job
        raise NoSuchJob("no current job")

    def resolve(self, spec: str) -> Job:
        """The job a bash-style spec names; :class:`NoSuchJob` if none."""
        spec = spec.strip()
        match = re.fullmatch(_SPEC, spec)
        if match is None:
            raise NoSuchJob(f"{spec!r} is not a job spec (N, %N, %+, %-, %name, %?text)")
        if match["number"] is not None:
            job = self._jobs.get(int(match["number"]))
            if job is None:
                raise NoSuchJob(f"no job {match['number']}")
            return job
        if match["mark"] is not None:
            index = 1 if match["mark"] == "-" else 0
            for position, job in enumerate(self._ranked()):
                if position == index:
                    return job
            raise NoSuchJob("no previous job" if index else "no current job")
        if match["contains"] is not None:
            return self._unique(spec, lambda job: match["contains"] in job.source)
        return self._unique(spec, lambda job: job.source.startswith(match["prefix"]))

    def _unique(self, spec: str, predicate: Callable[[Job], bool]) -> Job:
        found = [job for job in self._ranked() if predicate(job)]
        if not found:
            raise NoSuchJob(f"no job matches {spec}")
        unfinished = [job for job in found if job.id in self._running]
        candidates = unfinished or found
        if len(candidates) > 1:
            ids = ", ".join(str(job.id) for job in candidates)
            raise NoSuchJob(f"{spec} is ambiguous: jobs {ids}")
        return candidates[0]

    def resolve_all(self, specs: Iterable[str]) -> list[Job]:
        return [self.resolve(spec) for spec in specs]
