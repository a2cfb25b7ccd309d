"""``%fg all`` waits for every unfinished job, as bash's ``wait`` does
(the kernel tier runs it headless: tests/kernel/test_headless.py)."""

from tests.harness.cells import run

LATE = "import asyncio\nasync def late(n):\n    await asyncio.sleep(0.5)\n    print('late', n)\n    return n\n"


def test_fg_all_waits_for_every_unfinished_job_and_returns_nothing(shell, capsys):
    run(shell, LATE)
    run(shell, "%bg late(1)")
    run(shell, "%bg late(2)")
    run(shell, "%bg time.sleep(0.3)")
    run(shell, "%bg --every 60 asyncio.sleep(0)")
    assert run(shell, "%fg all") is None
    out = capsys.readouterr().out
    assert "late 1" in out and "late 2" in out
    assert "not waiting for periodic jobs" in out and "[4]" in out
    table = shell.magics_manager.registry["BackgroundJobs"].session.control.table
    assert [job.state.value for job in table][:3] == ["done", "done", "done"]
    assert run(shell, "%jobs -k 4") is None and run(shell, "%fg all") is None  # nothing left: at once


def test_fg_all_raises_the_first_failure_once_all_have_ended(shell):
    run(shell, LATE + "async def bad():\n    await asyncio.sleep(0.1)\n    raise ValueError('bad')\n")
    run(shell, "%bg late(1)")
    run(shell, "%bg bad()")
    result = shell.run_cell("%fg all")
    assert isinstance(result.error_in_exec, ValueError)
    table = shell.magics_manager.registry["BackgroundJobs"].session.control.table
    assert all(job.done() for job in table)
