"""A kernel shutdown or restart (jupyter_client's shutdown_request) cancels
the coroutine jobs and runs their ``finally`` blocks within
``exit_timeout``, as terminal exit does, and never waits on a thread job."""


from tests.harness.kernel import Kernel  # noqa: E402

JOBS = """
import asyncio, atexit, time
# Registered before the extension loads, so it runs after ipython_bg's exit:
# the file says that exit returned (jupyter_client would SIGTERM a kernel
# still running after half its shutdown wait, and atexit would never run).
atexit.register(lambda: open({left!r}, 'w').write('left'))
%load_ext ipython_bg
%config BackgroundJobs.exit_timeout = 1.0
async def cleans_up(path):
    try:
        await asyncio.sleep(3600)
    finally:
        await asyncio.sleep(0.05)  # a finally block that awaits
        open(path, 'w').write('cleaned up')
async def never_finishes_cleaning():
    try:
        await asyncio.sleep(3600)
    finally:
        await asyncio.sleep(3600)
%bg cleans_up({cleaned!r})
%bg never_finishes_cleaning()
%bg time.sleep(3600)
"""


def _start(tmp_path):
    kernel = Kernel()
    paths = {"cleaned": str(tmp_path / "cleaned"), "left": str(tmp_path / "left")}
    cell = kernel.execute(JOBS.format(**paths))
    assert cell.ok, cell.reply
    assert kernel.value("t = %jobs\nlen(t)") == "3"
    return kernel


def test_shutdown_runs_the_finally_blocks_of_coroutine_jobs(tmp_path):
    kernel = _start(tmp_path)
    try:
        kernel.manager.shutdown_kernel()
        assert not kernel.manager.is_alive()
        assert (tmp_path / "cleaned").read_text() == "cleaned up"
        assert (tmp_path / "left").read_text() == "left"
    finally:
        kernel.client.stop_channels()
        if kernel.manager.has_kernel:
            kernel.manager.shutdown_kernel(now=True)


def test_restart_runs_them_too_and_the_new_kernel_answers(tmp_path):
    kernel = _start(tmp_path)
    try:
        kernel.manager.restart_kernel()
        assert (tmp_path / "cleaned").read_text() == "cleaned up"
        assert (tmp_path / "left").read_text() == "left"
        kernel.client.wait_for_ready(timeout=60)
        assert kernel.value("6 * 7") == "42"
    finally:
        kernel.close()
