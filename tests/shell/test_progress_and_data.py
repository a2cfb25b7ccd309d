"""Issue 25, items 5 and 9, seen from a real InteractiveShell: progress
from tqdm however and whenever it was imported, ``progress()`` as
documented, and job data that would drive a terminal."""

import atexit
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness.cells import run
from ipython_bg.model.labels import clip, columns, one_line



# -- 5: progress from a tqdm imported inside the job, and progress(note=...) --------

WORK = """\
import threading
halfway, finish = threading.Event(), threading.Event()
def work(module):
    tqdm = __import__(module, fromlist=['tqdm']).tqdm  # imported only here, after %bg ran
    bar = tqdm(total=100)
    bar.update(50)
    halfway.set()
    finish.wait(30)
    bar.close()
    return 'worked'
"""


def forget_tqdm(monkeypatch) -> None:
    """tqdm as if never imported in this process (put back afterwards)."""
    for name in [name for name in sys.modules if name == "tqdm" or name.startswith("tqdm.")]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.parametrize("module", ["tqdm", "tqdm.auto", "tqdm.asyncio"])
def test_a_tqdm_bar_of_a_job_that_imports_tqdm_itself_is_its_progress(shell, monkeypatch, module):
    pytest.importorskip("tqdm")
    forget_tqdm(monkeypatch)
    run(shell, WORK)
    run(shell, f"%bg work({module!r})")
    assert shell.user_ns["halfway"].wait(20), "the bar never moved"
    table = shell.run_line_magic("jobs", "").text()
    shell.user_ns["finish"].set()
    assert run(shell, "%fg 1") == "worked"
    # On main the row has no progress: tqdm's class was wrapped only if
    # tqdm was imported when %bg ran.
    assert "50/100" in table, table


def test_tqdm_is_as_it_was_after_the_last_unload(monkeypatch):
    pytest.importorskip("tqdm")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    forget_tqdm(monkeypatch)
    finders = list(sys.meta_path)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shells = [InteractiveShell(config=config), InteractiveShell(config=config)]
    for each in shells:
        each.run_line_magic("load_ext", "ipython_bg")
    import tqdm.std  # after the loads: the extension watches it all the same

    watched = {name: tqdm.std.tqdm.__dict__[name] for name in ("update", "refresh", "close")}
    for each in shells:
        each.run_line_magic("unload_ext", "ipython_bg")
        each.history_manager.end_session()
        atexit.unregister(each.atexit_operations)
    # On main nothing watched a tqdm imported after %load_ext.
    assert all(hasattr(method, "__wrapped__") for method in watched.values()), watched
    assert {name: tqdm.std.tqdm.__dict__[name] for name in watched} == {
        name: method.__wrapped__ for name, method in watched.items()
    }
    assert sys.meta_path == finders


INDEX = """\
import threading, ipython_bg
noted, finish = threading.Event(), threading.Event()
def index():
    try:
        ipython_bg.progress(note='indexing')  # as README and docstring write it
    finally:
        noted.set()
    finish.wait(30)
    return 'indexed'
"""


def test_progress_with_only_a_note_as_documented(shell):
    run(shell, INDEX)
    run(shell, "%bg index()")
    shell.user_ns["noted"].wait(20)
    table = shell.run_line_magic("jobs", "").text()
    shell.user_ns["finish"].set()
    # On main: TypeError: progress() missing 1 required positional argument: 'done'
    result = shell.run_cell("%fg 1")
    assert result.error_in_exec is None, result.error_in_exec
    assert result.result == "indexed"
    assert "indexing" in table, table


# -- 9: a job's data never drives the terminal ---------------------------------------

# OSC 52 (sets the clipboard), an OSC 8 hyperlink long enough to be clipped
# at 48 columns (left open, the rest of the screen would link), erase
# display, NUL, and a right-to-left override.
NASTY = (
    "\x1b]52;c;aGVsbG8=\x07 \x1b]8;;http://127.0.0.1/x\x1b\\" + "link" * 12 + "\x1b]8;;\x1b\\ \x1b[2J \x00 \u202e"
)
CONTROLS = ("\x1b", "\x07", "\x00", "\u202e")
PRINTED = "\x1b[1mbold, as printed\x1b[0m"

NASTY_JOBS = f"""\
nasty, printed = {NASTY!r}, {PRINTED!r}
class Reply:
    def __repr__(self):
        return nasty
async def nasty_failure():
    print(printed)
    raise ValueError(nasty)
async def nasty_result():
    return Reply()
"""


def raw_controls(text: str) -> list[str]:
    return [char for char in CONTROLS if char in text]


def test_job_data_is_shown_with_control_characters_made_visible(shell, capsys):
    run(shell, NASTY_JOBS)
    run(shell, "%bg nasty_failure()")
    run(shell, "%bg nasty_result()")
    capsys.readouterr()
    run(shell, "%fg asyncio.sleep(0.1)")  # both end; their notices follow the cell
    out = capsys.readouterr().out
    # What the job printed itself is shown as it printed it; the rest is notices.
    assert PRINTED in out, out
    notices = out.replace(PRINTED, "")
    assert "[1]" in notices and "[2]" in notices, notices
    shown = {
        "notices": notices,
        "%jobs": shell.run_line_magic("jobs", "").text(),
        "%jobs -l": shell.run_line_magic("jobs", "-l").text(),
        "%jobs -t 1": str(shell.run_line_magic("jobs", "-t 1")),
    }
    # On main every one of them holds the raw sequences.
    assert {where: raw_controls(text) for where, text in shown.items()} == {where: [] for where in shown}
    assert "ValueError: \\x1b]52;c;aGVsbG8=\\x07" in shown["notices"], shown["notices"]
    # And it is kept as printed.
    assert PRINTED in shell.run_line_magic("jobs", "-o 1").text()


# Characters a job's text is drawn from: controls of every kind among
# plain, wide and combining ones.
TEXT = st.text(
    st.sampled_from(["a", "b", " ", "\n", "\t", "\x1b", "\x07", "\x00", "\x7f", "\x9b", "\u202e", "\u2066", "日", "\u0301"]),
    max_size=40,
)


@given(text=TEXT, width=st.integers(min_value=2, max_value=30))
def test_clipping_never_cuts_a_made_visible_character_in_half(text, width):
    clipped = clip(text, width)
    assert not any(char in clipped for char in CONTROLS + ("\x7f", "\x9b", "\u2066"))
    assert columns(clipped) <= width
    whole = one_line(text)
    kept = clipped if clipped == whole else clipped[:-1]  # without its "…"
    # What is kept is the visible form of a run of whole characters.
    collapsed = " ".join(text.split())
    assert any(one_line(collapsed[:end]) == kept.rstrip() for end in range(len(collapsed) + 1)), (whole, clipped)
