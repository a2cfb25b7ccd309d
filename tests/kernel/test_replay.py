"""A job's output replayed where the UI lost it (%jobs -o), in a real kernel;
progress in the notebook table."""

import pytest

#: Jobs that display late, and one that reports its progress halfway.
LATE_DISPLAYS = """
from IPython.display import HTML, display
import ipython_bg

def show_later(html, delay):
    time.sleep(delay)
    display(HTML(html))

async def halfway():
    ipython_bg.progress(5, 10)
    await asyncio.sleep(30)
"""


@pytest.fixture
def kernel(kernel):
    """The tier's kernel, with LATE_DISPLAYS defined."""
    cell = kernel.execute(LATE_DISPLAYS)
    assert cell.ok, cell.reply
    return kernel


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
    kernel.execute("await asyncio.sleep(0.5)\n%fg shown")  # ended after its cell, as it would
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


def test_a_process_job_prints_in_its_cell_and_keeps_it(kernel):
    kernel.execute("def child_speaks():\n    time.sleep(0.3)\n    print('from the child')\n    ipython_bg.progress(1, 2)")
    start = kernel.execute("child = %bg --process child_speaks()")
    kernel.wait_for(lambda: "from the child" in start.stdout)
    kernel.execute("%fg child")
    assert kernel.value("child.output.text(), child.output.progress") == "('from the child\\n', (1, 2, ''))"
