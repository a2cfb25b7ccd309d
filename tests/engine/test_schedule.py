"""Schedules (ipython_bg/engine/schedule.py: --retries, --every, ...)
without IPython; through %bg in tests/shell/test_schedule_options.py."""

from ipython_bg.engine.control import JobControl
from ipython_bg.engine.schedule import Schedule, start_scheduled


def test_the_engine_retries_without_ipython(loop):
    control = JobControl(lambda: loop)
    attempts = []

    async def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise OSError("flaky")
        return "ok"

    schedule = Schedule(retries=2, delay=lambda: 0.0)
    job = start_scheduled(control, schedule, None, flaky, source="flaky()")
    assert loop.run_until_complete(job) == "ok" and len(schedule.failures) == 2
    control.close()
