"""A watch on the event loop's selector: when the loop last stopped waiting
for events, so a thread can tell that a step has held it for long.

asyncio has no hook for "the loop woke up"; its selector is the one object
every loop iteration passes through, so the watch stands in for it.  The
terminal's watchdog and a kernel's interrupt both use it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable

from ipython_bg._internals import get_selector, set_selector
from ipython_bg.hosts.terminal.typeahead import KeyHold

__all__ = ["READ_AFTER", "SelectorWatch"]


#: How long the loop must be busy before the watchdog reads the terminal:
#: longer than the loop's own steps (a redraw), short enough for a Ctrl-C
#: to feel immediate.
READ_AFTER = 0.15


class SelectorWatch:
    """Stands in for a loop's selector and notes when the loop stops
    waiting: ``busy_since`` is ``None`` while the loop waits for events, and
    the time it woke while it runs callbacks and task steps."""

    def __init__(self, selector, on_keys: Callable[[bytes], None]):
        self.selector = selector
        self.busy_since: float | None = time.monotonic()
        self.keys = KeyHold()  # read during a freeze, for ``on_keys``
        self.on_keys = on_keys
        # A lock a watcher holds while it waits for the loop to wake: the
        # loop lets it go, once, when it does (a bare lock: the cheapest
        # wake-up there is, for a thread that must cost nothing when idle).
        self.wake: threading.Lock | None = None
        self._awake = threading.Lock()
        self._select = selector.select
        # The rest of the selector's API is the selector's own.  Bound here,
        # not looked up through __getattr__, which would also slow down
        # every attribute that select() reads (no specialised lookup).
        self.get_key = selector.get_key
        self.register = selector.register
        self.unregister = selector.unregister
        self.modify = selector.modify
        self.get_map = selector.get_map
        self.close = selector.close

    @classmethod
    def on(cls, loop: asyncio.AbstractEventLoop, on_keys: Callable[[bytes], None]) -> "SelectorWatch | None":
        """The watch standing in for ``loop``'s selector, put there unless
        one already is; ``None`` where the loop has none to watch (uvloop).

        asyncio has no hook for "the loop woke up"; its selector is the one
        object every loop iteration passes through, so we stand in for it.
        """
        selector = get_selector(loop)
        if selector is None:
            return None
        if not isinstance(selector, cls):
            selector = cls(selector, on_keys)
            set_selector(loop, selector)
        return selector

    def remove(self, loop: asyncio.AbstractEventLoop) -> None:
        """Give ``loop`` its own selector back, if this still stands in for it."""
        if get_selector(loop) is self:
            set_selector(loop, self.selector)

    def select(self, timeout=None, _now=time.monotonic):
        # Every loop iteration passes here: as little as can be.
        self.busy_since = None
        if self.keys.held:
            typed = self.keys.take()
            if typed:
                # Typed during the freeze that just ended: to the prompt
                # before any key the loop reads itself now.
                self.on_keys(typed)
                timeout = 0
        ready = self._select(timeout)
        self.busy_since = _now()
        if self.wake is not None:
            self.let_go()
        return ready

    def let_go(self) -> None:
        """Wake the watcher waiting in :meth:`wait_until_awake`, if any."""
        wake, self.wake = self.wake, None
        if wake is not None:
            try:
                wake.release()
            except RuntimeError:  # let go already (by stop(), at the same time)
                pass

    def wait_until_awake(self, stopped: Callable[[], bool]) -> None:
        """Block while the loop waits for events: nothing can freeze it
        before it wakes, so a watcher costs nothing at an idle prompt."""
        awake = self._awake
        awake.acquire(blocking=False)
        self.wake = awake
        # Asked for after a look at busy_since: the loop may have woken
        # in between, before it could see the request.
        if self.busy_since is None and not stopped():
            awake.acquire()  # until the loop (or stop) lets go of it
        self.wake = None
