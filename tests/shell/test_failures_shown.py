"""How a job's failure is shown: the cell it came from named as IPython
names it, and an exception group by what went wrong inside it."""

import sys

import pytest
from tests.harness.cells import run



def _cell(shell, code):
    """Run ``code`` as a typed cell (kept in the history, numbered)."""
    result = shell.run_cell(code, store_history=True)
    assert result.error_before_exec is None and result.error_in_exec is None
    return result.result


def test_a_failed_bg_cell_names_the_cell_it_was_typed_in(shell, capsys):
    _cell(shell, "x = 1")
    typed_at = shell.execution_count
    _cell(shell, "%%bg\nraise ValueError('from the cell')\n")
    run(shell, "%%fg\nimport asyncio\nawait asyncio.sleep(0.2)\n")
    text = str(run(shell, "%jobs -t 1"))
    assert f"Cell In[{typed_at}], line 1" in text, (typed_at, text)


TASK_GROUP = """
import asyncio
async def row(n):
    await asyncio.sleep(0)
    raise ValueError(f'bad row {n}')
async def load(rows):
    async with asyncio.TaskGroup() as group:
        for n in range(rows):
            group.create_task(row(n))
"""


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is Python 3.11+")
def test_a_task_group_failure_is_said_by_its_leaf_and_shown_whole_with_t(shell, capsys):
    defined_at = shell.execution_count
    _cell(shell, TASK_GROUP)
    run(shell, "%bg load(1)")
    run(shell, "%bg load(3)")
    run(shell, "%%fg\nawait asyncio.sleep(0.1)\n")
    out = capsys.readouterr().out
    assert "[1]- failed  coroutine  load(1)  ValueError: bad row 0 (in a TaskGroup, 1 of 1)" in out, out
    assert "load(3)  ValueError: bad row 0 (in a TaskGroup, 1 of 3)" in out, out
    rows = list(run(shell, "%jobs"))
    assert rows[0].summary == "ValueError: bad row 0 (in a TaskGroup, 1 of 1)"
    text = str(run(shell, "%jobs -t 2"))
    assert "ExceptionGroup: unhandled errors in a TaskGroup (3 sub-exceptions)" in text
    assert text.count("ValueError: bad row") == 3
    assert f"Cell In[{defined_at}], line 4, in row" in text and "ipython-input" not in text, text
    assert "ipython_bg" not in text
