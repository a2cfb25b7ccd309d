"""An interrupt in a kernel that loads the extension from its command
line, as a profile's ``c.InteractiveShellApp.extensions`` would: Jupyter's
usual error block, and a reply that names the KeyboardInterrupt."""

import time

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from tests.harness.kernel import Kernel  # noqa: E402


@pytest.fixture(scope="module")
def kernel():
    kernel = Kernel(extra_arguments=["--ext", "ipython_bg"])
    yield kernel
    kernel.close()


def interrupted(kernel, code):
    msg_id = kernel.start("print('go', flush=True)\n" + code)
    kernel.started(msg_id, "go")
    time.sleep(0.2)
    kernel.manager.interrupt_kernel()
    return kernel.finish(msg_id)


def check_interrupt(cell, not_in=()):
    assert cell.reply["status"] == "error"
    assert cell.reply["ename"] == "KeyboardInterrupt", cell.reply
    errors = cell.messages("error")
    assert [error["content"]["ename"] for error in errors] == ["KeyboardInterrupt"]
    traceback = "\n".join(cell.reply["traceback"])
    assert "KeyboardInterrupt" in traceback and "CancelledError" not in traceback
    for text in not_in:
        assert text not in traceback
    assert "KeyboardInterrupt" not in cell.stdout  # the error block says it, once


def test_interrupt_of_the_very_first_cell(kernel):
    check_interrupt(interrupted(kernel, "%fg __import__('asyncio').sleep(30)"))


def test_interrupt_after_a_failed_await_cell(kernel):
    failed = kernel.execute("import asyncio\nasync def fail():\n    raise ValueError('earlier')\nawait fail()")
    assert failed.reply["ename"] == "ValueError"
    check_interrupt(interrupted(kernel, "await asyncio.sleep(30)"), not_in=["earlier", "ValueError"])
    check_interrupt(interrupted(kernel, "%fg asyncio.sleep(30)"), not_in=["earlier", "ValueError"])
    assert kernel.value("1 + 1") == "2"


# A coroutine job that computes without awaiting: it holds the kernel's loop.
HOG = """\
import time
async def hog(seconds):
    await asyncio.sleep(0)
    open('holding', 'w').close()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
"""


def _holding(kernel, tmp_path, code):
    """Start ``code`` (a cell that makes ``hog`` hold the loop); returns its
    msg_id once the loop is held."""
    kernel.execute(f"import os, asyncio\nos.chdir({str(tmp_path)!r})\n" + HOG)
    msg_id = kernel.start(code)
    deadline = time.monotonic() + 20
    while not (tmp_path / "holding").exists():
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.02)
    time.sleep(0.3)  # held for longer than a loop step
    return msg_id


def test_an_interrupt_frees_a_loop_a_background_job_holds(kernel, tmp_path):
    msg_id = _holding(kernel, tmp_path, "%bg asyncio.sleep(2)\n%bg hog(60)")
    kernel.finish(msg_id)
    kernel.manager.interrupt_kernel()
    # The kernel answers again (it could not while the job held its loop),
    # the other job is untouched, and the job that held it failed.
    assert kernel.value("6 * 7") == "42"
    table = kernel.execute("%jobs").result
    held, other = [line for line in table.splitlines() if "hog(60)" in line], table.splitlines()[0]
    assert "failed" in held[0] and "JobInterrupted: the kernel interrupt stopped it" in held[0]
    assert "asyncio.sleep(2)" in other and "failed" not in other
    deadline = time.monotonic() + 20
    while "running" in kernel.execute("%jobs").result:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "done" in kernel.execute("%jobs").result.splitlines()[0]


def test_an_interrupt_in_fg_fails_the_job_that_holds_the_loop(kernel, tmp_path):
    msg_id = _holding(kernel, tmp_path, "%fg hog(60)")
    kernel.manager.interrupt_kernel()
    cell = kernel.finish(msg_id)
    assert cell.reply["ename"] == "JobInterrupted", cell.reply
    assert "Traceback" not in cell.stdout
    assert kernel.value("6 * 7") == "42"


def test_an_interrupt_still_stops_a_synchronous_cell(kernel):
    cell = interrupted(kernel, "import time\ntime.sleep(30)")
    assert cell.reply["ename"] == "KeyboardInterrupt", cell.reply
    assert kernel.value("1 + 1") == "2"
