"""Loading, unloading and resetting against a real InteractiveShell: what
the extension changes is given back; loading it imports nothing heavy."""

import subprocess
import sys

from ipython_bg.process.streams import StreamProxy
from tests.harness.cells import run


def test_reset_keeps_the_jobs_and_the_magics(defs):
    run(defs, "%bg double(1, 0.05)")
    run(defs, "%reset -f")
    run(defs, "import asyncio")
    assert run(defs, "%fg 1") == 2
    assert len(run(defs, "%jobs")) == 1


def test_autoawait_asyncio_gets_the_foreground_runner_back(defs):
    runner = defs.loop_runner
    run(defs, "%autoawait asyncio")
    assert defs.loop_runner is runner


def test_load_twice_is_harmless_and_unload_restores(shell):
    from IPython.core.async_helpers import _asyncio_runner

    shell.run_line_magic("load_ext", "ipython_bg")
    assert list(shell.magics_manager.registry).count("BackgroundJobs") == 1
    run(shell, "async def forever():\n    await asyncio.sleep(3600)\n")
    job = run(shell, "%bg forever()")
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert job.cancelled()
    assert shell.loop_runner is _asyncio_runner
    assert "bg" not in shell.magics_manager.magics["line"]
    assert shell.custom_exceptions == ()
    shell.run_line_magic("load_ext", "ipython_bg")
    assert len(run(shell, "%jobs")) == 0


def test_unload_puts_the_streams_back(shell):
    run(shell, "pass")  # each cell wraps them again if something replaced them (pytest does, per test)
    assert isinstance(sys.stdout, StreamProxy)
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert not isinstance(sys.stdout, StreamProxy) and not isinstance(sys.stderr, StreamProxy)
    shell.run_line_magic("load_ext", "ipython_bg")


def test_loading_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "before = set(sys.modules)\n"
        "shell.run_line_magic('load_ext', 'ipython_bg')\n"
        "heavy = ('ipykernel', 'jupyter_client', 'zmq', 'tornado', 'numpy', 'matplotlib', 'pandas')\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_importing_the_package_costs_nothing():
    code = "import sys, ipython_bg\nprint(sorted(m for m in ('IPython', 'asyncio', 'traitlets') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
