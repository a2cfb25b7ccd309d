"""Issue 25, item 8, in a real InteractiveShell: ``builtins.input`` is
changed once for the process however many shells load the extension, is
as without it outside jobs, and is given back at the last unload."""

import atexit
import builtins
import io
import sys

from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from tests.harness.cells import run



def new_shell():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=config)
    atexit.unregister(shell.atexit_operations)
    return shell


def test_one_input_for_the_process_given_back_at_the_last_unload(monkeypatch):
    own = builtins.input
    first, second = new_shell(), new_shell()
    try:
        first.run_line_magic("load_ext", "ipython_bg")
        ours = builtins.input
        second.run_line_magic("load_ext", "ipython_bg")
        assert builtins.input is ours  # on main: a second wrapper around the first
        monkeypatch.setattr(sys, "stdin", io.StringIO("typed\n"))
        assert run(second, "input()") == "typed"  # outside jobs: as without the extension
        first.run_line_magic("unload_ext", "ipython_bg")
        assert builtins.input is ours  # the second shell still has it
        second.run_line_magic("unload_ext", "ipython_bg")
        assert builtins.input is own
    finally:
        builtins.input = own
        for shell in (first, second):
            shell.history_manager.end_session()
