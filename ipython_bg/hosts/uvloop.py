"""``BackgroundJobs.loop = 'uvloop'``: IPython's loop, which jobs and the
terminal prompt run on, made a uvloop loop when the extension loads."""

from __future__ import annotations

import asyncio

from ipython_bg._internals import ipython_loop, set_ipython_loop
from ipython_bg.process.changes import Change

__all__ = ["UvloopLoop", "use_uvloop"]


class UvloopLoop(Change):
    """IPython's loop replaced by a new uvloop loop; the old one put back.
    The uvloop loop is dropped, not closed, when undone: objects made on it
    (a server, say) may still be referenced by the user."""

    why = "BackgroundJobs.loop = 'uvloop': IPython's event loop is a uvloop loop"

    def __init__(self, make):
        self.make = make
        self.previous = None

    def install(self) -> None:
        self.previous = ipython_loop()
        set_ipython_loop(self.make())

    def uninstall(self) -> None:
        set_ipython_loop(self.previous)


def use_uvloop(host) -> None:
    """Make IPython's loop a uvloop loop if ``host.settings.loop`` says so
    and the loop in place can still be replaced; else say why not."""
    if host.settings.loop != "uvloop":
        return
    if host.in_kernel:
        host.warn_once("uvloop", "a kernel's event loop belongs to the kernel: BackgroundJobs.loop is ignored here")
        return
    try:
        import uvloop
    except ImportError:
        host.warn_once("uvloop", "BackgroundJobs.loop is 'uvloop' but uvloop is not installed; using asyncio's loop")
        return
    current = ipython_loop()
    if current is not None and not current.is_closed() and (current.is_running() or asyncio.all_tasks(current)):
        host.warn_once("uvloop", "IPython's event loop already has tasks, so it stays; uvloop applies from a fresh session")
        return
    host.held.take(("ipython loop",), lambda: UvloopLoop(uvloop.new_event_loop))
