"""The bugs the sweep (test_properties.py, test_bad_lines.py) found, each
pinned by a test named after it (all fixed in afd14b5).  Each runs lines
without the sweep's checks (:func:`run_quiet`) and asserts what the bug
broke; the comment "Was:" says what happened before the fix."""

from __future__ import annotations

import asyncio
import time

import pytest
from IPython.core.error import UsageError

from ipython_bg.model.job import JobState

from tests.harness.strategies import SweepError
from tests.harness.sweep import ANSI, frames, internal_lines

def short_id(value):
    return repr(value)[:50] if isinstance(value, str) else None


def run_quiet(sweep, source):
    """Run without the sweep's checks; return (result, output)."""
    sweep.capsys.readouterr()
    result = sweep.shell.run_cell(source)
    captured = sweep.capsys.readouterr()
    return result, ANSI.sub("", captured.out + captured.err)


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
    "source",
    ["%jobs '", '%jobs "a', "%jobs -k '1", '%bg --name "x ok()', "%fg --timeout ' ok()", '%%bg --name "\nr = 1'],
    ids=short_id,
)
def test_unbalanced_quote_is_a_usage_error(sweep, source):
    result, output = run_quiet(sweep, source)
    # Was: ValueError("No closing quotation") from shlex.split, in
    # parse_argstring for %jobs and in split_options for %bg/%fg option values.
    assert isinstance(result.error_in_exec, UsageError), repr(result.error_in_exec)
    assert internal_lines(output) == []


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


@pytest.mark.parametrize("source", ["%fg a, b = ok(1)", "%fg box.x = call(1)", "%fg [a] = call(None)"], ids=short_id)
def test_fg_assignment_failure_is_a_one_line_usage_error(sweep, source):
    result, output = run_quiet(sweep, source)
    assert isinstance(result.error_in_exec, UsageError)
    assert "could not be assigned to" in str(result.error_in_exec)
    # The job ran; assigning its result failed in the assignment function
    # (shown as "<ipython_bg assignment>": 'Could not get source'), called
    # from BackgroundJobs._foreground_result, which is not hidden.  (In a
    # plain cell ``a, b = 1`` shows the cell's line; %bg reports the same
    # mistake in its notice: "not assigned to a, b: TypeError: ...".)
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


async def hold():
    await HELD.wait()


HELD = asyncio.Event()


@pytest.mark.parametrize("setup", ["%bg hold()", "%%bg\nawait hold()", "%bg gather(hold())", "%bg shield(hold())"])
def test_jobs_long_shows_no_ipython_bg_frames_of_waiting_jobs(sweep, setup):
    HELD.clear()
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
        HELD.set()
        run_quiet(sweep, "%fg 1")


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


def test_bg_of_a_forgotten_job_keeps_ids_in_order_and_reports_it_once(sweep):
    run_quiet(sweep, "j = %bg ok(1)")
    run_quiet(sweep, "%fg")
    run_quiet(sweep, "%jobs -c")
    run_quiet(sweep, "%bg ok(2)")
    result, _ = run_quiet(sweep, "%bg j")
    ids = [job.id for job in sweep.table]
    heard = dict(sweep.heard)
    run_quiet(sweep, "%fg 2")
    run_quiet(sweep, "%jobs -c")  # leave a consistent table for the fixture's final check
    sweep.heard.clear()
    # Was: JobControl.adopt re-added job 1 under its old id: ids [2, 1] (and
    # %+ the old job 1), and the listeners heard job 1 end a second time.
    assert ids == sorted(ids), ids
    assert heard.get(1, 0) <= 1, heard
