"""The sweep's checker: runs %bg, %fg and %jobs lines and cells in a real
InteractiveShell and checks every property below (the ``sweep`` fixture in
tests/shell/conftest.py gives one to a test; what it types is in
strategies.py).

Every line or cell is run with ``shell.run_cell`` as a user would type it,
then checked:

Outcome.  The magic either succeeds, with what it promises (``%bg`` and
``%%bg``: a ``Job``, now in the table; ``%jobs``: a ``JobsTable``, a
``TextBlock`` for ``-t``, a list of jobs for ``-c`` or nothing for ``-k``; ``%fg`` and
``%%fg``: any result), or it fails in one of these ways only:

* ``UsageError`` (any magic), shown as one ``UsageError: ...`` line with no
  traceback;
* ``SyntaxError`` (``%%bg``/``%%fg`` only), and only when the cell body
  itself does not compile (checked by compiling it here; a UsageError
  saying so is fine too);
* for ``%fg``/``%%fg`` only, the job's own exception: an ``Exception``
  (not UsageError, not CancelledError) raised by code the user typed or
  called.  Precisely: walking its traceback from where it was raised
  outwards, past standard-library and IPython frames, the first frame that
  is not library code is user code (a cell, an expression ``%bg``/``%fg``
  compiled, an assignment target, or one of the job helpers in
  strategies.py), or is in ipython_bg's engine (:data:`ENGINE_FILES`:
  where a worker calls the user's callable, e.g. ``asyncio.gather`` with
  no loop in a thread, and where an outcome is re-raised, its traceback
  possibly trimmed) -- never in the parsing of the line (magics.py,
  statements.py).

Output.  Captured stdout+stderr never shows a frame from inside the
ipython_bg package (no ``ipython_bg/<module>.py`` line), never says that
reporting a job failed, and never shows asyncio's "never retrieved".

Table.  After every example: ids unique and increasing in table order,
every new job's id above every id seen before, every entry a ``Job`` with
a valid ``JobState`` and ``JobKind``, at most one ``+`` and one ``-``
marker, a job's finished state never changes once seen, no job reaches a
listener twice, jobs present before are still there unless they finished
and either ``%jobs -c`` returned them or the bounded history is full, the
table renders (``%jobs -l`` as text and HTML), and a sentinel set in the
user namespace before the sweep is untouched.

Any property broken fails the test.  The bugs the sweep found are pinned
one by one in tests/shell/ (most in test_tracebacks.py), each where the
behaviour it broke is tested.
"""

from __future__ import annotations

import ast
import asyncio
import collections
import contextlib
import os
import re
import signal

import pytest
from IPython.core.error import UsageError

import ipython_bg
from ipython_bg.model.job import Job, JobKind, JobState
from ipython_bg.render.table import JobsTable, TextBlock
from tests.harness import strategies
from tests.harness.cells import ANSI
from tests.harness.strategies import HELPERS, SENTINEL

HISTORY = 40  # small, so that the history is trimmed during the sweep
HANG_SECONDS = 20

# -- output and traceback inspection ---------------------------------------------------

# A warning printed to stderr (with pytest's warnings plugin off), e.g. for a
# coroutine that a line created and never awaited: its location is not a frame.
WARNING_LINE = re.compile(r"\.py:\d+: \w*Warning: ")
INTERNAL = re.compile(r"ipython_bg[/\\][\w/\\]+\.py")  # any module of the package, in any of its folders
PACKAGE_DIR = os.path.dirname(os.path.abspath(ipython_bg.__file__))
HELPERS_FILE = os.path.abspath(strategies.__file__)
# The engine: where a job's outcome is made and handed on (a worker calling
# the user's callable, the task awaiting the user's awaitable, the
# foreground runner re-raising), as paths in the package.  Parsing, evaluating
# and rendering user input (shell/magics.py, shell/statements.py, render/) are not.
ENGINE_FILES = {"engine/control.py", "engine/waits.py", "engine/foreground.py", "engine/calls.py",
                "engine/pools.py", "model/job.py", "model/tracebacks.py"}


