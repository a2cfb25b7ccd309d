"""Many ends at once: the cost of each job's end when a burst of jobs ends
together, for a large burst against a small one.

A real ``InteractiveShell`` with the extension loaded (notices kept for
the next prompt, as during a cell).  ``N`` jobs ``%bg f()``
(``async def f(): return 1``) are started, then the loop runs until all
have ended: they end in the same loop iteration, so one report takes them
all.  Timed: that report (marking them finished, ``_bgN``, the notices)
plus printing the notices at the next prompt (to /dev/null), per job.

Figure: the time per job with 80,000 jobs ending together, against the
same with 10,000 (16,000 against 2,000 with --quick): a cost per end that
grows with the burst makes ``%timeit %bg ...`` freeze the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import time

from ._common import figure, median, plain_shell, returns_one

GOAL = 1.5


def _shell():
    shell = plain_shell()
    shell.run_line_magic("load_ext", "ipython_bg")
    shell.user_ns["f"] = returns_one
    return shell


def _per_job(shell, control, count: int, sink) -> float:
    """Seconds per job of the report of ``count`` jobs ending together and
    of the notices printed at the next prompt."""
    from IPython.core.async_helpers import get_asyncio_loop

    ends = control.ends
    report, spent = ends._report, []

    def timed():
        started = time.perf_counter()
        report()
        spent.append(time.perf_counter() - started)

    jobs = [shell.run_line_magic("bg", "f()") for _ in range(count)]
    ends._report = timed
    try:
        get_asyncio_loop().run_until_complete(asyncio.gather(*jobs))
    finally:
        del ends._report
    started = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        shell.run_cell("pass")  # the kept notices go out, as at the next prompt
    spent.append(time.perf_counter() - started)
    for name in [name for name in shell.user_ns if name.startswith("_bg")]:
        del shell.user_ns[name]
    del jobs
    gc.collect()
    return sum(spent) / count


def main(quick: bool = False) -> None:
    small, large = (2_000, 16_000) if quick else (10_000, 80_000)
    rounds = 1 if quick else 3
    shell = _shell()
    from ipython_bg.api import current_control

    control = current_control()
    times: dict[int, list[float]] = {small: [], large: []}
    with open(os.devnull, "w") as sink:
        _per_job(shell, control, small // 10, sink)  # warm up
        for _ in range(rounds):
            for count in (small, large):
                times[count].append(_per_job(shell, control, count, sink))
    small_us, large_us = median(times[small]) * 1e6, median(times[large]) * 1e6
    ratio = large_us / small_us
    figure(
        f"ends, {large:,} jobs at once",
        f"{large_us:.1f} µs per job, {ratio:.2f}x the same with {small:,} ({small_us:.1f} µs)",
        f"<= {GOAL:g}x",
        ratio <= GOAL,
        f"median of {rounds}; report plus notices at the next prompt",
    )


if __name__ == "__main__":
    main()
