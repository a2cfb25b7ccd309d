"""The documented API from inside jobs: ``run_in_background`` and
``run_in_foreground`` called by a thread job use the loop the jobs run on,
through its own thread; called by a coroutine job, ``run_in_foreground``
refuses before starting anything; a ``%fg`` never waits for the job it runs
in.  In a plain shell, a real kernel and a real terminal."""

import asyncio
import time

import pexpect
import pytest
from IPython.core.error import UsageError

from tests.harness.cells import run

API = """
import asyncio, threading, time, ipython_bg
started = []  # the threads five() ran in
async def five():
    started.append(threading.current_thread().name)
    await asyncio.sleep(0.05)
    return 5
def starts_one():
    return ipython_bg.run_in_background(five())
def waits_for_one(pause=0.0):
    time.sleep(pause)  # long enough, the terminal's prompt runs the loop by then
    return ipython_bg.run_in_foreground(five())
def waits_for_a_call():
    return ipython_bg.run_in_foreground(lambda: 'from a thread')
async def waits_inside_a_coroutine():
    return ipython_bg.run_in_foreground(five())
"""


def _until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# -- a plain shell: the loop runs only in the foreground ---------------------------------


def test_run_in_background_from_a_thread_job_starts_a_job_on_the_shells_loop(shell):
    run(shell, API)
    outer = run(shell, "%bg starts_one()")
    assert run(shell, "%fg 1") == 5
    table = shell.magics_manager.registry["BackgroundJobs"].session.control.table
    assert [job.source for job in table] == ["starts_one()", "five()"]
    assert run(shell, "%fg 2") == 5
    assert table[2].get_loop() is outer.get_loop()
    assert shell.user_ns["started"] == ["MainThread"]


def test_run_in_foreground_from_a_thread_job_waits_through_the_loop(shell):
    run(shell, API)
    job = run(shell, "%bg waits_for_one()")
    # The shell's loop runs only in the foreground: the thread waits for it.
    assert run(shell, "%fg 1") == 5
    assert job.result() == 5
    assert shell.user_ns["started"] == ["MainThread"]  # never a loop of the worker's
    assert run(shell, "%fg waits_for_a_call()") == "from a thread"


def test_run_in_foreground_in_a_coroutine_job_refuses_and_starts_nothing(shell):
    run(shell, API)
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


@pytest.fixture(scope="module")
def kernel():
    pytest.importorskip("ipykernel")
    from tests.harness.kernel import Kernel

    kernel = Kernel()
    cell = kernel.execute("%load_ext ipython_bg\n" + API)
    assert cell.ok, cell.reply
    yield kernel
    kernel.close()


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


# -- a real terminal: the prompt runs in the loop ----------------------------------------


@pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty")
def test_terminal_api_from_a_thread_job_keeps_the_prompt(terminal):
    terminal.run("exec(%r)" % API)
    terminal.send("%bg waits_for_one(0.5)")
    terminal.expect_exact("[1]+ done  thread  waits_for_one(0.5) -> _bg1")
    terminal.send("%bg starts_one()")
    terminal.expect_exact("done  thread  starts_one() -> _bg2")
    assert terminal.value("_bg1, _bg2, get_ipython().run_line_magic('fg', '3')") == "5 5 5"
    terminal.send("get_ipython().run_cell_magic('bg', '', 'x = 1\\n%fg')")
    output = terminal.expect_exact("cannot wait for itself")
    assert "already running" not in output and "Traceback" not in output
    assert terminal.value("'still', 'here'") == "still here"
