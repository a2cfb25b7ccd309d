"""A real terminal IPython through a pty, for the end-to-end tests: the
benchmarks' launcher (benchmarks/_common.py) with the tests' definitions."""

from __future__ import annotations

import textwrap

from benchmarks import _common
from helpers import ECHO_DEMO
from programs import BUSY_AND_GUARDED

#: Definitions every terminal test can use, loaded by IPython at startup.
STARTUP = BUSY_AND_GUARDED + ECHO_DEMO + textwrap.dedent(
    """
    import asyncio, time

    async def ticker(count, pause=0.05):
        for i in range(count):
            await asyncio.sleep(pause)
            print('tick', i)
        return count

    async def fail(message):
        await asyncio.sleep(0.05)
        raise ValueError(message)

    async def fail_on_cancel(label):
        print(label + '-start')
        try:
            await asyncio.sleep(3600)
        finally:
            raise ValueError(label + ' failed while cancelled')

    async def slow_to_clean(label):
        print(label + '-start')
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(60)  # a finally block that will not finish

    def burn(seconds):
        started = time.time()
        while time.time() - started < seconds:
            pass
        return 'burnt'

    async def hog(pause, seconds=60):
        # Computes without awaiting: freezes a prompt that runs in the loop.
        await asyncio.sleep(pause)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pass
        return 'hog finished'
    """
)


class Terminal(_common.Terminal):
    """The benchmarks' terminal ``ipython`` (the one launcher), with
    :data:`STARTUP` defined, in ``tmp_path``, and ipython_bg loaded unless
    ``load=False``; ``close()`` returns the transcript."""

    def __init__(self, tmp_path, *, load=True, **options):
        env = {"PYTHONWARNINGS": "default", **options.pop("env", {})}
        super().__init__(extension=load, startup=STARTUP, directory=tmp_path, env=env, **options)
