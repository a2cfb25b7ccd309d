"""Regressions: what a job did to the loop under the session that ended
the session.  In a plain shell, a real terminal and a real kernel.

- ``loop.stop()`` on the job loop: the terminal ``ipython`` exited ("Event
  loop stopped before Future completed") and a kernel died.  Now the job
  fails saying why.
- Cancelling every task it could see (a shutdown routine's ``for task in
  asyncio.all_tasks(): task.cancel()``): the terminal's prompt runs in a
  task, and IPython ended with its CancelledError.  Now the prompt comes
  back.
"""

import pytest

from tests.harness.cells import run

STOPPERS = """
import asyncio, time
from IPython.core.async_helpers import get_asyncio_loop
async def stops():
    asyncio.get_running_loop().stop()
    return 'stopped'
def stops_from_a_thread(loop):
    loop.stop()
    return 'stopped'
async def cancels_the_rest():
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    return len(others)
"""

REFUSED = "RuntimeError: a job cannot stop the event loop the session runs on"


def test_a_job_cannot_stop_the_loop_of_a_plain_shell(shell):
    run(shell, STOPPERS)
    loop = run(shell, "get_asyncio_loop()")
    run(shell, "coroutine = %bg stops()")
    run(shell, "thread = %bg stops_from_a_thread(get_asyncio_loop())")
    # %fg runs the loop: a stop would end its wait with "Event loop stopped".
    assert run(shell, "%fg asyncio.sleep(0.2, 'waited')") == "waited"
    for name in ("coroutine", "thread"):
        job = shell.user_ns[name]
        assert job.format_traceback().strip().splitlines()[-1].startswith(REFUSED)
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert "stop" not in vars(loop)  # the loop's own stop again
    shell.run_line_magic("load_ext", "ipython_bg")


def test_the_loop_still_stops_for_anyone_but_a_job(shell):
    run(shell, STOPPERS)
    loop = run(shell, "get_asyncio_loop()")
    loop.call_later(0.05, loop.stop)
    loop.run_forever()  # returns: stopped, as before
    assert not loop.is_running()


def test_a_job_cannot_stop_the_terminals_loop(terminal):
    terminal.run("from IPython.core.async_helpers import get_asyncio_loop")
    terminal.run("async def stops(): asyncio.get_running_loop().stop(); return 'stopped'")
    terminal.run("def stops_from_a_thread(loop): loop.stop(); return 'stopped'")
    terminal.run("%bg stops()")
    terminal.run("%bg stops_from_a_thread(get_asyncio_loop())")
    # Both ended while the prompt ran the loop, and it still runs it.
    terminal.run("%bg asyncio.sleep(0.2, 'after')")
    terminal.expect_exact("done  coroutine  asyncio.sleep(0.2, 'after')", timeout=10)
    table = terminal.run("%jobs")
    assert table.count("RuntimeError: a job cannot stop") == 2, table
    assert terminal.value("6 * 7") == "42"


def test_a_job_cannot_stop_the_kernels_loop():
    pytest.importorskip("ipykernel")
    from tests.harness.kernel import Kernel

    kernel = Kernel()
    try:
        assert kernel.execute("%load_ext ipython_bg\n" + STOPPERS).ok
        coroutine = kernel.execute("%bg stops()")
        thread = kernel.execute("%bg stops_from_a_thread(asyncio.get_running_loop())")
        for cell in (coroutine, thread):
            kernel.wait_for(lambda cell=cell: REFUSED in cell.stdout, timeout=20)
        assert kernel.value("6 * 7") == "42"
    finally:
        kernel.close()


def test_a_job_cancelling_every_task_leaves_the_terminals_prompt(terminal):
    terminal.run("%bg asyncio.sleep(3600)")
    terminal.run(
        "async def cancels_the_rest(): others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]; "
        "[t.cancel() for t in others]; return len(others)"
    )
    terminal.send("%bg cancels_the_rest()")
    terminal.expect_exact("a job cancelled the prompt's own task", timeout=10)
    assert terminal.value("6 * 7") == "42"
    # The loop still runs at the prompt: a new job ends on its own there.
    terminal.run("%bg asyncio.sleep(0.2, 'after')")
    terminal.expect_exact("done  coroutine  asyncio.sleep(0.2, 'after')", timeout=10)
    table = terminal.run("%jobs")
    assert "cancelled  coroutine" in table and "cancels_the_rest()" in table, table


def test_a_job_cancelling_every_task_leaves_the_kernel_answering():
    pytest.importorskip("ipykernel")
    from tests.harness.kernel import Kernel

    kernel = Kernel()
    try:
        assert kernel.execute("%load_ext ipython_bg\n" + STOPPERS).ok
        kernel.execute("%bg cancels_the_rest()", timeout=20)
        assert kernel.value("6 * 7") == "42"
        cell = kernel.execute("%bg asyncio.sleep(0.2, 'after')")
        kernel.wait_for(lambda: "done  coroutine  asyncio.sleep(0.2, 'after')" in cell.stdout, timeout=20)
    finally:
        kernel.close()
