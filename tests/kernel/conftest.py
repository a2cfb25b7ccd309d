"""A fresh kernel for each test: a kernel keeps its jobs, settings and
names, so one shared by several tests would make each depend on the
others."""

import importlib.util

import pytest

from tests.harness.programs import KERNEL_SETUP

MISSING = [name for name in ("ipykernel", "jupyter_client") if importlib.util.find_spec(name) is None]


def pytest_collection_modifyitems(items):
    if MISSING:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=f"{', '.join(MISSING)} not installed (the test extra)"))


@pytest.fixture
def kernel():
    """A real kernel with ipython_bg loaded and programs.KERNEL_SETUP run as
    its first cell; shut down at the end."""
    from tests.harness.kernel import Kernel

    kernel = Kernel()
    cell = kernel.execute(KERNEL_SETUP)
    assert cell.ok, cell.reply
    yield kernel
    kernel.close()
