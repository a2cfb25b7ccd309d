"""%bg, %fg and %jobs against a real InteractiveShell (no terminal: the loop
runs only in the foreground, as under --simple-prompt)."""

import asyncio
import gc

import pytest
from IPython.core.error import UsageError

from ipython_bg.model.job import Job, JobKind, JobState

from tests.harness.programs import DOUBLE_AND_FAIL
from tests.harness.cells import run


def ns(shell):
    return shell.user_ns


DEFINITIONS = DOUBLE_AND_FAIL + """
def blocking(x, gate=None):
    if gate is not None:
        assert gate.wait(10)
    return x + 1
"""


@pytest.fixture
def defs(shell):
    run(shell, DEFINITIONS)
    return shell


def test_bg_coroutine_returns_a_job_and_fg_its_result(defs):
    job = run(defs, "%bg double(21)")
    assert isinstance(job, Job) and job.id == 1 and job.kind is JobKind.COROUTINE
    assert job.source == "double(21)"
    assert run(defs, "%fg") == 42
    assert ns(defs)["_bg1"] == 42


def test_a_job_knows_the_cell_that_started_it(defs):
    results = [defs.run_cell(cell, store_history=True) for cell in ("%bg double(1)", "%%bg\nawait double(2)")]
    assert [result.result.origin for result in results] == [f"Cell In[{result.execution_count}]" for result in results]
    assert run(defs, "%fg %1 %2") == [2, None]


def test_bg_assignment_targets(defs):
    run(defs, "d = {}")
    run(defs, "x = %bg double(1)")
    run(defs, "%bg y = double(2)")
    run(defs, "%bg a, b = asyncio.sleep(0, result=(5, 6))")
    run(defs, "%bg d['k'] = blocking(1)")
    run(defs, "%fg 2 3 4")
    assert isinstance(ns(defs)["x"], Job)
    assert ns(defs)["y"] == 4 and (ns(defs)["a"], ns(defs)["b"]) == (5, 6)
    assert ns(defs)["d"] == {"k": 2}


def test_plain_call_runs_in_a_thread_and_returns_at_once(defs):
    run(defs, "gate = threading.Event()")
    job = run(defs, "%bg blocking(1, gate)")
    # The call is blocked on the gate, yet %bg has returned.
    assert job.kind is JobKind.THREAD and not job.done()
    assert job.state in (JobState.PENDING, JobState.RUNNING)
    run(defs, "gate.set()")
    assert run(defs, "%fg") == 2


def test_time_sleep_in_the_background(defs):
    job = run(defs, "%bg time.sleep(0.2)")
    assert job.kind is JobKind.THREAD and not job.done()
    assert run(defs, "%fg %1") is None


def test_bare_callable_and_async_and_asyncio_calls(defs):
    assert run(defs, "%bg time.monotonic").kind is JobKind.THREAD
    assert run(defs, "%bg asyncio.gather(double(1), double(2))").kind is JobKind.COROUTINE
    assert run(defs, "%bg asyncio.shield(double(3))").kind is JobKind.COROUTINE
    results = run(defs, "%fg 1 2 3")
    assert isinstance(results[0], float) and results[1:] == [[2, 4], 6]


def test_thread_and_no_thread_flags(defs):
    forced = run(defs, "%bg --thread double(3)")
    assert forced.kind is JobKind.THREAD
    assert run(defs, "%fg") == 6
    whole = run(defs, "%bg --no-thread asyncio.wait_for(double(4), 5)")
    assert whole.kind is JobKind.COROUTINE
    assert run(defs, "%fg") == 8


def test_cell_with_await_is_a_coroutine_job_writing_the_namespace(defs):
    job = run(defs, "%%bg --name counting\nsteps = []\nfor i in range(3):\n    await asyncio.sleep(0)\n    steps.append(i)\n")
    assert job.kind is JobKind.COROUTINE and job.source == "counting"
    run(defs, "%fg")
    assert ns(defs)["steps"] == [0, 1, 2]


def test_cell_without_await_runs_in_a_thread(defs):
    job = run(defs, "%%bg\nwhere = threading.current_thread().name\n")
    assert job.kind is JobKind.THREAD and job.source == "where = threading.current_thread().name"
    run(defs, "%fg")
    assert ns(defs)["where"].startswith("ipython_bg")


