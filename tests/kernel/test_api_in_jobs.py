"""The documented API from inside jobs in a real kernel, whose loop runs
between cells (tests/shell/test_api_in_jobs.py says more)."""

import pytest

from tests.harness.programs import API_IN_JOBS


@pytest.fixture
def kernel(kernel):
    """The tier's kernel, with programs.API_IN_JOBS defined."""
    cell = kernel.execute(API_IN_JOBS)
    assert cell.ok, cell.reply
    return kernel


def test_kernel_run_in_background_from_a_thread_job_runs_on_the_kernels_loop(kernel):
    assert kernel.execute("outer = %bg starts_one()").ok
    assert kernel.value("%fg --timeout 20 outer") == "5"  # the thread's job, awaited by outer
    table = "ipython_bg.api.current_control().table"
    assert kernel.value(f"[job.source for job in {table}][-2:]") == "['starts_one()', 'five()']"
    assert kernel.value(f"all(job.get_loop() is asyncio.get_running_loop() for job in {table})") == "True"


def test_kernel_run_in_foreground_from_a_thread_job_waits_for_its_target(kernel):
    assert kernel.value("%fg --timeout 20 waits_for_one()") == "5"
    assert kernel.value("set(started)") == "{'MainThread'}"
    assert kernel.value("%fg --timeout 20 waits_for_a_call()") == "'from a thread'"
    assert kernel.value("1 + 1") == "2"


@pytest.mark.parametrize("body", ["x = 1\n%fg", "await asyncio.sleep(0)\n%fg"], ids=["thread", "coroutine"])
def test_kernel_fg_in_a_bg_cell_fails_its_job_in_one_line(kernel, body):
    cell = kernel.execute(f"%%bg\n{body}")
    assert cell.ok, cell.reply
    kernel.wait_for(lambda: "cannot wait for itself" in cell.stdout)
    assert "Traceback" not in cell.stdout
    assert kernel.value("1 + 1") == "2"
