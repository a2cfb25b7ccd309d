"""The benchmark runner, not the figures: it runs a benchmark in a child,
prints each figure with its goal, and fails only on a crash.  (Figures are
never asserted: a test that times things fails on a busy machine.)"""

import importlib
import subprocess
import sys
import types

import pytest

from benchmarks import __main__ as runner
from benchmarks._common import figure
from tests.harness.checkout import ROOT, child_env


def _quick_run(names: str, timeout: float) -> list[str]:
    """The lines ``python -m benchmarks --quick NAME...`` prints, once it
    exited without a crash."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", *names.split()],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def test_the_runner_prints_each_figure_with_its_goal():
    lines = _quick_run("table", timeout=120)
    assert lines[0].startswith("ipython_bg benchmarks (--quick): Python ")
    for label in ("%jobs as text, 10,000 finished jobs: ", "%jobs as HTML, 10,000 finished jobs: "):
        line = next(line for line in lines if line.startswith(label))
        assert " ms, " in line and "(goal <= 50 ms)" in line
    assert lines[-1].startswith("1 benchmarks in ") and lines[-1].endswith("no crash")


def _run_child(monkeypatch, main):
    monkeypatch.setattr(runner.signal, "signal", lambda *args: None)  # keep pytest's SIGTERM
    monkeypatch.setattr(runner.importlib, "import_module", lambda name: types.SimpleNamespace(main=main))
    return runner._child("table", True)


def test_a_missed_goal_is_reported_not_fatal(monkeypatch, capsys):
    def slow(quick):
        figure("slow thing", "2.00x", "<= 1.3", False)

    assert _run_child(monkeypatch, slow) == 0
    assert capsys.readouterr().out == "slow thing: 2.00x (goal <= 1.3) MISSED\n"


def test_a_crash_is_fatal_and_shows_its_traceback(monkeypatch, capsys):
    def broken(quick):
        raise RuntimeError("benchmark bug")

    assert _run_child(monkeypatch, broken) == 1
    assert "RuntimeError: benchmark bug" in capsys.readouterr().err


def test_an_unknown_benchmark_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        runner.main(["nosuch"])
    assert raised.value.code == 2 and "no benchmark nosuch; choose from idle, server" in capsys.readouterr().err


def test_the_key_latency_benchmark_runs_and_prints_both_percentiles():
    lines = _quick_run("keys", timeout=180)
    for label in ("key to echo p50: ", "key to echo p99: "):
        line = next(line for line in lines if line.startswith(label))
        assert " ms with ipython_bg, " in line and "plain ipython %gui asyncio" in line and "(goal <= 1.1x)" in line


def test_the_interrupt_and_exit_benchmarks_run_and_print_their_figures():
    # What tests once bounded with a clock: measured here, never asserted.
    lines = _quick_run("interrupt exit", timeout=240)
    interrupt = next(line for line in lines if line.startswith("kernel interrupt of %fg to its reply: "))
    assert " ms, against " in interrupt and "(goal <= 500 ms)" in interrupt
    leaving = next(line for line in lines if line.startswith("exit with a job stuck cleaning up, exit_timeout = 1 s: "))
    assert "beyond exit_timeout and a plain exit" in leaving and "(goal <= +1 s)" in leaving


@pytest.mark.parametrize("name", runner.BENCHMARKS)
def test_every_benchmark_imports(name):
    # The long ones (valgrind, a browser) do not run in the suite: this at
    # least catches a benchmark broken by a moved helper.
    assert callable(importlib.import_module(f"benchmarks.{name}").main)