def test_fg_expression_forms(defs):
    assert run(defs, "%fg double(5)") == 10
    run(defs, "x = %fg double(6)")
    assert ns(defs)["x"] == 12
    assert run(defs, "%fg blocking(1)") == 2
    assert run(defs, "%fg x2 = double(7)") == 14 and ns(defs)["x2"] == 14
    # Foreground work does not enter the job table.
    assert len(defs.magics_manager.registry["BackgroundJobs"].session.control.table) == 0


def test_fg_cell_awaits_even_with_autoawait_off(defs):
    run(defs, "%autoawait False")
    run(defs, "%%fg\nvalue = await double(8)\n")
    assert ns(defs)["value"] == 16
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
    row = list(ns(defs)["t"])[0]
    assert row.state is JobState.DONE and row.summary == "2"
    assert not ns(defs)["j"].done()


def test_jobs_kill_and_clear(defs, capsys):
    run(defs, "%bg double(1, 30)")
    run(defs, "%bg double(2)")
    run(defs, "%fg 2")
    capsys.readouterr()
    assert run(defs, "%jobs -k %1") is None
    assert capsys.readouterr().out == "cancelled [1] double(1, 30)\n"
    run(defs, "%%fg\nawait asyncio.sleep(0)\n")
    assert ns(defs)["_bg2"] == 4
    states = {row.id: row.state for row in run(defs, "%jobs")}
    assert states == {1: JobState.CANCELLED, 2: JobState.DONE}
    assert len(run(defs, "%jobs -c")) == 2
    assert len(run(defs, "%jobs")) == 0


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


def test_result_names_can_be_switched_off(defs):
    run(defs, "%config BackgroundJobs.result_name = ''")
    run(defs, "%bg double(1)")
    run(defs, "%fg")
    assert "_bg1" not in ns(defs)
    defs.run_cell("%config BackgroundJobs.result_name = 'x{nope}'")
    assert defs.magics_manager.registry["BackgroundJobs"].result_name == ""


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


@pytest.mark.parametrize(
    "line",
    [
        "%bg",
        "%bg 42",
        "%bg undefined_name()",
        "%bg f(",
        "%bg 1 = double(1)",
        "%%bg\n   \n",
        "%fg 99",
        "%fg %nosuch",
        "%jobs -k 99",
        "%jobs --bogus",
        "%bg --bogus double(1)",
        "%fg --timeout soon double(1)",
        "%bg --thread --no-thread double(1)",
        "%jobs -t 1",
    ],
)
def test_bad_input_is_one_usage_error_and_loses_nothing(defs, line, capsys):
    run(defs, "keep = 'me'\nalive = %bg double(1, 30)")
    before = list(run(defs, "%jobs"))
    capsys.readouterr()
    result = defs.run_cell(line)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    captured = capsys.readouterr()
    printed = (captured.out + captured.err).strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("UsageError: "), printed
    assert "Traceback" not in captured.out + captured.err
    assert ns(defs)["keep"] == "me"
    after = list(run(defs, "%jobs"))
    assert [(row.id, row.state) for row in after] == [(row.id, row.state) for row in before]
    assert not ns(defs)["alive"].done()


def test_fg_without_jobs(defs):
    result = defs.run_cell("%fg")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == "%fg: no current job"


def test_reset_keeps_the_jobs_and_the_magics(defs):
    run(defs, "%bg double(1, 0.05)")
    run(defs, "%reset -f")
    run(defs, "import asyncio")
    assert run(defs, "%fg 1") == 2
    assert len(run(defs, "%jobs")) == 1


def test_autoawait_asyncio_gets_the_foreground_runner_back(defs):
    runner = defs.loop_runner
    run(defs, "%autoawait asyncio")
    assert defs.loop_runner is runner


