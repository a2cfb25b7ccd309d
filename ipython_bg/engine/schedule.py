"""Job verbs beyond bash: ``--timeout``, ``--retries``, ``--every``, ``--after``.

A job with any of them runs one coroutine, :func:`run_scheduled`, that
waits for the jobs it comes after, then runs its work once, again on
failure, or again and again on a period, each run bounded by the timeout.
Work that can run again is given as ``again``, a function returning a
fresh awaitable; a coroutine object can be awaited only once.  Nothing
here knows IPython: the session reads the options and hears the failures
of periodic runs through ``on_run_failed``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import reprlib
from typing import Awaitable, Callable

from ipython_bg.engine.calls import finish_call, kind_of, submit, unpicklable
from ipython_bg.model.failures import carrying, original
from ipython_bg.model.job import Job, JobKind
from ipython_bg.model.labels import job_label
from ipython_bg.model.tracebacks import describe_exception, format_without_our_frames

__all__ = ["CannotRepeat", "Schedule", "run_scheduled", "start_scheduled", "start_work"]


class Schedule:
    """A job's verbs, and how far it has got with them (what ``%jobs`` shows)."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        retries: int = 0,
        every: float | None = None,
        stop_on_error: bool = False,
        after: tuple[Job, ...] = (),
        delay: Callable[[], float] = lambda: 0.5,
    ):
        self.timeout = timeout
        self.retries = retries
        self.every = every
        self.stop_on_error = stop_on_error
        self.after = tuple(after)
        self.delay = delay  # the first retry's delay, read when it is due
        self.waiting = bool(self.after)  # for the jobs it comes after
        self.attempts = 0  # of the current run
        self.runs = 0
        self.failures: list[str] = []  # each failed attempt: its traceback
        self.last: str | None = None  # the last run's outcome, for a periodic job
        self.why: str | None = None  # why it was cancelled without running
        self.on_run_failed: Callable[[int, BaseException], object] | None = None
        self._next: asyncio.Future | None = None

    @property
    def needs_again(self) -> bool:
        return bool(self.retries) or self.every is not None

    def status(self) -> str:
        """A few words for the table: what it waits for, its attempts, its runs."""
        if self.why:
            return f"not started: {self.why}"
        if self.waiting:
            return "waiting for " + ", ".join(f"[{job.id}]" for job in self.after)
        words = []
        if self.every is not None and self.runs:
            words.append(f"run {self.runs}" + (f", last {self.last}" if self.last else ""))
        if self.retries and self.attempts:
            words.append(f"attempt {self.attempts} of {self.retries + 1}")
        return "; ".join(words)

    def next_run(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        """A future for the outcome of the next run to end (``%fg`` of a
        periodic job); made only when asked, so no outcome goes unretrieved."""
        if self._next is None or self._next.done():
            self._next = loop.create_future()
        return self._next

    def _run_ended(self, result=None, exc: BaseException | None = None) -> None:
        future, self._next = self._next, None
        if future is None or future.done():
            return
        if exc is None:
            future.set_result(result)
        else:
            future.set_exception(exc)


class CannotRepeat(ValueError):
    """Retrying or repeating was asked of work that cannot run again."""


def start_work(
    control, schedule: Schedule, work, *, executor=None, source: str, origin=None, keep=True, quiet=False
) -> Job:
    """A job running a line's ``work`` (a ``statements.Work``) under ``schedule``."""
    if work.awaitable is not None:
        if isinstance(work.awaitable, Job) or (schedule.needs_again and work.again is None):
            if asyncio.iscoroutine(work.awaitable):
                work.awaitable.close()  # never started: no "never awaited" warning
            what = "a job" if isinstance(work.awaitable, Job) else f"a {type(work.awaitable).__name__} object"
            if isinstance(work.awaitable, Job):
                raise CannotRepeat(f"{source} is {what} already: these options are for a new job")
            raise CannotRepeat(
                f"--retries and --every need something to call again: {source} is {what}; "
                "give the call itself (f(x), not a coroutine or future made earlier)"
            )
        return start_scheduled(
            control, schedule, work.awaitable, work.again, source=source, origin=origin, keep=keep, quiet=quiet
        )
    executor = executor or control.threads
    loop = control.loop()
    func, args, kwargs = work.func, work.args, work.kwargs or {}
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor) and (problem := unpicklable(func, args, kwargs)):
        raise TypeError(problem)

    def again():
        call, _ = submit(func, args, kwargs, executor)
        return finish_call(call, loop)

    return start_scheduled(
        control, schedule, None, again, kind=kind_of(executor), source=source, origin=origin, keep=keep, quiet=quiet
    )


class _Both:
    """Closes the job's coroutine and the first run's, neither started."""

    __slots__ = ("coros",)

    def __init__(self, *coros):
        self.coros = coros

    def close(self) -> None:
        for coro in self.coros:
            coro.close()


