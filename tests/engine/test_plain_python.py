"""The API without IPython (ipython_bg/api.py): run_in_background and
run_in_foreground in a plain Python script, from start to exit."""

import subprocess
import sys
import textwrap

from tests.harness.programs import ECHO_DEMO


def test_plain_python_seed_demo():
    """Nick Coghlan's demo, in plain Python with the module-level functions."""
    script = ECHO_DEMO + textwrap.dedent(
        """
        from ipython_bg import run_in_background, run_in_foreground

        server = run_in_foreground(asyncio.start_server(handle_tcp_echo, "127.0.0.1"))
        port = server.sockets[0].getsockname()[1]
        server2 = run_in_foreground(asyncio.start_server(handle_tcp_echo, "127.0.0.1"))
        port2 = server2.sockets[0].getsockname()[1]
        echo1 = run_in_background(tcp_echo_client("Hello World!", port))
        echo2 = run_in_background(tcp_echo_client("Hello World!", port2))
        run_in_foreground(asyncio.wait([echo1, echo2]))
        blocking = run_in_background(lambda: "from a thread")
        print(echo1.result(), echo2.result(), run_in_foreground(blocking), blocking.kind.value)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Hello World! Hello World! from a thread thread"
    assert "IPython" not in out.stderr


def test_exit_does_not_wait_for_a_stuck_thread_job():
    script = (
        "import time\n"
        "from ipython_bg import run_in_background\n"
        "run_in_background(lambda: time.sleep(60))\n"
        "print('leaving')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20)
    assert out.stdout.strip() == "leaving" and out.returncode == 0


PLAIN_SCRIPT = """
import asyncio
from ipython_bg import run_in_background, run_in_foreground

async def boom():
    raise ValueError("caught by me")

async def slow():
    try:
        await asyncio.sleep(100)
    finally:
        print("finally ran")

job = run_in_background(boom())
try:
    run_in_foreground(job)
except ValueError as exc:
    print("caught", exc)
run_in_background(slow())
early = run_in_background(asyncio.sleep(0, "early"))

async def main():
    try:
        return await early
    except RuntimeError as exc:
        return str(exc)

print(asyncio.run(main()))
run_in_foreground(asyncio.sleep(0.01))
print("end")
"""


def test_plain_python_script_ends_cleanly():
    """A caught failure is not printed again; a job still pending at the
    end runs its finally block, with no asyncio warning; a job awaited on
    another loop says what to do."""
    out = subprocess.run(
        [sys.executable, "-W", "default", "-c", PLAIN_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "caught caught by me"
    assert "runs on another event loop" in lines[1] and "inside the coroutine that asyncio.run() runs" in lines[1]
    assert lines[2:] == ["end", "finally ran"]
    assert out.stderr == ""
