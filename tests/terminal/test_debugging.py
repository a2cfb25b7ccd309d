"""The post-mortem of a failed job in a real terminal ``ipython`` (pty),
next to IPython's own ``%debug``."""

CRASH = "exec(\"async def crash(n):\\n    local_value = n * 2\\n    raise ValueError('crashed')\")"


def test_jobs_d_debugs_a_failed_job_in_its_own_frame(terminal):
    terminal.run(CRASH)
    terminal.send("%bg crash(21)")
    terminal.expect_exact("ValueError: crashed")
    terminal.send("%jobs -d 1")
    terminal.expect_exact("ipdb>")
    terminal.send("p local_value")
    terminal.expect_exact("42")
    terminal.send("q")
    terminal.sync()


def test_debug_after_a_job_failure_still_debugs_the_last_cell_error(terminal):
    terminal.run(CRASH)
    terminal.run("cell_value = 'in the cell'; 1/0")
    terminal.send("%bg crash(1)")
    terminal.expect_exact("ValueError: crashed")
    terminal.send("%debug")
    terminal.expect_exact("ipdb>")
    terminal.send("p cell_value")
    terminal.expect_exact("'in the cell'")
    terminal.send("q")
    terminal.sync()


def test_jobs_d_on_a_job_that_did_not_fail_is_one_line(terminal):
    terminal.run("%bg asyncio.sleep(0)")
    output = terminal.run("%jobs -d 1")
    assert "UsageError: %jobs: job 1 has not failed (it is done)" in output
    assert "Traceback" not in output
