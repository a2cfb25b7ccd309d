"""The foreground (ipython_bg/engine/foreground.py and run_in_foreground):
a wait that Ctrl-C and a timeout end without ending the job, and that
refuses, starting nothing, where it cannot block."""

import asyncio
import gc
import os
import signal
import threading
import warnings

import pytest

from ipython_bg.api import current_control, run_in_foreground, set_control
from ipython_bg.engine.control import Defaults, JobControl
from ipython_bg.engine.foreground import (
    ForegroundInterrupt,
    ForegroundTimeout,
    LoopBusy,
)


async def double(x, delay=0.0):
    await asyncio.sleep(delay)
    return 2 * x


def test_foreground_timeout_leaves_the_job_running_in_the_table(control):
    with pytest.raises(ForegroundTimeout) as info:
        control.foreground(control.start(double(1, delay=0.5), keep=False), timeout=0.01)
    job = info.value.job
    assert job in control.table and not job.done()
    assert control.wait([job]) == [2]


def test_foreground_refuses_a_running_loop(control, loop):
    async def inside():
        with pytest.raises(LoopBusy):
            control.foreground(control.start(double(1), keep=False))

    loop.run_until_complete(inside())


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery")
def test_first_ctrl_c_cancels_only_the_foreground(control, loop):
    progress = {"steps": 0}
    cleaned = []
    started = threading.Event()

    async def busy():
        while True:
            for _ in range(20000):
                pass
            progress["steps"] += 1
            await asyncio.sleep(0)

    async def foreground():
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            cleaned.append(True)

    def ctrl_c_once_started():
        # Never before the foreground waits: a SIGINT then would end pytest.
        if started.wait(30):
            os.kill(os.getpid(), signal.SIGINT)

    background = control.start(busy())
    for _ in range(5):
        started.clear()
        pressing = threading.Thread(target=ctrl_c_once_started)
        pressing.start()
        with pytest.raises(ForegroundInterrupt):
            control.foreground(control.start(foreground(), keep=False))
        pressing.join()
    assert cleaned == [True] * 5
    assert not background.done() and progress["steps"] > 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_run_in_foreground_inside_a_running_loop_starts_nothing(loop):
    calls = []

    async def work():
        calls.append("coroutine")

    async def inside():
        with pytest.raises(LoopBusy):
            run_in_foreground(lambda: calls.append("callable"))
        with pytest.raises(LoopBusy):
            run_in_foreground(work())
        await asyncio.sleep(0)

    # One worker thread: a call handed to it before the probe has run by the
    # time the probe has (the pool's queue is first in, first out).
    set_control(JobControl(lambda: loop, settings=Defaults(worker_threads=1)))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            asyncio.run(inside())
            # A coroutine started on either loop would have taken its first
            # step by now, a call its worker's turn.
            loop.run_until_complete(asyncio.sleep(0))
            assert run_in_foreground(lambda: "probe") == "probe"
            gc.collect()
        assert not [w for w in caught if "never awaited" in str(w.message)]
    finally:
        current_control().close()
        set_control(None)  # as an unloaded extension leaves it
    assert calls == []
