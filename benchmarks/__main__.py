"""``python -m benchmarks [--quick] [NAME ...]``: run the benchmarks.

Each benchmark runs in a fresh interpreter of its own (so one benchmark's
heap, loop or shell never weighs on the next) under a time budget.  The
exit status is 1 if a benchmark crashed or overran its budget, else 0,
however slow the figures are.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import signal
import subprocess
import sys
import time
import traceback

from tests.harness.checkout import ROOT, child_env

from . import BENCHMARKS

#: Seconds each benchmark may take before it counts as crashed (full, quick).
BUDGET = {
    "idle": (75, 30),
    "server": (150, 60),
    "overhead": (420, 120),  # valgrind counts instructions in 12 runs and 6 shells (6 runs, no shell, with --quick)
    "table": (60, 30),
    "notice": (60, 30),
    "ends": (90, 30),
    "load": (60, 30),
    "tasks": (60, 30),
    "capture": (180, 60),  # 100,000 lines through a pty and a kernel, 7 rounds each
    "keys": (90, 45),
    "watch": (420, 180),  # a server under valgrind, six times
    "panel": (150, 90),  # a JupyterLab server, Chromium, 2,000-job bursts
    "interrupt": (90, 45),  # two kernels, 9 interrupts each (3 with --quick)
    "exit": (120, 60),  # 10 terminal ipythons started and left (2 with --quick)
}


def _child(name: str, quick: bool) -> int:
    def on_term(signum, frame):
        raise SystemExit(f"{name}: stopped (over its time budget)")

    signal.signal(signal.SIGTERM, on_term)
    module = importlib.import_module(f"benchmarks.{name}")
    try:
        module.main(quick=quick)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"Python {platform.python_version()}"]
    for package in ("ipython", "prompt_toolkit", "pexpect", "uvloop"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} not installed")
    parts.append(f"{os.cpu_count()} cores")
    return ", ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and shorter waits (a smoke run)")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--child", metavar="NAME", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.quick)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)

    print(f"ipython_bg benchmarks{' (--quick)' if args.quick else ''}: {_versions()}", flush=True)
    crashed = []
    took = []
    started = time.monotonic()
    for name in names:
        took.append((name, time.monotonic()))
        budget = BUDGET[name][1 if args.quick else 0]
        command = [sys.executable, "-m", "benchmarks", "--child", name, *(["--quick"] if args.quick else [])]
        proc = subprocess.Popen(command, cwd=ROOT, env=child_env(), start_new_session=True)
        try:
            code = proc.wait(budget)
        except subprocess.TimeoutExpired:
            # SIGTERM first: the benchmark's finally blocks close its children.
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            print(f"{name}: CRASHED (over its {budget} s budget)", flush=True)
            crashed.append(name)
            continue
        except BaseException:  # Ctrl-C: stop the benchmark, then leave
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            raise
        finally:
            # Anything left in the benchmark's process group goes too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if code != 0:
            print(f"{name}: CRASHED (exit status {code})", flush=True)
            crashed.append(name)
    elapsed = time.monotonic() - started
    ends = [start for _, start in took[1:]] + [started + elapsed]
    each = ", ".join(f"{name} {end - start:.0f}" for (name, start), end in zip(took, ends))
    status = f"{len(crashed)} crashed: {', '.join(crashed)}" if crashed else "no crash"
    print(f"{len(names)} benchmarks in {elapsed:.0f} s ({each}), {status}", flush=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
