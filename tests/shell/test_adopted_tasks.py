"""Plain tasks made by the user's cells become jobs; nobody else's do."""

import asyncio
import sys

import pytest

from ipython_bg.engine.adopt import cell_prefix
from tests.harness.cells import run

DEFS = """
import asyncio
async def work(x):
    await asyncio.sleep(0.01)
    if x == 'bad':
        raise ValueError('bad task')
    return x
def start_from_a_function():
    return asyncio.create_task(work('in a def'))
"""


def jobs_of(shell):
    return list(shell.magics_manager.registry["BackgroundJobs"].session.control.table)


def test_create_task_and_ensure_future_in_an_await_cell_become_jobs(shell, capsys):
    run(shell, DEFS)
    run(shell, "t = asyncio.create_task(work(1))\nu = asyncio.ensure_future(work('bad'))\nawait asyncio.sleep(0.1)")
    jobs = jobs_of(shell)
    assert [job.source for job in jobs] == [
        "t = asyncio.create_task(work(1))", "u = asyncio.ensure_future(work('bad'))"
    ]
    assert shell.user_ns["t"] is jobs[0] and jobs[0].result() == 1
    out = capsys.readouterr().out
    assert "failed  coroutine  u = asyncio.ensure_future(work('bad'))  ValueError: bad task" in out
    assert "_bg1" not in shell.user_ns  # an adopted task's result goes back to the code only


def test_a_task_made_in_a_function_defined_in_a_cell_is_adopted(shell):
    run(shell, DEFS)
    run(shell, "t = start_from_a_function()\nawait t")
    assert [job.source for job in jobs_of(shell)] == ["return asyncio.create_task(work('in a def'))"]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is Python 3.11+")
def test_tasks_of_libraries_gather_and_task_groups_are_not_adopted(shell, tmp_path, monkeypatch):
    run(shell, DEFS)
    (tmp_path / "somelib.py").write_text(
        "import asyncio\n"
        "async def fetch(x):\n    await asyncio.sleep(0)\n    return x\n"
        "def start(x):\n    return asyncio.create_task(fetch(x))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    run(shell, "import somelib")
    run(shell, "await asyncio.gather(work(1), work(2))")
    run(shell, "async with asyncio.TaskGroup() as group:\n    group.create_task(work(3))")
    run(shell, "t = somelib.start(5)\nawait t")  # a task the library makes itself
    run(shell, "await asyncio.wait_for(work(4), 1)")
    run(shell, "await asyncio.shield(work(6))")
    assert jobs_of(shell) == []


def test_a_librarys_coroutine_a_cell_hands_to_create_task_is_a_job(shell, tmp_path, monkeypatch, capsys):
    # The usual case: the coroutine comes from a library, the cell asks for the task.
    (tmp_path / "clientlib.py").write_text(
        "import asyncio\n"
        "async def fetch(url):\n    await asyncio.sleep(0)\n"
        "    if url == 'bad':\n        raise ConnectionError('refused')\n    return url.upper()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    run(shell, "import clientlib")
    run(shell, "t = asyncio.create_task(clientlib.fetch('ok'))\nu = asyncio.ensure_future(clientlib.fetch('bad'))\n"
               "await asyncio.wait([t, u])")
    run(shell, "pass")
    jobs = jobs_of(shell)
    assert [job.source for job in jobs] == [
        "t = asyncio.create_task(clientlib.fetch('ok'))", "u = asyncio.ensure_future(clientlib.fetch('bad'))",
    ]
    assert jobs[0].result() == "OK"
    notices = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[2]")]
    assert notices and "failed  coroutine  u = asyncio.ensure_future(" in notices[0], notices
    assert notices[0].endswith("ConnectionError: refused"), notices


def test_the_cells_own_coroutine_and_bg_jobs_are_not_adopted_twice(shell):
    run(shell, DEFS)
    run(shell, "%bg work(1)")
    run(shell, "%fg work(2)")
    run(shell, "await asyncio.sleep(0)")
    assert [job.source for job in jobs_of(shell)] == ["work(1)"]


def test_adopt_tasks_off_leaves_tasks_alone_and_unload_restores_the_factory(shell):
    from IPython.core.async_helpers import get_asyncio_loop

    loop = get_asyncio_loop()
    run(shell, DEFS)
    run(shell, "%config BackgroundJobs.adopt_tasks = False")
    assert loop.get_task_factory() is None
    run(shell, "t = asyncio.create_task(work(1))\nawait t")
    assert jobs_of(shell) == [] and type(shell.user_ns["t"]) is asyncio.Task
    run(shell, "%config BackgroundJobs.adopt_tasks = True")
    run(shell, "t = asyncio.create_task(work(2))\nawait t")
    assert [job.source for job in jobs_of(shell)] == ["t = asyncio.create_task(work(2))"]
    run(shell, "await asyncio.sleep(0)\n%unload_ext ipython_bg\nfactory_after = asyncio.get_running_loop().get_task_factory()")
    assert shell.user_ns["factory_after"] is None and loop.get_task_factory() is None
    shell.run_line_magic("load_ext", "ipython_bg")


def test_the_factory_is_the_loops_only_while_a_cell_runs(shell):
    # Between cells (the prompt idle, a kernel waiting) no task is the
    # user's: a server's or client's tasks then pay nothing for adoption.
    from IPython.core.async_helpers import get_asyncio_loop

    loop = get_asyncio_loop()
    run(shell, "await asyncio.sleep(0)\nfactory_in_cell = asyncio.get_running_loop().get_task_factory()")
    assert shell.user_ns["factory_in_cell"] is not None
    assert loop.get_task_factory() is None


def test_tasks_a_jobs_code_makes_are_part_of_that_job(shell):
    # As a shell job's child processes are part of it: a job's own tasks
    # are not jobs of their own, during a cell or between cells.
    run(shell, DEFS)
    run(shell, "async def parent():\n    return await asyncio.create_task(work('child'))")
    run(shell, "p = %bg parent()")
    run(shell, "await p")
    assert [job.source for job in jobs_of(shell)] == ["parent()"]
    assert shell.user_ns["p"].result() == "child"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="create_task(context=...) is Python 3.11+")
def test_a_previous_task_factory_is_chained_and_restored(shell):
    from IPython.core.async_helpers import get_asyncio_loop

    loop = get_asyncio_loop()
    shell.run_line_magic("unload_ext", "ipython_bg")
    made = []

    def mine(loop, coro, context=None):
        made.append(coro)
        return asyncio.Task(coro, loop=loop, context=context)

    loop.set_task_factory(mine)
    try:
        shell.run_line_magic("load_ext", "ipython_bg")

        async def library():
            return 1

        assert loop.run_until_complete(loop.create_task(library())) == 1 and len(made) == 1
        shell.run_line_magic("unload_ext", "ipython_bg")
        assert loop.get_task_factory() is mine
    finally:
        loop.set_task_factory(None)
        shell.run_line_magic("load_ext", "ipython_bg")


def test_cell_prefixes_of_ipython_and_ipykernel():
    from IPython.core.compilerop import CachingCompiler

    assert cell_prefix(CachingCompiler().get_code_name) == "<ipython-input-"
    try:
        from ipykernel.compiler import XCachingCompiler, get_tmp_directory
    except ImportError:
        return
    assert cell_prefix(XCachingCompiler().get_code_name).rstrip("/\\") == get_tmp_directory()
