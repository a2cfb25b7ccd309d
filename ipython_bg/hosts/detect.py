"""Which integration a shell gets: a terminal, a kernel or a plain shell."""

from __future__ import annotations

import sys

from ipython_bg.engine.control import JobControl
from ipython_bg.hosts.base import Host, UnsupportedShell
from ipython_bg.hosts.terminal.host import TerminalHost

__all__ = ["host_for"]


def host_for(shell, control: JobControl, settings, foreground_async) -> Host:
    """The integration that fits ``shell``."""
    if type(shell).__module__.startswith("ipykernel"):
        app = getattr(getattr(shell, "kernel", None), "parent", None)
        if getattr(shell, "trio_runner", None) is not None or getattr(app, "trio_loop", False):
            raise UnsupportedShell(
                "this kernel runs trio, not asyncio (--IPKernelApp.trio_loop): ipython_bg needs an asyncio event loop"
            )
        from ipython_bg.hosts.kernel.host import KernelHost

        return KernelHost(shell, control, settings, foreground_async)
    terminal = sys.modules.get("IPython.terminal.interactiveshell")
    if terminal is not None and isinstance(shell, terminal.TerminalInteractiveShell) and not shell.simple_prompt:
        return TerminalHost(shell, control, settings)
    return Host(shell, control, settings)
