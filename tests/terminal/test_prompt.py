"""The terminal knows about its jobs: the count in the prompt, ``%jobs -w``
redrawn in place, the bell of a long job.  End to end through a real
``ipython`` in a pty (``TERM=dumb`` and ``xterm-256color``, whose screen
pyte rebuilds), with the pieces tested on their own first."""

import re

import pexpect
import pytest
from pygments.token import Token

from ipython_bg.hosts.terminal import screen
from ipython_bg.hosts.terminal.prompt import count_text, with_count
from tests.harness.terminal import start_ipython

IPYTHON_PROMPT = [(Token.Prompt, "In ["), (Token.PromptNum, "7"), (Token.Prompt, "]: ")]


def text_of(tokens) -> str:
    return "".join(value for _, value in tokens)


# -- the pieces --------------------------------------------------------------------


def test_the_count_goes_before_the_prompts_closing():
    assert text_of(with_count(IPYTHON_PROMPT, " [2 jobs]")) == "In [7] [2 jobs]: "
    assert text_of(with_count([(Token.Prompt, ">>> ")], " [1 job]")) == "[1 job] >>> "
    assert text_of(with_count([(Token.Prompt, "(venv) $ ")], " [3]")) == "(venv) [3] $ "
    # A closing of its own token, after an empty one.
    tokens = [(Token.Prompt, "In [7]"), (Token.Prompt, ": "), (Token.Prompt, "")]
    assert text_of(with_count(tokens, " [2 jobs]")) == "In [7] [2 jobs]: "


def test_with_no_job_the_tokens_are_ipythons_own():
    assert with_count(IPYTHON_PROMPT, count_text(" [{jobs}]", 0)) is IPYTHON_PROMPT
    assert count_text("", 5) == ""


def test_the_count_text_says_job_or_jobs():
    assert count_text(" [{jobs}]", 1) == " [1 job]"
    assert count_text(" [{jobs}]", 12) == " [12 jobs]"
    assert count_text(" {count}&", 3) == " 3&"


def test_a_block_is_redrawn_over_itself_while_it_fits(monkeypatch):
    size = [80, 24]
    monkeypatch.setattr(screen.shutil, "get_terminal_size", lambda: screen.os.terminal_size(size))
    block = screen.InPlace()
    assert block.frame("a\nb") == "a\nb\n"  # nothing to go over yet
    assert block.frame("c\n" + "d" * 100) == "\x1b[2A\r\x1b[Jc\n" + "d" * 100 + "\n"
    assert block.rows == 3  # the long line wraps onto two rows
    size[1] = 3  # a screen too short to go back up over it
    assert not block.fits and block.frame("e") == "e\n"
    assert block.erase() == "\x1b[1A\r\x1b[J" and block.erase() == ""


def test_only_a_terminal_that_moves_its_cursor_redraws(monkeypatch):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.setenv("TERM", "xterm-256color")
    assert screen.can_redraw(Tty())
    assert not screen.can_redraw(object())
    monkeypatch.setenv("TERM", "dumb")
    assert not screen.can_redraw(Tty())


def test_desktop_notifications_in_both_dialects(monkeypatch):
    monkeypatch.delenv("VTE_VERSION", raising=False)
    monkeypatch.setenv("TERM", "xterm-kitty")
    assert screen.attention("off", "[1]+ done") == "\a"
    assert screen.attention("osc9", "[1]+ done\x1b]x") == "\a\x1b]9;IPython: [1]+ done ]x\a"
    assert screen.desktop_sequence("osc777", "IPython", "a;b") == "\x1b]777;notify;IPython;a,b\a"
    assert screen.desktop_sequence("auto", "t", "b").startswith("\x1b]9;")
    monkeypatch.setenv("VTE_VERSION", "7600")
    assert screen.desktop_sequence("auto", "t", "b").startswith("\x1b]777;")


@pytest.mark.parametrize("line", ["prompt_jobs = '{nope}'", "long_job = -1.0", "desktop_notify = 'loud'"])
def test_bad_prompt_settings_are_refused(shell, caplog, line):
    magics = next(c for c in shell.configurables if type(c).__name__ == "BackgroundJobs")
    before = dict(vars(magics.session.settings))
    shell.run_cell(f"%config BackgroundJobs.{line}")
    assert line.split()[0] in caplog.text
    assert dict(vars(magics.session.settings)) == before


# -- a real terminal ---------------------------------------------------------------

needs_pty = pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty")


def prompts_in(text: str) -> list[str]:
    return re.findall(r"In \[\d+\][^:\n]*: ", text)


@needs_pty
def test_the_count_appears_and_disappears(terminal):
    terminal.send("%bg asyncio.sleep(3600)")
    terminal.send("%bg asyncio.sleep(3600)")
    terminal.send("%jobs -k 1")
    terminal.send("%config BackgroundJobs.prompt_jobs = ' {{count}}&'")
    terminal.send("%jobs -k all")
    assert prompts_in(terminal.transcript + terminal.sync()) == [
        "In [1]: ", "In [2] [1 job]: ", "In [3] [2 jobs]: ", "In [4] [1 job]: ", "In [5] 1&: ", "In [6]: ",
    ]


@needs_pty
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


@needs_pty
def test_no_count_under_the_simple_prompt(tmp_path):
    with start_ipython(tmp_path, args=["--simple-prompt"]) as term:
        term.send("%bg asyncio.sleep(3600)")
        term.sync()
        assert prompts_in(term.sync()) == ["In [3]: "]


@needs_pty
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


@needs_pty
def test_a_job_waited_for_or_ended_during_a_cell_rings_no_bell(terminal):
    terminal.run("%config BackgroundJobs.long_job = 0.2")
    terminal.send("%bg asyncio.sleep(0.3)")
    terminal.send("%fg asyncio.sleep(0.8)")  # [2] is waited for; [1] ends during it
    output = terminal.sync()
    assert "[1]+ done  coroutine  asyncio.sleep(0.3)" in output and "\a" not in output


@needs_pty
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


def screen_of(term) -> list[str]:
    """The terminal's screen as it shows now: what ipython wrote so far,
    played through a terminal emulator of the pty's size."""
    import pyte

    display = pyte.Screen(200, 50)
    pyte.Stream(display).feed(term.transcript)
    return [line.rstrip() for line in display.display if line.strip()]


def wait_for_screen(term, test, timeout=15.0):
    """Read until ``test(screen lines)`` holds; returns the lines."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        lines = screen_of(term)
        if test(lines):
            return lines
        if time.monotonic() > deadline:
            raise AssertionError("the screen never showed it:\n" + "\n".join(lines))
        try:
            term.expect(r"[\s\S]", timeout=0.5)  # whatever comes next
        except TimeoutError:
            pass


@needs_pty
def test_the_count_changes_at_an_idle_prompt_and_a_half_typed_line_stays(xterm):
    xterm.send("%bg asyncio.sleep(3600)")
    xterm.send("%bg asyncio.sleep(1.0)")
    xterm.sync()
    wait_for_screen(xterm, lambda lines: lines[-1] == "In [4] [2 jobs]:")
    xterm.child.send("answer = 4")  # no Enter: half typed when the job ends
    lines = wait_for_screen(xterm, lambda lines: "In [4] [1 job]: answer = 4" in lines)
    assert lines[-2:] == ["[2]+ done  coroutine  asyncio.sleep(1.0)", "In [4] [1 job]: answer = 4"]
    xterm.send("2")
    assert xterm.value("answer") == "42"


@needs_pty
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
