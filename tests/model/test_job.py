"""The job model, with no shell: a Job is a Task, the table follows bash."""

import asyncio
import sys
import threading
import time
from concurrent.futures import Future as ConcurrentFuture

import pytest

from ipython_bg.engine.control import JobControl
from ipython_bg.model.job import Job, JobKind, JobState, NoSuchJob, ThreadCall
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


def test_table_ids_and_specs(loop):
    table = JobTable()
    fetch = make(loop, value(1), "fetch(url)", table)
    parse = make(loop, value(2, 10), "parse(doc)", table)
    serve = make(loop, value(3, 10), "serve_forever()", table)
    assert [job.id for job in (fetch, parse, serve)] == [1, 2, 3]
    assert table.resolve("2") is parse and table.resolve("%2") is parse
    assert table.resolve("%+") is serve and table.resolve("%%") is serve
    assert table.resolve("%-") is parse
    assert table.resolve("%par") is parse
    assert table.resolve("%?forever") is serve
    for spec in ("9", "%9", "%nothing", "%?zzz", "bogus"):
        with pytest.raises(NoSuchJob):
            table.resolve(spec)
    loop.run_until_complete(fetch)
    table.mark_finished([fetch])
    # Unfinished jobs rank before finished ones, newest first.
    assert table.markers() == {3: "+", 2: "-"}
    serve.cancel()
    parse.cancel()
    loop.run_until_complete(asyncio.wait([serve, parse]))


def test_ambiguous_prefix_is_an_error(loop):
    table = JobTable()
    jobs = [make(loop, value(n, 10), f"fetch({n})", table) for n in range(2)]
    with pytest.raises(NoSuchJob, match="ambiguous"):
        table.resolve("%fetch")
    for job in jobs:
        job.cancel()
    loop.run_until_complete(asyncio.wait(jobs))


def test_history_is_bounded_but_running_jobs_are_kept(loop):
    table = JobTable(history=3)
    sleeper = make(loop, value(None, 10), "sleeper()", table)
    finished = [make(loop, value(n), f"v({n})", table) for n in range(10)]
    loop.run_until_complete(asyncio.wait(finished))
    for job in finished:
        table.mark_finished([job])
    assert [job.id for job in table] == [1, 9, 10, 11]
    assert table.current() is sleeper
    table.set_history(1)
    assert [job.id for job in table] == [1, 11]
    assert [job.id for job in table.forget_finished()] == [11]
    assert list(table) == [sleeper]
    sleeper.cancel()
    loop.run_until_complete(asyncio.wait([sleeper]))


class _Ended:
    """Stands in for a job in the table: an id, and done once filed."""

    def __init__(self, done=False):
        self.id = None
        self._done = done

    def done(self):
        return self._done


def _marker_seconds(ended: int) -> float:
    """Best time of the current-job lookup with one job running after
    ``ended`` jobs ended in one batch (as a report marks them)."""
    table = JobTable(history=ended)
    running = table.add(_Ended())
    batch = [table.add(_Ended()) for _ in range(ended)]
    table.mark_finished(batch)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(200):
            table.marker(running)
        best = min(best, time.perf_counter() - started)
    assert table.marker(running) == "+"
    return best


def test_the_current_job_costs_the_same_after_many_ended():
    # Every notice looks up the +/- markers: that lookup must not walk the
    # jobs that ended before it.
    assert _marker_seconds(100_000) < 10 * _marker_seconds(100)


def test_no_current_job_in_empty_table():
    with pytest.raises(NoSuchJob, match="no current job"):
        JobTable().current()
    with pytest.raises(NoSuchJob, match="no previous job"):
        JobTable().resolve("%-")


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


def test_a_started_job_is_in_the_table_and_reported_once(loop):
    control = JobControl(lambda: loop)
    heard = []
    control.listeners.append(heard.append)
    jobs = [control.start(value(n), source=f"v({n})") for n in range(3)]
    assert [job.id for job in jobs] == [1, 2, 3] and list(control.table) == jobs
    assert control.table.running() == jobs
    loop.run_until_complete(asyncio.gather(*jobs))
    loop.run_until_complete(asyncio.sleep(0))  # the report is one loop callback
    assert heard == jobs and control.table.running() == []
    assert control.table.markers() == {3: "+", 2: "-"}
    control.close()


def test_a_burst_of_ends_is_reported_in_slices_with_the_loop_running_between(loop):
    control = JobControl(lambda: loop)
    control.ends.slice = 100
    iterations = 0

    async def count_iterations():
        nonlocal iterations
        while True:
            await asyncio.sleep(0)
            iterations += 1

    heard = []
    control.listeners.append(lambda job: heard.append((job, iterations, control.reporting)))
    counter = loop.create_task(count_iterations())
    jobs = [control.start(asyncio.sleep(0), source="sleep(0)") for _ in range(1000)]
    loop.run_until_complete(asyncio.gather(*jobs))
    while len(heard) < 1000:
        loop.run_until_complete(asyncio.sleep(0))
    counter.cancel()
    assert [job for job, _, _ in heard] == jobs  # each once, in order
    slices = sorted({seen for _, seen, _ in heard})
    assert len(slices) == 10  # the loop ran between slices
    # "Reporting" until the last slice, so that the notices wait for it.
    assert [reporting for _, seen, reporting in heard if seen == slices[-1]] == [False] * 100
    assert all(reporting for _, seen, reporting in heard if seen != slices[-1])
    assert control.table.running() == []
    control.close()


def test_mark_finished_files_a_job_once_and_never_a_forgotten_one(loop):
    table = JobTable(history=5)
    first, second = (make(loop, value(n), f"v({n})", table) for n in range(2))
    loop.run_until_complete(asyncio.gather(first, second))
    table.mark_finished([first, first, second])
    table.mark_finished([second])
    assert [job.id for job in table.forget_finished()] == [1, 2]
    table.mark_finished([first])  # forgotten: stays forgotten
    assert len(table) == 0 and table.forget_finished() == []


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
