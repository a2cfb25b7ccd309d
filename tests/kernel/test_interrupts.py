"""Kernel interrupts: one cancels the foreground job only, frees a loop a
job holds, still stops a plain cell; in a kernel that loads the extension
from its command line (as a profile's ``c.InteractiveShellApp.extensions``
would) Jupyter's usual error block, and a reply that names the
KeyboardInterrupt."""

import re
import time

import pytest

from tests.harness.kernel import Kernel


@pytest.fixture
def ext_kernel():
    """A kernel that loads the extension from its command line, nothing run yet."""
    kernel = Kernel(extra_arguments=["--ext", "ipython_bg"])
    yield kernel
    kernel.close()


#: ``nap()`` says "go" once it runs, then sleeps: an interrupt sent after
#: the "go" lands in the wait, not before it.
NAP = "import asyncio\nasync def nap():\n    print('go', flush=True)\n    await asyncio.sleep(30)\n"


def interrupted(kernel, code):
    """Run ``code``, which prints "go" from inside what is to be interrupted;
    interrupt the kernel then; the cell."""
    msg_id = kernel.start(code)
    kernel.started(msg_id, "go")
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


def test_interrupt_of_the_very_first_cell(ext_kernel):
    check_interrupt(interrupted(ext_kernel, NAP + "%fg nap()"))


def test_interrupt_after_a_failed_await_cell(ext_kernel):
    failed = ext_kernel.execute(NAP + "async def fail():\n    raise ValueError('earlier')\nawait fail()")
    assert failed.reply["ename"] == "ValueError"
    check_interrupt(interrupted(ext_kernel, "await nap()"), not_in=["earlier", "ValueError"])
    check_interrupt(interrupted(ext_kernel, "%fg nap()"), not_in=["earlier", "ValueError"])
    assert ext_kernel.value("1 + 1") == "2"


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


def test_an_interrupt_frees_a_loop_a_background_job_holds(ext_kernel, tmp_path):
    kernel = ext_kernel
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


def test_an_interrupt_in_fg_fails_the_job_that_holds_the_loop(ext_kernel, tmp_path):
    kernel = ext_kernel
    msg_id = _holding(kernel, tmp_path, "%fg hog(60)")
    kernel.manager.interrupt_kernel()
    cell = kernel.finish(msg_id)
    assert cell.reply["ename"] == "JobInterrupted", cell.reply
    assert "Traceback" not in cell.stdout
    assert kernel.value("6 * 7") == "42"


def test_an_interrupt_still_stops_a_synchronous_cell(ext_kernel):
    cell = interrupted(ext_kernel, "import time\nprint('go', flush=True)\ntime.sleep(30)")
    assert cell.reply["ename"] == "KeyboardInterrupt", cell.reply
    assert ext_kernel.value("1 + 1") == "2"


@pytest.mark.smoke
def test_interrupt_cancels_only_the_foreground_job(kernel):
    kernel.execute("b = %bg busy()")
    for attempt in range(3):
        before = int(kernel.value("progress['busy']"))
        msg_id = kernel.start(f"%fg guarded('fg{attempt}')")
        kernel.wait_for(
            lambda: any(
                m["msg_type"] == "stream" and f"fg{attempt}-start" in m["content"]["text"] for m in kernel.messages
            )
        )
        kernel.manager.interrupt_kernel()
        cell = kernel.finish(msg_id)
        assert f"fg{attempt}-finally" in cell.stdout
        assert cell.reply["ename"] == "KeyboardInterrupt" and "KeyboardInterrupt" not in cell.stdout
        assert kernel.value("b.done()") == "False"
        time.sleep(0.1)
        assert int(kernel.value("progress['busy']")) > before
    kernel.execute("%jobs -k %busy")


def test_interrupted_fg_of_a_thread_call_leaves_it_in_the_table(kernel):
    msg_id = kernel.start("%fg nap_in_thread(1.5, say='napping')")
    kernel.started(msg_id, "napping")  # the thread runs the call: %fg waits for it
    kernel.manager.interrupt_kernel()
    cell = kernel.finish(msg_id)
    assert cell.reply["ename"] == "KeyboardInterrupt", cell.reply
    assert re.search(r"running\s+thread\s+\S+\s+nap_in_thread\(1\.5, say='napping'\)", kernel.value("%jobs"))
    # Its end is reported like any background job's.
    kernel.wait_for(lambda: "done  thread  nap_in_thread(1.5, say='napping')" in cell.stdout, timeout=10)
