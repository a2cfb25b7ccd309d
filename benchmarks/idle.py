"""Idle cost: CPU of a terminal ipython idle at its prompt with 100 sleeping jobs.

Real terminal ``ipython`` processes in ptys, side by side: with ``--ext
ipython_bg`` and given 100 ``%bg asyncio.sleep(3600)`` jobs, against a
plain ``ipython``, each pair on ``TERM=dumb`` and on
``TERM=xterm-256color`` (where the prompt is drawn in full and shows the
job count, ``In [3] [100 jobs]:``).  Once all have printed their sentinel
and had a second to settle, nothing is typed; the CPU each uses (all
threads, from /proc) is read over consecutive windows, and the median
window is reported as a share of one core.  All idle at the same time, so
they see the same machine.
"""

from __future__ import annotations

import time

from tests.harness.terminal import Terminal

from ._common import CpuMeter, figure, fmt_ratio, median

JOBS = 100
GOAL_PERCENT = 0.1
TERMS = ("dumb", "xterm-256color")


def _start_jobs(ext: Terminal) -> None:
    ext.send("import asyncio")
    ext.send(f"for i in range({JOBS}): get_ipython().run_line_magic('bg', 'asyncio.sleep(3600)')")
    ext.send("")  # ends the (one-line) for block
    running = ext.value("sum(row.state.value == 'running' for row in get_ipython().run_line_magic('jobs', ''))")
    if running != str(JOBS):
        raise RuntimeError(f"expected {JOBS} running jobs, %jobs shows {running}")


def main(quick: bool = False) -> None:
    window = 1.5 if quick else 10.0
    windows = 3
    settle = 1.0
    terms: dict[tuple[str, str], Terminal] = {}
    try:
        keys = [(kind, term) for term in TERMS for kind in ("ext", "base")]
        started = Terminal.several(*({"extension": kind == "ext", "term": term} for kind, term in keys))
        terms = dict(zip(keys, started))
        for term in TERMS:
            _start_jobs(terms["ext", term])
            terms["base", term].run("import asyncio")
        time.sleep(settle)

        shares = {key: [] for key in terms}
        ticks = {key: 0.0 for key in terms}
        for _ in range(windows):
            meters = {key: CpuMeter(terminal.pid) for key, terminal in terms.items()}
            for meter in meters.values():
                meter.start()
            time.sleep(window)
            for key, meter in meters.items():
                seconds, stat_seconds, wall = meter.stop()
                shares[key].append(100.0 * seconds / wall)
                ticks[key] += stat_seconds
        for term in TERMS:
            ext_share, base_share = median(shares["ext", term]), median(shares["base", term])
            figure(
                f"idle cost, TERM={term}",
                f"{ext_share:.4f}% of one core with {JOBS} sleeping jobs, "
                f"{fmt_ratio(ext_share, base_share)} plain ipython ({base_share:.4f}%)",
                f"<= {GOAL_PERCENT}% of one core",
                ext_share <= GOAL_PERCENT,
                f"median of {windows} windows of {window:g} s; /proc/PID/stat utime+stime over all "
                f"windows: {ticks['ext', term]:.2f} s vs {ticks['base', term]:.2f} s",
            )
    finally:
        for terminal in terms.values():
            terminal.kill()


if __name__ == "__main__":
    main()
