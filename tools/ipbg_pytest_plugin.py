"""pytest plugin for IPython's own test suite: load ipython_bg into the
suite's shell, so the suite checks that the extension changes nothing.

IPython's tests/conftest.py creates the global test shell when it is
imported; the extension is loaded right after that, and the session fails
at once if %bg is not there.
"""

import pytest


def _shell():
    from IPython.terminal.interactiveshell import TerminalInteractiveShell

    return TerminalInteractiveShell._instance if TerminalInteractiveShell.initialized() else None


def _load():
    shell = _shell()
    if shell is not None and "bg" not in shell.magics_manager.magics["line"]:
        shell.run_line_magic("load_ext", "ipython_bg")


def pytest_plugin_registered(plugin, manager):
    if getattr(plugin, "__name__", "").endswith("conftest"):
        _load()


def pytest_collection_finish(session):
    _load()


@pytest.fixture(scope="session", autouse=True)
def ipython_bg_is_loaded():
    shell = _shell()
    assert shell is not None and "bg" in shell.magics_manager.magics["line"], "ipython_bg is not loaded"
    yield
