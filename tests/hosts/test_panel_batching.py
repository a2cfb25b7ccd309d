"""The panel's batching of changes (ipython_bg/hosts/kernel/panel/batching.py), on a
loop of its own: what it sends and when, never how fast."""

from __future__ import annotations

import asyncio
import threading

from ipython_bg.hosts.kernel.panel.batching import ChangeBatcher


def batcher_on(loop, sent: list, **timing) -> ChangeBatcher:
    return ChangeBatcher(lambda: loop, sent.append, **timing)


def test_changes_that_come_together_are_sent_as_one(loop):
    sent: list = []
    batcher = batcher_on(loop, sent)

    async def burst():
        for job_id in range(1, 2001):
            batcher.mark((job_id,))
        batcher.mark((7, 7))  # a job marked again is sent once
        await asyncio.sleep(0.2)

    loop.run_until_complete(burst())
    assert sent == [list(range(1, 2001))]


def test_marks_from_other_threads_reach_the_loop(loop):
    sent: list = []
    batcher = batcher_on(loop, sent, gather=0.01)

    async def from_threads():
        threads = [threading.Thread(target=batcher.mark, args=((job_id,),)) for job_id in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        while not sent:
            await asyncio.sleep(0.01)

    loop.run_until_complete(asyncio.wait_for(from_threads(), 10))
    assert sorted(sum(sent, [])) == list(range(10))


def test_changes_that_keep_coming_are_sent_spaced_out(loop):
    """A job reporting progress all the time: each change is sent, in far
    fewer messages than changes, and the last one is never held back."""
    sent: list = []
    batcher = batcher_on(loop, sent, gather=0.01, spacing=0.1)

    async def steady():
        for _ in range(100):
            batcher.mark((1,))
            await asyncio.sleep(0.005)
        batcher.mark((2,))
        while not any(2 in batch for batch in sent):
            await asyncio.sleep(0.01)

    loop.run_until_complete(asyncio.wait_for(steady(), 10))
    assert 2 <= len(sent) < 50
    assert sent[-1] == [2] or sent[-1] == [1, 2]


def test_a_cancelled_batcher_sends_nothing_more(loop):
    sent: list = []
    batcher = batcher_on(loop, sent, gather=0.01)

    async def cancelled():
        batcher.mark((1,))
        batcher.cancel()
        batcher.mark((2,))
        await asyncio.sleep(0.1)

    loop.run_until_complete(cancelled())
    assert sent == []


def test_flush_sends_at_once(loop):
    sent: list = []
    batcher = batcher_on(loop, sent, gather=60)

    async def flushed():
        batcher.mark((3, 1))
        batcher.flush()
        batcher.flush()  # nothing new: nothing sent

    loop.run_until_complete(flushed())
    assert sent == [[3, 1]]
