import asyncio
import atexit

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


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
