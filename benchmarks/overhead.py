"""Job overhead: what a job costs over a bare asyncio task, in process.

1. ``JobControl().background(coro)`` for 10,000 coroutines, then one
   ``gather`` of the jobs run to completion, against ``loop.create_task(coro)``
   for the same number of coroutines and a ``gather`` of the tasks.  The
   coroutines (``async def f(): return 1``) are created before the clock
   starts; timed: starting all 10,000 plus ``loop.run_until_complete(gather)``.
   Both on the same loop (the JobControl's own), a fresh JobControl
   (default ``history=1000``) per repetition, alternating.

2. ``%bg`` on a real ``InteractiveShell`` with the extension loaded:
   timed: 10,000 ``shell.run_line_magic('bg', 'f()')`` calls (parsing the
   line, evaluating ``f()`` in the user namespace, starting the job);
   against the API path on the same loop (IPython's), timed: 10,000
   ``JobControl(get_asyncio_loop).background(f())`` calls.  Neither timed
   region runs the loop.  Then, each timed separately, the jobs are run to
   completion (``run_until_complete(gather(...))``): for ``%bg`` jobs that
   includes the extension's listener (the ``_bgN`` name, the notice, queued
   until the next prompt in a plain shell and printed to /dev/null between
   repetitions).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import time

from ._common import figure, median

N = 10_000
GOAL_RATIO = 1.3
GOAL_MAGIC_US = 15.0


async def f():
    return 1


def _raw(loop, coros) -> float:
    gc.collect()
    start = time.perf_counter()
    tasks = [loop.create_task(coro) for coro in coros]
    loop.run_until_complete(asyncio.gather(*tasks))
    return time.perf_counter() - start


def _api(control, coros) -> float:
    loop = control.get_loop()
    gc.collect()
    start = time.perf_counter()
    jobs = [control.background(coro) for coro in coros]
    loop.run_until_complete(asyncio.gather(*jobs))
    return time.perf_counter() - start


def job_overhead(repetitions: int) -> None:
    from ipython_bg.api import JobControl

    loop = JobControl().get_loop()  # the process's own loop: no loop runs here
    raw, api = [], []
    for rep in range(repetitions + 1):
        pair = []
        for which in (("raw", "api") if rep % 2 else ("api", "raw")):
            coros = [f() for _ in range(N)]
            if which == "raw":
                pair.append(("raw", _raw(loop, coros)))
            else:
                control = JobControl()
                assert control.get_loop() is loop
                pair.append(("api", _api(control, coros)))
        if rep == 0:
            continue  # warm-up
        for which, seconds in pair:
            (raw if which == "raw" else api).append(seconds)
    r, a = median(raw), median(api)
    figure(
        "job overhead",
        f"{a / r:.2f}x raw create_task+gather "
        f"({a / N * 1e6:.1f} vs {r / N * 1e6:.1f} µs per job)",
        f"<= {GOAL_RATIO}",
        a / r <= GOAL_RATIO,
        f"{N:,} JobControl().background(coro) + gather, median of {repetitions}",
    )


def magic_overhead(repetitions: int) -> None:
    from IPython.core.async_helpers import get_asyncio_loop
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from ipython_bg.api import JobControl

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=config)
    sink = open(os.devnull, "w")
    try:
        with contextlib.redirect_stderr(sink):  # "this shell does not run the loop at its prompt"
            shell.run_line_magic("load_ext", "ipython_bg")
            shell.run_cell("async def f(): return 1")
            loop = get_asyncio_loop()
            bg = shell.run_line_magic
            starts = {"magic": [], "api": []}
            ends = {"magic": [], "api": []}
            for rep in range(repetitions + 1):
                for which in (("api", "magic") if rep % 2 else ("magic", "api")):
                    user_f = shell.user_ns["f"]
                    gc.collect()
                    if which == "magic":
                        start = time.perf_counter()
                        jobs = [bg("bg", "f()") for _ in range(N)]
                        started = time.perf_counter() - start
                    else:
                        control = JobControl(get_asyncio_loop)
                        start = time.perf_counter()
                        jobs = [control.background(user_f()) for _ in range(N)]
                        started = time.perf_counter() - start
                    start = time.perf_counter()
                    loop.run_until_complete(asyncio.gather(*jobs))
                    ended = time.perf_counter() - start
                    if rep:
                        starts[which].append(started)
                        ends[which].append(ended)
                    # Untimed: the queued notices go out (as at the next
                    # prompt), the _bgN names and finished jobs are dropped.
                    with contextlib.redirect_stdout(sink):
                        shell.run_cell("pass")
                    for name in [name for name in shell.user_ns if name.startswith("_bg")]:
                        del shell.user_ns[name]
                    shell.run_line_magic("jobs", "-c")
                    del jobs
            with contextlib.redirect_stdout(sink):
                shell.run_line_magic("unload_ext", "ipython_bg")
    finally:
        sink.close()
        shell.history_manager.end_session()

    m, a = median(starts["magic"]) / N * 1e6, median(starts["api"]) / N * 1e6
    figure(
        "%bg magic path",
        f"+{m - a:.1f} µs per job above the API path ({m:.1f} vs {a:.1f} µs; {m / a:.2f}x)",
        f"<= {GOAL_MAGIC_US:g} µs above the API path",
        m - a <= GOAL_MAGIC_US,
        f"timed: {N:,} run_line_magic('bg', 'f()') vs JobControl.background(f()), loop not run; median of {repetitions}",
    )
    m, a = median(ends["magic"]) / N * 1e6, median(ends["api"]) / N * 1e6
    figure(
        "%bg job completion",
        f"+{m - a:.1f} µs per job above the API path ({m:.1f} vs {a:.1f} µs; {m / a:.2f}x)",
        "none",
        None,
        "timed: run_until_complete(gather(*jobs)) after the starts above: _bgN name, notice",
    )


def main(quick: bool = False) -> None:
    repetitions = 3 if quick else 7
    job_overhead(repetitions)
    magic_overhead(repetitions)


if __name__ == "__main__":
    main()
