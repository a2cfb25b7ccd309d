"""An interrupt in a kernel that loads the extension from its command
line, as a profile's ``c.InteractiveShellApp.extensions`` would: Jupyter's
usual error block, and a reply that names the KeyboardInterrupt."""

import time

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from kernel import Kernel  # noqa: E402


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
