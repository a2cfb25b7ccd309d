"""Code that the end-to-end tests run inside a real ipython or kernel."""

import textwrap

#: A CPU-busy coroutine that still yields (so Ctrl-C is likely to land while
#: it runs), and a foreground coroutine that says when its finally block runs.
BUSY_AND_GUARDED = textwrap.dedent(
    """
    import asyncio, time

    progress = {'busy': 0, 'ticks': 0}

    async def busy():
        while True:
            deadline = time.perf_counter() + 0.02
            while time.perf_counter() < deadline:
                pass
            progress['busy'] += 1
            await asyncio.sleep(0)

    async def guarded(label):
        print(label + '-start', flush=True)
        try:
            await asyncio.sleep(3600)
        finally:
            print(label + '-finally', flush=True)
    """
)
