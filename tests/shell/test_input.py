"""input() in a job against a real InteractiveShell: a thread job stops
until %fg gives it the terminal; a coroutine job fails at once."""

import time

from tests.harness.cells import run


def test_input_in_a_thread_job_stops_it_until_fg(shell, capsys):
    # The input it wraps would read the test's stdin: answer here.
    tty = shell.magics_manager.registry["BackgroundJobs"].session.tty_input
    tty.real = lambda prompt="": f"answer to {prompt}"
    run(shell, "%bg input('name? ')")
    deadline = time.monotonic() + 10
    while "stopped (tty input)" not in str(run(shell, "%jobs")):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    run(shell, "import asyncio; await asyncio.sleep(0)")  # the notice is said on the loop
    assert "[1]+ stopped (tty input)  thread  input('name? ')" in capsys.readouterr().out
    assert run(shell, "%fg 1") == "answer to name? "
    assert "done" in str(run(shell, "%jobs"))


def test_input_in_a_coroutine_job_fails_at_once(shell):
    run(shell, "import asyncio\nasync def ask():\n    return input('q? ')")
    job = run(shell, "%bg ask()")
    run(shell, "await asyncio.sleep(0.05)")
    assert job.done()
    assert "would freeze the prompt: run it with `%fg 1` or start it in a thread" in str(job.exception())
