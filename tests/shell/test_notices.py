"""The notices of jobs' ends against a real InteractiveShell: said at the
cell's end, once, with the marker the job had; many ends at once summed up
in one line, failures named."""

import gc

import pytest

from ipython_bg.model.job import JobState
from tests.harness.cells import run
from tests.harness.programs import DOUBLE_AND_FAIL


@pytest.fixture
def defs(shell):
    run(shell, DOUBLE_AND_FAIL)
    return shell


def test_a_flood_of_notices_is_summed_up(defs, capsys):
    run(defs, "for n in range(20_000):\n    %bg double(n, 0)\n")
    run(defs, "for n in range(7):\n    %bg fail(f'one of many {n}')\n")
    capsys.readouterr()
    run(defs, "%%fg\nawait asyncio.sleep(0.05)\n")
    lines = capsys.readouterr().out.splitlines()
    # The failures are named, the first five; the rest only counted.
    assert [line.split("  ")[-1] for line in lines[:-1]] == [f"ValueError: one of many {n}" for n in range(5)]
    assert lines[-1] == "20007 jobs ended: 20000 done, 7 failed (5 shown above); %jobs lists them"
    run(defs, "%%fg\nawait asyncio.sleep(0.01)\n")
    assert capsys.readouterr().out == ""


def test_ends_left_for_later_slices_are_reported_when_the_cell_ends(defs, capsys):
    # This shell's loop runs only in the foreground: the slices of a big
    # report that the loop did not get to are reported at the cell's end.
    defs.magics_manager.registry["BackgroundJobs"].session.control.ends.slice = 10
    run(defs, "for n in range(100):\n    %bg double(n)\n")
    capsys.readouterr()
    assert run(defs, "%fg 100") == 198
    assert [defs.user_ns.get(f"_bg{n + 1}") for n in range(100)] == [2 * n for n in range(100)]
    assert capsys.readouterr().out.splitlines()[-1] == "99 jobs ended: 99 done; %jobs lists them"  # not the one waited for


def test_notice_limit_is_where_a_summary_replaces_the_lines(defs, capsys):
    run(defs, "%config BackgroundJobs.notice_limit = 3")
    for count, summed in ((3, False), (4, True)):
        run(defs, f"for n in range({count}):\n    %bg double(n, 0)\n")
        capsys.readouterr()
        run(defs, "%%fg\nawait asyncio.sleep(0.02)\n")
        lines = capsys.readouterr().out.splitlines()
        if summed:
            assert lines == ["4 jobs ended: 4 done; %jobs lists them"]
        else:
            assert len(lines) == 3 and all(" done  coroutine  double(n, 0) -> _bg" in line for line in lines)
    run(defs, "%config BackgroundJobs.notice_limit = 0")
    run(defs, "%bg asyncio.sleep(0)")
    capsys.readouterr()
    run(defs, "%%fg\nawait asyncio.sleep(0.02)\n")
    assert capsys.readouterr().out == "1 job ended: 1 done; %jobs lists them\n"


def test_notices_wait_for_the_end_of_the_cell(defs, capsys):
    run(defs, "%bg double(1)")
    run(defs, "%bg fail('bad header')")
    capsys.readouterr()
    defs.run_cell("%%fg\nawait asyncio.sleep(0.05)\nprint('cell body')\n")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "cell body"
    assert "[1]- done  coroutine  double(1) -> _bg1" in out
    assert "[2]+ failed  coroutine  fail('bad header')  ValueError: bad header" in out


def test_a_job_waited_for_in_the_foreground_gets_no_notice(defs, capsys):
    run(defs, "%bg double(1)")
    capsys.readouterr()
    run(defs, "%fg")
    assert "done" not in capsys.readouterr().out


def test_failed_assignment_is_reported_not_lost(defs, capsys):
    run(defs, "%bg a, b = double(1)")
    run(defs, "%%fg\nawait asyncio.sleep(0.01)\n")
    out = capsys.readouterr().out
    assert "not assigned to a, b: TypeError" in out


def test_no_asyncio_never_retrieved_message(defs, caplog):
    run(defs, "%bg fail('x')")
    run(defs, "%%fg\nawait asyncio.sleep(0.01)\n")
    run(defs, "%jobs -c")
    gc.collect()
    assert "never retrieved" not in caplog.text


def test_failure_after_forgetting_finished_jobs_is_reported_once(defs, capsys):
    run(defs, "%bg double(1)")
    run(defs, "%fg 1")
    run(defs, "%bg fail('later')")
    assert [job.id for job in run(defs, "%jobs -c")] == [1]
    capsys.readouterr()
    run(defs, "%%fg\nawait asyncio.sleep(0.05)\n")
    run(defs, "%%fg\nawait asyncio.sleep(0.05)\n")
    out = capsys.readouterr().out
    assert out.count("failed  coroutine  fail('later')  ValueError: later") == 1
    row = list(run(defs, "%jobs 2"))[0]
    assert row.state is JobState.FAILED and "ValueError: later" in run(defs, "%jobs -t 2")


def test_a_notice_keeps_the_marker_the_job_had_while_it_ran(defs, capsys):
    run(defs, "%bg double(1, 30)")
    run(defs, "%bg double(2, 0.01)")  # current (+) while it runs; job 1 is current once it ends
    capsys.readouterr()
    run(defs, "%%fg\nawait asyncio.sleep(0.1)\n")
    assert "[2]+ done  coroutine  double(2, 0.01) -> _bg2" in capsys.readouterr().out.splitlines()
    assert defs.magics_manager.registry["BackgroundJobs"].session.control.table.markers() == {1: "+", 2: "-"}
    run(defs, "%jobs -k all")
