"""%bg --timeout, --retries, --every and --after, in a real InteractiveShell
(the engine underneath, without one: tests/engine/test_schedule.py)."""


import pytest
from IPython.core.error import UsageError

from ipython_bg.model.job import JobState
from tests.harness.cells import run

DEFS = """
import asyncio
calls = []
def flaky(succeed_on=3):
    calls.append(len(calls) + 1)
    if len(calls) < succeed_on:
        raise ValueError(f"attempt {len(calls)} failed")
    return len(calls)
async def slow(seconds=10):
    try:
        await asyncio.sleep(seconds)
    finally:
        calls.append("finally")
runs = 0
async def tick():
    global runs
    runs += 1
    if runs == 2:
        raise RuntimeError("run two fails")
    return runs
def fails():
    raise KeyError("nope")
"""


@pytest.fixture
def defs(shell):
    run(shell, DEFS)
    run(shell, "%config BackgroundJobs.retry_delay = 0.01")
    return shell


def settle(shell, seconds):
    run(shell, f"%%fg\nawait asyncio.sleep({seconds})")


def test_timeout_fails_with_timeout_error_and_runs_finally(defs, capsys):
    job = run(defs, "%bg --timeout 0.05 slow()")
    settle(defs, 0.3)
    assert job.state is JobState.FAILED
    assert isinstance(job.exception(), TimeoutError)
    assert defs.user_ns["calls"] == ["finally"]
    assert "TimeoutError: timed out after 0.05 s" in capsys.readouterr().out
    assert "timed out" in run(defs, "%jobs").text()


def test_timeout_stops_waiting_for_a_thread_job(defs):
    job = run(defs, "%bg --timeout 0.05 time.sleep(1)")
    settle(defs, 0.3)
    assert job.kind.value == "thread" and isinstance(job.exception(), TimeoutError)


def test_a_flaky_call_retried_succeeds_on_its_third_attempt(defs, capsys):
    job = run(defs, "%bg --retries 3 flaky()")
    settle(defs, 0.5)
    assert job.result() == 3 and defs.user_ns["calls"] == [1, 2, 3]
    assert "after 3 attempts" in capsys.readouterr().out
    table = run(defs, "%jobs -l").text()
    assert "attempt 3 of 4" in table
    assert "attempt 1: " in table and "ValueError: attempt 2 failed" in table


def test_retries_run_out_and_the_last_failure_is_the_jobs(defs, capsys):
    job = run(defs, "%bg --retries 1 flaky(5)")
    settle(defs, 0.3)
    assert str(job.exception()) == "attempt 2 failed"
    assert "ValueError: attempt 2 failed  (after 2 attempts)" in capsys.readouterr().out


def test_retrying_a_coroutine_function_calls_it_again(defs):
    run(defs, "async def aflaky():\n    return flaky()")
    job = run(defs, "%bg --retries 2 aflaky()")
    settle(defs, 0.3)
    assert job.result() == 3


def test_retries_of_a_coroutine_object_are_refused(defs):
    run(defs, "co = slow()")
    with pytest.raises(UsageError, match="need something to call again"):
        defs.run_line_magic("bg", "--retries 2 co")


def test_a_periodic_job_survives_a_failing_run(defs, capsys):
    job = run(defs, "%bg --every 0.05 tick()")
    settle(defs, 0.4)
    assert not job.done() and job.schedule.runs >= 3
    out = capsys.readouterr().out
    assert "run 2 failed  coroutine  tick()  RuntimeError: run two fails  (it goes on)" in out
    assert f"run {job.schedule.runs}" in run(defs, "%jobs").text()
    result = run(defs, f"%fg {job.id}")
    assert result == defs.user_ns["runs"] > 3
    run(defs, f"%jobs -k {job.id}")
    settle(defs, 0.05)
    assert job.cancelled()


