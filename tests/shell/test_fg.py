"""%fg against a real InteractiveShell: waiting for expressions, cells and
jobs by spec or name, results and exceptions, --timeout and Ctrl-Z, and a
wait refused where it cannot block, starting nothing."""

import gc
import warnings

import pytest
from IPython.core.error import UsageError

from tests.harness.cells import run


def test_fg_expression_forms(defs):
    assert run(defs, "%fg double(5)") == 10
    run(defs, "x = %fg double(6)")
    assert defs.user_ns["x"] == 12
    assert run(defs, "%fg blocking(1)") == 2
    assert run(defs, "%fg x2 = double(7)") == 14 and defs.user_ns["x2"] == 14
    # Foreground work does not enter the job table.
    assert len(defs.magics_manager.registry["BackgroundJobs"].session.control.table) == 0


def test_fg_cell_awaits_even_with_autoawait_off(defs):
    run(defs, "%autoawait False")
    run(defs, "%%fg\nvalue = await double(8)\n")
    assert defs.user_ns["value"] == 16
    run(defs, "%autoawait True")


def test_fg_specs_and_several_jobs(defs):
    run(defs, "%bg double(1)")
    run(defs, "%bg double(2)")
    run(defs, "%bg double(3)")
    assert run(defs, "%fg %- %+ 1") == [4, 6, 2]
    assert run(defs, "%fg %?(3)") == 6
    with pytest.raises(UsageError, match="ambiguous"):
        defs.run_line_magic("fg", "%doub")


def test_fg_reraises_the_jobs_exception(defs):
    run(defs, "%bg fail('bad header')")
    result = defs.run_cell("%fg")
    assert isinstance(result.error_in_exec, ValueError)
    assert str(result.error_in_exec) == "bad header"


def test_fg_timeout_leaves_the_job_in_the_background(defs):
    result = defs.run_cell("%fg --timeout 0.05 double(1, 0.5)")
    assert isinstance(result.error_in_exec, UsageError)
    assert "keeps running in the background" in str(result.error_in_exec)
    assert run(defs, "%fg") == 2


def test_fg_without_jobs(defs):
    result = defs.run_cell("%fg")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == "%fg: no current job"


def test_ctrl_z_during_fg_sends_the_job_to_the_background(defs, capsys):
    import os
    import signal
    import threading

    timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGTSTP))
    timer.start()
    result = defs.run_cell("%fg x = double(21, 0.5)")
    timer.join()
    assert type(result.error_in_exec).__name__ == "ForegroundSuspended"
    assert "[1]+ continued in background  coroutine  double(21, 0.5)" in capsys.readouterr().out
    assert "x" not in defs.user_ns
    assert run(defs, "%fg 1") == 42
    assert defs.user_ns["x"] == 42  # the assignment went to the background with the job
    assert signal.getsignal(signal.SIGTSTP) == signal.SIG_DFL


def test_fg_waits_for_jobs_by_name(defs):
    run(defs, "h1 = %bg double(1)\nh2 = %bg double(2, 0.01)\n%bg double(3)")
    assert run(defs, "%fg h1 h2") == [2, 4]
    assert run(defs, "%fg h2 3 h1") == [4, 6, 2]
    with pytest.raises(UsageError):  # not a job: the line is an expression, and a bad one
        defs.run_line_magic("fg", "h1 d")
    run(defs, "d = 1")
    with pytest.raises(UsageError):
        defs.run_line_magic("fg", "h1 d")


@pytest.mark.parametrize("line", ["bump()", "bump_async()", "asyncio.sleep(bump())"])
def test_fg_that_cannot_wait_starts_nothing(shell, line):
    run(shell, "calls = []\ndef bump():\n    calls.append(1)\nasync def bump_async():\n    bump()\n")
    # One worker thread, whose queue is first in, first out: once a probe
    # handed to it after the refusal has run, so has anything handed before.
    run(shell, "%config BackgroundJobs.worker_threads = 1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = shell.run_cell(f"await asyncio.sleep(0)\n%fg {line}\n")
        assert run(shell, "%fg len([])") == 0  # the probe: a call in that thread, after any started
        run(shell, "%%fg\nawait asyncio.sleep(0)\n")  # and any coroutine scheduled has stepped
        gc.collect()
        assert not [w for w in caught if "never awaited" in str(w.message)]
    assert isinstance(result.error_in_exec, UsageError)
    assert "cannot wait here" in str(result.error_in_exec)
    assert shell.user_ns["calls"] == []
    assert len(run(shell, "%jobs")) == 0
