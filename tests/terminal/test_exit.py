"""Leaving a real terminal ``ipython`` (pty) with jobs running: ``exit`` and
Ctrl-D ask once, finally blocks run, thread jobs are not waited for,
``exit_timeout`` bounds the wait."""

import time

import pytest

from tests.harness.terminal import start_ipython


def _exit_at_once(term, timeout=20):
    """``exit`` with ``confirm_exit`` off, so running jobs do not hold it:
    ipython's output up to its end (within ``timeout``)."""
    term.run("%config BackgroundJobs.confirm_exit = False")
    term.send("exit")
    output = term.expect_eof(timeout=timeout)
    term.close()
    return output


def test_exit_runs_finally_blocks_and_does_not_wait_for_threads(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg guarded('leaving')")
    term.expect_exact("leaving-start")
    term.run("%bg time.sleep(600)")
    output = _exit_at_once(term)
    assert "leaving-finally" in output
    for warning in ("destroyed but it is pending", "never retrieved", "Event loop is closed", "Traceback"):
        assert warning not in output


@pytest.mark.smoke
def test_first_exit_lists_running_jobs_and_the_second_leaves(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg guarded('job')")
    term.expect_exact("job-start")
    term.run("%bg time.sleep(600)")
    term.send("exit")
    term.expect_exact("There are 2 running jobs:")
    term.expect_exact("Exit again to cancel them and leave.")
    assert term.value("1 + 1") == "2"  # still here
    term.send("exit")
    term.expect_exact("There are 2 running jobs:")  # warned again: a cell ran in between
    term.send("exit")
    output = term.expect_eof(timeout=20)
    term.close()
    assert "job-finally" in output and "Traceback" not in output


def test_a_failure_during_exit_is_reported(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg fail_on_cancel('late')")
    term.expect_exact("late-start")
    output = _exit_at_once(term)
    assert output.count("failed  coroutine  fail_on_cancel('late')  ValueError: late failed while cancelled") == 1
    assert "never retrieved" not in output and "Traceback" not in output


def test_exit_is_bounded_by_the_exit_timeout(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg slow_to_clean('slow')")
    term.expect_exact("slow-start")
    term.run("%bg time.sleep(600)")
    term.run("%config BackgroundJobs.exit_timeout = 1.0")
    # slow_to_clean's finally block would take a minute: the exit does not
    # wait for it (how long the exit takes is no test's business).
    output = _exit_at_once(term, timeout=30)
    assert "left without waiting longer than 1 s for: [1] slow_to_clean('slow')" in output
    assert "destroyed but it is pending" not in output


def _ctrl_d(term):
    """Ctrl-D at the next prompt, once prompt_toolkit reads the keys: on a
    dumb terminal it writes the prompt before it sets the tty raw, and until
    then the tty's own line discipline takes the Ctrl-D."""
    term.sync()
    term.expect(r"In \[\d+\][^:\n]*: ")  # the prompt, with its job count if any
    time.sleep(0.5)
    term.child.sendcontrol("d")


def test_ctrl_d_with_running_jobs_asks_one_question_not_two(tmp_path):
    term = start_ipython(tmp_path, args=["--confirm-exit"])
    assert term.value("get_ipython().confirm_exit") == "True"
    term.run("%bg asyncio.sleep(600)")
    _ctrl_d(term)
    term.expect_exact("There is 1 running job:")
    term.expect_exact("Exit again to cancel them and leave.")
    assert term.value("1 + 1") == "2"  # still here
    _ctrl_d(term)
    term.expect_exact("There is 1 running job:")  # warned again: a cell ran in between
    _ctrl_d(term)
    output = term.expect_eof(timeout=20)
    term.close()
    assert "Do you really want to exit" not in output, output


def test_ctrl_d_without_jobs_asks_ipythons_question(tmp_path):
    term = start_ipython(tmp_path, args=["--confirm-exit"])
    _ctrl_d(term)
    term.expect_exact("Do you really want to exit ([y]/n)?")
    term.send("y")
    output = term.expect_eof(timeout=20)
    term.close()
    assert "running job" not in output, output
