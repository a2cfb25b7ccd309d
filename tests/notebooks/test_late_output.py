"""A notebook executed by nbclient, which drops output that arrives after its
cell finished: %jobs -o brings a late print back."""

import pytest


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