def test_load_twice_is_harmless_and_unload_restores(shell):
    from IPython.core.async_helpers import _asyncio_runner

    shell.run_line_magic("load_ext", "ipython_bg")
    assert list(shell.magics_manager.registry).count("BackgroundJobs") == 1
    run(shell, "async def forever():\n    await asyncio.sleep(3600)\n")
    job = run(shell, "%bg forever()")
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert job.cancelled()
    assert shell.loop_runner is _asyncio_runner
    assert "bg" not in shell.magics_manager.magics["line"]
    assert shell.custom_exceptions == ()
    shell.run_line_magic("load_ext", "ipython_bg")
    assert len(run(shell, "%jobs")) == 0


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
    assert "x" not in ns(defs)
    assert run(defs, "%fg 1") == 42
    assert ns(defs)["x"] == 42  # the assignment went to the background with the job
    assert signal.getsignal(signal.SIGTSTP) == signal.SIG_DFL


def test_a_trio_kernel_is_refused_with_a_clear_message():
    from ipython_bg.hosts.base import UnsupportedShell
    from ipython_bg.hosts.detect import host_for

    # Only the decision is tested here: ipykernel 7.4's own trio mode does
    # not start, so there is no real trio kernel to load into.
    from ipykernel.zmqshell import ZMQInteractiveShell

    # A kernel shell is known by its class (a subclass, like Spyder's, too).
    TrioShell = type("TrioShell", (ZMQInteractiveShell,), {"__init__": lambda self: None, "trio_runner": object()})
    with pytest.raises(UnsupportedShell, match="runs trio, not asyncio"):
        host_for(TrioShell(), None, None, None)


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


def test_help_lists_every_option_and_lsmagic_the_summary(shell):
    # The parsers are built on first use; %bg? still shows the options.
    before_use = {}
    for magic, options in (("bg", ["--thread", "--no-thread", "--process", "--executor NAME", "--name LABEL",
                                   "--timeout SECONDS", "--retries N", "--every SECONDS", "--stop-on-error",
                                   "--after <SPEC"]),
                           ("fg", ["--timeout SECONDS"]),
                           ("jobs", ["--long", "--kill <SPEC", "--clear", "--traceback SPEC", "--watch"])):
        text = before_use[magic] = shell.object_inspect_text(f"%{magic}")
        assert f"%{magic} [" in text, text
        for option in options:
            assert option in text, (magic, option, text)
    brief = shell.magics_manager.lsmagic_docs(brief=True)
    assert brief["line"]["bg"] == "Start a background job and return it."
    assert brief["line"]["jobs"].startswith("List jobs")
    # Help asked for before any use is the same as after it.
    for magic, line in (("bg", "asyncio.sleep(0)"), ("fg", ""), ("jobs", "")):
        shell.run_line_magic(magic, line)
    for magic, text in before_use.items():
        assert shell.object_inspect_text(f"%{magic}") == text, magic


def test_lines_reach_the_magics_without_dollar_expansion(shell):
    # $-expansion stays off: the line reaches %bg as typed.
    shell.user_ns["x"] = "not expanded"
    job = shell.run_line_magic("bg", "asyncio.sleep(0, '$x')")
    assert shell.run_line_magic("fg", f"{job.id}") == "$x"


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
    ns(defs)["gate"].set()
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


def test_bg_help_shows_expr_in_its_usage_line(shell):
    text = shell.object_inspect_text("%bg")
    usage = text.split("::", 1)[1].split("Start a background job", 1)[0]
    assert "%bg" in usage and "EXPR" in usage, usage


@pytest.mark.parametrize("magic", ["bg", "fg", "jobs"])
def test_an_unknown_option_is_said_by_its_magic(shell, magic):
    for line in ("--bogus", "--bogus x", "-k 'x" if magic == "jobs" else "--name 'x"):
        with pytest.raises(UsageError) as error:
            shell.run_line_magic(magic, line)
        assert str(error.value).startswith(f"%{magic}: "), error.value


def test_bg_and_fg_say_what_is_missing_after_an_assignment(shell):
    for magic in ("bg", "fg"):
        with pytest.raises(UsageError) as error:
            shell.run_line_magic(magic, "x =")
        assert str(error.value) == f"%{magic}: nothing after `x =`: give an expression to run"


