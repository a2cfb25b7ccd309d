"""Whom the watchdog names when the loop is held: a job that computes for
long, never a job that only ran one short step of a long loop iteration,
nor one for the time spent in ipython_bg's own report of ends."""

import asyncio
import signal
import time

import pytest

from ipython_bg.engine.control import JobControl
from ipython_bg.hosts.terminal.watchdog import Watchdog

# Well above the watch's first look (READ_AFTER, 0.15 s after the loop is
# held): a look that a busy machine delays past the threshold has no
# earlier look to name a job by, and blames "many short steps".
THRESHOLD = 0.6


@pytest.fixture
def watched():
    loop = asyncio.new_event_loop()
    control = JobControl(lambda: loop)
    watchdog = Watchdog(loop, lambda: THRESHOLD)
    watchdog.install()
    assert watchdog.watching
    watchdog.arm()
    loop.watchdog = watchdog
    yield loop, control
    watchdog.uninstall()
    control.close()
    loop.close()


def _said(capfd) -> str:
    return capfd.readouterr().err


def _spin(seconds):
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        pass


async def _short_step():
    _spin(0.0002)


async def _hog():
    await asyncio.sleep(0)
    _spin(3 * THRESHOLD)


def test_a_job_holding_the_loop_is_named(watched, capfd):
    loop, control = watched
    job = control.start(_hog(), source="hog()")
    loop.run_until_complete(job)
    assert "job [1] coroutine  hog() is blocking the prompt" in _said(capfd)


def test_thousands_of_short_steps_blame_no_job(watched, capfd):
    loop, control = watched
    # One loop iteration runs every job's only step: the loop is held for
    # long, by no job in particular.
    jobs = [control.start(_short_step(), source="short()") for _ in range(int(3 * THRESHOLD / 0.0002))]
    loop.run_until_complete(asyncio.gather(*jobs))
    said = _said(capfd)
    assert "job [" not in said and "press Ctrl-C" not in said
    assert "many short steps" in said


def test_a_long_report_of_ends_blames_no_job(watched, capfd):
    loop, control = watched
    control.listeners.append(lambda job: _spin(0.001))
    jobs = [control.start(asyncio.sleep(0), source="sleep(0)") for _ in range(int(3 * THRESHOLD / 0.001))]
    loop.run_until_complete(asyncio.gather(*jobs))
    loop.run_until_complete(asyncio.sleep(0))  # the report, a callback, runs
    said = _said(capfd)
    assert "job [" not in said and "press Ctrl-C" not in said
    assert "a callback is blocking the prompt" in said


def test_ctrl_c_stops_only_the_job_named_as_blocking(watched, capfd):
    loop, control = watched
    heard = []

    async def pressed(spin):
        _spin(spin)
        signal.raise_signal(signal.SIGINT)  # Ctrl-C, now
        return "not stopped"

    # While armed the watchdog hears SIGINT before the handler in place
    # (here one that notes what it is left).
    loop.watchdog.disarm()
    previous = signal.signal(signal.SIGINT, lambda signum, frame: heard.append(signum))
    loop.watchdog.arm()
    try:
        # A job in a short step, never named: the Ctrl-C is not its.
        assert loop.run_until_complete(control.start(pressed(0))) == "not stopped"
        assert heard == [signal.SIGINT]
        # A job named as blocking: stopped, in its own frame.
        named = control.start(pressed(6 * THRESHOLD))
        loop.run_until_complete(asyncio.wait([named]))
        assert type(named.exception()).__name__ == "JobInterrupted"
        assert heard == [signal.SIGINT]
    finally:
        loop.watchdog.disarm()
        signal.signal(signal.SIGINT, previous)
    assert f"job [{named.id}]" in _said(capfd)
