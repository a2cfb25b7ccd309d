"""Everyday use in a real terminal ``ipython`` (pty): the post-mortem of a
failed job, next to IPython's own ``%debug``; Ctrl-C in a frozen prompt and
in ``%fg``."""

import time

import pexpect
import pytest


pytestmark = pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty")


CRASH = "exec(\"async def crash(n):\\n    local_value = n * 2\\n    raise ValueError('crashed')\")"


def test_jobs_d_debugs_a_failed_job_in_its_own_frame(terminal):
    terminal.run(CRASH)
    terminal.send("%bg crash(21)")
    terminal.expect_exact("ValueError: crashed")
    terminal.send("%jobs -d 1")
    terminal.expect_exact("ipdb>")
    terminal.send("p local_value")
    terminal.expect_exact("42")
    terminal.send("q")
    terminal.sync()


def test_debug_after_a_job_failure_still_debugs_the_last_cell_error(terminal):
    terminal.run(CRASH)
    terminal.run("cell_value = 'in the cell'; 1/0")
    terminal.send("%bg crash(1)")
    terminal.expect_exact("ValueError: crashed")
    terminal.send("%debug")
    terminal.expect_exact("ipdb>")
    terminal.send("p cell_value")
    terminal.expect_exact("'in the cell'")
    terminal.send("q")
    terminal.sync()


def test_jobs_d_on_a_job_that_did_not_fail_is_one_line(terminal):
    terminal.run("%bg asyncio.sleep(0)")
    output = terminal.run("%jobs -d 1")
    assert "UsageError: %jobs: job 1 has not failed (it is done)" in output
    assert "Traceback" not in output


# ``hog`` (tests/terminal.py) that says on disk when the freeze begins.
HOG_NOTING = "exec(%r)" % (
    "async def hog_noting(seconds):\n"
    "    await asyncio.sleep(0.2)\n"
    "    open('frozen', 'w').close()\n"
    "    deadline = time.monotonic() + seconds\n"
    "    while time.monotonic() < deadline:\n"
    "        pass\n"
)


def _freeze_then_type(terminal, tmp_path) -> str:
    """Freeze the prompt with a job, then, well before the warning, type a
    line, Ctrl-C and another line; the output up to the second line."""
    terminal.run(HOG_NOTING)
    terminal.send("%bg hog_noting(30)")
    deadline = time.monotonic() + 10
    while not (tmp_path / "frozen").exists():  # the loop is frozen from now on
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.6)  # well before the warning (block_warning), with the watch reading
    terminal.send("print('typed-' + 'during')")
    terminal.child.sendcontrol("c")
    terminal.send("print('after-' + 'freeze')")
    return terminal.expect_exact("after-freeze", timeout=10)


def test_ctrl_c_before_the_warning_stops_a_frozen_job(terminal, tmp_path):
    started = time.monotonic()
    output = _freeze_then_type(terminal, tmp_path)
    if "JobInterrupted" not in output:
        output += terminal.expect_exact("JobInterrupted", timeout=5)
    assert "failed  coroutine  hog_noting(30)" in output
    assert "is blocking the prompt" not in output
    assert time.monotonic() - started < 15
    assert terminal.value("40 + 2") == "42"


def test_keys_typed_during_a_freeze_reach_the_prompt(terminal, tmp_path):
    output = _freeze_then_type(terminal, tmp_path)
    assert "typed-during" in output  # in the order typed


def test_second_ctrl_c_in_fg_shows_the_users_frame_only(terminal):
    terminal.send("%fg hog(0, 30)")
    time.sleep(0.5)
    terminal.interrupt()
    time.sleep(0.3)
    terminal.interrupt()
    output = terminal.sync(timeout=10)
    assert "KeyboardInterrupt" in output
    assert "in hog(" in output
    for ours in ("ipython_bg", "foreground.py", "watchdog.py", "base_events.py"):
        assert ours not in output, output


def test_input_in_a_job_waits_for_fg_and_the_prompt_keeps_its_lines(terminal):
    terminal.send("%bg input('name? ')")
    terminal.expect_exact("[1]+ stopped (tty input)  thread  input('name? ')")
    terminal.send("print('typed-' + 'meanwhile')")
    terminal.expect_exact("typed-meanwhile")  # ran as a cell, not read by the job
    assert "stopped (tty input)" in terminal.run("%jobs")
    terminal.send("answer = %fg 1")
    terminal.expect_exact("name? ")
    terminal.send("alice")
    assert terminal.value("repr(answer)") == "'alice'"
