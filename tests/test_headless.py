"""Headless runs (nbclient, papermill): ``%fg all`` waits for every
unfinished job, as bash's ``wait`` does; a kernel shutting down with jobs
unfinished says which it cancelled."""

import nbformat
import pytest
from helpers import run
from nbclient import NotebookClient

LATE = "import asyncio\nasync def late(n):\n    await asyncio.sleep(0.5)\n    print('late', n)\n    return n\n"


@pytest.mark.unit
def test_fg_all_waits_for_every_unfinished_job_and_returns_nothing(shell, capsys):
    run(shell, LATE)
    run(shell, "%bg late(1)")
    run(shell, "%bg late(2)")
    run(shell, "%bg time.sleep(0.3)")
    run(shell, "%bg --every 60 asyncio.sleep(0)")
    assert run(shell, "%fg all") is None
    out = capsys.readouterr().out
    assert "late 1" in out and "late 2" in out
    assert "not waiting for periodic jobs" in out and "[4]" in out
    table = shell.magics_manager.registry["BackgroundJobs"].session.control.table
    assert [job.state.value for job in table][:3] == ["done", "done", "done"]
    assert run(shell, "%jobs -k 4") is None and run(shell, "%fg all") is None  # nothing left: at once


@pytest.mark.unit
def test_fg_all_raises_the_first_failure_once_all_have_ended(shell):
    run(shell, LATE + "async def bad():\n    await asyncio.sleep(0.1)\n    raise ValueError('bad')\n")
    run(shell, "%bg late(1)")
    run(shell, "%bg bad()")
    result = shell.run_cell("%fg all")
    assert isinstance(result.error_in_exec, ValueError)
    table = shell.magics_manager.registry["BackgroundJobs"].session.control.table
    assert all(job.done() for job in table)


def _notebook(*cells):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])


@pytest.mark.kernel
def test_a_kernel_shutting_down_with_unfinished_jobs_says_which_it_cancelled(tmp_path, capfd):
    notebook = _notebook("%load_ext ipython_bg", "import asyncio\n%bg asyncio.sleep(600)")
    NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    err = capfd.readouterr().err
    assert "the kernel is shutting down; 1 unfinished job cancelled: [1] asyncio.sleep(600)" in err, err
@pytest.mark.kernel
def test_a_headless_run_ending_with_fg_all_keeps_what_the_jobs_printed(tmp_path):
    notebook = _notebook("%load_ext ipython_bg", LATE, "%bg late(1)\n%bg late(2)", "%fg all")
    NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []) if output.output_type == "stream"
    )
    assert "late 1" in printed and "late 2" in printed, printed


