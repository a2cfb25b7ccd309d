"""What the benchmarks share: reporting, an in-process shell and its job,
CPU time of a process, a terminal ``ipython`` in a pty (the end-to-end
tests' too), and bounded waits."""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The checkout the benchmarks measure (children import ipython_bg from here).
ROOT = Path(__file__).resolve().parent.parent

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def child_env(**extra) -> dict:
    """The environment for child processes: this checkout first on sys.path."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    env.update(extra)
    return env


# -- reporting -------------------------------------------------------------------


def median(values):
    return statistics.median(values)


def figure(label: str, text: str, goal: str, ok: bool | None, details: str = "") -> None:
    """One line: ``label: text (goal ...)``, then details; a missed goal is
    marked but never fails the run."""
    line = f"{label}: {text} (goal {goal})"
    if ok is False:
        line += " MISSED"
    if details:
        line += f"  [{details}]"
    print(line, flush=True)


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline > 0 else float("inf") if value > 0 else 1.0


def fmt_ratio(value: float, baseline: float) -> str:
    r = ratio(value, baseline)
    return "inf" if r == float("inf") else f"{r:.2f}x"


# -- an InteractiveShell in this process --------------------------------------------


async def returns_one():
    """The job the in-process benchmarks start by the thousand: it ends at
    its first step, so what is timed is the machinery around it."""
    return 1


def plain_shell():
    """A real ``InteractiveShell`` (IPython imported only now), keeping its
    history in memory; the extension is not loaded."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    return InteractiveShell(config=config)


# -- CPU time of another process ---------------------------------------------------