def test_a_periodic_run_is_never_started_twice(defs):
    # Each run outlasts the period: a run started while another one ran
    # would show in ``most``.
    run(defs, "active = []\nmost = []\nasync def long_run():\n"
              "    active.append(1); most.append(len(active))\n"
              "    await asyncio.sleep(0.1)\n    active.pop()")
    job = run(defs, "%bg --every 0.01 long_run()")
    run(defs, "%%fg\nasync def three_runs():\n    while len(most) < 3:\n        await asyncio.sleep(0.01)\n"
              "await asyncio.wait_for(three_runs(), 20)")
    run(defs, f"%jobs -k {job.id}")
    assert set(defs.user_ns["most"]) == {1} and job.schedule.runs >= 3


def test_stop_on_error_ends_a_periodic_job(defs):
    job = run(defs, "%bg --every 0.02 --stop-on-error tick()")
    settle(defs, 0.2)
    assert isinstance(job.exception(), RuntimeError)


def test_every_with_a_timeout_times_out_each_run(defs, capsys):
    job = run(defs, "%bg --every 0.05 --timeout 0.01 slow()")
    settle(defs, 0.3)
    run(defs, f"%jobs -k {job.id}")
    assert capsys.readouterr().out.count("TimeoutError: timed out after 0.01 s") >= 2


def test_after_waits_pending_then_starts(defs):
    first = run(defs, "%bg asyncio.sleep(0.1, 'one')")
    later = run(defs, f"%bg --after %{first.id} asyncio.sleep(0, 'two')")
    assert later.state is JobState.PENDING
    assert f"waiting for [{first.id}]" in run(defs, "%jobs").text()
    settle(defs, 0.3)
    assert later.result() == "two"


def test_after_is_cancelled_by_a_failure_saying_why(defs, capsys):
    ok = run(defs, "%bg asyncio.sleep(0)")
    bad = run(defs, "%bg fails")
    later = run(defs, f"%bg --after %{ok.id} %{bad.id} --retries 3 flaky()")
    settle(defs, 0.2)
    assert later.cancelled() and defs.user_ns["calls"] == []
    assert f"(not started: [{bad.id}] fails failed)" in capsys.readouterr().out


def test_the_options_combine_in_a_cell(defs):
    job = run(defs, "%%bg --every 0.05 --timeout 1 --name ticker\nawait asyncio.sleep(0)\nruns += 10")
    settle(defs, 0.2)
    run(defs, f"%jobs -k {job.id}")
    assert defs.user_ns["runs"] >= 20 and job.source == "ticker"


def test_after_and_retries_with_process(defs):
    first = run(defs, "%bg asyncio.sleep(0.05)")
    job = run(defs, f"%bg --after %{first.id} --retries 1 --process abs(-4)")
    settle(defs, 1.0)
    assert job.kind.value == "process" and job.result() == 4


@pytest.mark.parametrize(
    "line, message",
    [
        ("--timeout 0 slow()", "above 0"),
        ("--every nan tick()", "above 0"),
        ("--retries -1 flaky()", "0 or more"),
        ("--stop-on-error tick()", "--every"),
        ("--after %99 tick()", "no job 99"),
    ],
)
def test_bad_options_are_one_line_errors(defs, line, message):
    with pytest.raises(UsageError, match=message):
        defs.run_line_magic("bg", line)


def test_killing_a_job_still_waiting_for_another_leaves_no_warning(defs, recwarn):
    first = run(defs, "%bg asyncio.sleep(5)")
    later = run(defs, f"%bg --after %{first.id} slow()")
    run(defs, f"%jobs -k {later.id} {first.id}")
    settle(defs, 0.05)
    import gc

    gc.collect()
    assert later.cancelled() and defs.user_ns["calls"] == []
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


def test_a_periodic_job_retries_each_run_and_shows_only_the_last_runs_attempts(defs):
    job = run(defs, "%bg --every 0.05 --retries 1 tick()")
    settle(defs, 0.4)
    run(defs, f"%jobs -k {job.id}")
    # Run 2's first attempt failed and its retry succeeded: no run failed.
    assert job.schedule.runs >= 3 and defs.user_ns["runs"] == job.schedule.runs + 1
    assert job.schedule.failures == []