def frames(exc: BaseException) -> list[tuple[str, str]]:
    """``(filename, function)`` of each frame of ``exc``'s traceback, outermost first."""
    out = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        out.append((code.co_filename, code.co_name))
        tb = tb.tb_next
    return out


def is_user_file(filename: str) -> bool:
    return (
        filename.startswith("<ipython-input-")
        or filename in ("<ipython_bg>", "<ipython_bg assignment>")
        or os.path.abspath(filename) == HELPERS_FILE
    )


def is_package_file(filename: str) -> bool:
    return os.path.abspath(filename).startswith(PACKAGE_DIR + os.sep)


def raised_by_job(exc) -> bool:
    """The job's own exception, as defined in the module docstring."""
    if not isinstance(exc, Exception) or isinstance(exc, (UsageError, asyncio.CancelledError)):
        return False
    for filename, _ in reversed(frames(exc)):
        if is_user_file(filename):
            return True
        if is_package_file(filename):
            return os.path.relpath(os.path.abspath(filename), PACKAGE_DIR).replace(os.sep, "/") in ENGINE_FILES
    return False


def compile_failure(shell, body: str):
    """What compiling ``body`` as a top-level-await cell raises, if anything."""
    try:
        compile(shell.transform_cell(body), "<sweep>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except Exception as exc:
        return exc
    return None


def internal_lines(output: str) -> list[str]:
    """Lines of ``output`` that show a place inside the ipython_bg package."""
    found = []
    after_warning = False
    for line in output.splitlines():
        if WARNING_LINE.search(line):
            after_warning = True  # and the source line printed after it
            continue
        if INTERNAL.search(line) and not after_warning:
            found.append(line.strip())
        after_warning = False
    return found


class SweepHang(Exception):
    pass


@contextlib.contextmanager
def watchdog(seconds: float):
    """Turn a hang into an exception (repeated, in case one is swallowed)."""

    def on_alarm(signum, frame):
        raise SweepHang(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 2.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def user_mistakes_warn(test):
    """What random lines make Python warn about is the lines' business:
    coroutines created and never awaited, ``True(1)`` and the like."""
    test = pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")(test)
    return pytest.mark.filterwarnings("ignore::SyntaxWarning")(test)


# -- the checker -----------------------------------------------------------------------


class Sweep:
    """Runs magic lines and cells in ``shell`` and checks every property."""

    def __init__(self, shell, capsys):
        self.shell = shell
        self.capsys = capsys
        self.magics = shell.magics_manager.registry["BackgroundJobs"]
        self.control = self.magics.session.control
        self.table = self.control.table
        self.heard: collections.Counter = collections.Counter()
        self.control.listeners.append(self._heard)
        self.finished: dict[int, JobState] = {}  # the first finished state seen
        self.max_id = 0
        self.token = object()
        self.outcomes: collections.Counter = collections.Counter()
        shell.colors = "nocolor"
        shell.run_line_magic("config", f"BackgroundJobs.history = {HISTORY}")
        shell.user_ns[SENTINEL] = self.token
        self._restore_helpers()

    def _heard(self, job):
        self.heard[job.id] += 1

    def _restore_helpers(self):
        # A line may rebind a helper (``%bg ok = call(1)``); put them back.
        self.shell.user_ns.update(HELPERS)
        if not isinstance(self.shell.user_ns.get("box"), dict):
            self.shell.user_ns["box"] = {}

    # -- running ---------------------------------------------------------------------

    def run(self, source: str):
        """Run ``source`` (a %bg/%fg/%jobs line or %%bg/%%fg cell); check it.

        Returns ``(outcome, result, output)`` with outcome one of "job",
        "value", "table", "list", "said", "usage", "syntax", "own", "other" (e.g.
        not a call of the magic: IPython's ``?`` help).
        """
        shell = self.shell
        self._restore_helpers()
        cell = source.startswith("%%")
        magic = re.match(r"%%?(\w+)", source).group(1)
        body = source.split("\n", 1)[1] if cell and "\n" in source else ""
        kind = "run_cell_magic" if cell else "run_line_magic"
        invoked = shell.transform_cell(source).startswith(f"get_ipython().{kind}({magic!r}, ")
        problems: list[str] = []
        before = list(self.table)
        self._observe(before, problems)  # what changed since the last run
        self.capsys.readouterr()
        with watchdog(HANG_SECONDS):
            result = shell.run_cell(source)
        captured = self.capsys.readouterr()
        output = ANSI.sub("", captured.out + captured.err)

        outcome = self._check_outcome(magic, cell, body, invoked, result, output, problems)
        self._check_output(output, problems)
        self._check_table(magic, before, result, problems)
        self.outcomes[(("%%" if cell else "%") + magic, outcome)] += 1
        if problems:
            error = result.error_before_exec or result.error_in_exec
            pytest.fail(
                f"{source!r}:\n  " + "\n  ".join(problems)
                + f"\n  error: {error!r}\n  result: {result.result!r}\n  output:\n{output}"
            )
        return outcome, result, output

    def _check_outcome(self, magic, cell, body, invoked, result, output, problems) -> str:
        error = result.error_before_exec or result.error_in_exec
        if isinstance(error, SweepHang):
            problems.append("hung")
            return "other"
        if not invoked:
            # IPython took the line for something else (``%bg x?`` is help).
            if error is not None and not isinstance(error, (UsageError, SyntaxError)):
                problems.append(f"{type(error).__name__} without calling the magic")
            return "other"
        if result.error_before_exec is not None and not isinstance(result.error_before_exec, SyntaxError):
            problems.append(f"error before exec: {result.error_before_exec!r}")
        if isinstance(error, UsageError):
            if "Traceback" in output or "UsageError: " not in output:
                problems.append("a UsageError not shown as one line")
            return "usage"
        if error is None:
            return self._check_value(magic, result.result, problems)
        if cell:
            failure = compile_failure(self.shell, body)
            if failure is not None and type(error) is type(failure):
                if isinstance(error, SyntaxError):
                    return "syntax"
                problems.append(f"the cell body fails to compile with {error!r}, not a SyntaxError")
                return "other"
        if magic == "fg" and raised_by_job(error):
            return "own"
        if magic == "fg" and self._a_jobs_exception(error):
            problems.append("a job's exception whose traceback lost the job's frames")
            return "own"
        problems.append(f"{type(error).__name__}: {error} is not an allowed outcome of %{magic}")
        return "other"

    def _check_value(self, magic, value, problems) -> str:
        """The outcome of a magic that succeeded with ``value``."""
        if magic == "bg":
            if not isinstance(value, Job):
                problems.append(f"%bg returned {value!r}, not a Job")
            elif value not in self.table:
                problems.append(f"%bg returned {value!r}, which is not in the table")
            return "job"
        if magic == "jobs":
            if isinstance(value, (JobsTable, TextBlock)):
                return "table"
            if isinstance(value, list) and all(isinstance(job, Job) for job in value):
                return "list"
            if value is None:  # -k: says what it cancelled, returns nothing to display
                return "said"
            problems.append(f"%jobs returned {value!r}")
            return "other"
        return "value"

    def _check_output(self, output, problems):
        for marker in ("reporting job", "never retrieved", "Exception in callback"):
            if marker in output:
                problems.append(f"output says {marker!r}")
        internal = internal_lines(output)
        if internal:
            problems.append("ipython_bg's own frames shown: " + " | ".join(line.strip() for line in internal[:3]))

    def _a_jobs_exception(self, error) -> bool:
        """``error`` is the very exception a failed job in the table ended with."""
        return isinstance(error, Exception) and any(
            job.done() and not job.cancelled() and job.exception() is error for job in self.table
        )

    def _check_table(self, magic, before, result, problems):
        table = self.table
        jobs = list(table)
        ids = [job.id for job in jobs]
        if ids != sorted(set(ids)):
            problems.append(f"table ids not unique and increasing: {ids}")
        for job in jobs:
            if not (isinstance(job, Job) and isinstance(job.id, int) and job.id >= 1):
                problems.append(f"bad table entry {job!r}")
            elif not isinstance(job.state, JobState) or not isinstance(job.kind, JobKind):
                problems.append(f"bad state or kind: {job!r}")
        before_ids = {job.id for job in before}
        strays = [job.id for job in jobs if job.id <= self.max_id and job.id not in before_ids]
        if strays:
            problems.append(f"jobs {strays} came back or got old ids")
        self.max_id = max([self.max_id, *ids])
        self._check_departures(magic, before, result, problems)
        markers = list(table.markers().values())
        if markers.count("+") > 1 or markers.count("-") > 1 or set(markers) - {"+", "-"}:
            problems.append(f"markers {markers}")
        self._observe(jobs, problems)
        twice = [job_id for job_id, count in self.heard.items() if count > 1]
        if twice:
            problems.append(f"jobs {twice} reached a listener more than once")
        if self.shell.user_ns.get(SENTINEL) is not self.token:
            problems.append("the sentinel in the user namespace changed")
        try:
            rendered = self.magics.jobs("-l")
            rendered.text()
            rendered._repr_html_()
        except Exception as exc:  # noqa: BLE001 - any failure to render is a finding
            problems.append(f"%jobs -l does not render: {exc!r}")

    def _check_departures(self, magic, before, result, problems):
        """Jobs in the table ``before`` that are gone left it rightly."""
        table = self.table
        for job in before:
            if job in table:
                continue
            if not job.done():
                problems.append(f"unfinished job {job!r} left the table")
            elif magic == "jobs" and isinstance(result.result, list) and any(job is gone for gone in result.result):
                pass  # %jobs -c forgot it, and said so
            elif len(table) - len(table.running()) < table.history:
                problems.append(f"{job!r} left the table, not by -c nor by a full history")

    def _observe(self, jobs, problems):
        """A job's finished state, once seen, never changes."""
        for job in jobs:
            state = job.state
            if not state.finished:
                continue
            first = self.finished.setdefault(job.id, state)
            if first is not state:
                problems.append(f"job {job.id} went from {first.value} to {state.value}")
                self.finished[job.id] = state  # say it once

    # -- the end ---------------------------------------------------------------------

    def finish(self):
        """Let every job end (they all end quickly) and check the end state."""
        running = self.table.running()
        if running:
            loop = self.control.home_loop()
            loop.run_until_complete(asyncio.wait(running, timeout=5))
        stuck = [job for job in self.table.running() if not job.done()]
        assert not stuck, f"jobs that did not end: {stuck}"
        problems: list[str] = []
        self._check_table("finish", list(self.table), None, problems)
        assert not problems, problems

    def close_stray_coroutines(self):
        """Close the coroutines that lines made and left as values (``r =
        ok(nap())``, ``bad(nap())``'s exception), so that they do not warn
        "never awaited" when the shell goes."""
        values = [*self.shell.user_ns.values(), *self.shell.user_ns.get("Out", {}).values()]
        for job in self.table:
            if job.done() and not job.cancelled():
                values.append(job.exception().args if job.exception() is not None else job.result())

        def close(value, depth=0):
            if asyncio.iscoroutine(value) and value.cr_frame is not None and not value.cr_running:
                value.close()
            elif isinstance(value, (list, tuple, set)) and depth < 3:
                for item in value:
                    close(item, depth + 1)
            elif isinstance(value, dict) and depth < 3:
                for item in value.values():
                    close(item, depth + 1)

        for value in values:
            close(value)
