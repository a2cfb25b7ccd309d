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

For context, a third server takes its turns too: the same handler under a
plain terminal ipython's prompt (``server = await asyncio.start_server(...)``
then ``%gui asyncio``, no extension), to tell what the prompt itself costs
from what the extension adds.
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
    # A session of its own, like each server: with the kernel's autogroup
    # scheduling, processes sharing a session share one CPU share.
    done = subprocess.run(
        command, cwd=ROOT, env=child_env(), capture_output=True, text=True,
        timeout=duration + 30, start_new_session=True,
    )
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


def _ipython_server(extension: bool) -> tuple[Terminal, int]:
    term = Terminal(extension=extension)
    try:
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
        return term, int(match.group(1))
    except BaseException:
        term.close()
        raise


def main(quick: bool = False) -> None:
    # Many short turns rather than a few long ones: a burst of other load
    # on the machine then spoils only a turn or two, which the median drops.
    duration = 0.6
    turns = 5 if quick else 13
    max_trips = 2_000_000
    ext = plain = baseline = None
    try:
        ext, ext_port = _ipython_server(extension=True)
        plain, plain_port = _ipython_server(extension=False)
        baseline = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.echo", "serve"],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, text=True,
            start_new_session=True,  # as the terminal ipythons (pexpect) have
        )
        baseline_port = int(read_line(baseline, r"<port-(\d+)>", 30).group(1))

        servers = [
            ("ipython_bg", ext.pid, ext_port),
            ("plain ipython", plain.pid, plain_port),
            ("asyncio.run", baseline.pid, baseline_port),
        ]
        for _, _, port in servers:  # a short warm-up of each, untimed
            _client(port, 0.2, max_trips)
        runs = {name: [] for name, _, _ in servers}
        loop_name = "asyncio"
        for turn in range(turns):
            for name, pid, port in (servers if turn % 2 == 0 else servers[::-1]):
                per_wall, per_cpu, loop_name = _turn(pid, port, duration, max_trips)
                runs[name].append((per_wall, per_cpu))
        # Still serving, and from the idle prompt: the job is running.
        state = ext.value("serving.state.value")
        if state != "running":
            raise RuntimeError(f"the %bg serve_forever job is {state}, not running")
    finally:
        stop_process(baseline)
        for term in (ext, plain):
            if term is not None:
                term.close()

    wall = {name: median(r[0] for r in values) for name, values in runs.items()}
    cpu = {name: median(r[1] for r in values) for name, values in runs.items()}
    details = (
        f"median of {turns} turns of {duration:g} s, {CONNECTIONS} connections, client on {loop_name}"
        + ("" if loop_name == "uvloop" else " (uvloop not installed)")
    )
    base = "asyncio.run"
    for key, label, unit in (
        (wall, "server under the prompt", "round trips per second"),
        (cpu, "server under the prompt, per server CPU-second", "round trips per server CPU-second"),
    ):
        r = key["ipython_bg"] / key[base]
        context = key["plain ipython"] / key[base]
        figure(
            label,
            f"{r:.3f}x asyncio.run in {unit} ({key['ipython_bg']:,.0f} vs {key[base]:,.0f}); "
            f"a plain ipython prompt (%gui asyncio, no extension) {context:.3f}x",
            f">= {GOAL}",
            r >= GOAL,
            details,
        )


if __name__ == "__main__":
    main()
