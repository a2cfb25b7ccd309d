"""A job's output and notices go to the cell that started it in a real
kernel, even when they come late, from a thread, or by the thousand."""

import pytest

from tests.harness.programs import KERNEL_SETUP


@pytest.mark.smoke
def test_late_output_lands_in_the_cell_that_started_the_job(kernel):
    coro_cell = kernel.execute("c = %bg speak_later('from a coroutine', 0.5)")
    thread_cell = kernel.execute("t = %bg speak_later_in_thread('from a thread', 0.5)")
    # Another cell runs while both print (a job's end comes after its print).
    other = kernel.execute("while not (c.done() and t.done()):\n    await asyncio.sleep(0.05)\nprint('the other cell')")
    assert other.stdout == "the other cell\n"
    kernel.wait_for(lambda: "from a thread" in thread_cell.stdout and "from a coroutine" in coro_cell.stdout)
    # The notices go to the starting cells too.
    kernel.wait_for(lambda: "done  thread  speak_later_in_thread" in thread_cell.stdout)
    assert "done  coroutine  speak_later" in coro_cell.stdout


def test_failure_notice_goes_to_the_starting_cell(kernel):
    cell = kernel.execute("%bg fail('bad header', 0.3)")
    kernel.execute("await asyncio.sleep(0.5)")
    kernel.wait_for(lambda: "failed" in cell.stdout)
    assert "failed  coroutine  fail('bad header', 0.3)  ValueError: bad header" in cell.stdout
    # The kernel compiles cells under temporary file names; shown as IPython shows them.
    long, traceback = kernel.execute("%jobs -l").result, kernel.execute("%jobs -t %+").result
    assert "started in Cell In[" in long
    raises_at = KERNEL_SETUP.splitlines().index("    raise ValueError(message)") + 1  # cell 1
    for shown in (long, traceback):
        assert f"Cell In[1], line {raises_at}, in fail" in shown and "ipykernel_" not in shown, shown


def test_a_task_made_with_create_task_in_a_cell_fails_with_a_notice_in_that_cell(kernel):
    cell = kernel.execute("plain = asyncio.create_task(fail('from a plain task', 0.2))")
    assert cell.ok, cell.reply
    kernel.wait_for(lambda: "ValueError: from a plain task" in cell.stdout, 10)
    assert "failed  coroutine  plain = asyncio.create_task(fail(" in cell.stdout
    assert "plain = asyncio.create_task" in kernel.value("%jobs")
    # A library's coroutine that the cell hands to ensure_future is a job too.
    assert kernel.value("type(asyncio.ensure_future(asyncio.sleep(0))).__name__") == "'Job'"


def test_many_jobs_ending_together_are_one_summary_line_in_their_cell(kernel):
    cell = kernel.execute("gate = asyncio.Event()\nfor n in range(300):\n    %bg gate.wait()")
    assert cell.ok, cell.reply
    kernel.execute("gate.set()")  # all 300 end in one loop iteration: one report
    kernel.wait_for(lambda: "300 jobs ended: 300 done; %jobs lists them" in cell.stdout, 15)
    assert len(cell.stdout.splitlines()) == 1, cell.stdout
    # One job alone still gets its own line, in its cell.
    single = kernel.execute("%bg asyncio.sleep(0.05)")
    kernel.wait_for(lambda: "done  coroutine  asyncio.sleep(0.05)" in single.stdout, 10)
