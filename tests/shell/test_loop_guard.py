"""A job cannot end the session under it, in a plain shell (the terminal's
and a kernel's: tests/terminal/, tests/kernel/test_loop_guard.py).

- ``loop.stop()`` on the job loop: the terminal ``ipython`` exited ("Event
  loop stopped before Future completed") and a kernel died.  Now the job
  fails saying why.
- Cancelling every task it could see (a shutdown routine's ``for task in
  asyncio.all_tasks(): task.cancel()``): the terminal's prompt runs in a
  task, and IPython ended with its CancelledError.  Now the prompt comes
  back."""


from tests.harness.cells import run
from tests.harness.programs import LOOP_STOPPERS, STOP_REFUSED


def test_a_job_cannot_stop_the_loop_of_a_plain_shell(shell):
    run(shell, LOOP_STOPPERS)
    loop = run(shell, "get_asyncio_loop()")
    run(shell, "coroutine = %bg stops()")
    run(shell, "thread = %bg stops_from_a_thread(get_asyncio_loop())")
    # %fg runs the loop: a stop would end its wait with "Event loop stopped".
    assert run(shell, "%fg asyncio.sleep(0.2, 'waited')") == "waited"
    for name in ("coroutine", "thread"):
        job = shell.user_ns[name]
        assert job.format_traceback().strip().splitlines()[-1].startswith(STOP_REFUSED)
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert "stop" not in vars(loop)  # the loop's own stop again
    shell.run_line_magic("load_ext", "ipython_bg")


def test_the_loop_still_stops_for_anyone_but_a_job(shell):
    run(shell, LOOP_STOPPERS)
    loop = run(shell, "get_asyncio_loop()")
    loop.call_later(0.05, loop.stop)
    loop.run_forever()  # returns: stopped, as before
    assert not loop.is_running()
