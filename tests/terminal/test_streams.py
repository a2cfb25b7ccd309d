"""The standard streams at a real terminal ``ipython`` on a pty (issue 25,
items 1-4): Enter pressed while a thread job prints, text from streams that
other code took in a cell (a logging handler, a saved ``sys.stderr``, a
tqdm bar) at the idle prompt, and a long line with no end.  Screens of a
real terminal type are rebuilt with pyte."""

import re
import time

import pexpect
import pytest

from tests.harness.terminal import define, screen_of, start_ipython, wait_for_screen

pytestmark = pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty")


def read_until_quiet(term, quiet=1.0, timeout=20.0) -> None:
    """Read until ipython has written nothing for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            term.expect(r"[\s\S]+", timeout=quiet)
        except TimeoutError:
            return
    raise AssertionError("ipython never stopped writing")


@pytest.fixture
def xterm(tmp_path):
    """A terminal ipython with a real terminal type: prompt_toolkit draws
    the prompt with cursor moves, as in a user's terminal emulator."""
    term = start_ipython(tmp_path, term="xterm-256color")
    yield term
    term.child.sendcontrol("u")  # drop what a test left half typed
    term.close()


# -- 1: a thread job printing while Enter is pressed --------------------------------

LINES = """\
def lines(n):
    for i in range(n):
        print('line', i)
    return n
"""


def test_enter_at_the_prompt_while_a_thread_job_prints_does_not_crash_ipython(tmp_path):
    # Each prompt put a new stream proxy in sys.stdout and dropped it as the
    # prompt returned, while the job's print() still used it: a segfault
    # (CPython gh-130163).  On main: 4 of 4 runs crashed with this pace.
    with start_ipython(tmp_path, term="xterm-256color", env={"PYTHONFAULTHANDLER": "1"}) as term:
        define(term, LINES)
        term.send("%bg lines(100000)")
        term.expect_exact("line 100")
        try:
            for _ in range(60):
                term.child.send("\r")  # Enter at the prompt: a new prompt each time
                try:
                    term.expect(r"[\s\S]+", timeout=0.05)  # keep the pty drained
                except TimeoutError:
                    pass
            term.send("%fg 1")  # wait for its end
            outcome = term.value("get_ipython().run_line_magic('jobs', '1').text()", timeout=60)
        except RuntimeError:  # ipython exited
            term.child.close()
            fault = term.transcript[term.transcript.find("Fatal Python error"):][:1500]
            pytest.fail(f"ipython died (signal {term.child.signalstatus}):\n{fault}")
        # Where it did not crash, the freed proxy's memory held another
        # object by then: "failed  thread  lines(100000)  TypeError: 'type'
        # object does not support ...".
        assert re.search(r"done +thread .* lines\(100000\) +100000", outcome), outcome
        assert "line 99999" in term.transcript


PACED = """\
import time
def paced(n):
    for i in range(n):
        print('line', i)
        time.sleep(0.001)
"""


def test_lines_printed_while_enter_is_pressed_come_out_in_order(tmp_path):
    # As each prompt returns, its StdoutProxy's thread may hold lines for a
    # moment: what the job wrote meanwhile went straight to the terminal,
    # ahead of them (on main, blocks of a hundred lines out of order).
    with start_ipython(tmp_path, term="xterm-256color") as term:
        define(term, PACED)
        term.send("%bg paced(3000)")
        term.expect_exact("line 100")
        for _ in range(12):
            term.child.send("\r")
            try:
                term.expect(r"[\s\S]+", timeout=0.25)
            except TimeoutError:
                pass
        term.send("%fg 1")
        term.sync(timeout=60)
        numbers = [int(n) for n in re.findall(r"line (\d+)\r?\n", term.transcript)]
        # A line whose start the prompt drew over may be missing; none is out of place.
        late = [(a, b) for a, b in zip(numbers, numbers[1:]) if b < a]
        assert not late and numbers[-1] == 2999, late[:5]


SAME = """\
import sys
from prompt_toolkit.application import get_app_or_none
before = (sys.stdout, sys.stderr)
seen = []
async def look():
    await asyncio.sleep(0.5)
    seen.append((get_app_or_none() is not None, (sys.stdout, sys.stderr) == before))
"""


def test_the_streams_are_the_same_objects_before_during_and_after_the_prompt(terminal):
    define(terminal, SAME)
    terminal.send("%bg look()")
    terminal.expect_exact("done  coroutine  look()")
    # (the prompt was up, the streams were the cell's); on main the prompt
    # had put prompt_toolkit's proxy, wrapped in a new one of ours, there.
    assert terminal.value("seen, (sys.stdout, sys.stderr) == before") == "[(True, True)] True"


# -- 2: text from a stream taken in a cell lands above the prompt --------------------

LOGGING = """\
import logging, sys
logging.basicConfig(format='LOG %(message)s', level=logging.INFO)
kept_stderr = sys.stderr
async def speak(how):
    await asyncio.sleep(0.5)
    if how == 'logging':
        logging.info('from-job')
    else:
        kept_stderr.write('LOG from-job\\n')
        kept_stderr.flush()
    await asyncio.sleep(0.5)
"""


