"""Worker threads for thread jobs.

``concurrent.futures.ThreadPoolExecutor`` joins its workers when the
interpreter exits, so one thread job stuck in ``time.sleep(3600)`` or a
socket read would hold the user's ``exit`` for an hour.  A shell must never
hang on a job the user left behind: these workers are daemon threads, and
exit abandons whatever they are still doing.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Executor, Future

__all__ = ["DaemonThreadPool"]


class DaemonThreadPool(Executor):
    """At most ``max_workers`` daemon threads, started on demand and reused."""

    def __init__(self, max_workers: int = 32, name: str = "ipython_bg"):
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self._name = name
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._shutdown = False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a pool that was shut down")
            future: Future = Future()
            self._work.put((future, fn, args, kwargs))
            if self._idle:
                # An idle worker will take it.  (A worker that finishes
                # while the pool is full may take it first; the count is
                # then one high, which only matters once no thread can be
                # added anyway.)
                self._idle -= 1
            elif len(self._threads) < self.max_workers:
                thread = threading.Thread(
                    target=self._worker,
                    name=f"{self._name}-{len(self._threads) + 1}",
                    daemon=True,
                )
                self._threads.add(thread)
                thread.start()
        return future

    def _worker(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                break
            future, fn, args, kwargs = item
            del item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            with self._lock:
                if self._shutdown:
                    break
                self._idle += 1
        with self._lock:
            self._threads.discard(threading.current_thread())

    @property
    def busy(self) -> int:
        """Threads running a call right now."""
        with self._lock:
            return len(self._threads) - self._idle

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    item = self._work.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in threads:
            self._work.put(None)
        if wait:
            for thread in threads:
                thread.join()
