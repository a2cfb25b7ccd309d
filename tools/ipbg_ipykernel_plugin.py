"""pytest plugin for ipykernel's own test suite: load ipython_bg into every
kernel the suite makes in its own process, so the suite checks that the
extension changes nothing there.

Its fixtures make ``IPythonKernel`` objects (and its in-process kernels
subclass it), each with its shell; the extension is loaded into that shell
as the kernel is made.  Kernels the suite starts in subprocesses load it
from the IPython profile that tools/ipykernel_suite.sh gives them
(``IPYTHONDIR``); the session checks once that such a kernel has it.
"""

import pytest


def _load_into_new_kernels() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from ipykernel.ipkernel import IPythonKernel

    made = IPythonKernel.__init__

    def init_and_load(self, *args, **kwargs):
        made(self, *args, **kwargs)
        shell = getattr(self, "shell", None)
        if isinstance(shell, InteractiveShell):  # not the suite's MagicMock shells
            shell.extension_manager.load_extension("ipython_bg")

    IPythonKernel.__init__ = init_and_load


def pytest_configure(config):
    _load_into_new_kernels()


@pytest.fixture(scope="session", autouse=True)
def ipython_bg_is_loaded_in_subprocess_kernels():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(startup_timeout=60)
    printed = []
    try:
        client.execute_interactive(
            "print('bg' in get_ipython().magics_manager.magics['line'])",
            timeout=60,
            output_hook=lambda message: printed.append(message["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "True" in "".join(printed), "ipython_bg is not loaded in the suite's subprocess kernels"
    yield
