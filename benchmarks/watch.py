"""The selector watch, counted: machine instructions per echo round trip of
a server whose loop has the extension's selector watch
(``ipython_bg/hosts/loop_watch.py``, the one piece of the extension that
runs at every loop iteration) standing in for its selector, against the
same server without it.

The timed ``server`` benchmark sees the watch's cost through the noise of
a shared machine; this counts it, the same in every run however busy the
machine is.  The echo server of ``server`` runs under valgrind
(``--tool=callgrind``) on a plain asyncio loop, with the watch or without,
while a client outside valgrind does a fixed number of round trips over one
connection (one at a time, so that every run takes the same loop
iterations per trip).  Each side is counted at two numbers of trips and
the difference divided by the difference in trips, so that start-up and
shutdown cancel out.  The collector is off in the server: a collection
at a moment that depends on the run would weigh more than the watch.

One connection is the worst case for the watch: every round trip takes two
loop iterations of its own (the read, then the handler's step), where a
busy server serves several connections per iteration.  A third side shows
what no watch can go below: a bare stand-in whose ``select`` only calls the
selector's (a Python call more per iteration).  Goal: the watch adds at
most 5 % to a round trip (it added 24 % while every iteration took a lock
and copied a buffer, and looked its attributes up past a ``__getattr__``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import shutil
import subprocess
import sys

from tests.harness.checkout import ROOT, child_env

from ._common import figure, read_line, stop_process

GOAL_PERCENT = 5.0
SIDES = ("none", "bare", "watch")


class BareStandIn:
    """The least stand-in for a loop's selector: ``select`` passed on."""

    def __init__(self, selector):
        self._select = selector.select
        self.get_key, self.register, self.unregister = selector.get_key, selector.register, selector.unregister
        self.modify, self.get_map, self.close = selector.modify, selector.get_map, selector.close

    def select(self, timeout=None):
        return self._select(timeout)


async def _serve(side: str) -> None:
    """The server child: echo until stdin closes."""
    from benchmarks.echo import handle_echo
    from ipython_bg._internals import get_selector, set_selector
    from ipython_bg.hosts.loop_watch import SelectorWatch

    loop = asyncio.get_running_loop()
    if side == "watch":
        SelectorWatch.on(loop, lambda typed: None)
    elif side == "bare":
        set_selector(loop, BareStandIn(get_selector(loop)))
    server = await asyncio.start_server(handle_echo, "127.0.0.1", 0)
    # No collection at a moment that depends on the run: the counts are
    # compared instruction for instruction.
    gc.disable()
    print(f"<port-{server.sockets[0].getsockname()[1]}>", flush=True)
    closed = loop.create_future()
    loop.add_reader(sys.stdin.fileno(), lambda: closed.done() or closed.set_result(None))
    await closed
    server.close()


def _instructions(valgrind: str, side: str, trips: int) -> int:
    """Instructions the server process ran, start to end, serving ``trips``."""
    command = [
        valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, "-m", "benchmarks.watch", "--serve", side,
    ]
    server = subprocess.Popen(
        # A fixed hash seed: start-up then runs the same instructions in
        # every run (a random one lays dicts out differently each time).
        command, cwd=ROOT, env=child_env(PYTHONHASHSEED="0"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        port = int(read_line(server, r"<port-(\d+)>", 120).group(1))
        client = [
            sys.executable, "-m", "benchmarks.echo", "client", str(port),
            "--connections", "1", "--duration", "600", "--max-trips", str(trips),
        ]
        subprocess.run(client, cwd=ROOT, env=child_env(), check=True, capture_output=True, timeout=600)
        _, errors = server.communicate(input="", timeout=120)
    finally:
        stop_process(server)
    found = re.search(r"Collected : (\d+)", errors)
    if server.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run failed ({server.returncode}): {errors[-500:]}")
    return int(found.group(1))


def main(quick: bool = False) -> None:
    label = "the selector watch, counted"
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        figure(label, "skipped: valgrind is not installed", f"<= {GOAL_PERCENT:g} % of a round trip", None)
        return
    few, many = (300, 1300) if quick else (1000, 5000)
    per_trip = {}
    for side in SIDES:
        counts = [_instructions(valgrind, side, trips) for trips in (few, many)]
        per_trip[side] = (counts[1] - counts[0]) / (many - few)
    base = per_trip["none"]

    def added(side: str) -> str:
        extra = per_trip[side] - base
        return f"{extra:+,.0f} instructions per echo round trip ({100.0 * extra / base:+.2f} %)"

    percent = 100.0 * (per_trip["watch"] - base) / base
    figure(
        label,
        f"{added('watch')} over {base:,.0f} without it; a bare stand-in for the selector {added('bare')}",
        f"<= {GOAL_PERCENT:g} % of a round trip",
        percent <= GOAL_PERCENT,
        f"server under valgrind --tool=callgrind, {many:,} minus {few:,} round trips over one connection",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.watch")
    parser.add_argument("--serve", choices=SIDES, required=True)
    asyncio.run(_serve(parser.parse_args().serve))
