"""Running the documentation's examples (tests/docexamples.py reads them).

IPython examples run in a terminal ``ipython --ext ipython_bg`` on a pty,
read as a screen (tests/screen.py), one per page: a page is one session,
as a reader types it.  ``.. example: shell`` ones run in a plain
``InteractiveShell`` of the page instead.  Scripts run in a ``python`` of
their own; configuration and commands are checked, not run.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.harness.docexamples import PROMPT, Example, cells_of, failures_in, matches, normalize
from tests.harness.doccommands import check_commands, check_config

from tests.harness.checkout import child_env

CELL_TIMEOUT = 30.0


class Mismatch(AssertionError):
    """An example did not show what its page says."""

    def __init__(self, example: Example, expected: list[str], actual: list[str], why: str = "it shows"):
        self.where = example.block.where
        expected_text = "\n".join(normalize(expected)) or "(no failure)"
        actual_text = "\n".join(normalize(actual))
        super().__init__(f"{self.where}: the page says\n{expected_text}\n\nbut {why}\n{actual_text}")


class TerminalRun:
    """The page's terminal ``ipython``."""

    def __init__(self, directory: Path):
        from tests.harness.screen import ScreenTerminal

        directory.mkdir(parents=True, exist_ok=True)
        self.term = ScreenTerminal(directory=directory, timeout=CELL_TIMEOUT)

    def cell(self, code: str, done=None, complete: bool = True) -> list[str]:
        """Paste ``code`` (nothing, for an idle prompt) and wait until
        ``done(lines)`` holds for the lines from its prompt to the next
        prompt (default: that prompt is there); return those lines.  With
        ``complete=False`` the next prompt need not be there yet."""
        lines = self.term.lines()
        self._start = max((i for i, line in enumerate(lines) if PROMPT.match(line)), default=0)
        self._first = code.splitlines()[0].rstrip() if code else ""
        if code:
            self.term.paste(code)
        return self.wait(done, complete)

    def wait(self, done=None, complete: bool = True) -> list[str]:
        """Wait again for the cell typed last (see :meth:`cell`)."""

        def region(lines):
            found = _region(lines, self._start, self._first, complete)
            return found if found is not None and (done is None or done(found)) else None

        try:
            return self.term.wait_for(region, CELL_TIMEOUT, f"the end of the cell {self._first!r}")
        except TimeoutError:
            found = _region(self.term.lines(), self._start, self._first, complete=False)
            raise TimeoutError(found or self.term.lines()[self._start:]) from None

    def press(self, keys: str) -> None:
        self.term.keys(keys)

    def close(self) -> None:
        self.term.close()


def _region(lines: list[str], start: int, first: str, complete: bool = True) -> list[str] | None:
    """The lines from the prompt where ``first`` was typed (at ``start`` or
    below it: notices push the prompt down) to the next prompt."""
    for index in range(start, len(lines)):
        prompt = PROMPT.match(lines[index])
        if prompt and prompt.group(2).rstrip() == first:
            for end in range(index + 1, len(lines)):
                if PROMPT.match(lines[end]):
                    return lines[index:end]
            return None if complete else lines[index:]
    return None


class ShellRun:
    """The page's plain ``InteractiveShell`` (no loop runs at its prompt)."""

    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        config.InteractiveShell.colors = "nocolor"  # caseless in IPython 8, lowercase in 9
        self.shell = InteractiveShell(config=config)

    def cell(self, code: str, done=None, complete: bool = True) -> list[str]:
        number = self.shell.execution_count
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            self.shell.run_cell(code, store_history=True)
        first, *rest = code.splitlines() or [""]
        return [f"In [{number}]: {first}", *(f"   ...: {line}" for line in rest), *printed.getvalue().splitlines()]

    def press(self, keys: str) -> None:
        raise AssertionError("keys (^C) need a terminal: drop '.. example: shell'")

    def close(self) -> None:
        if "ipython_bg" in self.shell.extension_manager.loaded:
            self.shell.run_line_magic("unload_ext", "ipython_bg")
        self.shell.history_manager.end_session()
        atexit.unregister(self.shell.atexit_operations)


