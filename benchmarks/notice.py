"""Notice latency: from a job's end to its notice on the terminal.

A real terminal ``ipython --ext ipython_bg`` (pty, TERM=dumb), idle at its
prompt.  Each job is typed as ``%bg stamped(K, 0.3)``: it sleeps 0.3 s (the
cell is long over by then, so the prompt is idle), records ``time.time()``
in ``ends[K]`` and returns.  The benchmark process reads the pty and notes
``time.time()`` when the chunk completing the notice line
(``[N]+ done  coroutine  stamped(K, 0.3) -> _bgN``) arrives; latency is the
arrival minus ``ends[K]`` (same machine, same clock), read back at the end.

Baseline, at the same prompt, taking turns with the jobs: a coroutine
scheduled on the same loop (not a job) that sleeps 0.3 s, records
``time.time()`` and calls ``print()``: what any output from the loop costs
to reach the terminal through prompt_toolkit's ``patch_stdout``.
"""

from __future__ import annotations

import json
import re

from tests.harness.terminal import Terminal

from ._common import figure, median

GOAL_MS = 50.0
DELAY = 0.3

STARTUP = f"""
import asyncio, json, time
from IPython.core.async_helpers import get_asyncio_loop

ends = {{}}
_plain_tasks = []

async def stamped(k, delay):
    await asyncio.sleep(delay)
    ends[k] = time.time()
    return k

async def _plain(k, delay):
    await asyncio.sleep(delay)
    ends[-k] = time.time()
    print("<pl" + "ain-%d>" % k)

def plain(k, delay={DELAY}):
    _plain_tasks.append(get_asyncio_loop().create_task(_plain(k, delay)))
"""


def main(quick: bool = False) -> None:
    count = 4 if quick else 10
    arrivals: dict[int, float] = {}
    term = None
    try:
        term = Terminal(extension=True, startup=STARTUP)
        for k in range(1, count + 1):
            for which in (("job", "plain") if k % 2 else ("plain", "job")):
                if which == "job":
                    term.send(f"%bg stamped({k}, {DELAY})")
                    _, arrived = term.expect(
                        rf"\[\d+\][+-]? done  coroutine  stamped\({k}, {re.escape(str(DELAY))}\)", timeout=15
                    )
                    arrivals[k] = arrived
                else:
                    term.send(f"plain({k})")
                    _, arrived = term.expect(rf"<plain-{k}>", timeout=15)
                    arrivals[-k] = arrived
        term.send('print("<en" + "ds>" + json.dumps(ends) + "</ends>")')
        match, _ = term.expect(r"<ends>(\{[^<]*\})</ends>")
        ends = {int(key): value for key, value in json.loads(match.group(1)).items()}
    finally:
        if term is not None:
            term.kill()

    jobs = [(arrivals[k] - ends[k]) * 1e3 for k in range(1, count + 1)]
    prints = [(arrivals[-k] - ends[-k]) * 1e3 for k in range(1, count + 1)]
    job_ms, print_ms = median(jobs), median(prints)
    figure(
        "notice latency",
        f"{job_ms:.1f} ms from a job's end to its notice, "
        f"{job_ms / print_ms:.2f}x a print() from a coroutine ({print_ms:.1f} ms)",
        f"<= {GOAL_MS:g} ms",
        job_ms <= GOAL_MS,
        f"median of {count} each; jobs: min {min(jobs):.1f}, max {max(jobs):.1f} ms; "
        f"prints: min {min(prints):.1f}, max {max(prints):.1f} ms",
    )


if __name__ == "__main__":
    main()
