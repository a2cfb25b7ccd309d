"""%jobs against a real InteractiveShell: the table (states, kinds, results,
markers, wide characters, HTML), -k and -c."""

import time

import pytest
from IPython.core.error import UsageError

from ipython_bg.model.job import JobState
from tests.harness.cells import run, run_quiet


def test_jobs_table_reports_states_kinds_and_results(defs):
    run(defs, "%bg double(1)")
    run(defs, "%bg fail('bad header')")
    run(defs, "%bg double(1, 30)")
    defs.run_cell("%fg 1 2")
    table = run(defs, "%jobs")
    rows = {row.id: row for row in table}
    assert rows[1].state is JobState.DONE and rows[1].summary == "2"
    assert rows[2].state is JobState.FAILED and rows[2].summary == "ValueError: bad header"
    assert rows[3].state is JobState.RUNNING and rows[3].marker == "+"
    text = table.text()
    assert "[3]+  running  coroutine" in text and "ValueError: bad header" in text
    assert "<table" in table._repr_html_() and "bad header" in table._repr_html_()
    long = run(defs, "%jobs -l 2 3").text()
    assert "Traceback" in long and "started in Cell In[" in long and "waiting in:" in long
    assert "raise ValueError(message)" in run(defs, "%jobs -t 2")
    # Cells named as IPython's own tracebacks name them.
    assert "  Cell In[1], line " in run(defs, "%jobs -t 2") and "ipython-input" not in long


def test_jobs_sees_a_thread_jobs_end_during_a_synchronous_cell(defs):
    # One cell: the loop never runs between the start and %jobs.
    run(defs, "j = %bg blocking(1)\nwhile not j.call.future.done(): time.sleep(0.01)\nt = %jobs")
    row = list(defs.user_ns["t"])[0]
    assert row.state is JobState.DONE and row.summary == "2"
    assert not defs.user_ns["j"].done()


def test_jobs_kill_and_clear(defs, capsys):
    run(defs, "%bg double(1, 30)")
    run(defs, "%bg double(2)")
    run(defs, "%fg 2")
    capsys.readouterr()
    assert run(defs, "%jobs -k %1") is None
    assert capsys.readouterr().out == "cancelled [1] double(1, 30)\n"
    run(defs, "%%fg\nawait asyncio.sleep(0)\n")
    assert defs.user_ns["_bg2"] == 4
    states = {row.id: row.state for row in run(defs, "%jobs")}
    assert states == {1: JobState.CANCELLED, 2: JobState.DONE}
    assert len(run(defs, "%jobs -c")) == 2
    assert len(run(defs, "%jobs")) == 0


def test_a_job_is_shown_as_html_by_the_shells_formatter(shell):
    job = shell.run_line_magic("bg", "asyncio.sleep(0, 'x')")
    data, _ = shell.display_formatter.format(job)
    assert 'class="ipython-bg-job' in data["text/html"] and f"[{job.id}]" in data["text/html"]
    assert data["text/plain"] == f"[{job.id}] coroutine  asyncio.sleep(0, 'x')"


def test_jobs_kill_all_cancels_every_unfinished_job_and_says_so(defs, capsys):
    run(defs, "%bg double(1, 30)")
    run(defs, "%fg double(2)")  # finished: not in the count
    run(defs, "%bg double(3)\n%fg")
    run(defs, "gate = threading.Event()\n%bg blocking(4, gate)")
    run(defs, "%bg double(5, 30)")
    capsys.readouterr()
    assert run(defs, "%jobs -k all") is None
    caveat, out = capsys.readouterr().out.splitlines()
    assert caveat.startswith("ipython_bg: a cancelled thread job") and "cannot stop its thread" in caveat
    assert out == "cancelled 3 jobs: [1] double(1, 30), [3] blocking(4, gate), [4] double(5, 30)"
    defs.user_ns["gate"].set()
    run(defs, "%%fg\nawait asyncio.sleep(0)\n")
    assert {row.id: row.state for row in run(defs, "%jobs")}[1] is JobState.CANCELLED
    capsys.readouterr()
    run(defs, "%jobs -k all")
    assert capsys.readouterr().out == "no unfinished jobs: nothing cancelled\n"


def test_an_ambiguous_kill_names_a_few_of_the_jobs(defs):
    for _ in range(8):
        run(defs, "%bg double(1, 30)")
    with pytest.raises(UsageError) as error:
        defs.run_line_magic("jobs", "-k %?double")
    message = str(error.value)
    assert message.startswith("%jobs: %?double is ambiguous: it matches [1] double(1, 30), [2] double(1, 30),")
    assert message.endswith("[5] double(1, 30) and 3 more") and "\n" not in message
    assert all(not job.done() for job in defs.magics_manager.registry["BackgroundJobs"].session.control.table)
    run(defs, "%jobs -k all")


def test_wide_characters_keep_the_jobs_columns_aligned(defs):
    from prompt_toolkit.utils import get_cwidth

    run(defs, "%bg asyncio.sleep(0, '日本語のテキスト')")
    run(defs, "%bg asyncio.sleep(0, 'plain')")
    run(defs, "%bg asyncio.sleep(0, '" + "漢" * 60 + "')")
    run(defs, "%fg 1 2 3")
    lines = [line for line in run(defs, "%jobs").text().splitlines() if line.startswith("[")]
    # The result column starts at the same terminal column on every line.
    starts = [get_cwidth(line[: line.rindex("  '") + 2]) for line in lines]
    assert len(set(starts)) == 1, lines
    # A clipped wide source or result fits its width in columns, not characters.
    assert all(get_cwidth(line) <= get_cwidth(lines[1]) + 48 for line in lines), lines
    assert lines[2].endswith("…") and get_cwidth(lines[2]) - starts[2] <= 48


def test_kill_keeps_the_outcome_of_a_finished_thread_job(sweep):
    run_quiet(sweep, "%bg call(1)")
    (job,) = list(sweep.table)
    deadline = time.monotonic() + 5
    while not job.call.future.done() and time.monotonic() < deadline:
        time.sleep(0.001)
    assert job.state is JobState.DONE  # what %jobs shows
    run_quiet(sweep, "%jobs -k 1")
    run_quiet(sweep, "%%fg\nawait nap()")  # the loop runs
    # Was: cancelled, its result dropped (and no _bg1).
    assert job.state is JobState.DONE, job.state
    assert sweep.shell.user_ns.get("_bg1") == 1
