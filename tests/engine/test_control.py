"""JobControl (ipython_bg/engine/control.py) without IPython: starting jobs
of each kind, their table, and the listeners that hear them end."""

import asyncio
import contextvars
import gc
import threading

import pytest

from ipython_bg.engine.control import JobControl
from ipython_bg.model.job import JobKind


async def double(x, delay=0.0):
    await asyncio.sleep(delay)
    return 2 * x


def test_background_kinds_and_results(control, loop):
    coro_job = control.start(double(2))
    thread_job = control.start_call(lambda: threading.current_thread().name)
    aw_job = control.start(asyncio.sleep(0, result="slept"))
    assert coro_job.kind is JobKind.COROUTINE and thread_job.kind is JobKind.THREAD
    assert control.wait([coro_job, thread_job, aw_job]) == [4, thread_job.result(), "slept"]
    assert thread_job.result().startswith("ipython_bg")
    assert [job.id for job in control.table] == [1, 2, 3]


def test_a_coroutine_job_is_shown_by_its_functions_name(control):
    first, second = control.start(double(1)), control.start(double(2))
    assert first.source == second.source == "double()"
    assert control.wait([first, second]) == [2, 4]


def test_call_returning_an_awaitable_goes_on_on_the_loop(control):
    job = control.start_call(lambda: double(5), source="make()", keep=False)
    assert control.foreground(job) == 10
    assert job.kind is JobKind.THREAD


def test_listeners_hear_every_end_once_and_a_broken_one_does_not_stop_the_rest(control, capsys):
    heard = []

    def broken(job):
        raise RuntimeError("listener bug")

    control.listeners += [broken, heard.append]
    jobs = [control.start(double(n)) for n in range(3)]
    control.wait(jobs)
    control.home_loop().run_until_complete(asyncio.sleep(0))
    assert heard == jobs
    assert capsys.readouterr().err.count("listener bug") == 3


CELL = contextvars.ContextVar("cell")


def test_jobs_ending_together_are_each_told_in_the_context_they_started_in(control):
    # A kernel's notices go to the cell whose context a job started in
    # (ipykernel's parent header is a context variable): one report for
    # jobs of several cells must not tell them all in the first one's.
    heard = []
    control.listeners.append(lambda job: heard.append((job.source, CELL.get(None))))
    jobs = []
    for cell in ("cell 1", "cell 2", "cell 3"):
        def start(cell=cell):
            CELL.set(cell)
            jobs.append(control.start(asyncio.sleep(0), source=cell))
        contextvars.Context().run(start)
    control.wait(jobs)
    control.home_loop().run_until_complete(asyncio.sleep(0))
    assert heard == [("cell 1", "cell 1"), ("cell 2", "cell 2"), ("cell 3", "cell 3")]


def test_failure_is_retrieved_so_asyncio_never_logs_it(control, caplog):
    async def boom():
        raise KeyError("lost")

    job = control.start(boom())
    with pytest.raises(KeyError):
        control.wait([job])
    del job
    gc.collect()
    assert "never retrieved" not in caplog.text


def test_a_started_job_is_in_the_table_and_reported_once(loop):
    control = JobControl(lambda: loop)
    heard = []
    control.listeners.append(heard.append)
    jobs = [control.start(double(n), source=f"double({n})") for n in range(3)]
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
