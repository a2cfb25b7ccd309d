"""What a failed job shows against a real InteractiveShell (%fg, %jobs -t,
%jobs -l): the user's frames, none of ipython_bg's nor of a worker's.
Many of these pinned a bug the sweep (test_sweep.py, test_line_table.py)
found; the comment "Was:" says what happened before the fix."""

from __future__ import annotations

import asyncio
import os

import pytest
from IPython.core.error import UsageError

from tests.harness.cells import error_of, run, run_quiet, short_id, table_of
from tests.harness.strategies import SweepError
from tests.harness.sweep import frames, internal_lines


@pytest.mark.parametrize(
    "setup, source", [("%bg bad(1)", "%fg"), (None, "%fg bad(1)"), (None, "%%fg\nawait bad(1)")], ids=short_id
)
def test_fg_traceback_shows_no_ipython_bg_frames(sweep, setup, source):
    if setup:
        run_quiet(sweep, setup)
    result, output = run_quiet(sweep, source)
    assert isinstance(result.error_in_exec, SweepError)
    # The job's traceback only: BackgroundJobs.fg, JobControl.wait/foreground
    # and ForegroundRunner.run are hidden (__tracebackhide__).
    assert "in bad" in output or "bad(" in output
    assert internal_lines(output) == []


@pytest.mark.parametrize("source", ["%%bg\nreturn 1", "%%fg\nx = (", "%%bg\n  r = 1\n r = 2"], ids=short_id)
def test_cell_syntax_error_shows_no_ipython_bg_frames(sweep, source):
    result, output = run_quiet(sweep, source)
    assert isinstance(result.error_in_exec, (SyntaxError, UsageError))
    # Was: a traceback through BackgroundJobs.bg/fg/_cell_job, whose compile()
    # was not guarded.
    assert internal_lines(output) == [] and "Traceback" not in output


# Deep enough for every Python: 3.13's compiler takes a nesting that 3.12's refuses.


@pytest.mark.parametrize("source", ["%%bg\n" + "+" * 100000 + "1", "%%fg\n" + "not " * 20000 + "1"], ids=short_id)
def test_cell_too_deep_to_compile_is_a_syntax_or_usage_error(sweep, source):
    result, output = run_quiet(sweep, source)
    # Was: MemoryError / RecursionError out of _cell_job's compile().
    assert isinstance(result.error_in_exec, (SyntaxError, UsageError)), repr(result.error_in_exec)


@pytest.mark.parametrize(
    "setup, source", [(None, "%fg SweepError(k=1)"), ("%bg SweepError(k=1)", "%fg 1"), (None, "%fg shield")], ids=short_id
)
def test_fg_of_a_failing_builtin_or_class_shows_no_ipython_bg_frame(sweep, setup, source):
    if setup:
        run_quiet(sweep, setup)
    result, output = run_quiet(sweep, source)
    assert isinstance(result.error_in_exec, TypeError)
    # The worker called SweepError / asyncio.shield itself: the failure has no
    # frame of its own, ipython_bg's are dropped, so the innermost frame left
    # is foreground.results, the re-raise, and IPython always shows the innermost
    # frame, hidden or not.  (In a plain cell one sees the cell's line.)
    assert internal_lines(output) == []


def test_fg_of_a_cancelled_job_shows_no_traceback(sweep):
    run_quiet(sweep, "%bg nap()")
    run_quiet(sweep, "%jobs -k 1")
    result, output = run_quiet(sweep, "%fg 1")
    # Was: a CancelledError traceback through magics.fg, api.wait and
    # ForegroundRunner.run (bash says "fg: job has terminated").
    assert "Traceback" not in output and internal_lines(output) == [], output


