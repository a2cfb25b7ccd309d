"""A job cannot stop the event loop the session runs on.

``loop.stop()`` called by a job's code would end what runs the job loop:
the terminal's prompt (IPython exits with "Event loop stopped before Future
completed") or a kernel's ``io_loop.start()`` (the kernel dies).  While the
extension is loaded, the job loop's ``stop`` refuses when a job's own code
calls it (a coroutine job's steps, a thread job's call, and the callbacks
they schedule): the job fails with a RuntimeError that says so.  Any other
caller, such as ipykernel's shutdown, stops the loop as before.

The guard is an attribute of the loop object that shadows its class's
``stop``.  uvloop's loop takes no attributes, so it goes unguarded.
"""

from __future__ import annotations

import asyncio

from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change

__all__ = ["GuardedStop", "StopGuard"]

REFUSAL = (
    "a job cannot stop the event loop the session runs on (it would end the session): "
    "return from the job instead, or cancel it"
)


class GuardedStop:
    """``loop.stop``, refused to a job's own code."""

    def __init__(self, stop):
        self.stop = stop

    def __repr__(self) -> str:  # as asyncio names a callback that failed
        return f"<{getattr(self.stop, '__qualname__', 'stop')}, refused to jobs by ipython_bg>"

    def __call__(self) -> None:
        if CURRENT.get() is not None:
            raise RuntimeError(REFUSAL)
        self.stop()


class StopGuard(Change):
    """``loop.stop`` refused to jobs, as an attribute of the loop object
    that shadows its class's method; a loop that takes no attribute of its
    own (uvloop's, a C type) goes unguarded (:attr:`guarded` says)."""

    why = "a job's code cannot stop the event loop the session runs on"

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.guarded = False

    def install(self) -> None:
        if isinstance(self.loop.stop, GuardedStop):
            return  # guarded by a session of before (a reload), still in place
        try:
            self.loop.stop = GuardedStop(self.loop.stop)
        except AttributeError:  # uvloop's Loop, a C type
            return
        self.guarded = True

    def uninstall(self) -> None:
        if self.guarded and isinstance(self.loop.__dict__.get("stop"), GuardedStop):
            del self.loop.stop
        self.guarded = False
