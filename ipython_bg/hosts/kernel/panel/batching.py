"""Changes to jobs, gathered and sent as one message at a time.

Jobs change on the loop (they start and end there) and in their own
threads (a thread job's progress).  :class:`ChangeBatcher` notes which
jobs changed, from any thread, and calls ``send`` with all of them on the
loop: first ``gather`` seconds after a quiet spell (ends that come
together, a burst of thousands, go out as one), then at most once every
``spacing`` seconds while changes keep coming (a progress bar that moves
a thousand times a second is sent a few times a second).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable, Iterable

__all__ = ["ChangeBatcher"]


class ChangeBatcher:
    """Job ids that changed since the last ``send(ids)``, which runs on
    the loop that ``get_loop()`` gives."""

    def __init__(
        self,
        get_loop: Callable[[], asyncio.AbstractEventLoop],
        send: Callable[[list[int]], object],
        *,
        gather: float = 0.05,
        spacing: float = 0.25,
    ):
        self.get_loop = get_loop
        self.send = send
        self.gather = gather
        self.spacing = spacing
        self._lock = threading.Lock()  # marks come from job threads too
        self._changed: dict[int, None] = {}  # ordered, without repeats
        self._armed = False
        self._closed = False
        self._handle: asyncio.TimerHandle | None = None
        self._sent_at = float("-inf")

    def mark(self, ids: Iterable[int]) -> None:
        """Note that these jobs changed; from any thread."""
        with self._lock:
            for job_id in ids:
                self._changed[job_id] = None
            if self._armed or self._closed or not self._changed:
                return
            self._armed = True
        loop = self.get_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._arm)

    def _arm(self) -> None:
        if self._closed:
            return
        wait = max(self.gather, self._sent_at + self.spacing - time.monotonic())
        self._handle = self.get_loop().call_later(wait, self.flush)

    def flush(self) -> None:
        """Send what changed now, if anything did."""
        with self._lock:
            changed, self._changed = list(self._changed), {}
            self._armed = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if changed and not self._closed:
            self._sent_at = time.monotonic()
            self.send(changed)

    def cancel(self) -> None:
        """Forget what changed and send nothing more (the panel detaches)."""
        with self._lock:
            self._changed.clear()
            self._closed = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