def stat_cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads, living or dead),
    from /proc/PID/stat: clock ticks, usually 10 ms each."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def precise_cpu_seconds(pid: int) -> float | None:
    """CPU time of the living threads of ``pid`` in nanoseconds' precision
    (the first field of /proc/PID/task/TID/schedstat), or None if the
    kernel does not offer it."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                continue  # the thread ended meanwhile
            return None
    return total / 1e9


class CpuMeter:
    """CPU seconds used by ``pid`` between ``start()`` and ``stop()``."""

    def __init__(self, pid: int):
        self.pid = pid

    def start(self) -> None:
        self.stat0 = stat_cpu_seconds(self.pid)
        self.precise0 = precise_cpu_seconds(self.pid)
        self.wall0 = time.monotonic()

    def stop(self) -> tuple[float, float, float]:
        """``(seconds, stat_seconds, wall)``: ``seconds`` is the precise
        figure where the kernel gives one, else the /proc/PID/stat one."""
        stat1 = stat_cpu_seconds(self.pid)
        precise1 = precise_cpu_seconds(self.pid)
        wall = time.monotonic() - self.wall0
        stat = stat1 - self.stat0
        if self.precise0 is None or precise1 is None:
            return stat, stat, wall
        precise = precise1 - self.precise0
        # A thread that ended during the window takes its schedstat with
        # it; /proc/PID/stat still counts it.  Trust stat then.
        if stat - precise > 2 / CLOCK_TICKS:
            return stat, stat, wall
        return precise, stat, wall


# -- a terminal ipython -------------------------------------------------------------


class Terminal:
    """A real terminal ``ipython`` in a pty (pexpect): the one launcher of
    the benchmarks and of the end-to-end tests (tests/terminal.py).

    ``startup`` is run by IPython at startup (a profile startup file);
    ``directory`` holds the IPython directory and is the child's working
    directory (a temporary one, removed by ``close``/``kill``, if not given).
    The child imports ipython_bg from this checkout (:func:`child_env`).

    Every read is bounded; synchronise on printed sentinels, never on
    prompts (background output redraws the prompt).  ``expect`` returns the
    match and the ``time.time()`` at which the chunk completing it arrived;
    ``expect_exact``, ``sync`` and ``run`` return the output before it.
    """

    def __init__(
        self, *, extension: bool = True, startup: str = "", args=(), timeout: float = 30.0, wait: bool = True,
        env: dict | None = None, term: str = "dumb", directory=None,
    ):
        import pexpect

        self._pexpect = pexpect
        self._own_directory = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="ipython_bg_bench_") if directory is None else directory)
        ipython_dir = self.directory / "ipython"
        startup_dir = ipython_dir / "profile_default" / "startup"
        startup_dir.mkdir(parents=True)
        if startup:
            (startup_dir / "00-startup.py").write_text(startup)
        env = child_env(TERM=term, PROMPT_TOOLKIT_NO_CPR="1", IPYTHONDIR=str(ipython_dir), **(env or {}))
        env.pop("IPY_TEST_SIMPLE_PROMPT", None)
        argv = [
            "-m", "IPython",
            "--HistoryManager.hist_file=:memory:",
            "--colors=NoColor",
            "--no-banner",
            "--no-confirm-exit",
            *(["--ext", "ipython_bg"] if extension else []),
            *args,
        ]
        self.timeout = timeout
        self._buffer = ""
        self._chunks: list[tuple[int, float]] = []  # (end offset, arrival) of unread chunks
        self._read: list[str] = []  # everything read, for the transcript
        self._count = 0
        self.child = pexpect.spawn(
            sys.executable, argv, env=env, cwd=str(self.directory), encoding="utf-8",
            codec_errors="replace", timeout=timeout, dimensions=(50, 200),
        )
        self.pid = self.child.pid
        if wait:
            try:
                self.wait_ready()
            except BaseException:
                self.kill()
                raise

    @classmethod
    def several(cls, *kwargs_list: dict) -> list["Terminal"]:
        """Start several at once (they start in parallel) and wait for each."""
        terms: list[Terminal] = []
        try:
            for kwargs in kwargs_list:
                terms.append(cls(**kwargs, wait=False))
            for term in terms:
                term.wait_ready()
        except BaseException:
            for term in terms:
                term.kill()
            raise
        return terms

    def wait_ready(self) -> None:
        """Wait for the first prompt: startup files and extensions have run."""
        self.expect_exact("In [1]")

    @property
    def transcript(self) -> str:
        """Everything ipython printed so far (and read)."""
        return "".join(self._read)

    def send(self, line: str) -> None:
        self.child.sendline(line)

    def interrupt(self) -> None:
        self.child.sendintr()

    def _fill(self, deadline: float, waiting_for: str) -> bool:
        """Read one chunk (or nothing within a second); False at EOF."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            tail = self._buffer[-2000:]
            raise TimeoutError(f"no {waiting_for} from ipython within the deadline; last output:\n{tail}")
        try:
            chunk = self.child.read_nonblocking(65536, timeout=min(remaining, 1.0))
        except self._pexpect.TIMEOUT:
            return True
        except self._pexpect.EOF:
            return False
        self._buffer += chunk
        self._read.append(chunk)
        self._chunks.append((len(self._buffer), time.time()))
        return True

    def _deadline(self, timeout: float | None) -> float:
        return time.monotonic() + (timeout if timeout is not None else self.timeout)

    def _match(self, pattern: str, timeout: float | None, width: int | None = None):
        """``(match, output before it, arrival)``; drops what it returns.

        ``width``, for a pattern that matches only text of that length (a
        literal), lets each search start where a match could still begin in
        the new output: rescanning the whole unread output after every chunk
        made reading a job's 100,000 lines quadratic, and a slow reader
        throttles the terminal it reads."""
        regex = re.compile(pattern)
        deadline = self._deadline(timeout)
        start = 0
        while True:
            match = regex.search(self._buffer, start)
            if width is not None:
                start = max(0, len(self._buffer) - width + 1)
            if match is not None:
                # The chunk that completed the match, not the latest one.
                arrived = next(when for end, when in self._chunks if end >= match.end())
                before = self._buffer[:match.start()]
                self._buffer = self._buffer[match.end():]
                self._chunks = [(end - match.end(), when) for end, when in self._chunks if end > match.end()]
                return match, before, arrived
            if not self._fill(deadline, repr(pattern)):
                raise RuntimeError(f"ipython exited while waiting for {pattern!r}:\n{self._buffer[-2000:]}")

    def expect(self, pattern: str, timeout: float | None = None):
        """Read until ``pattern`` (a regex) matches the unread output;
        return ``(match, arrival_time)``.  Output before the match is dropped."""
        match, _, arrived = self._match(pattern, timeout)
        return match, arrived

    def expect_exact(self, text: str, timeout: float | None = None) -> str:
        """Read until ``text``; return the output before it."""
        return self._match(re.escape(text), timeout, len(text))[1]

    def read_until(self, done, timeout: float | None = None) -> str:
        """Read until ``done(unread output)`` is true; return that output."""
        deadline = self._deadline(timeout)
        while not done(self._buffer):
            if not self._fill(deadline, "the output awaited"):
                raise RuntimeError(f"ipython exited while its output was awaited:\n{self._buffer[-2000:]}")
        output, self._buffer, self._chunks = self._buffer, "", []
        return output

    def expect_eof(self, timeout: float | None = None) -> str:
        """Read until ipython exits; return the output not read before."""
        deadline = self._deadline(timeout)
        while self._fill(deadline, "end of output"):
            pass
        output, self._buffer, self._chunks = self._buffer, "", []
        return output

    def sync(self, timeout: float | None = None) -> str:
        """Wait until everything typed so far has run; return the output since."""
        self._count += 1
        self.send(f'print("<sync-%d>" % {self._count})')
        return self.expect_exact(f"<sync-{self._count}>", timeout)

    def run(self, line: str) -> str:
        self.send(line)
        return self.sync()

    def value(self, expression: str, timeout: float | None = None) -> str:
        """The printed value of ``expression``, between markers, stripped."""
        self._count += 1
        self.send(f'print("<v%d>" % {self._count}, {expression}, "</v>")')
        match, _ = self.expect(rf"<v{self._count}> (.*?) </v>", timeout)
        return match.group(1).strip()

    def close(self) -> str:
        """``exit`` (twice if jobs are running), wait for the end, and
        return the transcript."""
        try:
            if self.child.isalive():
                self.send("exit")
                match, _ = self._until_eof_or("Exit again to cancel them", 15)
                if match:
                    self.send("exit")
                    self.expect_eof(15)
        finally:
            self.kill()
        return self.transcript

    def _until_eof_or(self, text: str, timeout: float):
        try:
            return self.expect(re.escape(text), timeout)
        except RuntimeError:  # exited
            return None, None

    def kill(self) -> None:
        """End ipython at once: SIGHUP (as a closed terminal would), then
        SIGKILL; nothing is saved, jobs are not asked."""
        child = getattr(self, "child", None)
        try:
            if child is not None and not child.closed:
                try:
                    child.close(force=True)
                except Exception:
                    pass
                if child.isalive():
                    os.kill(child.pid, signal.SIGKILL)
        finally:
            if self._own_directory:
                shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


# -- other children -------------------------------------------------------------------


def read_line(proc: subprocess.Popen, pattern: str, timeout: float) -> re.Match:
    """Read ``proc``'s stdout (text, line-buffered) until a line matches, bounded."""
    import selectors

    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout
    seen = []
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {pattern!r} from {proc.args!r}; saw {seen!r}")
            if not selector.select(remaining):
                continue
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{proc.args!r} exited (code {proc.poll()}) before {pattern!r}; saw {seen!r}")
            seen.append(line)
            match = regex.search(line)
            if match:
                return match


def stop_process(proc: subprocess.Popen | None, timeout: float = 3.0) -> None:
    """Terminate ``proc``, and kill it if it does not go within ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
