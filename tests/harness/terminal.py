"""A real terminal ``ipython`` in a pty (pexpect): the one launcher of
the end-to-end tests and of the benchmarks (benchmarks/ imports it from
here; nothing here imports benchmarks/).

:class:`Terminal` starts one from this checkout; :func:`start_ipython`
starts the tests' own, with :data:`STARTUP` defined and ipython_bg loaded,
in the test's ``tmp_path``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from tests.harness.checkout import child_env
from tests.harness.programs import BUSY_AND_GUARDED, ECHO_DEMO


class Terminal:
    """A real terminal ``ipython`` in a pty (pexpect).

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
        self.directory = Path(tempfile.mkdtemp(prefix="ipython_bg_pty_") if directory is None else directory)
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


#: Definitions every terminal test can use, loaded by IPython at startup.
STARTUP = BUSY_AND_GUARDED + ECHO_DEMO + textwrap.dedent(
    """
    import asyncio, time

    async def ticker(count, pause=0.05):
        for i in range(count):
            await asyncio.sleep(pause)
            print('tick', i)
        return count

    async def fail(message):
        await asyncio.sleep(0.05)
        raise ValueError(message)

    async def fail_on_cancel(label):
        print(label + '-start')
        try:
            await asyncio.sleep(3600)
        finally:
            raise ValueError(label + ' failed while cancelled')

    async def slow_to_clean(label):
        print(label + '-start')
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(60)  # a finally block that will not finish

    def burn(seconds):
        started = time.time()
        while time.time() - started < seconds:
            pass
        return 'burnt'

    def until_exists(path, started=None):
        # A blocking call that ends when the test creates ``path`` (in the
        # terminal's directory), not after some time; it creates ``started``
        # first, for the test to know that it runs.
        import os
        if started is not None:
            open(started, 'w').close()
        deadline = time.monotonic() + 60
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.02)
        return path

    async def hog(pause, seconds=60):
        # Computes without awaiting: freezes a prompt that runs in the loop.
        await asyncio.sleep(pause)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pass
        return 'hog finished'
    """
)


def start_ipython(tmp_path, *, load: bool = True, **options) -> Terminal:
    """The tests' terminal ``ipython``: :data:`STARTUP` defined, ipython_bg
    loaded unless ``load=False``, in ``tmp_path``, warnings shown; other
    options as :class:`Terminal` takes them.  ``close()`` returns the
    transcript."""
    env = {"PYTHONWARNINGS": "default", **options.pop("env", {})}
    return Terminal(extension=load, startup=STARTUP, directory=tmp_path, env=env, **options)


def wait_for_file(path, timeout: float = 30) -> None:
    """Until ``path`` exists: how a test knows that a job in the terminal
    runs (``until_exists(..., started=path)``), whatever its output does."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.02)


def define(term: Terminal, source: str) -> None:
    """Define the functions in ``source`` in the terminal's namespace (one
    line typed, however many lines the source has)."""
    term.run(f"exec({source!r})")


def screen_of(term: Terminal) -> list[str]:
    """The terminal's screen now: what ipython wrote so far, played through
    a terminal emulator of the pty's size; blank lines left out."""
    import pyte

    display = pyte.Screen(200, 50)
    pyte.Stream(display).feed(term.transcript)
    return [line.rstrip() for line in display.display if line.strip()]


def wait_for_screen(term: Terminal, test, timeout: float = 20.0) -> list[str]:
    """Read until ``test(screen lines)`` holds; returns the lines."""
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