def test_a_second_fg_keeps_the_jobs_traceback(sweep):
    run_quiet(sweep, "%bg bad(1)")
    sweep.control.home_loop().run_until_complete(asyncio.wait(list(sweep.table), timeout=5))
    first, _ = run_quiet(sweep, "%jobs -t 1")
    assert "in bad" in first.result
    run_quiet(sweep, "%fg 1")
    again, output = run_quiet(sweep, "%fg 1")
    # Was: Job.format_traceback and %fg used exc.__traceback__, which every
    # re-raise rewrites: CPython 3.11's C Future restores the saved traceback
    # once and then forgets it, so the second %fg raised the exception with
    # only its own frames, and %jobs -t then showed those.
    assert isinstance(again.error_in_exec, SweepError)
    assert any(name == "bad" for _, name in frames(again.error_in_exec))
    assert str(run_quiet(sweep, "%jobs -t 1")[0].result) == str(first.result)


@pytest.mark.parametrize("setup", ["%bg boom(1)", "%bg gather(bad(1))", "%bg --thread bad", "%bg bad(1)"])
def test_jobs_traceback_shows_no_ipython_bg_frames(sweep, setup):
    run_quiet(sweep, setup)
    sweep.control.home_loop().run_until_complete(asyncio.wait(list(sweep.table), timeout=5))
    result, output = run_quiet(sweep, "%jobs -t 1")
    assert "SweepError" in output and "Traceback" in output
    # not workers._worker, jobs.ThreadCall.__call__, calls.finish_call, control._await
    assert internal_lines(output) == []
    result, output = run_quiet(sweep, "%jobs -l")
    assert "SweepError" in output and internal_lines(output) == []


@pytest.mark.parametrize("setup", ["%bg hold()", "%%bg\nawait hold()", "%bg gather(hold())", "%bg shield(hold())"])
def test_jobs_long_shows_no_ipython_bg_frames_of_waiting_jobs(sweep, setup):
    held = asyncio.Event()  # the test's own: an Event binds to the loop it is first awaited on

    async def hold():
        await held.wait()

    sweep.shell.user_ns["hold"] = hold
    run_quiet(sweep, setup)
    run_quiet(sweep, "%%fg\nawait nap()")  # the job starts, and waits in hold()
    try:
        result, output = run_quiet(sweep, "%jobs -l")
        assert "running" in output, output
        if "gather" not in setup and "shield" not in setup:  # a future has no frames to show
            assert "waiting in" in output and "in hold" in output, output
        # Was: display._details listed job.get_stack() unfiltered: Job._tracked
        # (every coroutine job) and control._await (a job made from an awaitable
        # that is not a coroutine) are ipython_bg's own frames.
        assert internal_lines(output) == []
    finally:
        held.set()
        run_quiet(sweep, "%fg 1")


def test_wrong_arity_fails_the_job_naming_the_callee(callables):
    run(callables, "%bg one(1, 2, 3)")
    error = error_of(callables, "%fg 1")
    assert isinstance(error, TypeError)
    assert str(error) == "one() takes 1 positional argument but 3 were given"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--process needs fork")
def test_a_process_jobs_traceback_has_no_frames_of_the_worker(callables):
    run(callables, "%bg --process divide(0)")
    run(callables, "%bg --process one(1, 2)")
    run(callables, "import time; time.sleep(0.01)")
    assert isinstance(error_of(callables, "%fg 1"), ZeroDivisionError)
    assert isinstance(error_of(callables, "%fg 2"), TypeError)
    divided = table_of(callables)[1].format_traceback()
    assert "return 1 / x" in divided and "ZeroDivisionError: division by zero" in divided
    for text in (divided, table_of(callables)[2].format_traceback()):
        assert "ipython_bg" + os.sep not in text and "_child" not in text and "self.func(" not in text


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--process needs fork")
def test_fg_of_a_failed_process_job_shows_no_frames_of_the_worker(callables, capsys):
    run(callables, "%bg --process divide(0)")
    run(callables, "import time; time.sleep(0.01)")
    capsys.readouterr()
    callables.run_cell("%fg 1")  # IPython shows the failure, its remote cause first
    shown = capsys.readouterr()
    text = shown.out + shown.err
    assert "return 1 / x" in text and "ZeroDivisionError" in text
    assert "ipython_bg" + os.sep not in text and "_child" not in text and "self.func(" not in text
