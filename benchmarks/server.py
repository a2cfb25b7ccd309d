"""Server under the prompt: an echo server run from an idle terminal prompt
with ipython_bg, against the same server under plain IPython's own
``%gui asyncio`` prompt, measured in the same run.

In a real terminal ``ipython --ext ipython_bg`` (pty, TERM=dumb)::

    from benchmarks.echo import handle_echo
    server = %fg asyncio.start_server(handle_echo, '127.0.0.1', 0)
    serving = %bg server.serve_forever()

and nothing more is typed: the server runs under the idle prompt.  The
baseline is a plain terminal ipython (no extension) serving the same
handler with ``server = await asyncio.start_server(...)`` then ``%gui
asyncio``: what the extension adds to a loop run at the prompt, and only
that, is the difference.  A client process (``python -m benchmarks.echo
clients``, one for all turns) does echo round trips of 64 bytes over 4
connections for a fixed time (bounded in round trips too); the servers take
turns, in alternating order.  Every server and the client have a session
(so a scheduler autogroup) of their own.

Per turn: round trips per CPU-second of the server process (all its
threads, from /proc, over the client's whole run), and per wall second (as
the client measured; on 2 cores the client competes with the server, so
this mostly measures the client).  The figure is the median over many turns
of the ratio within each turn (the servers run back to back), which cancels
slow drifts in the rest of the machine's load; the goal is at least 0.97x
plain IPython's prompt per server CPU-second.

Two more servers take their turns, to tell where a gap comes from: the
extension with its selector watch taken out (hosts/loop_watch.py: the one
piece of it that runs at every loop iteration, for the frozen-prompt
watchdog), whose ratio to the full extension is the watch's cost; and the
same handler under plain ``asyncio.run``, with no prompt at all.

Where uvloop is installed, a terminal ``ipython --ext ipython_bg
--BackgroundJobs.loop=uvloop`` serves the same way, and ``uvloop.run``
takes turns too.  Two more figures: the uvloop prompt against the
stock-asyncio ``asyncio.run`` per server CPU-second, the point of the
option (goal 1.3x), and against ``uvloop.run`` (goal 0.97x); otherwise they
say "skipped: uvloop not installed".
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
GOAL = 0.97  # against plain IPython's %gui asyncio prompt
WATCH_GOAL = 0.99  # the extension against itself with the selector watch taken out
UVLOOP_GOAL = 1.3  # against stock asyncio.run

EXTENSION, NO_WATCH, PLAIN, RUN = "ipython_bg", "ipython_bg, watch taken out", "plain ipython", "asyncio.run"

# Run in a terminal to take the selector watch out of its loop (the
# watchdog's uninstall; the extension's unload does it again harmlessly).
TAKE_WATCH_OUT = "get_ipython().magics_manager.registry['BackgroundJobs'].session.host.watchdog.uninstall()"


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


def _serve_from_prompt(term: Terminal, extension: bool, watch: bool = True) -> int:
    """Start the echo server in ``term``; return its port."""
    term.send("import asyncio")
    term.send("from benchmarks.echo import handle_echo")
    if extension:
        if not watch:
            term.send(TAKE_WATCH_OUT)
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


class Servers:
    """Every server of a run: (name, pid, port), the terminals and plain
    processes behind them, closed together."""

    def __init__(self):
        self.terms: list[Terminal] = []
        self.plain: list[subprocess.Popen] = []
        self.all: list[tuple[str, int, int]] = []

    def start(self, uvloop: bool) -> None:
        kinds = [(EXTENSION, True, True), (NO_WATCH, True, False), (PLAIN, False, True)]
        specs = [{"extension": extension} for _, extension, _ in kinds]
        if uvloop:
            specs.append({"extension": True, "args": ["--BackgroundJobs.loop=uvloop"]})
        self.terms = Terminal.several(*specs)
        for (name, extension, watch), term in zip(kinds, self.terms):
            self.all.append((name, term.pid, _serve_from_prompt(term, extension, watch)))
        loops = ["asyncio"]
        if uvloop:
            term = self.terms[-1]
            self.all.append(("ipython_bg on uvloop", term.pid, _serve_from_prompt(term, extension=True)))
            kind = term.value("type(server.get_loop()).__module__")
            if not kind.startswith("uvloop"):
                raise RuntimeError(f"--BackgroundJobs.loop=uvloop gave a loop from {kind}, not uvloop")
            loops.append("uvloop")
        for loop in loops:
            proc, port = _serve_plainly(loop)
            self.plain.append(proc)
            self.all.append((f"{loop}.run", proc.pid, port))

    def check_still_serving(self) -> None:
        # Still serving, and from the idle prompt: the job is running.
        state = self.terms[0].value("serving.state.value")
        if state != "running":
            raise RuntimeError(f"the %bg serve_forever job is {state}, not running")

    def close(self) -> None:
        for proc in self.plain:
            stop_process(proc)
        for term in self.terms:
            term.kill()


def _take_turns(servers: Servers, turns: int, duration: float) -> tuple[dict, str]:
    """Per server, ``(per wall second, per server CPU-second)`` of each turn;
    and the client's loop."""
    max_trips = 2_000_000
    client = Client()
    try:
        for _, _, port in servers.all:  # a short warm-up of each, untimed
            client.run(port, 0.2, max_trips)
        runs = {name: [] for name, _, _ in servers.all}
        client_loop = "asyncio"
        for turn in range(turns):
            for name, pid, port in (servers.all if turn % 2 == 0 else servers.all[::-1]):
                per_wall, per_cpu, client_loop = _turn(client, pid, port, duration, max_trips)
                runs[name].append((per_wall, per_cpu))
    finally:
        client.close()
    return runs, client_loop