def test_bg_of_an_await_says_to_drop_it(shell):
    for line in ("await asyncio.sleep(0)", "x = await asyncio.sleep(0)"):
        with pytest.raises(UsageError) as error:
            shell.run_line_magic("bg", line)
        assert str(error.value).startswith("%bg: drop the `await`: %bg asyncio.sleep(0) runs it in the background")
    assert len(shell.magics_manager.registry["BackgroundJobs"].session.control.table) == 0


def test_fg_waits_for_jobs_by_name(defs):
    run(defs, "h1 = %bg double(1)\nh2 = %bg double(2, 0.01)\n%bg double(3)")
    assert run(defs, "%fg h1 h2") == [2, 4]
    assert run(defs, "%fg h2 3 h1") == [4, 6, 2]
    with pytest.raises(UsageError):  # not a job: the line is an expression, and a bad one
        defs.run_line_magic("fg", "h1 d")
    run(defs, "d = 1")
    with pytest.raises(UsageError):
        defs.run_line_magic("fg", "h1 d")


def test_bg_and_fg_in_a_function_see_its_locals(defs):
    # IPython rewrites ``name = %magic`` and a line starting with one, not ``return %bg``.
    run(defs, "def f(x):\n    job = %bg asyncio.sleep(0, x)\n    return job\n")
    run(defs, "j = f(5)")
    assert run(defs, "%fg") == 5
    run(defs, "def g(y):\n    first = %bg double(y)\n    second = %bg double(y + 1)\n    results = %fg first second\n    return results\n")
    assert run(defs, "g(1)") == [2, 4]
    run(defs, "def h(z):\n    result = %fg double(z)\n    return result\n")
    assert run(defs, "h(21)") == 42


WRAPPERS = """
import functools

def generator():
    yield 1

def traced(func):
    @functools.wraps(func)
    async def wrapper(*args):
        return await func(*args)
    return wrapper

traced_double = traced(double)

async def stands_for_a_generator():
    return 1

stands_for_a_generator.__wrapped__ = generator
"""


def _outcome(shell, line: str):
    """What ``_job = %bg LINE`` gives: its kind, source and what %fg of it
    gives (or what it raised), and the assignment it made; or the error."""
    shell.user_ns.pop("y", None)
    started = shell.run_cell(f"_job = %bg {line}")
    if started.error_in_exec is not None:
        return type(started.error_in_exec).__name__, str(started.error_in_exec)
    job = shell.user_ns["_job"]
    waited = shell.run_cell(f"%fg {job.id}")
    ended = waited.result if waited.error_in_exec is None else repr(waited.error_in_exec)
    return job.kind.value, job.source, ended, shell.user_ns.get("y")


@pytest.mark.parametrize(
    "line",
    [
        "double(21)",
        "  y = double(2)  ",
        "blocking(1)",
        "asyncio.sleep(0, 7)",
        "double",
        "fail('no')",
        "traced_double(3)",
        "stands_for_a_generator()",
        "generator()",
        "y",
        "x =",
        "",
    ],
)
def test_a_line_without_options_is_taken_as_one_with_none_given(defs, line):
    # %bg EXPR skips the option parsing that %bg -- EXPR goes through.
    run(defs, WRAPPERS)
    assert _outcome(defs, line) == _outcome(defs, f"-- {line}")


def test_an_async_def_that_stands_for_a_generator_is_refused_as_one(defs):
    run(defs, WRAPPERS)
    with pytest.raises(UsageError, match="^%bg: stands_for_a_generator\\(\\): a generator is iterated, not run"):
        defs.run_line_magic("bg", "stands_for_a_generator()")
    assert run(defs, "%fg traced_double(4)") == 8


def test_a_notice_keeps_the_marker_the_job_had_while_it_ran(defs, capsys):
    run(defs, "%bg double(1, 30)")
    run(defs, "%bg double(2, 0.01)")  # current (+) while it runs; job 1 is current once it ends
    capsys.readouterr()
    run(defs, "%%fg\nawait asyncio.sleep(0.1)\n")
    assert "[2]+ done  coroutine  double(2, 0.01) -> _bg2" in capsys.readouterr().out.splitlines()
    assert defs.magics_manager.registry["BackgroundJobs"].session.control.table.markers() == {1: "+", 2: "-"}
    run(defs, "%jobs -k all")
