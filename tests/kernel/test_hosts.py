"""Issue 25, items 8 and 11, seen from kernels: ipykernel's in-process
kernel's ``input()``, and Spyder's kernel, whose shell subclasses
ipykernel's from a module of its own."""

import json
import sys

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from tests.harness.kernel import Kernel  # noqa: E402



# -- 8: input() in ipykernel's in-process kernel -------------------------------------


def test_input_in_an_in_process_kernel_is_as_without_the_extension(monkeypatch):
    # ipykernel's own tests/inprocess/test_kernel.py::test_raw_input, with
    # the extension loaded in the kernel's shell before any cell runs.
    import builtins
    import io

    from ipykernel.inprocess.manager import InProcessKernelManager

    own_input = builtins.input
    manager = InProcessKernelManager()
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready()
    shell = manager.kernel.shell
    try:
        shell.extension_manager.load_extension("ipython_bg")
        monkeypatch.setattr(sys, "stdin", io.StringIO("foobar\n"))
        client.execute("x = input()")
        # On main: RecursionError in the cell, x never set.
        assert shell.user_ns.get("x") == "foobar"
        assert builtins.input is own_input
    finally:
        shell.extension_manager.unload_extension("ipython_bg")
        builtins.input = own_input  # whatever the cell left there
        manager.shutdown_kernel()


# -- 11: Spyder's kernel -------------------------------------------------------------


class SpyderKernel(Kernel):
    """A Kernel (tests/kernel.py) started as Spyder's IPython console does:
    ``python -m spyder_kernels.console``, through a kernel spec of its own."""

    def __init__(self, directory, timeout: float = 60):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        spec = directory / "kernels" / "spyder"
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "spyder_kernels.console", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Spyder", "language": "python"}))
        specs = KernelSpecManager(kernel_dirs=[str(directory / "kernels")])
        self.manager = KernelManager(kernel_name="spyder", kernel_spec_manager=specs)
        self.manager.start_kernel()
        self.client = self.manager.client()
        self.client.start_channels()
        try:
            self.client.wait_for_ready(timeout=timeout)
        except BaseException:
            self.close()
            raise
        self.messages = []
        self.replies = {}


@pytest.fixture
def spyder(tmp_path):
    pytest.importorskip("spyder_kernels")
    kernel = SpyderKernel(tmp_path)
    yield kernel
    kernel.close()


def notice_in(cell, text: str) -> bool:
    return text in cell.stdout


def test_spyders_kernel_gets_the_kernel_integration(spyder):
    assert spyder.value("type(get_ipython()).__module__") == "'spyder_kernels.console.shell'"
    assert spyder.execute("%load_ext ipython_bg").ok
    # On main: LoopBusy: the event loop is already running here: use `await` instead
    slept = spyder.execute("import asyncio\nawait asyncio.sleep(0.2)\nprint('slept')")
    assert slept.ok and "slept" in slept.stdout, slept.reply
    started = spyder.execute("job = %bg asyncio.sleep(0.3)")
    assert started.ok, started.reply
    waited = spyder.execute("%fg")  # on main: "cannot wait here"
    assert waited.ok, waited.reply
    table = spyder.execute("%jobs").result or ""
    assert "does not run the event loop at its prompt" not in table, table
    # A job's notice lands in the cell that started it, without another cell.
    late = spyder.execute("%bg asyncio.sleep(0.3)")
    spyder.wait_for(lambda: notice_in(late, "done  coroutine  asyncio.sleep(0.3)"), timeout=10)