def main(quick: bool = False) -> None:
    # Many short turns rather than a few long ones: a burst of other load
    # on the machine then spoils only a turn or two, which the median drops.
    duration = 0.3 if quick else 0.5
    turns = 5 if quick else 21
    uvloop = _has_uvloop()
    servers = Servers()
    try:
        servers.start(uvloop)
        runs, client_loop = _take_turns(servers, turns, duration)
        servers.check_still_serving()
    finally:
        servers.close()
    setting = (
        f"turns of {duration:g} s, {CONNECTIONS} connections, client on {client_loop}"
        + ("" if client_loop == "uvloop" else " (uvloop not installed)")
    )
    report = Report(runs, turns, setting)
    report.against_plain_ipython()
    if uvloop:
        report.uvloop()
    else:
        print("server under the prompt with BackgroundJobs.loop = 'uvloop': skipped: uvloop not installed", flush=True)


class Report:
    """The figures of one run: ratios within each turn, then their median."""

    def __init__(self, runs: dict, turns: int, setting: str):
        self.runs, self.turns, self.setting = runs, turns, setting

    def paired(self, name: str, base: str, index: int) -> list[float]:
        # Ratios within each turn (the servers ran back to back), then the
        # median: slow drifts in the machine's other load cancel out.
        return sorted(mine[index] / theirs[index] for mine, theirs in zip(self.runs[name], self.runs[base]))

    def spread(self, ratios: list[float]) -> str:
        low, _, high = statistics.quantiles(ratios, n=4)
        return f"median of {self.turns} per-turn ratios, quartiles {low:.2f}-{high:.2f}"

    def ratio(self, name: str, base: str, index: int = 1) -> float:
        return median(self.paired(name, base, index))

    def against_plain_ipython(self) -> None:
        cpu = self.paired(EXTENSION, PLAIN, 1)
        figure(
            "server under the prompt, per server CPU-second",
            f"{median(cpu):.3f}x plain ipython's %gui asyncio prompt "
            f"({median(x[1] for x in self.runs[EXTENSION]):,.0f} vs {median(x[1] for x in self.runs[PLAIN]):,.0f} "
            f"round trips per server CPU-second); per second {self.ratio(EXTENSION, PLAIN, 0):.3f}x; "
            f"against asyncio.run: ipython_bg {self.ratio(EXTENSION, RUN):.3f}x, "
            f"plain ipython {self.ratio(PLAIN, RUN):.3f}x",
            f">= {GOAL}",
            median(cpu) >= GOAL,
            f"{self.spread(cpu)}; {self.setting}",
        )
        watch = self.paired(EXTENSION, NO_WATCH, 1)
        figure(
            "the selector watch's cost, per server CPU-second",
            f"{median(watch):.3f}x the same extension with the watch taken out; "
            f"that one {self.ratio(NO_WATCH, PLAIN):.3f}x plain ipython's prompt",
            f">= {WATCH_GOAL}",
            median(watch) >= WATCH_GOAL,
            f"{self.spread(watch)}; {self.setting}",
        )

    def uvloop(self) -> None:
        # What uvloop is for: against the stock-asyncio baseline, per server
        # CPU-second (on 2 cores the client competes with the server, so the
        # wall-clock figure mostly measures the client).
        name = "ipython_bg on uvloop"
        cpu = self.paired(name, RUN, 1)
        figure(
            "server under the prompt with BackgroundJobs.loop = 'uvloop'",
            f"{median(cpu):.3f}x asyncio.run in round trips per server CPU-second "
            f"({self.ratio(name, RUN, 0):.3f}x per second); plain uvloop.run {self.ratio('uvloop.run', RUN):.3f}x",
            f">= {UVLOOP_GOAL}",
            median(cpu) >= UVLOOP_GOAL,
            f"per CPU-second: {self.spread(cpu)}; {self.setting}",
        )
        wall = self.paired(name, "uvloop.run", 0)
        cpu = self.paired(name, "uvloop.run", 1)
        figure(
            "server under the prompt on uvloop, against uvloop.run",
            f"{median(wall):.3f}x uvloop.run in round trips per second, "
            f"{median(cpu):.3f}x in round trips per server CPU-second",
            f">= {GOAL}",
            min(median(wall), median(cpu)) >= GOAL,
            f"per second: {self.spread(wall)}; per CPU-second: {self.spread(cpu)}; {self.setting}",
        )


if __name__ == "__main__":
    main()
