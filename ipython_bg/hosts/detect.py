"""Which integration a shell gets: a kernel, a terminal or a plain shell.

Shells are recognised by their classes, never by module names: Spyder's
console runs ``spyder_kernels.console``, whose shell subclasses ipykernel's
``ZMQInteractiveShell`` from a module of its own, and embedded shells
(``IPython.embed``, ``start_ipython``) subclass the terminal's.  Neither
ipykernel nor IPython's terminal is imported here: a shell of one of their
classes means the module is loaded already.
"""

from __future__ import annotations

import sys

from ipython_bg.engine.control import JobControl
from ipython_bg.hosts.base import Host, UnsupportedShell

__all__ = ["host_for", "is_kernel_shell", "is_terminal_shell"]


def _instance_of(shell, module: str, name: str) -> bool:
    loaded = sys.modules.get(module)
    cls = getattr(loaded, name, None)
    return cls is not None and isinstance(shell, cls)


def is_kernel_shell(shell) -> bool:
    """An ipykernel shell, or a subclass's (Spyder's, the in-process kernel's)."""
    return _instance_of(shell, "ipykernel.zmqshell", "ZMQInteractiveShell")


def is_terminal_shell(shell) -> bool:
    """A prompt_toolkit terminal shell (embedded ones too), not under
    ``--simple-prompt``."""
    return _instance_of(shell, "IPython.terminal.interactiveshell", "TerminalInteractiveShell") and not shell.simple_prompt


def host_for(shell, control: JobControl, settings, foreground_async) -> Host:
    """The integration that fits ``shell``."""
    if is_kernel_shell(shell):
        app = getattr(getattr(shell, "kernel", None), "parent", None)
        if getattr(shell, "trio_runner", None) is not None or getattr(app, "trio_loop", False):
            raise UnsupportedShell(
                "this kernel runs trio, not asyncio (--IPKernelApp.trio_loop): ipython_bg needs an asyncio event loop"
            )
        from ipython_bg.hosts.kernel.host import KernelHost

        return KernelHost(shell, control, settings, foreground_async)
    if is_terminal_shell(shell):
        from ipython_bg.hosts.terminal.host import TerminalHost

        return TerminalHost(shell, control, settings)
    return Host(shell, control, settings)