def prompt_lines_with(lines: list[str], text: str) -> list[str]:
    """The prompt lines (``In [n]...``) that show ``text``, past the last
    ``exec(`` (the definitions typed hold the text too)."""
    last = max((number for number, line in enumerate(lines) if "exec(" in line), default=-1)
    return [line for line in lines[last + 1:] if line.startswith("In [") and text in line]


@pytest.mark.parametrize("how", ["logging", "saved-stderr"])
def test_a_handler_made_in_a_cell_writes_above_the_idle_prompt(xterm, how):
    define(xterm, LOGGING)
    xterm.send(f"%bg speak({how!r})")
    xterm.sync()
    xterm.child.send("abc")  # half typed while the job logs
    lines = wait_for_screen(xterm, lambda lines: "done  coroutine" in "".join(lines) and lines[-1].endswith("abc"))
    # On main: "In [4] [1 job]: abcLOG from-job", the log on the prompt's line.
    shown = "\n".join(lines[-5:])
    assert "LOG from-job" in lines, shown
    assert not prompt_lines_with(lines, "LOG"), shown
    xterm.child.sendcontrol("u")
    assert xterm.value("get_ipython().run_line_magic('jobs', '-o 1').text().splitlines()[-1]") == "LOG from-job"  # kept too


def test_a_thread_that_is_no_job_logs_above_the_idle_prompt(xterm):
    define(xterm, LOGGING + "def later():\n    time.sleep(0.5)\n    logging.info('from-thread')\n")
    xterm.run("import threading, time")
    xterm.send("threading.Thread(target=later).start()")
    xterm.sync()
    xterm.child.send("abc")  # half typed while the thread logs
    lines = wait_for_screen(xterm, lambda lines: "LOG from-thread" in "".join(lines) and lines[-1].endswith("abc"))
    # On main: "In [5]: abcLOG from-thread".
    shown = "\n".join(lines[-5:])
    assert "LOG from-thread" in lines, shown
    assert not prompt_lines_with(lines, "LOG"), shown


# -- 3: a tqdm bar made in a cell, redrawn at the idle prompt -------------------------

BAR = """\
import pathlib
from tqdm import tqdm
async def advance(bar, n):
    for i in range(n):
        bar.update(1)
        await asyncio.sleep(0.05)
    pathlib.Path('bar-moved').touch()
    await asyncio.sleep(3600)
"""


def test_a_tqdm_bar_made_in_a_cell_never_draws_over_the_prompt(xterm, tmp_path):
    pytest.importorskip("tqdm")
    define(xterm, BAR)
    xterm.run("bar = tqdm(total=30)")
    xterm.send("%bg advance(bar, 30)")
    xterm.sync()
    xterm.child.send("xyz")  # half typed while the bar moves
    deadline = time.monotonic() + 20
    while not (tmp_path / "bar-moved").exists():
        assert time.monotonic() < deadline, "the bar never moved"
        time.sleep(0.05)
    read_until_quiet(xterm)
    lines = screen_of(xterm)
    # On main the bar's last redraw is the prompt's line: "100%|███| 30/30 ...z".
    shown = "\n".join(lines[-5:])
    assert re.fullmatch(r"In \[\d+\] \[1 job\]: xyz", lines[-1]), shown
    assert not any("%|" in line and ("xyz" in line or "In [" in line) for line in lines), shown
    xterm.child.sendcontrol("u")
    xterm.run("%jobs -k all")


# -- 4: a long line with no newline, written at the idle prompt ---------------------

SPILL = """\
import os, tracemalloc
spilled = []
def spill(chunks, size=1024):
    while not os.path.exists('go'):  # the prompt is up: where a partial line is held
        time.sleep(0.01)
    tracemalloc.start()
    for _ in range(chunks):
        sys.stdout.write('x' * size)
    spilled.append(tracemalloc.get_traced_memory()[1])  # the peak, the line unended
    tracemalloc.stop()
    sys.stdout.write('\\n')
"""


def test_an_unended_line_at_the_prompt_is_held_within_output_limit(terminal, tmp_path):
    terminal.run("import sys")
    terminal.run("%config BackgroundJobs.output_limit = 100_000")
    define(terminal, SPILL)
    terminal.send("%bg spill(2048)")  # 2 MiB in 1 KiB writes, no newline
    terminal.sync()
    terminal.expect_exact("In [")  # the prompt after it
    (tmp_path / "go").touch()
    terminal.expect_exact("done  thread  spill(2048)", timeout=120)
    peak = int(terminal.value("spilled[0]"))
    # At most about output_limit is held for the job's unended line (its
    # kept tail), not the whole line.  On main the held line is copied whole
    # at each write: the peak is twice the line, and the cost quadratic.
    assert peak < 1_000_000, f"{peak} bytes at the peak for output_limit = 100,000 characters"
