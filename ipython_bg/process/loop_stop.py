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

__all__ = ["guard_stop", "unguard_stop"]

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


def guard_stop(loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop | None:
    """``loop``, its ``stop`` now guarded; None where the loop takes no
    attribute of its own."""
    if not isinstance(loop.stop, GuardedStop):
        try:
            loop.stop = GuardedStop(loop.stop)
        except AttributeError:  # uvloop's Loop, a C type
            return None
    return loop


def unguard_stop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Undo :func:`guard_stop` (given what it returned); returns None."""
    if loop is not None and isinstance(loop.stop, GuardedStop):
        del loop.stop
