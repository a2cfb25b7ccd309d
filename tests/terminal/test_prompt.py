"""The terminal knows about its jobs: the count in the prompt, ``%jobs -w``
redrawn in place, the bell of a long job.  End to end through a real
``ipython`` in a pty (``TERM=dumb`` and ``xterm-256color``, whose screen
pyte rebuilds); the pieces on their own in tests/hosts/."""

import re

import pytest

from tests.harness.terminal import start_ipython, wait_for_screen

# -- the pieces --------------------------------------------------------------------


# -- a real terminal ---------------------------------------------------------------


def prompts_in(text: str) -> list[str]:
    return re.findall(r"In \[\d+\][^:\n]*: ", text)


@pytest.mark.smoke
def test_the_count_appears_and_disappears(terminal):
    terminal.send("%bg asyncio.sleep(3600)")
    terminal.send("%bg asyncio.sleep(3600)")
    terminal.send("%jobs -k 1")
    terminal.send("%config BackgroundJobs.prompt_jobs = ' {{count}}&'")
    terminal.send("%jobs -k all")
    assert prompts_in(terminal.transcript + terminal.sync()) == [
        "In [1]: ", "In [2] [1 job]: ", "In [3] [2 jobs]: ", "In [4] [1 job]: ", "In [5] 1&: ", "In [6]: ",
    ]


def test_the_users_prompt_class_is_wrapped_not_replaced(tmp_path):
    with start_ipython(
        tmp_path, args=["--TerminalInteractiveShell.prompts_class=IPython.terminal.prompts.ClassicPrompts"], wait=False
    ) as term:
        term.expect_exact(">>> ")
        term.send("%bg asyncio.sleep(3600)")
        term.expect_exact("[1 job] >>> ")
        assert term.value("type(get_ipython().prompts.inner).__name__") == "ClassicPrompts"
        term.send("%unload_ext ipython_bg")
        assert term.value("type(get_ipython().prompts).__name__") == "ClassicPrompts"


def test_no_count_under_the_simple_prompt(tmp_path):
    with start_ipython(tmp_path, args=["--simple-prompt"]) as term:
        term.send("%bg asyncio.sleep(3600)")
        term.sync()
        assert prompts_in(term.sync()) == ["In [3]: "]


def test_a_long_jobs_notice_rings_the_bell_and_a_short_ones_does_not(terminal):
    terminal.run("%config BackgroundJobs.long_job = 1.0")
    terminal.send("%bg asyncio.sleep(0.4)")
    assert "done" not in terminal.sync()  # it ends at the idle prompt, after this
    quiet = terminal.expect_exact("[1]+ done  coroutine  asyncio.sleep(0.4)")
    terminal.send("%bg asyncio.sleep(1.3)")
    assert "done" not in terminal.sync()
    ringing = terminal.expect_exact("[2]+ done  coroutine  asyncio.sleep(1.3)")
    assert "\a" not in quiet and ringing.endswith("\a")
    terminal.run("%config BackgroundJobs.desktop_notify = 'osc9'")
    terminal.send("%bg asyncio.sleep(1.3)")
    assert "done" not in terminal.sync()
    ringing = terminal.expect_exact("\x1b]9;IPython: [3]+ done  coroutine  asyncio.sleep(1.3)\a")
    assert ringing.endswith("\a") and "done" not in ringing  # the bell, then the notification
    terminal.expect_exact("[3]+ done  coroutine  asyncio.sleep(1.3)")  # then the notice itself


def test_a_job_waited_for_or_ended_during_a_cell_rings_no_bell(terminal):
    terminal.run("%config BackgroundJobs.long_job = 0.2")
    terminal.send("%bg asyncio.sleep(0.3)")
    terminal.send("%fg asyncio.sleep(0.8)")  # [2] is waited for; [1] ends during it
    output = terminal.sync()
    assert "[1]+ done  coroutine  asyncio.sleep(0.3)" in output and "\a" not in output


def test_watch_on_a_dumb_terminal_prints_the_table_once_per_end(terminal):
    terminal.send("%bg asyncio.sleep(0.3)")
    terminal.send("%bg asyncio.sleep(0.9)")
    terminal.send("%jobs -w")
    output = terminal.sync(timeout=20)
    assert not re.search(r"\x1b\[\d*A", output)  # no cursor up
    rows = re.findall(r"\[2\][+-]? +(?:running|done) +coroutine +\d+\.\ds", output)
    assert len(rows) == 3 + 1  # at the start, at each end, and the table returned


# -- a terminal that redraws (TERM=xterm-256color), its screen rebuilt by pyte -------


@pytest.fixture
def xterm(tmp_path):
    term = start_ipython(tmp_path, term="xterm-256color")
    yield term
    term.close()


def test_the_count_changes_at_an_idle_prompt_and_a_half_typed_line_stays(xterm):
    xterm.send("%bg asyncio.sleep(3600)")
    xterm.send("%bg asyncio.sleep(1.0)")
    xterm.sync()
    wait_for_screen(xterm, lambda lines: lines[-1] == "In [4] [2 jobs]:")
    xterm.child.send("answer = 4")  # no Enter: half typed when the job ends
    # The count is redrawn as the job ends, its notice after the notices'
    # settling window: on a busy machine, two screens apart.
    after = ["[2]+ done  coroutine  asyncio.sleep(1.0)", "In [4] [1 job]: answer = 4"]
    lines = wait_for_screen(xterm, lambda lines: lines[-2:] == after)
    assert lines.count(after[0]) == 1
    xterm.send("2")
    assert xterm.value("answer") == "42"


def test_watch_redraws_one_table_in_place_and_ctrl_c_stops_only_the_watch(xterm):
    xterm.send("%bg asyncio.sleep(0.5)")
    xterm.send("%bg asyncio.sleep(3600)")
    xterm.sync()
    xterm.send("%jobs -w")
    xterm.expect_exact("1 of 2 ended")
    lines = wait_for_screen(xterm, lambda lines: any("1 of 2 ended" in line for line in lines))
    # One table on the screen, redrawn over itself: each job's row once.
    assert sum("running  coroutine" in line and "asyncio.sleep(3600)" in line for line in lines) == 1
    assert sum("done     coroutine" in line and "asyncio.sleep(0.5)" in line for line in lines) == 1
    assert "\x1b[3A\r\x1b[J" in xterm.transcript  # up over the 2 rows and the footer, erase
    xterm.interrupt()
    lines = wait_for_screen(xterm, lambda lines: lines[-1].startswith("In [5]"))
    assert not any("-- watching" in line for line in lines)  # it gave way to the table returned
    assert xterm.value("[job.state.value for job in get_ipython().run_line_magic('jobs', '')]") == "['done', 'running']"
