"""The documented API from inside jobs, in a plain shell (the kernel's and
the terminal's: test_api_in_jobs.py in tests/kernel/ and tests/terminal/):
``run_in_background`` and ``run_in_foreground`` called by a thread job use
the loop the jobs run on, through its own thread; called by a coroutine
job, ``run_in_foreground`` refuses before starting anything; a ``%fg``
never waits for the job it runs in."""

import time

import pytest
from IPython.core.error import UsageError

from tests.harness.cells import run
from tests.harness.programs import API_IN_JOBS


def _until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# -- a plain shell: the loop runs only in the foreground ---------------------------------


def test_run_in_background_from_a_thread_job_starts_a_job_on_the_shells_loop(shell):
    run(shell, API_IN_JOBS)
    outer = run(shell, "%bg starts_one()")
    assert run(shell, "%fg 1") == 5
    table = shell.magics_manager.registry["BackgroundJobs"].session.control.table
    assert [job.source for job in table] == ["starts_one()", "five()"]
    assert run(shell, "%fg 2") == 5
    assert table[2].get_loop() is outer.get_loop()
    assert shell.user_ns["started"] == ["MainThread"]


def test_run_in_foreground_from_a_thread_job_waits_through_the_loop(shell):
    run(shell, API_IN_JOBS)
    job = run(shell, "%bg waits_for_one()")
    # The shell's loop runs only in the foreground: the thread waits for it.
    assert run(shell, "%fg 1") == 5
    assert job.result() == 5
    assert shell.user_ns["started"] == ["MainThread"]  # never a loop of the worker's
    assert run(shell, "%fg waits_for_a_call()") == "from a thread"


def test_run_in_foreground_in_a_coroutine_job_refuses_and_starts_nothing(shell):
    run(shell, API_IN_JOBS)
    job = run(shell, "%bg waits_inside_a_coroutine()")
    with pytest.raises(Exception, match="already running here"):
        run(shell, "%fg 1")
    assert job.state.value == "failed"
    assert shell.user_ns["started"] == []


@pytest.mark.parametrize(
    "body",
    ["x = 1\n%fg", "x = 1\n%fg 1", "await asyncio.sleep(0)\n%fg"],
    ids=["thread-bare", "thread-own-id", "coroutine-bare"],
)
def test_fg_in_a_bg_cell_never_waits_for_its_own_job(shell, body):
    job = shell.run_cell_magic("bg", "", body)
    result = shell.run_cell("%fg 1")
    assert isinstance(result.error_in_exec, UsageError)
    assert job.done() and job.state.value == "failed"
    assert str(job.exception()).startswith("%fg: job 1 (") and "cannot wait for itself" in str(job.exception())


def test_fg_in_a_thread_bg_cell_waits_for_another_job(shell):
    run(shell, "async def later():\n    await asyncio.sleep(0.05)\n    return 'later'")
    run(shell, "%bg later()")
    cell = shell.run_cell_magic("bg", "", "got = %fg 1\n")
    assert run(shell, "%fg 2") is None and cell.state.value == "done"
    assert shell.user_ns["got"] == "later"


# -- a real kernel: its loop runs between cells --------------------------------------


# -- a real terminal: the prompt runs in the loop ----------------------------------------
