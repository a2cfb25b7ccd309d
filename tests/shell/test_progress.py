"""A job's progress (ipython_bg.progress, a tqdm bar) in the %jobs table,
against a real InteractiveShell."""

import subprocess
import sys

import pytest

from tests.harness.cells import run


def test_progress_column_shows_only_with_progress(shell):
    run(shell, "n = %bg asyncio.sleep(0)\n%fg n")
    assert "progress" not in run(shell, "%jobs")._repr_html_()
    run(shell, "import ipython_bg")
    run(shell, "async def steps():\n    ipython_bg.progress(17, 40)\n    await asyncio.sleep(0)\n")
    run(shell, "def thread_step():\n    ipython_bg.progress(0.42)\n")
    run(shell, "async def noted():\n    ipython_bg.progress(None, note='indexing')\n")
    run(shell, "s = %bg steps()\nt = %bg thread_step()\nu = %bg noted()\n%fg s t u")
    table = run(shell, "%jobs")
    text = repr(table)
    assert "17/40" in text and "42%" in text and "indexing" in text
    html = table._repr_html_()
    assert "<th>progress</th>" in html and '<progress value="0.425"' in html and '<progress value="0.420"' in html


def test_a_tqdm_bar_in_a_job_is_its_progress(shell):
    pytest.importorskip("tqdm")
    run(shell, "from tqdm import tqdm\ndef bar():\n    for _ in tqdm(range(30), mininterval=0):\n        pass\n")
    run(shell, "async def abar():\n    for _ in tqdm(range(8), desc='fetch', mininterval=0):\n        await asyncio.sleep(0)\n")
    run(shell, "b = %bg bar()\nc = %bg abar()\n%fg b c")
    assert shell.user_ns["b"].output.progress[:2] == (30, 30)
    assert shell.user_ns["c"].output.progress == (8, 8, "fetch")
    assert "30/30" in repr(run(shell, "%jobs"))


def test_tqdm_is_never_imported_by_the_extension():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "import sys\n"
        "shell = InteractiveShell()\n"
        "shell.run_line_magic('load_ext', 'ipython_bg')\n"
        "shell.run_cell('import asyncio\\nj = %bg asyncio.sleep(0)\\n%fg j\\n%jobs -l')\n"
        "assert 'tqdm' not in sys.modules, 'tqdm imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().endswith("ok"), done.stderr
