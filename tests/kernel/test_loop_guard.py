"""A job cannot end a real kernel by stopping its loop or cancelling every
task (tests/shell/test_loop_guard.py says more)."""

from tests.harness.programs import LOOP_STOPPERS, STOP_REFUSED


def test_a_job_cannot_stop_the_kernels_loop(kernel):
    assert kernel.execute(LOOP_STOPPERS).ok
    coroutine = kernel.execute("%bg stops()")
    thread = kernel.execute("%bg stops_from_a_thread(asyncio.get_running_loop())")
    for cell in (coroutine, thread):
        kernel.wait_for(lambda cell=cell: STOP_REFUSED in cell.stdout, timeout=20)
    assert kernel.value("6 * 7") == "42"


def test_a_job_cancelling_every_task_leaves_the_kernel_answering(kernel):
    assert kernel.execute(LOOP_STOPPERS).ok
    kernel.execute("%bg cancels_the_rest()", timeout=20)
    assert kernel.value("6 * 7") == "42"
    cell = kernel.execute("%bg asyncio.sleep(0.2, 'after')")
    kernel.wait_for(lambda: "done  coroutine  asyncio.sleep(0.2, 'after')" in cell.stdout, timeout=20)
