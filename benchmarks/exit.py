"""Leaving a terminal ipython whose job will not finish cleaning up.

A real terminal ``ipython --ext ipython_bg`` (pty) runs a coroutine job
whose ``finally`` block awaits for a minute, and a thread job sleeping for
ten minutes; with ``BackgroundJobs.exit_timeout = 1.0`` and
``confirm_exit`` off, ``exit`` is typed.  Timed in the benchmark process:
from sending ``exit`` to the end of the process's output.  Baseline: the
same for a plain ``ipython`` with nothing running, taking turns.

Figure: ours minus the plain exit, against ``exit_timeout`` (goal: at most
1 s over it: the cancelled job gets its ``exit_timeout``, the thread job is
not waited for, and leaving costs little more).
"""

from __future__ import annotations

import time

from tests.harness.terminal import Terminal

from ._common import figure, median

EXIT_TIMEOUT = 1.0
GOAL_OVER = 1.0

STARTUP = """
import asyncio, time

async def slow_to_clean():
    print('slow-' + 'start')
    try:
        await asyncio.sleep(3600)
    finally:
        await asyncio.sleep(60)
"""


def _leave(extension: bool) -> float:
    """Seconds from ``exit`` to the end of a terminal ipython's output."""
    term = Terminal(extension=extension, startup=STARTUP)
    try:
        if extension:
            term.send("%bg slow_to_clean()")
            term.expect_exact("slow-start")
            term.run("%bg time.sleep(600)")
            term.run(f"%config BackgroundJobs.exit_timeout = {EXIT_TIMEOUT}")
            term.run("%config BackgroundJobs.confirm_exit = False")
        else:
            term.sync()
        sent = time.monotonic()
        term.send("exit")
        term.expect_eof(timeout=60)
        return time.monotonic() - sent
    finally:
        term.kill()


def main(quick: bool = False) -> None:
    rounds = 1 if quick else 5
    ours, plain = [], []
    for turn in range(rounds):
        for extension in ((True, False) if turn % 2 else (False, True)):
            (ours if extension else plain).append(_leave(extension))
    ours_s, plain_s = median(ours), median(plain)
    over = ours_s - plain_s - EXIT_TIMEOUT
    figure(
        f"exit with a job stuck cleaning up, exit_timeout = {EXIT_TIMEOUT:g} s",
        f"{ours_s:.2f} s, {over:+.2f} s beyond exit_timeout and a plain exit ({plain_s:.2f} s)",
        f"<= +{GOAL_OVER:g} s",
        over <= GOAL_OVER,
        f"median of {rounds}; a thread job sleeping 600 s is not waited for",
    )


if __name__ == "__main__":
    main()
