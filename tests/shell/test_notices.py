"""Notices of many ends at once: one line counts them, failures named."""

import pytest

from tests.harness.programs import DOUBLE_AND_FAIL
from tests.harness.cells import run

@pytest.fixture
def defs(shell):
    run(shell, DOUBLE_AND_FAIL)
    return shell


def ns(shell):
    return shell.user_ns


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
    assert [ns(defs).get(f"_bg{n + 1}") for n in range(100)] == [2 * n for n in range(100)]
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
