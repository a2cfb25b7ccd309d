"""The tiers (a marker for each folder, see tests/README.md) and the
fixtures every tier shares.  Each tier's own fixtures are in its folder's
conftest.py."""

import asyncio
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

#: The markers each folder gives its tests.
TIERS = {
    "model": ("unit",),
    "engine": ("unit",),
    "hosts": ("unit",),
    "render": ("unit",),
    "shell": ("unit", "shell"),
    "terminal": ("terminal",),
    "kernel": ("kernel",),
    "notebooks": ("kernel", "slow"),
    "browser": ("browser", "slow"),
    "benchmarks": ("slow",),
    "docs": ("docs", "slow"),
}

#: Tiers that start an ipython or a kernel for each test: out of the fast
#: lane, but for the few tests marked ``smoke``.
END_TO_END = ("terminal", "kernel")


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(item.path).resolve().relative_to(TESTS).parts
        folder = parts[0] if len(parts) > 1 else None
        if folder not in TIERS:
            raise pytest.UsageError(
                f"{item.path}: a test file belongs in a tier's folder ({', '.join(TIERS)}); tests/README.md says which"
            )
        for name in TIERS[folder]:
            item.add_marker(name)
        if folder in END_TO_END and item.get_closest_marker("smoke") is None:
            item.add_marker("slow")


@pytest.fixture
def loop():
    """A new event loop of the test's own, closed afterwards."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
