"""Server under the prompt: an echo server run from an idle terminal prompt
against the same server under plain ``asyncio.run``.

In a real terminal ``ipython --ext ipython_bg`` (pty, TERM=dumb)::

    from benchmarks.echo import handle_echo
    server = %fg asyncio.start_server(handle_echo, '127.0.0.1', 0)
    serving = %bg server.serve_forever()

and nothing more is typed: the server runs under the idle prompt.  The
baseline is ``python -m benchmarks.echo serve``: the same handler under
``asyncio.run``.  A client process (``python -m benchmarks.echo client``)
does echo round trips of 64 bytes over 4 connections for a fixed time
(bounded in round trips too); the servers take turns, in alternating order.
Per turn: round trips per wall second (as the client measured), and per
CPU-second of the server process (all its threads, from /proc, over the
client's whole run).  Medians of the turns are compared.
"""

from __future__ import annotations

import json
import subprocess
import sys

from ._common import ROOT, CpuMeter, Terminal, child_env, figure, median, read_line, stop_process

CONNECTIONS = 4
GOAL = 0.97


def _client(port: int, duration: float, max_trips: int) -> dict:
    command = [
        sys.executable, "-m", "benchmarks.echo", "client", str(port),
        "--connections", str(CONNECTIONS), "--duration", str(duration), "--max-trips", str(max_trips),
    ]
    done = subprocess.run(command, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=duration + 30)
    if done.returncode != 0:
        raise RuntimeError(f"echo client failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _turn(pid: int, port: int, duration: float, max_trips: int) -> tuple[float, float, str]:
    meter = CpuMeter(pid)
    meter.start()
    result = _client(port, duration, max_trips)
    cpu, _, _ = meter.stop()
    trips = result["trips"]
    return trips / result["seconds"], trips / cpu if cpu > 0 else float("inf"), result["loop"]


def main(quick: bool = False) -> None:
    duration = 1.0 if quick else 2.5
    turns = 3 if quick else 5
    max_trips = 2_000_000
    term = baseline = None
    try:
        term = Terminal(extension=True)
        term.send("import asyncio")
        term.send("from benchmarks.echo import handle_echo")
        term.send("server = %fg asyncio.start_server(handle_echo, '127.0.0.1', 0)")
        term.send("serving = %bg server.serve_forever()")
        term.send('print("<port-%d>" % server.sockets[0].getsockname()[1])')
        match, _ = term.expect(r"<port-(\d+)>")
        ipython_port = int(match.group(1))

        baseline = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.echo", "serve"],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, text=True,
        )
        baseline_port = int(read_line(baseline, r"<port-(\d+)>", 30).group(1))

        # A short warm-up of each, untimed.
        _client(ipython_port, 0.2, max_trips)
        _client(baseline_port, 0.2, max_trips)

        runs = {"ipython": [], "asyncio.run": []}
        servers = [("ipython", term.pid, ipython_port), ("asyncio.run", baseline.pid, baseline_port)]
        loop_name = "asyncio"
        for turn in range(turns):
            order = servers if turn % 2 == 0 else servers[::-1]
            for name, pid, port in order:
                per_wall, per_cpu, loop_name = _turn(pid, port, duration, max_trips)
                runs[name].append((per_wall, per_cpu))
        # Still serving, and from the idle prompt: the job is running.
        state = term.value("serving.state.value")
        if state != "running":
            raise RuntimeError(f"the %bg serve_forever job is {state}, not running")

        wall = {name: median(r[0] for r in values) for name, values in runs.items()}
        cpu = {name: median(r[1] for r in values) for name, values in runs.items()}
        details = (
            f"median of {turns} turns of {duration:g} s, {CONNECTIONS} connections, "
            f"client on {loop_name}"
            + ("" if loop_name == "uvloop" else " (uvloop not installed)")
        )
        r_wall = wall["ipython"] / wall["asyncio.run"]
        figure(
            "server under the prompt",
            f"{r_wall:.3f}x asyncio.run in round trips per second "
            f"({wall['ipython']:,.0f} vs {wall['asyncio.run']:,.0f}/s)",
            f">= {GOAL}",
            r_wall >= GOAL,
            details,
        )
        r_cpu = cpu["ipython"] / cpu["asyncio.run"]
        figure(
            "server under the prompt, per server CPU-second",
            f"{r_cpu:.3f}x asyncio.run in round trips per server CPU-second "
            f"({cpu['ipython']:,.0f} vs {cpu['asyncio.run']:,.0f})",
            f">= {GOAL}",
            r_cpu >= GOAL,
            details,
        )
    finally:
        stop_process(baseline)
        if term is not None:
            term.close()


if __name__ == "__main__":
    main()
