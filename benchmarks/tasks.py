"""Plain tasks with the extension loaded: what adopting the user's tasks
costs every other task.

While a cell runs, the extension is the loop's task factory (``adopt.py``):
every task made on the loop then passes through it, to be told apart from
the tasks the cell's own code makes; between cells (the prompt idle, a
kernel waiting) it is not, so a server's or client's tasks in the
background cost what they cost without it.  Timed: ``loop.create_task(coro)``
for 10,000 coroutines of a library (``_common.returns_one``: not cell
code, so none is adopted), created before the clock starts, then one
``gather`` run to completion; with the extension loaded into a real
``InteractiveShell``, against the same shell with it unloaded, on the same
loop (IPython's).  First between cells (goal: at most 1.1x), then inside
a cell, where the factory looks at who asked for each task (for scale).
Timed in CPU time of this thread (``time.thread_time``): on a busy machine
the wall clock also counts waiting for a core.  Paired repetitions,
alternating, after an untimed warm-up; the figure is the median ratio.
"""

from __future__ import annotations

import asyncio
import gc
import time

from ._common import figure, fmt_ratio, median, plain_shell, returns_one

N = 10_000
GOAL_RATIO = 1.1


def _timed(loop, count: int) -> float:
    coros = [returns_one() for _ in range(count)]
    # Each side starts from a collected heap: otherwise a full collection
    # that the other side's garbage brings due lands in one side or the other.
    gc.collect()
    started = time.thread_time()
    tasks = [loop.create_task(coro) for coro in coros]
    loop.run_until_complete(asyncio.gather(*tasks))
    return time.thread_time() - started


def main(quick: bool = False) -> None:
    from IPython.core.async_helpers import get_asyncio_loop

    shell = plain_shell()
    loop = get_asyncio_loop()
    shell.user_ns.update(_timed=_timed, _loop=loop, _N=N)
    repetitions = 7 if quick else 21
    for where, goal in (("between cells", GOAL_RATIO), ("inside a cell", None)):
        pairs = []
        for _ in range(repetitions + 1):  # the first pair is the warm-up
            without = _timed(loop, N)
            shell.run_line_magic("load_ext", "ipython_bg")
            if where == "between cells":
                loaded = _timed(loop, N)
            else:
                shell.run_cell("_took = _timed(_loop, _N)")
                loaded = shell.user_ns["_took"]
            shell.run_line_magic("unload_ext", "ipython_bg")
            pairs.append((loaded, without))
        _report(where, goal, pairs[1:])


def _report(where: str, goal: float | None, pairs: list[tuple[float, float]]) -> None:
    ratio = median([loaded / without for loaded, without in pairs])
    per_task_ns = median([(loaded - without) / N * 1e9 for loaded, without in pairs])
    figure(
        f"10,000 library tasks {where}, extension loaded vs not",
        f"{ratio:.2f}x",
        f"<= {goal}" if goal is not None else "none (for scale: the cell's own tasks are looked at)",
        ratio <= goal if goal is not None else None,
        f"{per_task_ns:+.0f} ns per task; {median([w for _, w in pairs]) * 1e3:.1f} ms CPU without; "
        f"{fmt_ratio(median([l for l, _ in pairs]), median([w for _, w in pairs]))} of the medians",
    )


if __name__ == "__main__":
    main()
