"""A job (ipython_bg/model/job.py), with no shell: a Job is an asyncio Task
with a state, a kind and an outcome."""

import asyncio
import sys
import threading
import time
from concurrent.futures import Future as ConcurrentFuture

import pytest

from ipython_bg.engine.control import JobControl
from ipython_bg.model.call import ThreadCall
from ipython_bg.model.job import Job, JobKind, JobState
from ipython_bg.model.table import JobTable


async def value(result, delay=0.0):
    await asyncio.sleep(delay)
    return result


async def fail(message):
    await asyncio.sleep(0)
    raise ValueError(message)


def make(loop, coro, source="job()", table=None, kind=None, call=None):
    job = Job(coro, loop=loop, source=source)
    if kind is not None:  # as JobControl.create_call does
        job.kind, job.call = kind, call
    if table is not None:
        table.add(job)
    return job


def test_job_is_an_asyncio_future(loop):
    first = make(loop, value(1, 0.01))
    second = make(loop, value(2))
    seen = []
    first.add_done_callback(lambda job: seen.append(job.result()))

    async def use():
        done, pending = await asyncio.wait([first, second])
        return await first, await asyncio.gather(first, second), done, pending

    awaited, gathered, done, pending = loop.run_until_complete(use())
    assert awaited == 1 and gathered == [1, 2]
    assert done == {first, second} and not pending
    assert asyncio.isfuture(first) and first.exception() is None
    loop.run_until_complete(asyncio.sleep(0))
    assert seen == [1]


def test_states_follow_the_task(loop):
    ok = make(loop, value("x"))
    bad = make(loop, fail("boom"))
    slow = make(loop, value(None, 10))
    assert ok.state is JobState.RUNNING
    loop.run_until_complete(asyncio.wait([ok, bad]))
    slow.cancel()
    loop.run_until_complete(asyncio.wait([slow]))
    assert (ok.state, bad.state, slow.state) == (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
    assert ok.outcome == (JobState.DONE, "x", None)
    state, result, exc = bad.outcome
    assert state is JobState.FAILED and isinstance(exc, ValueError)
    assert "ValueError: boom" in bad.format_traceback()
    assert ok.format_traceback() is None
    assert all(state.finished for state in (ok.state, bad.state, slow.state))


def test_cancelled_before_its_first_step_closes_the_coroutine(loop):
    """The job's coroutine never runs, yet it is closed (no "never
    awaited" warning) and the job's end is noted once the task is done."""
    import gc
    import warnings

    ended = []
    coro = value(1)
    job = make(loop, coro)
    job.on_end = ended.append
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert job.cancel()
        assert coro.cr_frame is None  # closed, never started
        loop.run_until_complete(asyncio.wait([job]))
        del coro
        gc.collect()
    assert job.state is JobState.CANCELLED and job.ended is not None
    assert ended == [job]
    assert not job.cancel()  # already done: nothing more happens
    loop.run_until_complete(asyncio.sleep(0))
    assert ended == [job]


def test_a_pending_job_destroyed_after_its_loop_closed_reports_nothing():
    """Closing the loop under a running job and dropping the job (as at
    exit) gives asyncio's own "destroyed but pending" log, but no error
    from the job's wrapper trying to report an end on a closed loop."""
    import gc

    own = asyncio.new_event_loop()
    control = JobControl(lambda: own)
    job = control.start(value(1, 3600), source="sleepy()")
    own.run_until_complete(asyncio.sleep(0.01))  # the job is waiting now
    own.close()
    unraisable = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        del job, control
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert [str(report.exc_value) for report in unraisable] == []


def test_cancelled_while_running_runs_its_finally(loop):
    cleaned = []

    async def guarded():
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append(True)

    job = make(loop, guarded())
    loop.run_until_complete(asyncio.sleep(0))
    assert job.cancel()
    loop.run_until_complete(asyncio.wait([job]))
    assert cleaned == [True] and job.state is JobState.CANCELLED and job.ended is not None


def test_thread_call_state_is_seen_before_the_loop_runs(loop):
    """A worker's outcome shows at once, though the task learns it only when
    the loop next runs (during a synchronous cell it does not)."""
    call = ThreadCall(lambda: 42, (), {})
    call.future = ConcurrentFuture()

    async def never():
        await asyncio.sleep(3600)

    job = make(loop, never(), kind=JobKind.THREAD, call=call)
    assert job.state is JobState.PENDING and job.elapsed == 0.0
    call.future.set_result(call())
    assert job.state is JobState.DONE
    assert job.outcome == (JobState.DONE, 42, None)

    failing = ThreadCall(lambda: 1 / 0, (), {})
    failing.future = ConcurrentFuture()
    broken = make(loop, never(), kind=JobKind.THREAD, call=failing)
    with pytest.raises(ZeroDivisionError) as info:
        failing()
    failing.future.set_exception(info.value)
    assert broken.state is JobState.FAILED
    assert isinstance(broken.outcome[2], ZeroDivisionError)
    for task in (job, broken):
        task.cancel()
    loop.run_until_complete(asyncio.wait([job, broken]))


def test_thread_call_runs_in_given_context_and_stamps_times():
    import contextvars

    var = contextvars.ContextVar("var", default="outside")
    context = contextvars.copy_context()
    context.run(var.set, "inside")
    call = ThreadCall(var.get, (), {}, context)
    results = []
    thread = threading.Thread(target=lambda: results.append(call()))
    thread.start()
    thread.join(5)
    assert results == ["inside"]
    assert call.started is not None and call.ended >= call.started


def test_repr_shows_id_state_kind_and_source(loop):
    table = JobTable()
    job = make(loop, value(1), "value(1)", table)
    assert repr(job) == "<Job 1 running coroutine: value(1)>"
    loop.run_until_complete(job)
    assert repr(job) == "<Job 1 done coroutine: value(1)>"


def test_elapsed_grows_while_running_then_stops(loop):
    job = make(loop, value(None, 0.05))
    loop.run_until_complete(asyncio.sleep(0.01))
    running = job.elapsed
    loop.run_until_complete(asyncio.sleep(0.01))
    assert 0 < running < job.elapsed
    loop.run_until_complete(job)
    first = job.elapsed
    assert first >= 0.04
    time.sleep(0.01)
    assert job.elapsed == first


def _freed_without_the_collector(loop, start) -> bool:
    import gc
    import weakref

    control = JobControl(lambda: loop)
    collecting = gc.isenabled()
    gc.disable()
    try:
        job = start(control)
        loop.run_until_complete(job)
        for _ in range(3):  # the end report, then a thread job's own callbacks
            loop.run_until_complete(asyncio.sleep(0.01))
        freed = weakref.ref(job)
        control.table.forget_finished()
        del job
        return freed() is None
    finally:
        if collecting:
            gc.enable()
        control.close()


@pytest.mark.parametrize("kind", ["coroutine", "thread"])
def test_a_forgotten_job_is_freed_at_once_not_by_the_garbage_collector(loop, kind):
    # A job held by its own task's context (or its call) was a reference
    # cycle: ten thousand jobs cost as much again in collections.
    if kind == "coroutine":
        start = lambda control: control.start(value(1), source="value(1)")  # noqa: E731
    else:
        start = lambda control: control.start_call(sum, ([1, 2],), source="sum([1, 2])")  # noqa: E731
    assert _freed_without_the_collector(loop, start)