async def next_run(job: Job):
    """The outcome of a periodic job's next run (``%fg`` of that job)."""
    __tracebackhide__ = True
    if job.done():
        return job.result()  # its end (a failure, a cancellation) is the answer
    return await asyncio.shield(job.schedule.next_run(job.get_loop()))


def start_scheduled(
    control, schedule: Schedule, first: Awaitable | None, again: Callable[[], Awaitable] | None, *,
    kind: JobKind = JobKind.COROUTINE, source: str, origin: str | None = None, keep: bool = True, quiet: bool = False,
) -> Job:
    """A job running ``schedule`` (``first`` is the first run's awaitable, if
    already made; ``again`` makes each further one) on ``control``'s loop."""
    coro = run_scheduled(schedule, first, again)
    job = Job(
        coro, loop=control.loop(), source=source, kind=kind, origin=origin, output=control.new_output(quiet),
        schedule=schedule, closes=_Both(coro, first) if asyncio.iscoroutine(first) else None,
    )
    if keep:
        control.keep(job)
    return job


async def run_scheduled(schedule: Schedule, first, again):
    __tracebackhide__ = True
    try:
        if schedule.after:
            await _after(schedule)
        if schedule.every is None:
            return await _retrying(schedule, first, again)
        return await _periodic(schedule, first, again)
    finally:
        if asyncio.iscoroutine(first) and inspect.getcoroutinestate(first) == inspect.CORO_CREATED:
            first.close()  # never started (cancelled while waiting): no "never awaited" warning


async def _after(schedule: Schedule) -> None:
    try:
        await asyncio.wait(schedule.after)
    finally:
        schedule.waiting = False
    for job in schedule.after:
        if job.cancelled():
            schedule.why = f"{job_label(job)} was cancelled"
        elif job.exception() is not None:
            schedule.why = f"{job_label(job)} failed"
        else:
            continue
        # Raised from within, the task ends cancelled, as a killed job does.
        raise asyncio.CancelledError(f"not started: {schedule.why}")


async def _attempt(schedule: Schedule, awaitable):
    __tracebackhide__ = True
    if schedule.timeout is None:
        return await awaitable
    # The run is a task of its own, cancelled when its time is up: the
    # job's own task is never cancelled by the timeout (asyncio.timeout
    # would cancel it, and it is Python 3.11+).
    # (Not the job's task, so the failures asyncio cannot keep are carried.)
    run = asyncio.ensure_future(carrying(awaitable))
    try:
        done, _ = await asyncio.wait([run], timeout=schedule.timeout)
    except asyncio.CancelledError:
        run.cancel()
        raise
    if not done:
        run.cancel()
        await asyncio.wait([run])  # its finally blocks run
        # Said as a timeout, not as the cancellation it was done by.
        raise TimeoutError(f"timed out after {schedule.timeout:g} s")
    return run.result()


def _stops(exc: Exception) -> bool:
    """A run that raised what no ``except Exception`` would catch
    (``SystemExit``, ``KeyboardInterrupt``, carried from a thread) ends the
    job, as it does when a coroutine raises it: it is not retried."""
    return not isinstance(original(exc), Exception)


async def _retrying(schedule: Schedule, first, again):
    __tracebackhide__ = True
    # Each run of a periodic job starts afresh: what -l shows stays bounded.
    schedule.attempts, schedule.failures = 0, []
    awaitable = first if first is not None else again()
    while True:
        schedule.attempts += 1
        try:
            return await _attempt(schedule, awaitable)
        except Exception as exc:
            if schedule.attempts > schedule.retries or _stops(exc):
                raise
            failure = original(exc)
            text = "".join(format_without_our_frames(failure, failure.__traceback__)).rstrip("\n")
            schedule.failures.append(f"attempt {schedule.attempts}: {text}")
            del exc, failure  # not kept alive through the delay with its frames
        await asyncio.sleep(schedule.delay() * 2 ** (schedule.attempts - 1))
        awaitable = again()


async def _periodic(schedule: Schedule, first, again):
    __tracebackhide__ = True
    loop = asyncio.get_running_loop()
    try:
        await _runs(schedule, first, again, loop)
    finally:
        if schedule._next is not None and not schedule._next.done():
            schedule._next.cancel()  # a %fg waiting for a next run that will never come


async def _runs(schedule: Schedule, first, again, loop):
    __tracebackhide__ = True
    while True:
        began = loop.time()
        schedule.runs += 1
        try:
            result = await _retrying(schedule, first, again)
        except Exception as exc:
            schedule.last = describe_exception(original(exc))
            schedule._run_ended(exc=exc)
            if schedule.stop_on_error or _stops(exc):
                raise
            if schedule.on_run_failed is not None:
                schedule.on_run_failed(schedule.runs, original(exc))
        else:
            schedule.last = reprlib.repr(result)
            schedule._run_ended(result)
        first = None
        # The next run is due a period after this one began; one still
        # going when it is due is never started twice: it starts once this ends.
        await asyncio.sleep(max(0.0, began + schedule.every - loop.time()))
