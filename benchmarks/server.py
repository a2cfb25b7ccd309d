"""Server under the prompt: an echo server run from an idle terminal prompt
against the same server under plain ``asyncio.run``.

In a real terminal ``ipython --ext ipython_bg`` (pty, TERM=dumb)::

    from benchmarks.echo import handle_echo
    server = %fg asyncio.start_server(handle_echo, '127.0.0.1', 0)
    serving = %bg server.serve_forever()

and nothing more is typed: the server runs under the idle prompt.  The
baseline is ``python -m benchmarks.echo serve``: the same handler under
``asyncio.run``.  A client process (``python -m benchmarks.echo clients``,
one for all turns) does echo round trips of 64 bytes over 4 connections for
a fixed time (bounded in round trips too); the servers take turns, in
alternating order.  Every server and the client have a session (so a
scheduler autogroup) of their own.
Per turn: round trips per wall second (as the client measured), and per
CPU-second of the server process (all its threads, from /proc, over the
client's whole run).  The figure is the median over the turns of the
ratio within each turn (the servers run back to back), which cancels slow
drifts in the rest of the machine's load.

For context, a third server takes its turns too: the same handler under a
plain terminal ipython's prompt (``server = await asyncio.start_server(...)``
then ``%gui asyncio``, no extension), to tell what the prompt itself costs
from what the extension adds.

Where uvloop is installed, a terminal ``ipython --ext ipython_bg
--BackgroundJobs.loop=uvloop`` serves the same way, and ``uvloop.run``
takes turns too.  Two more figures: the uvloop prompt against the
stock-asyncio baseline (``asyncio.run``) per server CPU-second, the point
of the option (goal 1.3x), and against ``uvloop.run`` (goal 0.97x);
otherwise they say "skipped: uvloop not installed".
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from tests.harness.checkout import ROOT, child_env
from tests.harness.terminal import Terminal

from ._common import CpuMeter, figure, median, read_line, stop_process

CONNECTIONS = 4
GOAL = 0.97
UVLOOP_GOAL = 1.3  # against stock asyncio.run


class Client:
    """The client process (``python -m benchmarks.echo clients``), kept for
    all turns so that no turn waits for an interpreter to start."""

    def __init__(self):
        # A session of its own, like each server: with the kernel's autogroup
        # scheduling, processes sharing a session share one CPU share.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.echo", "clients"],
            cwd=ROOT, env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            start_new_session=True,
        )

    def run(self, port: int, duration: float, max_trips: int) -> dict:
        self.proc.stdin.write(f"{port} {CONNECTIONS} {duration} {max_trips}\n")
        self.proc.stdin.flush()
        return json.loads(read_line(self.proc, r"^\{.*\}$", duration + 30).group(0))

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        stop_process(self.proc)


def _turn(client: Client, pid: int, port: int, duration: float, max_trips: int) -> tuple[float, float, str]:
    meter = CpuMeter(pid)
    meter.start()
    result = client.run(port, duration, max_trips)
    cpu, _, _ = meter.stop()
    trips = result["trips"]
    return trips / result["seconds"], trips / cpu if cpu > 0 else float("inf"), result["loop"]


def _serve_from_prompt(term: Terminal, extension: bool) -> int:
    """Start the echo server in ``term``; return its port."""
    term.send("import asyncio")
    term.send("from benchmarks.echo import handle_echo")
    if extension:
        term.send("server = %fg asyncio.start_server(handle_echo, '127.0.0.1', 0)")
        term.send("serving = %bg server.serve_forever()")
    else:
        # No extension: IPython's own autoawait starts it on IPython's
        # loop, and %gui asyncio runs that loop under the prompt.
        term.send("server = await asyncio.start_server(handle_echo, '127.0.0.1', 0)")
        term.send("%gui asyncio")
    term.send('print("<port-%d>" % server.sockets[0].getsockname()[1])')
    match, _ = term.expect(r"<port-(\d+)>")
    return int(match.group(1))


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def _serve_plainly(loop: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.echo", "serve", *(["--uvloop"] if loop == "uvloop" else [])],
        cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, text=True,
        start_new_session=True,  # as the terminal ipythons (pexpect) have
    )
    try:
        return proc, int(read_line(proc, r"<port-(\d+)>", 30).group(1))
    except BaseException:
        stop_process(proc)
        raise


def main(quick: bool = False) -> None:
    # Many short turns rather than a few long ones: a burst of other load
    # on the machine then spoils only a turn or two, which the median drops.
    duration = 0.4 if quick else 0.7
    turns = 4 if quick else 9
    max_trips = 2_000_000
    uvloop = _has_uvloop()
    terms: list[Terminal] = []
    plain_servers: list[subprocess.Popen] = []
    client = None
    try:
        specs = [{"extension": True}, {"extension": False}]
        if uvloop:
            specs.append({"extension": True, "args": ["--BackgroundJobs.loop=uvloop"]})
        terms = Terminal.several(*specs)
        servers = [
            ("ipython_bg", terms[0].pid, _serve_from_prompt(terms[0], extension=True)),
            ("plain ipython", terms[1].pid, _serve_from_prompt(terms[1], extension=False)),
        ]
        loops = ["asyncio"]
        if uvloop:
            servers.append(("ipython_bg on uvloop", terms[2].pid, _serve_from_prompt(terms[2], extension=True)))
            kind = terms[2].value("type(server.get_loop()).__module__")
            if not kind.startswith("uvloop"):
                raise RuntimeError(f"--BackgroundJobs.loop=uvloop gave a loop from {kind}, not uvloop")
            loops.append("uvloop")
        for loop in loops:
            proc, port = _serve_plainly(loop)
            plain_servers.append(proc)
            servers.append((f"{loop}.run", proc.pid, port))

        client = Client()
        for _, _, port in servers:  # a short warm-up of each, untimed
            client.run(port, 0.2, max_trips)
        runs = {name: [] for name, _, _ in servers}
        client_loop = "asyncio"
        for turn in range(turns):
            for name, pid, port in (servers if turn % 2 == 0 else servers[::-1]):
                per_wall, per_cpu, client_loop = _turn(client, pid, port, duration, max_trips)
                runs[name].append((per_wall, per_cpu))
        # Still serving, and from the idle prompt: the job is running.
        state = terms[0].value("serving.state.value")
        if state != "running":
            raise RuntimeError(f"the %bg serve_forever job is {state}, not running")
    finally:
        if client is not None:
            client.close()
        for proc in plain_servers:
            stop_process(proc)
        for term in terms:
            term.kill()

    def paired(name: str, base: str, index: int) -> list[float]:
        # Ratios within each turn (the servers ran back to back), then the
        # median: slow drifts in the machine's other load cancel out.
        return sorted(mine[index] / theirs[index] for mine, theirs in zip(runs[name], runs[base]))

    def spread(ratios: list[float]) -> str:
        low, _, high = statistics.quantiles(ratios, n=4)
        return f"median of {turns} per-turn ratios, quartiles {low:.2f}-{high:.2f}"

    setting = (
        f"turns of {duration:g} s, {CONNECTIONS} connections, client on {client_loop}"
        + ("" if client_loop == "uvloop" else " (uvloop not installed)")
    )
    for index, label, unit in (
        (0, "server under the prompt", "round trips per second"),
        (1, "server under the prompt, per server CPU-second", "round trips per server CPU-second"),
    ):
        ratios = paired("ipython_bg", "asyncio.run", index)
        r = median(ratios)
        context = median(paired("plain ipython", "asyncio.run", index))
        figure(
            label,
            f"{r:.3f}x asyncio.run in {unit} "
            f"({median(x[index] for x in runs['ipython_bg']):,.0f} vs "
            f"{median(x[index] for x in runs['asyncio.run']):,.0f}); "
            f"a plain ipython prompt (%gui asyncio, no extension) {context:.3f}x",
            f">= {GOAL}",
            r >= GOAL,
            f"{spread(ratios)}; {setting}",
        )
    label = "server under the prompt with BackgroundJobs.loop = 'uvloop'"
    if not uvloop:
        print(f"{label}: skipped: uvloop not installed", flush=True)
        return
    # What uvloop is for: against the stock-asyncio baseline, per server
    # CPU-second (on 2 cores the client competes with the server, so the
    # wall-clock figure mostly measures the client).
    cpu = paired("ipython_bg on uvloop", "asyncio.run", 1)
    wall = paired("ipython_bg on uvloop", "asyncio.run", 0)
    plain = median(paired("uvloop.run", "asyncio.run", 1))
    figure(
        label,
        f"{median(cpu):.3f}x asyncio.run in round trips per server CPU-second "
        f"({median(wall):.3f}x per second); plain uvloop.run {plain:.3f}x",
        f">= {UVLOOP_GOAL}",
        median(cpu) >= UVLOOP_GOAL,
        f"per CPU-second: {spread(cpu)}; {setting}",
    )
    wall = paired("ipython_bg on uvloop", "uvloop.run", 0)
    cpu = paired("ipython_bg on uvloop", "uvloop.run", 1)
    figure(
        "server under the prompt on uvloop, against uvloop.run",
        f"{median(wall):.3f}x uvloop.run in round trips per second, "
        f"{median(cpu):.3f}x in round trips per server CPU-second",
        f">= {GOAL}",
        min(median(wall), median(cpu)) >= GOAL,
        f"per second: {spread(wall)}; per CPU-second: {spread(cpu)}; {setting}",
    )


if __name__ == "__main__":
    main()
