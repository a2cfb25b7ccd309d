"""Scaling out against a real InteractiveShell: process jobs, any
concurrent.futures Executor, Dask."""

import multiprocessing
import os
import time

import pytest
from IPython.core.error import UsageError

from ipython_bg.model.job import JobKind, JobState
from tests.harness.cells import run

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="process jobs fork")

WORK = """
import os, time, threading

def burn(seconds):
    # CPU-bound: holds the GIL in a thread, runs in parallel in a process.
    started = time.time()
    count = 0
    while time.time() - started < seconds:
        count += 1
    return os.getpid(), started, time.time(), count

ticks = []

async def busy_coroutine(seconds):
    import asyncio
    deadline = time.time() + seconds
    while time.time() < deadline:
        ticks.append(time.time())
        await asyncio.sleep(0.01)

def make_generator(n):
    return (i for i in range(n))

class Tagged(concurrent.futures.Executor):
    # An executor of the user's own: runs calls at once, counts them.
    def __init__(self):
        self.calls = 0
    def submit(self, fn, *args, **kwargs):
        self.calls += 1
        future = concurrent.futures.Future()
        future.set_result(fn(*args, **kwargs))
        return future
"""


@pytest.fixture
def work(shell):
    run(shell, "import concurrent.futures")
    run(shell, WORK)
    return shell


def test_process_jobs_run_in_parallel_with_a_busy_coroutine(work):
    first = run(work, "%bg --process burn(1.0)")
    second = run(work, "%bg --process burn(1.0)")
    assert first.kind is JobKind.PROCESS and second.kind is JobKind.PROCESS
    run(work, "%bg busy_coroutine(1.0)")
    (pid1, start1, end1, count1), (pid2, start2, end2, count2), _ = run(work, "%fg 1 2 3")
    assert os.getpid() not in (pid1, pid2) and pid1 != pid2
    # Both processes computed at the same time ...
    assert max(start1, start2) < min(end1, end2)
    assert count1 > 0 and count2 > 0
    # ... while the coroutine kept stepping on the loop.
    ticks = work.user_ns["ticks"]
    assert sum(max(start1, start2) <= tick <= min(end1, end2) for tick in ticks) > 10


def test_a_function_defined_after_the_first_process_job_still_runs(work):
    run(work, "%bg --process burn(0.01)")
    run(work, "%fg")
    run(work, "def later(x):\n    return x + 1\n")
    run(work, "%bg --process later(41)")
    assert run(work, "%fg 2") == 42


def test_cancelling_a_process_job_ends_its_process(work):
    job = run(work, "%bg --process burn(60)")
    run(work, "%%fg\nimport asyncio\nawait asyncio.sleep(0.3)\n")
    run(work, "%jobs -k 1")
    run(work, "%%fg\nawait asyncio.sleep(0.1)\n")
    assert job.cancelled()
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


def test_an_unpicklable_result_fails_the_job_naming_the_type(work, capsys):
    run(work, "%bg --process make_generator(3)")
    result = work.run_cell("%fg")
    assert isinstance(result.error_in_exec, TypeError)
    assert "its result, a generator, cannot be pickled" in str(result.error_in_exec)


def test_an_unpicklable_argument_is_refused_at_once(work):
    run(work, "pool = concurrent.futures.ProcessPoolExecutor(1)")
    try:
        result = work.run_cell("%bg --executor pool len(x for x in [1])")
        assert isinstance(result.error_in_exec, UsageError)
        assert "argument 1 (generator) cannot be pickled" in str(result.error_in_exec)
        assert len(run(work, "%jobs")) == 0
        job = run(work, "%bg --executor pool pow(2, 10)")
        assert job.kind is JobKind.PROCESS and run(work, "%fg") == 1024
    finally:
        run(work, "pool.shutdown()")


def test_executor_from_the_namespace_and_by_config(work):
    run(work, "tagged = Tagged()")
    job = run(work, "%bg --executor tagged pow(3, 3)")
    assert job.kind is JobKind.EXECUTOR and run(work, "%fg") == 27
    run(work, "%config BackgroundJobs.executor = 'tagged'")
    assert run(work, "%bg pow(2, 5)").kind is JobKind.EXECUTOR
    assert run(work, "%fg") == 32 and work.user_ns["tagged"].calls == 2
    # Coroutines still run on the loop.
    run(work, "import asyncio")
    assert run(work, "%bg asyncio.sleep(0)").kind is JobKind.COROUTINE
    run(work, "%config BackgroundJobs.executor = 'missing'")
    with pytest.raises(UsageError, match="no executor named 'missing'"):
        work.run_line_magic("bg", "pow(2, 5)")
    run(work, "%config BackgroundJobs.executor = ''")
    with pytest.raises(UsageError, match="not a concurrent.futures.Executor"):
        work.run_line_magic("bg", "--executor ticks pow(2, 5)")


def test_a_dask_cluster_is_an_executor(work):
    pytest.importorskip("distributed")
    run(
        work,
        "from distributed import Client, LocalCluster\n"
        "cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)\n"
        "client = Client(cluster)\n"
        "def remote_fail(x):\n"
        "    raise ValueError(f'remote {x}')\n",
    )
    try:
        job = run(work, "%bg --executor client pow(2, 8)")
        assert job.kind is JobKind.DASK and job.call.where.startswith("dask key pow-")
        assert run(work, "%fg") == 256 and work.user_ns["_bg1"] == 256
        run(work, "%bg --executor client remote_fail(3)")
        result = work.run_cell("%fg")
        assert isinstance(result.error_in_exec, ValueError) and str(result.error_in_exec) == "remote 3"
        traceback_text = run(work, "%jobs -t 2")
        assert "in remote_fail" in traceback_text and "ipython_bg" not in traceback_text
        slow = run(work, "%bg --executor client burn(2)")
        run(work, "import asyncio")
        run(work, "%%fg\nawait asyncio.sleep(0.3)\n")
        run(work, "%jobs -k 3")
        run(work, "%%fg\nawait asyncio.sleep(0.3)\n")
        assert slow.state is JobState.CANCELLED
        remote = [f for f in work.user_ns["client"].futures.values()]
        assert all(f.status != "pending" for f in remote)
        assert "dask" in run(work, "%jobs").text()
    finally:
        run(work, "client.close()\ncluster.close()")
