"""Plain tasks with the extension loaded: what adopting the user's tasks
costs every other task.

Once loaded, the extension is the loop's task factory (``adopt.py``): every
task made on the loop passes through it, to be told apart from the tasks a
cell's own code makes.  Timed: ``loop.create_task(coro)`` for 10,000
coroutines of a library (``_common.returns_one``: not cell code, so none
is adopted), created before the clock starts, then one ``gather`` run to
completion; with the extension loaded into a real ``InteractiveShell``,
against the same shell with it unloaded, on the same loop (IPython's).
Timed in CPU time of this thread (``time.thread_time``): on a busy machine
the wall clock also counts waiting for a core.  Paired repetitions, alternating,
after an untimed warm-up; the figure is the median ratio.
"""

from __future__ import annotations

import asyncio
import time

from ._common import figure, fmt_ratio, median, plain_shell, returns_one

N = 10_000
GOAL_RATIO = 1.1


def _timed(loop, count: int) -> float:
    coros = [returns_one() for _ in range(count)]
    started = time.thread_time()
    tasks = [loop.create_task(coro) for coro in coros]
    loop.run_until_complete(asyncio.gather(*tasks))
    return time.thread_time() - started


def main(quick: bool = False) -> None:
    from IPython.core.async_helpers import get_asyncio_loop

    shell = plain_shell()
    loop = get_asyncio_loop()
    repetitions = 7 if quick else 21
    pairs = []
    for _ in range(repetitions + 1):  # the first pair is the warm-up
        without = _timed(loop, N)
        shell.run_line_magic("load_ext", "ipython_bg")
        assert loop.get_task_factory() is not None, "the extension set no task factory"
        loaded = _timed(loop, N)
        shell.run_line_magic("unload_ext", "ipython_bg")
        pairs.append((loaded, without))
    pairs = pairs[1:]
    ratio = median([loaded / without for loaded, without in pairs])
    per_task_ns = median([(loaded - without) / N * 1e9 for loaded, without in pairs])
    figure(
        "10,000 library tasks, extension loaded vs not",
        f"{ratio:.2f}x",
        f"<= {GOAL_RATIO}",
        ratio <= GOAL_RATIO,
        f"{per_task_ns:+.0f} ns per task; {median([w for _, w in pairs]) * 1e3:.1f} ms CPU without; "
        f"{fmt_ratio(median([l for l, _ in pairs]), median([w for _, w in pairs]))} of the medians",
    )


if __name__ == "__main__":
    main()
