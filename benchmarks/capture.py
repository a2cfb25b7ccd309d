"""Output capture: a job printing 100,000 short lines, with the extension
keeping them, vs the same loop without the extension.

Terminal: two real ``ipython`` in ptys (TERM=dumb), one with the extension
and one without, taking turns.  With it, ``%fg loud(N)`` runs the loop as a
thread job (every line goes through the extension's stream proxy into the
job's bounded output, and on to the terminal); without it, a cell runs the
same loop in a ``threading.Thread`` and joins it.  Kernel: two real kernels
(jupyter_client), the same two cells, every iopub message drained.  The
figure is the loop's own time (``time.perf_counter`` inside it) without
the extension divided by with it: 1.0 is free, higher is better.  The
kept output's size is checked against ``output_limit`` at the end.
"""

from __future__ import annotations

import queue
import re

from tests.harness.terminal import Terminal

from ._common import figure, median

GOAL = 0.9
LINES = 100_000

DEFINE = """
import sys, threading, time
took, cpu, kept = [], [], [0]
def loud(n):
    started, started_cpu = time.perf_counter(), time.thread_time()
    for i in range(n):
        print('line', i)
    took.append(time.perf_counter() - started)
    cpu.append(time.thread_time() - started_cpu)
    capture = sys.modules.get('ipython_bg.model.output')
    output = capture.current_output() if capture is not None else None
    kept.append(output.size if output is not None else 0)
def plain(n):
    thread = threading.Thread(target=loud, args=(n,))
    thread.start()
    thread.join()
"""


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"[\d.e-]+", text)]


def _terminal(rounds: int, lines: int):
    with_ext = without = None
    try:
        with_ext, without = Terminal.several({"extension": True, "startup": DEFINE}, {"extension": False, "startup": DEFINE})
        for turn in range(rounds):
            # Taking turns in both orders: neither always runs on a warmer machine.
            pair = [(with_ext, f"%fg loud({lines})"), (without, f"plain({lines})")]
            for term, line in pair[:: 1 if turn % 2 else -1]:
                term.run(line)
        kept = int(with_ext.value("max(kept)"))
        ours = [_numbers(with_ext.value(name)) for name in ("took", "cpu")]
        theirs = [_numbers(without.value(name)) for name in ("took", "cpu")]
    finally:
        for term in (with_ext, without):
            if term is not None:
                term.kill()
    return ours, theirs, kept


def _kernel(rounds: int, lines: int):
    from jupyter_client.manager import start_new_kernel

    kernels = [start_new_kernel(kernel_name="python3") for _ in range(2)]
    try:
        (_, ours), (_, theirs) = kernels
        _run(ours, "%load_ext ipython_bg\n" + DEFINE)
        _run(theirs, DEFINE)
        for turn in range(rounds):
            pair = [(ours, f"%fg loud({lines})"), (theirs, f"plain({lines})")]
            for client, code in pair[:: 1 if turn % 2 else -1]:
                _run(client, code)
        return [_value(ours, name) for name in ("took", "cpu")], [_value(theirs, name) for name in ("took", "cpu")]
    finally:
        for manager, client in kernels:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


def _run(client, code: str) -> list[dict]:
    """Execute, and drain iopub until the kernel is idle for this cell."""
    msg_id = client.execute(code)
    messages = []
    while True:
        try:
            message = client.get_iopub_msg(timeout=120)
        except queue.Empty:
            raise TimeoutError(f"no end of cell {code!r}") from None
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages


def _value(client, expression: str) -> list[float]:
    for message in _run(client, f"print({expression})"):
        if message["msg_type"] == "stream":
            return _numbers(message["content"]["text"])
    raise RuntimeError(f"no value of {expression}")


def _report(where: str, lines: int, ours, theirs, extra: str = "") -> None:
    # Paired: the machine's speed drifts more between rounds than within one.
    (wall, cpu), (wall0, cpu0) = ours, theirs
    speed = median([base / kept for kept, base in zip(wall, wall0)])
    cpu_speed = median([base / kept for kept, base in zip(cpu, cpu0)])
    figure(
        f"capture, {where}",
        f"a thread job printing {lines} lines, its output kept, runs {speed:.2f}x as fast "
        f"({median(wall):.2f} s) as the same loop without the extension ({median(wall0):.2f} s); "
        f"{cpu_speed:.2f}x in the loop's CPU time",
        f">= {GOAL}x",
        speed >= GOAL,
        f"median of {len(wall)} paired rounds{extra}",
    )


def main(quick: bool = False) -> None:
    rounds = 2 if quick else 7
    lines = LINES // 4 if quick else LINES
    ours, theirs, kept = _terminal(rounds, lines)
    _report("terminal", lines, ours, theirs, f"; largest kept output {kept} characters (output_limit 100000)")
    ours, theirs = _kernel(rounds, lines)
    _report("kernel", lines, ours, theirs)


if __name__ == "__main__":
    main()
