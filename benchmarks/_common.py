"""What the benchmarks share: reporting, an in-process shell and its job,
CPU time of a process, and bounded waits.  A terminal ``ipython`` in a pty,
the checkout's ``ROOT`` and the children's environment (``child_env``) are
the end-to-end tests' (tests/harness/terminal.py, tests/harness/checkout.py),
imported from there."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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
