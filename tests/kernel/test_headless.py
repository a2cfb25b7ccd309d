"""Headless runs (nbclient, papermill): a notebook ending with ``%fg all``
keeps what its jobs printed; a kernel shutting down with jobs unfinished
says which it cancelled."""

import nbformat
from nbclient import NotebookClient

LATE = "import asyncio\nasync def late(n):\n    await asyncio.sleep(0.5)\n    print('late', n)\n    return n\n"


def _notebook(*cells):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])


def test_a_kernel_shutting_down_with_unfinished_jobs_says_which_it_cancelled(tmp_path, capfd):
    notebook = _notebook("%load_ext ipython_bg", "import asyncio\n%bg asyncio.sleep(600)")
    NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    err = capfd.readouterr().err
    assert "the kernel is shutting down; 1 unfinished job cancelled: [1] asyncio.sleep(600)" in err, err
def test_a_headless_run_ending_with_fg_all_keeps_what_the_jobs_printed(tmp_path):
    notebook = _notebook("%load_ext ipython_bg", LATE, "%bg late(1)\n%bg late(2)", "%fg all")
    NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []) if output.output_type == "stream"
    )
    assert "late 1" in printed and "late 2" in printed, printed
