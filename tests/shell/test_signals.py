"""The one owner of SIGINT and SIGTSTP, in a real InteractiveShell in this
process: a job's own handler never takes Ctrl-C from the foreground, the
job still sees the handler it set, and unloading puts back exactly what
was there."""

import atexit
import signal

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


# A job that installs its own SIGINT handler (as uvicorn's capture_signals
# does), then Ctrl-C arrives while it is waited for in the foreground.
LIBRARY = """\
import asyncio, signal
heard = []
async def serve():
    def on_sigint(signum, frame):
        heard.append(signum)
    original = signal.signal(signal.SIGINT, on_sigint)
    seen = signal.getsignal(signal.SIGINT) is on_sigint
    try:
        signal.raise_signal(signal.SIGINT)  # Ctrl-C, pressed now
        await asyncio.sleep(30)
    finally:
        signal.signal(signal.SIGINT, original)
        seen_after = signal.getsignal(signal.SIGINT) is original
        sights.append((seen, seen_after))
sights = []
"""


def handlers():
    return (
        signal.signal, signal.getsignal, signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTSTP),
    )


@pytest.fixture
def bare_shell():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=config)
    yield shell
    shell.history_manager.end_session()
    atexit.unregister(shell.atexit_operations)


def test_ctrl_c_stops_the_foreground_job_not_its_library(bare_shell, capsys):
    shell = bare_shell
    before = handlers()
    shell.run_line_magic("load_ext", "ipython_bg")
    try:
        shell.run_cell(LIBRARY)
        result = shell.run_cell("%fg serve()")
        # The Ctrl-C cancelled the job waited for: on main the library's
        # handler, installed for real, took it, and the wait went on 30 s.
        assert type(result.error_in_exec).__name__ == "ForegroundInterrupt", result.error_in_exec
        assert shell.user_ns["heard"] == []
        # The job saw its own handler in place, and its original back.
        assert shell.user_ns["sights"] == [(True, True)]
        assert handlers()[2:] == before[2:]
    finally:
        shell.run_line_magic("unload_ext", "ipython_bg")
    assert handlers() == before


def test_unloading_puts_back_the_handlers_exactly(bare_shell):
    before = handlers()

    def mine(signum, frame):
        pass

    for _ in range(2):  # loaded, reloaded
        bare_shell.run_line_magic("load_ext", "ipython_bg")
        bare_shell.run_cell("import asyncio\n%bg asyncio.sleep(0.05)\n%fg")
        bare_shell.run_line_magic("unload_ext", "ipython_bg")
        assert handlers() == before
    # The user's own handler, set while loaded, outside any job, is theirs.
    bare_shell.run_line_magic("load_ext", "ipython_bg")
    previous = signal.signal(signal.SIGINT, mine)
    try:
        assert signal.getsignal(signal.SIGINT) is mine
        bare_shell.run_cell("import asyncio\n%fg asyncio.sleep(0.05)")
        assert signal.getsignal(signal.SIGINT) is mine
        bare_shell.run_line_magic("unload_ext", "ipython_bg")
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, previous)
    assert handlers() == before


def test_a_process_jobs_own_handlers_are_installed_there(shell):
    # The forked child inherits the owner: there it stands aside, and a
    # SIGINT reaches the handler the job's code set.
    shell.run_cell(
        "import signal\n"
        "def own():\n"
        "    heard = []\n"
        "    signal.signal(signal.SIGINT, lambda signum, frame: heard.append(signum))\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "    return heard\n"
    )
    result = shell.run_cell("job = %bg --process own()\nheard = %fg")
    assert result.error_in_exec is None, result.error_in_exec
    assert shell.user_ns["heard"] == [signal.SIGINT]
