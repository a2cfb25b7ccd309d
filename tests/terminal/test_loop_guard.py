"""A job cannot end a real terminal ``ipython`` (pty) by stopping its loop or
cancelling the prompt's task (tests/shell/test_loop_guard.py says more)."""


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
