"""ipykernel 6's shell messages handled again after a job cancelled them.

ipykernel 6 handles shell messages (cells, completions, inspections) one
after another in one task.  A job that cancels every task it sees, as
shutdown routines do, cancels that one too, and the kernel then answers
nothing more though its process lives.  While the extension is loaded, an
end of that task by cancellation starts it again, as the kernel's start
did.  ipykernel 7 dispatches otherwise, and is left alone.
"""

from __future__ import annotations

import asyncio

from ipython_bg._internals import kernel_dispatch_task
from ipython_bg.process.changes import Change

__all__ = ["DispatchKeeper"]


class DispatchKeeper(Change):
    """Keeps ipykernel 6's message handling running for ``kernel``."""

    why = "ipykernel 6's message handling starts again if a job cancels it"

    def __init__(self, kernel):
        self.kernel = kernel
        self.task: asyncio.Task | None = None

    def install(self) -> None:
        self.task = kernel_dispatch_task(self.kernel)
        if self.task is not None:
            self.task.add_done_callback(self._ended)

    def uninstall(self) -> None:
        if self.task is not None:
            self.task.remove_done_callback(self._ended)
            self.task = None

    def _ended(self, task: asyncio.Task) -> None:
        loop = task.get_loop()
        if task is not self.task or not task.cancelled() or loop.is_closed():
            return
        self.kernel.log.warning("ipython_bg: a job cancelled the kernel's message handling; it runs again")
        self.task = loop.create_task(self.kernel.dispatch_queue())
        self.task.add_done_callback(self._ended)
