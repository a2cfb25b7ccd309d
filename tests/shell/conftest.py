"""A real InteractiveShell with the extension loaded, code defined in it,
and the sweep's checker on it."""

import atexit

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from tests.harness.cells import run
from tests.harness.programs import BLOCKING, CALLABLES, DOUBLE_AND_FAIL


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
def defs(shell):
    """``shell`` with ``double``, ``fail`` and ``blocking`` defined
    (tests/harness/programs.py)."""
    run(shell, DOUBLE_AND_FAIL + BLOCKING)
    return shell


@pytest.fixture
def callables(shell):
    """``shell`` with programs.CALLABLES defined; its pool shut down after."""
    run(shell, CALLABLES)
    yield shell
    shell.user_ns["pool"].shutdown()


@pytest.fixture
def sweep(shell, capsys, caplog, request):
    """The sweep's checker (tests/harness/sweep.py) on ``shell``; at the
    end, every job has ended and the table is still consistent."""
    from tests.harness.sweep import Sweep

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