def run_session(example: Example, runner) -> None:
    """Each cell typed at the page's prompt shows what the page says.  A
    line that starts with ``^C`` is where Ctrl-C is pressed: once what
    comes before it is on the screen."""
    for cell in cells_of(example.block.text):
        keys = [index for index, line in enumerate(cell.expected) if line.startswith("^C")]
        try:
            if keys:
                before = cell.expected[: keys[0]]
                runner.cell(cell.code, lambda lines, before=before: matches(before, lines), complete=False)
                runner.press("\x03")
                shown = runner.wait(lambda lines, cell=cell: matches(cell.expected, lines))
            else:
                shown = runner.cell(cell.code, lambda lines, cell=cell: matches(cell.expected, lines))
        except TimeoutError as timeout:
            raise Mismatch(example, cell.expected, timeout.args[0], "after 30 s the screen shows") from None
        if not matches(cell.expected, shown):
            raise Mismatch(example, cell.expected, shown)


def run_cell(example: Example, runner) -> None:
    """A block pasted whole: what follows its echo is its output block, or,
    without one, nothing that says something failed."""
    code = example.block.text
    echo = len(code.rstrip().splitlines())
    if example.output is None:
        done = None
    else:
        expected = example.output.text.splitlines()
        done = lambda lines: matches(expected, lines[echo:])  # noqa: E731
    try:
        shown = runner.cell(code, done)
    except TimeoutError as timeout:
        expected = example.output.text.splitlines() if example.output else []
        raise Mismatch(example, expected, timeout.args[0], "after 30 s the screen shows") from None
    failures = failures_in(shown[echo:])
    if example.output is None and failures:
        raise Mismatch(example, [], shown, "pasted whole, it shows")


def run_script(example: Example, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "example.py"
    script.write_text(example.block.text + "\n")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=directory, env=child_env(), capture_output=True, text=True, timeout=180
    )
    if done.returncode != 0:
        raise AssertionError(f"{example.block.where}: the script failed:\n{done.stdout}{done.stderr}")
    if example.output is not None and not matches(example.output.text.splitlines(), done.stdout.splitlines()):
        raise Mismatch(example, example.output.text.splitlines(), done.stdout.splitlines(), "it prints")


class Page:
    """Runs the examples of one page in order; collects pending ones."""

    def __init__(self, path: Path, directory: Path):
        self.path = path
        self.directory = directory
        self.terminal: TerminalRun | None = None
        self.plain: ShellRun | None = None
        self.sessions = 0
        self.pending_failed: list[str] = []
        self.pending_passed: list[str] = []
        self.skipped: list[str] = []

    def run(self, examples: list[Example]) -> None:
        try:
            for example in examples:
                self.run_one(example)
        finally:
            self.close()

    def run_one(self, example: Example) -> None:
        if example.skip is not None:
            self.skipped.append(f"{example.block.where}: {example.skip}")
            return
        if example.block.marker("new session") is not None:
            self.close()
        try:
            self.dispatch(example)
        except (AssertionError, TimeoutError, RuntimeError) as failure:
            if example.pending is None:
                raise
            self.pending_failed.append(f"{example.block.where}: {example.pending} ({str(failure).splitlines()[0]})")
            self.close()  # what follows starts afresh
            return
        if example.pending is not None:
            self.pending_passed.append(example.block.where)

    def dispatch(self, example: Example) -> None:
        if example.kind == "script":
            run_script(example, self.directory / f"script-{example.block.line}")
        elif example.kind == "config":
            check_config(example)
        elif example.kind == "commands":
            check_commands(example)
        elif example.kind == "session":
            run_session(example, self.runner(example))
        else:
            run_cell(example, self.runner(example))

    def runner(self, example: Example):
        if example.block.marker("shell") is not None:
            if self.plain is None:
                self.plain = ShellRun()
            return self.plain
        if self.terminal is None:
            self.sessions += 1
            self.terminal = TerminalRun(self.directory / f"ipython-{self.sessions}")
        return self.terminal

    def close(self) -> None:
        for runner in (self.terminal, self.plain):
            if runner is not None:
                runner.close()
        self.terminal = self.plain = None


def describe(lines: list[str]) -> str:
    return textwrap.indent("\n".join(lines), "  ")
