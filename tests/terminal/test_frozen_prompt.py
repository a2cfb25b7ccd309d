"""Ctrl-C at a terminal prompt that a job froze (issue 25, item 6), through a
real terminal ``ipython`` on a pty: the job stops even inside one long C
call, the notice says so, and what was typed meanwhile still reaches the
prompt."""

import pexpect
import pytest

from tests.harness.terminal import start_ipython

pytestmark = [
    pytest.mark.terminal,
    pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty"),
]

# A coroutine job that gets the prompt up, then waits in one C call: a
# sleep of 20 s, or a read from a socket nobody writes to.
SLEEPER = """\
import socket
async def sleeper(how):
    await asyncio.sleep(0.2)
    if how == 'sleep':
        time.sleep(20)
    else:
        quiet, _ = socket.socketpair()
        quiet.recv(1)
    return 'slept'
"""

STOPPED = r"\[1\]\+ failed  coroutine  sleeper\('\w+'\)  JobInterrupted: Ctrl-C stopped it"


def freeze(term, how="sleep") -> None:
    """Start the sleeper and wait until the watchdog says it froze the prompt."""
    term.run("%config BackgroundJobs.block_warning = 0.5")
    term.run(f"exec({SLEEPER!r})")
    term.send(f"%bg sleeper({how!r})")
    term.expect_exact("is blocking the prompt")


@pytest.mark.parametrize("how", ["sleep", "read"])
def test_ctrl_c_stops_a_job_frozen_in_a_long_c_call(terminal, how):
    freeze(terminal, how)
    terminal.interrupt()
    # Long before the sleep could end by itself (the read never does).  On
    # main the Ctrl-C was an exception set in the main thread, seen only
    # when the C call returned: the job ended 20 s later.
    terminal.expect(STOPPED, timeout=8)
    assert terminal.value("40 + 2") == "42"
    assert "escaped interact" not in terminal.transcript


def test_keys_typed_while_frozen_reach_the_prompt_after_ctrl_c(tmp_path):
    # A real terminal type: prompt_toolkit draws the full prompt, and it
    # listens for SIGINT on the loop while it runs.
    with start_ipython(tmp_path, term="xterm-256color") as term:
        freeze(term)
        term.child.send("print('typed', 6 * 7)")  # no Enter yet: it waits in the prompt
        term.interrupt()
        term.expect(STOPPED, timeout=8)
        term.send("")  # Enter runs what was typed during the freeze
        term.expect_exact("typed 42")
        # The SIGINT that stopped the job was not the prompt's too: it would
        # have cleared the line and printed "KeyboardInterrupt escaped interact()".
        assert "KeyboardInterrupt" not in term.transcript
        assert term.value("'still here'") == "still here"
