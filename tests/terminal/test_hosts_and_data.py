"""Issue 25, items 9 and 11, seen through a real terminal on a pty: a
notice of a job whose data holds terminal control sequences, and shells
that are terminals without being ``ipython`` itself (``IPython.embed()``,
``IPython.start_ipython()`` from a script)."""

import sys
import tempfile
from pathlib import Path

import pexpect
import pytest

from tests.harness.checkout import child_env
from tests.harness.terminal import Terminal, define

pytestmark = pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty")


# -- 9: a job's data does not drive the terminal ----------------------------------

# OSC 52 (sets the clipboard), an OSC 8 hyperlink long enough to be clipped,
# erase display, NUL, and a right-to-left override.
NASTY = (
    "\x1b]52;c;aGVsbG8=\x07 \x1b]8;;http://127.0.0.1/x\x1b\\" + "link" * 12 + "\x1b]8;;\x1b\\ \x1b[2J \x00 \u202e"
)
CONTROLS = ("\x1b", "\x07", "\x00", "\u202e")


def test_a_notice_at_the_prompt_shows_control_characters_made_visible(terminal):
    terminal.run(f"nasty = {NASTY!r}")
    define(terminal, "async def nasty_failure():\n    await asyncio.sleep(0.3)\n    raise ValueError(nasty)\n")
    terminal.send("%bg nasty_failure()")  # no sync: it could read past the notice
    match, _ = terminal.expect(r"\[1\]\+ failed  coroutine  nasty_failure\(\)  ValueError: [^\n]*", timeout=15)
    notice = match.group(0)
    # On main the notice holds the raw sequences.
    assert not any(char in notice for char in CONTROLS), repr(notice)
    assert "\\x1b]52;c;aGVsbG8=\\x07" in notice, repr(notice)


# -- 11: terminals that are not `ipython` itself ----------------------------------


class ScriptTerminal(Terminal):
    """A terminal on a pty running ``python -c script``, a script that
    starts an IPython shell of its own, without the extension; the reading
    methods are the benchmarks' terminal's."""

    def __init__(self, script: str, directory: Path, timeout: float = 30.0):
        self._pexpect = pexpect
        self._own_directory = False
        self.directory = directory
        self.timeout = timeout
        self._buffer = ""
        self._chunks = []
        self._read = []
        self._count = 0
        env = child_env(
            TERM="dumb", PROMPT_TOOLKIT_NO_CPR="1", IPYTHONDIR=str(directory / "ipython"), PYTHONWARNINGS="default"
        )
        env.pop("IPY_TEST_SIMPLE_PROMPT", None)
        self.child = pexpect.spawn(
            sys.executable, ["-c", script], env=env, cwd=str(directory), encoding="utf-8",
            codec_errors="replace", timeout=timeout, dimensions=(50, 200),
        )
        self.pid = self.child.pid
        self.expect_exact("In [1]")


EMBED = """\
from traitlets.config import Config
import IPython
config = Config()
config.HistoryManager.hist_file = ':memory:'
config.TerminalInteractiveShell.colors = 'NoColor'
config.TerminalInteractiveShell.confirm_exit = False
IPython.embed(config=config, banner1='', header='')
"""

START_IPYTHON = """\
import IPython
IPython.start_ipython(argv=[
    '--HistoryManager.hist_file=:memory:', '--colors=NoColor', '--no-banner', '--no-confirm-exit',
], user_ns={'started_by': 'a script'})
"""


@pytest.mark.parametrize(("script", "shell_class"), [
    (EMBED, "InteractiveShellEmbed"), (START_IPYTHON, "TerminalInteractiveShell"),
])
def test_a_shell_a_script_starts_gets_the_terminal_integration(script, shell_class):
    with tempfile.TemporaryDirectory(prefix="ipython_bg_test_") as directory:
        with ScriptTerminal(script, Path(directory)) as term:
            assert term.value("type(get_ipython()).__name__") == shell_class
            term.run("%load_ext ipython_bg")
            term.run("import asyncio")
            term.send("%bg asyncio.sleep(1)")
            # Said at the idle prompt, with nothing typed after the line:
            # the loop runs while the prompt waits.  A plain shell's
            # integration would say it only after another cell.
            term.expect_exact("[1]+ done  coroutine  asyncio.sleep(1)", timeout=15)
            table = term.run("%jobs")
            assert "does not run the event loop at its prompt" not in table, table
            assert "done" in table, table

