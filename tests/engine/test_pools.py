"""The daemon worker threads of thread jobs (ipython_bg/engine/pools.py)."""

import threading

import pytest

from ipython_bg.engine.pools import DaemonThreadPool


def test_daemon_pool_reuses_threads_and_never_blocks_exit():
    pool = DaemonThreadPool(max_workers=2)
    gate = threading.Event()
    entered = threading.Semaphore(0)

    def wait_at_the_gate():
        entered.release()
        return gate.wait(10)

    blocked = [pool.submit(wait_at_the_gate) for _ in range(3)]
    # Two workers take the first two calls; the third waits for a worker.
    assert entered.acquire(timeout=10) and entered.acquire(timeout=10)
    assert [future.running() for future in blocked] == [True, True, False]
    gate.set()
    assert [future.result(5) for future in blocked] == [True] * 3
    assert all(thread.daemon for thread in pool._threads)
    assert pool.submit(lambda: 5).result(5) == 5
    assert len(pool._threads) == 2
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        pool.submit(print)
