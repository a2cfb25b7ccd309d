import asyncio
import atexit
import sys
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

# The tests' terminal is the benchmarks' (benchmarks/_common.py): the
# checkout's root must be importable however pytest is started.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.append(ROOT)


@pytest.fixture
def shell():
    """A real, fresh InteractiveShell (not the global singleton) with the
    extension loaded; unloaded again afterwards."""
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=config)
    shell.run_line_magic("load_ext", "ipython_bg")
    shell.run_cell("import asyncio, time, threading")
    yield shell
    shell.run_line_magic("unload_ext", "ipython_bg")
    shell.history_manager.end_session()
    # Each shell's atexit hook would run gc.collect() when pytest exits.
    atexit.unregister(shell.atexit_operations)


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


@pytest.fixture
def sweep(shell, capsys, caplog, request):
    """The sweep's checker (sweep.py) on ``shell``; at the end, every job
    has ended and the table is still consistent."""
    from sweep import Sweep

    checker = Sweep(shell, capsys)
    yield checker
    checker.finish()
    checker.close_stray_coroutines()
    if sum(checker.outcomes.values()) >= 50:  # a property test: say what it covered
        outcomes = ", ".join(f"{m} {o} {n}" for (m, o), n in sorted(checker.outcomes.items()))
        with capsys.disabled():
            print(f"\nsweep: {request.node.name}: {outcomes}")
    for marker in ("never retrieved", "Exception in callback", "was destroyed but it is pending"):
        assert marker not in caplog.text


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Marks a failed test (``item.failed``), for fixtures that keep
    artefacts of failures (tests/test_browser.py's screenshots)."""
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True
    return report


@pytest.fixture
def terminal(tmp_path):
    """A real terminal ``ipython`` with the extension loaded, in a pty
    (test_terminal.py has a stricter one of its own)."""
    from terminal import Terminal

    term = Terminal(tmp_path)
    yield term
    term.close()


@pytest.fixture
def launch(tmp_path):
    """``launch(**options)`` starts the test's terminal ``ipython`` with
    options of its own (tests/terminal.py's ``Terminal``); at the end it is
    closed, and its transcript must hold no traceback at all."""
    from terminal import Terminal

    started = []

    def start(**options):
        assert not started, "one terminal per test: it lives in tmp_path"
        started.append(Terminal(tmp_path, **options))
        return started[0]

    yield start
    for term in started:
        transcript = term.close()
        assert "Traceback" not in transcript, transcript
