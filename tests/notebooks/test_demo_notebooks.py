"""The demo notebooks run in a real kernel without an error (their assert
cells check the values that matter).  Cells tagged ``raises-exception``
show a failure on purpose."""

import pytest

from tests.harness.checkout import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_demos_are_there():
    assert {path.stem for path in NOTEBOOKS} >= {"echo_servers", "blocking_clients", "tour"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code"
        and "raises-exception" not in cell.metadata.get("tags", [])
        and any(output.output_type == "error" for output in cell.outputs)
    ]
    assert not errors
