"""A job's output replayed where the UI lost it: in a real kernel
(jupyter_client) and in a notebook executed by nbclient, which drops output
that arrives after its cell finished."""

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from tests.harness.programs import SPEAK_LATER  # noqa: E402
from tests.harness.kernel import Kernel  # noqa: E402

SETUP = "%load_ext ipython_bg\n" + SPEAK_LATER + """
import asyncio, time
from IPython.display import HTML, display
import ipython_bg

def show_later(html, delay):
    time.sleep(delay)
    display(HTML(html))

async def halfway():
    ipython_bg.progress(5, 10)
    await asyncio.sleep(30)
"""


@pytest.fixture(scope="module")
def kernel():
    kernel = Kernel()
    cell = kernel.execute(SETUP)
    assert cell.ok, cell.reply
    yield kernel
    kernel.close()


def job_id(kernel, name):
    return int(kernel.value(f"{name}.id"))


def test_a_late_print_is_shown_again_by_jobs_o(kernel):
    kernel.execute("late = %bg speak_later('said late', 0.3)")
    kernel.execute("await asyncio.sleep(0.6)")
    cell = kernel.execute(f"%jobs -o {job_id(kernel, 'late')}")
    assert cell.ok, cell.reply
    assert "said late" in cell.stdout


def test_displays_are_kept_as_bundles_and_shown_again(kernel):
    kernel.execute("shown = %bg show_later('<b>kept bold</b>', 0.2)")
    kernel.execute("await asyncio.sleep(0.5)")
    cell = kernel.execute(f"%jobs -o {job_id(kernel, 'shown')}")
    assert any("<b>kept bold</b>" in html for html in cell.data("text/html"))


def test_a_quiet_job_shows_nothing_in_its_cell_but_its_notice(kernel):
    start = kernel.execute("hushed = %bg --quiet speak_later('not shown', 0.1)")
    kernel.execute("await asyncio.sleep(0.4)")
    kernel.wait_for(lambda: "done  coroutine" in start.stdout)
    assert "not shown" not in start.stdout.replace("speak_later('not shown'", "")
    assert "not shown" in kernel.execute(f"%jobs -o {job_id(kernel, 'hushed')}").stdout


def test_the_notebook_table_shows_a_progress_bar(kernel):
    kernel.execute("half = %bg halfway()")
    kernel.execute("await asyncio.sleep(0.1)")
    cell = kernel.execute(f"%jobs {job_id(kernel, 'half')}")
    html = cell.data("text/html")[0]
    assert '<progress value="0.500" max="1"></progress> 5/10' in html
    kernel.execute("%jobs -k all")


def test_nbclient_drops_a_late_print_and_jobs_o_brings_it_back(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "%load_ext ipython_bg\nimport asyncio\n"
            "async def later():\n    await asyncio.sleep(0.5)\n    print('the late line')\n"
            "%bg later()"
        ),
        nbformat.v4.new_code_cell("await asyncio.sleep(1.0)"),
        nbformat.v4.new_code_cell("%jobs -o 1"),
    ]
    nbclient.NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()

    def text(cell):
        return "".join(output.get("text", "") for output in cell.outputs)

    assert "the late line" not in text(notebook.cells[0]) + text(notebook.cells[1])
    assert "the late line" in text(notebook.cells[2])


def test_a_process_job_prints_in_its_cell_and_keeps_it(kernel):
    kernel.execute("def child_speaks():\n    time.sleep(0.3)\n    print('from the child')\n    ipython_bg.progress(1, 2)")
    start = kernel.execute("child = %bg --process child_speaks()")
    kernel.execute("await asyncio.sleep(1.0)")
    kernel.wait_for(lambda: "from the child" in start.stdout)
    assert kernel.value("child.output.text(), child.output.progress") == "('from the child\\n', (1, 2, ''))"
