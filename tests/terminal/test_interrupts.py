"""Ctrl-C, Ctrl-Z and a frozen prompt in a real terminal ``ipython`` (pty):
Ctrl-C in %fg stops the foreground job only, Ctrl-Z sends it to the
background, Ctrl-C rescues a prompt a job froze, keys typed meanwhile
are kept."""

import re
import time

import pytest

from tests.harness.terminal import wait_for_file

# ``hog`` (tests/harness/terminal.py) that says on disk when the freeze begins.
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
    terminal.run("%config BackgroundJobs.block_warning = 30")  # "before the warning" however slow the machine
    terminal.run(HOG_NOTING)
    terminal.send("%bg hog_noting(30)")
    deadline = time.monotonic() + 10
    while not (tmp_path / "frozen").exists():  # the loop is frozen from now on
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.6)  # frozen for a while, the watch reading
    terminal.send("print('typed-' + 'during')")
    terminal.child.sendcontrol("c")
    terminal.send("print('after-' + 'freeze')")
    return terminal.expect_exact("after-freeze", timeout=10)


def test_ctrl_c_before_the_warning_stops_a_frozen_job(terminal, tmp_path):
    output = _freeze_then_type(terminal, tmp_path)
    if "JobInterrupted" not in output:
        output += terminal.expect_exact("JobInterrupted", timeout=5)
    assert "failed  coroutine  hog_noting(30)" in output
    assert "is blocking the prompt" not in output
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


def test_ctrl_c_in_fg_cancels_only_the_foreground(terminal):
    terminal.run("b = %bg busy()")
    for attempt in range(6):
        before = int(terminal.value("progress['busy']"))
        terminal.send(f"%fg guarded('fg{attempt}')")
        terminal.expect_exact(f"fg{attempt}-start")
        terminal.interrupt()
        terminal.expect_exact(f"fg{attempt}-finally")
        terminal.expect_exact("KeyboardInterrupt")
        assert terminal.value("b.done()") == "False"
        terminal.run("await asyncio.sleep(0.1)")
        assert int(terminal.value("progress['busy']")) > before
    # Top-level await cells get the same runner.
    terminal.send("await guarded('cell')")
    terminal.expect_exact("cell-start")
    terminal.interrupt()
    terminal.expect_exact("cell-finally")
    output = terminal.sync()
    assert "KeyboardInterrupt" in output and "CancelledError" not in output
    assert terminal.value("b.done(), len(asyncio.all_tasks(get_ipython().magics_manager.registry['BackgroundJobs'].session.control.home_loop()))") == "False 1"


@pytest.mark.smoke
def test_ctrl_c_in_fg_of_a_thread_call_leaves_it_in_the_table(terminal, tmp_path):
    # Python cannot stop the thread: the job stays, running, and says when it ends.
    terminal.send("%fg until_exists('gate', started='running')")
    wait_for_file(tmp_path / "running")  # the thread runs the call: %fg waits for it
    terminal.interrupt()
    terminal.expect_exact("KeyboardInterrupt")
    output = terminal.run("%jobs")
    assert re.search(r"\[\d+\]\+\s+running\s+thread\s+\S+\s+until_exists\('gate'", output), output
    (tmp_path / "gate").touch()
    terminal.expect(r"\[\d+\]\+ done  thread  until_exists\('gate', started='running'\)")


def test_ctrl_z_in_fg_continues_the_job_in_the_background(terminal):
    terminal.send("%fg ticker(40, 0.05)")
    terminal.expect_exact("tick 3")
    terminal.child.sendcontrol("z")
    terminal.expect_exact("[1]+ continued in background  coroutine  ticker(40, 0.05)")
    assert terminal.value("1 + 1") == "2"
    terminal.expect_exact("tick 10")  # it goes on at the prompt
    terminal.run("result = %fg 1")
    assert terminal.value("result") == "40"


def test_ctrl_c_rescues_a_prompt_frozen_by_a_job(terminal):
    terminal.run("%config BackgroundJobs.block_warning = 0.5")
    recovered = 0
    for attempt in range(10):
        # Alternate: freezing at once (before the prompt's raw mode, Ctrl-C is
        # a SIGINT) and after a pause (in raw mode, Ctrl-C is a byte).
        pause = 0.0 if attempt % 2 == 0 else 0.5
        terminal.send(f"%bg hog({pause})")
        terminal.expect_exact("is blocking the prompt")
        terminal.interrupt()
        terminal.expect(r"\[\d+\]\+? ?failed  coroutine  hog\(" + re.escape(str(pause)) + r"\)  JobInterrupted")
        assert terminal.value("40 + 2") == "42"
        recovered += 1
    assert recovered == 10
    output = terminal.transcript
    assert "escaped interact" not in output and "Application is already running" not in output


def test_ctrl_c_in_fg_does_not_reach_process_jobs(terminal, tmp_path):
    # The process job runs until the test says so: the Ctrl-C comes while it
    # runs, and only the foreground job stops.
    terminal.run("p = %bg --process until_exists('go on', started='running')")
    wait_for_file(tmp_path / "running")
    terminal.send("%fg guarded('fg')")
    terminal.expect_exact("fg-start")
    terminal.interrupt()
    terminal.expect_exact("fg-finally")
    assert terminal.value("p.done()") == "False"
    (tmp_path / "go on").touch()
    terminal.expect_exact("[1]+ done  process  until_exists('go on', started='running') -> _bg1")
    assert terminal.value("p.result()") == "go on"
