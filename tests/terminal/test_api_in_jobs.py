"""The documented API from inside jobs at a real terminal prompt (pty),
where the prompt runs the loop (tests/shell/test_api_in_jobs.py says more)."""

import pexpect
import pytest

from tests.harness.programs import API_IN_JOBS


@pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty")
def test_terminal_api_from_a_thread_job_keeps_the_prompt(terminal):
    terminal.run("exec(%r)" % API_IN_JOBS)
    terminal.send("%bg waits_for_one(0.5)")
    terminal.expect_exact("[1]+ done  thread  waits_for_one(0.5) -> _bg1")
    terminal.send("%bg starts_one()")
    terminal.expect_exact("done  thread  starts_one() -> _bg2")
    assert terminal.value("_bg1, _bg2, get_ipython().run_line_magic('fg', '3')") == "5 5 5"
    terminal.send("get_ipython().run_cell_magic('bg', '', 'x = 1\\n%fg')")
    output = terminal.expect_exact("cannot wait for itself")
    assert "already running" not in output and "Traceback" not in output
    assert terminal.value("'still', 'here'") == "still here"
