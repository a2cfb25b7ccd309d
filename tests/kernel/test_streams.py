"""The standard streams in a real kernel (issue 25, item 2): a logging
handler made in one cell, used by a job later, writes into the cell that
started the job, whatever cell runs then."""

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from tests.harness.kernel import Kernel  # noqa: E402


SETUP = """\
%load_ext ipython_bg
import asyncio, logging, sys, time
logging.basicConfig(format='LOG %(message)s', level=logging.INFO, force=True)
kept_stderr = sys.stderr

async def log_later(text):
    await asyncio.sleep(0.3)
    logging.info(text)

def write_later(text):
    time.sleep(0.3)
    kept_stderr.write(text + '\\n')
    kept_stderr.flush()
"""


def stderr_of(cell) -> str:
    return "".join(m["content"]["text"] for m in cell.messages("stream") if m["content"]["name"] == "stderr")


@pytest.fixture(scope="module")
def kernel():
    kernel = Kernel()
    cell = kernel.execute(SETUP)
    assert cell.ok, cell.reply
    yield kernel
    kernel.close()


@pytest.mark.parametrize("line", ["log_later('from a coroutine job')", "write_later('from a thread job')"])
def test_a_handler_made_in_an_earlier_cell_writes_into_the_jobs_cell(kernel, line):
    text = line.split("'")[1]
    started = kernel.execute(f"%bg {line}")
    later = kernel.execute("await asyncio.sleep(0.8)")  # another cell runs as the job writes
    kernel.wait_for(lambda: text in stderr_of(started))
    assert text not in stderr_of(later)
    assert text in kernel.value("get_ipython().run_line_magic('jobs', '-o %+').text()")
