"""A real terminal ``ipython`` in a pty for each test (tests/harness/terminal.py)."""

import os
import re

import pexpect
import pytest

from tests.harness.terminal import start_ipython

#: A frame or warning in a module of the extension's own.
OWN_FRAME = re.compile(re.escape("ipython_bg" + os.sep) + r"[\w" + re.escape(os.sep) + r"]+\.py")


def pytest_collection_modifyitems(items):
    if not hasattr(pexpect, "spawn"):
        for item in items:
            item.add_marker(pytest.mark.skip(reason="needs a pty"))


@pytest.fixture
def terminal(tmp_path):
    """A real terminal ``ipython`` with the extension loaded, in a pty; at
    the end it is closed, and its transcript must show no frame of
    ipython_bg's own and no asyncio warning, whatever the test did (a job's
    traceback, shown on purpose, is the user's frames only)."""
    term = start_ipython(tmp_path)
    yield term
    transcript = term.close()
    assert not OWN_FRAME.search(transcript), transcript
    for warning in ("never retrieved", "destroyed but it is pending", "Exception in callback"):
        assert warning not in transcript, transcript


@pytest.fixture
def launch(tmp_path):
    """``launch(**options)`` starts the test's terminal ``ipython`` with
    options of its own (``start_ipython``'s); at the end it is closed, and
    its transcript must hold no traceback at all."""
    started = []

    def start(**options):
        assert not started, "one terminal per test: it lives in tmp_path"
        started.append(start_ipython(tmp_path, **options))
        return started[0]

    yield start
    for term in started:
        transcript = term.close()
        assert "Traceback" not in transcript, transcript
