"""Idle cost: CPU of a terminal ipython idle at its prompt with 100 sleeping jobs.

Two real terminal ``ipython`` processes in ptys, side by side: one started
with ``--ext ipython_bg`` and given 100 ``%bg asyncio.sleep(3600)`` jobs, the
baseline a plain ``ipython``.  Once both have printed their sentinel and had
a second to settle, nothing is typed; the CPU each uses (all threads, from
/proc) is read over consecutive windows, and the median window is reported
as a share of one core.  Both idle at the same time, so they see the same
machine.
"""

from __future__ import annotations

import time

from ._common import CpuMeter, Terminal, figure, fmt_ratio, median

JOBS = 100
GOAL_PERCENT = 0.1


def main(quick: bool = False) -> None:
    window = 1.5 if quick else 10.0
    windows = 3
    settle = 1.0
    ext = base = None
    try:
        ext, base = Terminal.several({"extension": True}, {"extension": False})
        for term in (ext, base):
            term.send("import asyncio")
        ext.send(f"for i in range({JOBS}): get_ipython().run_line_magic('bg', 'asyncio.sleep(3600)')")
        ext.send("")  # ends the (one-line) for block
        running = ext.value(
            "sum(row.state.value == 'running' for row in get_ipython().run_line_magic('jobs', ''))"
        )
        if running != str(JOBS):
            raise RuntimeError(f"expected {JOBS} running jobs, %jobs shows {running}")
        base.sync()
        time.sleep(settle)

        shares = {"ext": [], "base": []}
        ticks = {"ext": 0.0, "base": 0.0}
        for _ in range(windows):
            meters = {"ext": CpuMeter(ext.pid), "base": CpuMeter(base.pid)}
            for meter in meters.values():
                meter.start()
            time.sleep(window)
            for key, meter in meters.items():
                seconds, stat_seconds, wall = meter.stop()
                shares[key].append(100.0 * seconds / wall)
                ticks[key] += stat_seconds
        ext_share = median(shares["ext"])
        base_share = median(shares["base"])
        figure(
            "idle cost",
            f"{ext_share:.4f}% of one core with {JOBS} sleeping jobs, "
            f"{fmt_ratio(ext_share, base_share)} plain ipython ({base_share:.4f}%)",
            f"<= {GOAL_PERCENT}% of one core",
            ext_share <= GOAL_PERCENT,
            f"median of {windows} windows of {window:g} s; /proc/PID/stat utime+stime over all "
            f"windows: {ticks['ext']:.2f} s vs {ticks['base']:.2f} s",
        )
    finally:
        for term in (ext, base):
            if term is not None:
                term.kill()


if __name__ == "__main__":
    main()
