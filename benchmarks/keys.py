"""Key-to-echo latency at a busy prompt: 100 cooperative jobs computing.

Two real terminal ``ipython`` processes in ptys (``TERM=xterm-256color``,
where the prompt is drawn in full and shows the job count): one with
ipython_bg, its 100 jobs started with ``%bg``, the baseline a plain
ipython under ``%gui asyncio`` running the same 100 coroutines as tasks
on its loop.  Each coroutine computes a little, then ``await
asyncio.sleep(0)``, for ever: the loop is never idle, and a key waits for
the loop's next turn like any other ready callback.

A key is sent, and the time until its echo comes back is one sample.
The two take turns, a round each: while one is measured its jobs run and
the other's are stopped, so both see the same machine and do not compete
for it.  Reported: p50 and p99 of each, and their ratios.
"""

from __future__ import annotations

import statistics
import time

from tests.harness.terminal import Terminal

from ._common import figure

JOBS = 100
GOAL = 1.1

#: What each job (and each baseline task) runs: a little work per step.
STARTUP = """
import asyncio

async def busy():
    while True:
        sum(range(300))
        await asyncio.sleep(0)

def start_plain_tasks(count):
    from IPython.core.async_helpers import get_asyncio_loop
    loop = get_asyncio_loop()
    return [loop.create_task(busy()) for _ in range(count)]

def stop_plain_tasks(tasks):
    for task in tasks:
        task.cancel()
"""

START = {
    "ext": f"for _ in range({JOBS}): get_ipython().run_line_magic('bg', 'busy()')",
    "base": f"tasks = start_plain_tasks({JOBS})",
}
STOP = {"ext": "%jobs -k all", "base": "stop_plain_tasks(tasks)"}


def _keys(term: Terminal, count: int) -> list[float]:
    """Latencies of ``count`` keys typed on an empty line, which is then
    cleared (Ctrl-U) and left to settle."""
    samples = []
    for _ in range(count):
        sent = time.time()
        term.child.send("x")
        _, arrived = term.expect("x", timeout=10)
        samples.append(arrived - sent)
        time.sleep(0.01)  # a fast typist's pace, not a flood
    term.child.send("\x15")
    time.sleep(0.2)
    term.sync()
    return samples


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(quick: bool = False) -> None:
    rounds, keys = (2, 20) if quick else (8, 40)
    terms = {}
    try:
        ext, base = Terminal.several(
            {"extension": True, "startup": STARTUP, "term": "xterm-256color"},
            {"extension": False, "startup": STARTUP, "term": "xterm-256color"},
        )
        terms = {"ext": ext, "base": base}
        base.run("%gui asyncio")
        samples = {"ext": [], "base": []}
        for index in range(rounds):
            # Alternate which goes first: the machine drifts.
            for key in ("ext", "base") if index % 2 == 0 else ("base", "ext"):
                term = terms[key]
                term.run(START[key])
                samples[key] += _keys(term, keys)
                term.run(STOP[key])
        _report(samples, rounds, keys)
    finally:
        for term in terms.values():
            term.kill()


def _report(samples: dict, rounds: int, keys: int) -> None:
    details = f"{rounds} rounds of {keys} keys each, {JOBS} busy jobs, TERM=xterm-256color"
    for label, share in (("p50", 0.5), ("p99", 0.99)):
        ext = _percentile(samples["ext"], share) * 1000
        base = _percentile(samples["base"], share) * 1000
        ratio = ext / base if base > 0 else float("inf")
        figure(
            f"key to echo {label}",
            f"{ext:.2f} ms with ipython_bg, {base:.2f} ms plain ipython %gui asyncio: {ratio:.2f}x",
            f"<= {GOAL}x",
            ratio <= GOAL,
            details if label == "p99" else f"median of all {statistics.median(samples['ext']) * 1000:.2f} ms",
        )
