"""A kernel interrupt and the SIGINT handlers of a job's libraries (issue 25,
item 7), through a real kernel: uvicorn, serving in a job, installs its own
SIGINT handler; the interrupt still frees a loop another job holds, and the
server keeps serving.  And unloading puts back the kernel's own handlers."""

import socket
import time
import urllib.request

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from tests.harness.kernel import Kernel  # noqa: E402



def wait_until(condition, timeout=20.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} never came"
        time.sleep(0.05)


SERVER = """\
import asyncio, os, time, uvicorn
async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    await send({{'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'text/plain')]}})
    await send({{'type': 'http.response.body', 'body': b'still serving'}})
server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port={port}, log_level='warning', lifespan='off'))
async def hog(seconds):
    await asyncio.sleep(0)
    open('holding', 'w').close()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    return 'hog finished'
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> str | None:
    """The body ``url`` answers with, or None if nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode()
    except OSError:
        return None


def test_an_interrupt_frees_the_loop_while_uvicorn_serves_in_a_job(tmp_path):
    pytest.importorskip("uvicorn")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    kernel = Kernel(extra_arguments=["--ext", "ipython_bg"])
    try:
        assert kernel.execute(f"import os\nos.chdir({str(tmp_path)!r})\n" + SERVER.format(port=port)).ok
        kernel.execute("%bg server.serve()")  # uvicorn takes SIGINT as it starts, in the main thread
        wait_until(lambda: get(url) == "still serving", what="the server")
        kernel.execute("%bg hog(15)")
        wait_until(lambda: (tmp_path / "holding").exists(), what="the hog")
        time.sleep(0.3)  # held for longer than a loop step
        kernel.manager.interrupt_kernel()
        assert kernel.value("6 * 7") == "42"
        table = kernel.execute("%jobs").result
        hog_row = next(line for line in table.splitlines() if "hog(15)" in line)
        server_row = next(line for line in table.splitlines() if "server.serve()" in line)
        # On main uvicorn's handler took the interrupt: the hog ran its 15 s
        # and ended "done", and the server shut down.
        assert "failed" in hog_row and "JobInterrupted" in hog_row, table
        assert "running" in server_row, table
        assert get(url) == "still serving"
        # A cell is still the interrupt's, not uvicorn's.
        msg_id = kernel.start("print('go', flush=True)\ntime.sleep(30)")
        kernel.started(msg_id, "go")
        kernel.manager.interrupt_kernel()
        reply = kernel.finish(msg_id).reply
        assert reply["ename"] == "KeyboardInterrupt"
        assert "ipython_bg" not in "\n".join(reply["traceback"])  # the user's frames only
        assert get(url) == "still serving"
    finally:
        kernel.close()


HANDLERS = (
    "import signal\n"
    "(signal.signal, signal.getsignal, signal.getsignal(signal.SIGTSTP), get_ipython().kernel.saved_sigint_handler)"
)


def test_unloading_puts_back_the_kernels_own_handlers():
    kernel = Kernel()
    try:
        before = kernel.value(HANDLERS)
        assert "SIG_IGN" in before  # ipykernel's handler between messages
        assert kernel.execute("%load_ext ipython_bg").ok
        assert kernel.execute("import asyncio\n%bg asyncio.sleep(0.1)\n%fg").ok
        assert kernel.execute("%unload_ext ipython_bg").ok
        assert kernel.value(HANDLERS) == before
    finally:
        kernel.close()
