"""Every use of a library's private API, one small function each.

Nothing else in ipython_bg reaches into asyncio's, IPython's, ipykernel's or
CPython's internals: when one of them changes, this file is where to look.
Libraries are imported where a function needs them: the job model uses
this module too, and must not load IPython.
Each function says why there is no public way, the upstream issue that
asks for one (or that none is known), and the versions it was checked
against (Python 3.10-3.13, IPython 8.x-9.x, ipykernel 6.29-7.x).
"""

from __future__ import annotations

import asyncio
import functools
import linecache
import sys

__all__ = [
    "cache_cell_source",
    "caller_frame",
    "get_selector",
    "idle_sigint",
    "kernel_dispatch_task",
    "ipython_asyncio_runner",
    "ipython_loop",
    "register_source",
    "running_loop",
    "set_idle_sigint",
    "set_ipython_loop",
    "set_selector",
    "unregister_magics",
    "unwrap_prompt_stdout",
    "wrap_prompt_stdout",
]


#: The event loop running in this thread, or ``None``: asked at every job's
#: start.  ``asyncio.get_running_loop()`` raises instead, so every job a
#: synchronous cell starts (no loop runs there) would raise and catch an
#: exception, which ``python -m benchmarks overhead`` shows.  No public way
#: without it; ``_get_running_loop`` is in ``asyncio.events.__all__``, the
#: same lookup without the exception (Python 3.7-3.13).
running_loop = asyncio._get_running_loop


#: The frame ``depth`` calls up from the caller: ``sys._getframe``, CPython's
#: (``inspect.currentframe`` is the same lookup behind a Python call).  The
#: loop's task factory asks it for every task any library makes, to tell the
#: tasks the user's cells ask for (engine/adopt.py); a Python call more per
#: task would show in ``python -m benchmarks tasks`` (CPython 3.10-3.13).
caller_frame = sys._getframe


def get_selector(loop: asyncio.AbstractEventLoop):
    """The selector a selector event loop waits in, or ``None`` (uvloop).

    asyncio has no hook for "the loop woke up"; the selector is the one
    object every iteration passes through (``BaseSelectorEventLoop._selector``,
    the same from 3.4 to 3.13).
    """
    selector = getattr(loop, "_selector", None)
    return selector if selector is not None and hasattr(selector, "select") else None


def set_selector(loop: asyncio.AbstractEventLoop, selector) -> None:
    loop._selector = selector


def idle_sigint(kernel):
    """The SIGINT handler ipykernel puts back after each message it handles
    (SIG_IGN, as it starts), or ``None`` without a kernel.

    ipykernel sets ``default_int_handler`` around each message handler and
    then restores the handler it saved, ``Kernel.saved_sigint_handler`` (a
    plain attribute, no API): a handler set during a cell lasts only to the
    end of that message without :func:`set_idle_sigint` (ipykernel 6.29-7.x).
    """
    return getattr(kernel, "saved_sigint_handler", None)


def set_idle_sigint(kernel, handler) -> None:
    """Make ``handler`` what ipykernel restores after the message it handles."""
    if kernel is not None and hasattr(kernel, "saved_sigint_handler") and handler is not None:
        kernel.saved_sigint_handler = handler


def ipython_loop():
    """IPython's own asyncio loop, or ``None`` if it has not made it yet.

    ``get_asyncio_loop()`` is public but makes the loop; IPython keeps it in
    a module global with no getter that leaves it alone (IPython 8.0-9.x).
    Upstream: ipython/ipython#14297 asks how a library is to be given
    IPython's loop, or keep its own.
    """
    from IPython.core import async_helpers

    return async_helpers._asyncio_event_loop


def set_ipython_loop(loop) -> None:
    """Make ``loop`` the one IPython's ``get_asyncio_loop()`` returns (for
    ``BackgroundJobs.loop = 'uvloop'``): IPython offers no setter, nor a
    loop factory (IPython 8.0-9.x; upstream: ipython/ipython#14297)."""
    from IPython.core import async_helpers

    async_helpers._asyncio_event_loop = loop


def ipython_asyncio_runner():
    """IPython's default asyncio ``loop_runner``.

    ipykernel awaits a cell in its own loop only while ``shell.loop_runner``
    is this very object, and ``%autoawait asyncio`` puts it back; neither
    project exports it under a public name (IPython 8.0-9.x, ipykernel
    6.29-7.x).  Upstream: ipython/ipython#13822 (no public way to name or
    replace the runners).
    """
    from IPython.core import async_helpers

    return async_helpers._asyncio_runner


def kernel_dispatch_task(kernel):
    """The task in which ipykernel 6 handles shell messages one after
    another, or None (ipykernel 7 dispatches otherwise).

    ``Kernel.start`` runs ``Kernel.dispatch_queue`` through the io_loop's
    ``add_callback`` and keeps no handle to its task, so it is found among
    the loop's tasks by its coroutine's code.  Checked against ipykernel 6.29;
    no upstream issue is known (ipykernel 7 no longer has the task).
    """
    method = getattr(type(kernel), "dispatch_queue", None)
    loop = getattr(getattr(kernel, "io_loop", None), "asyncio_loop", None)
    if method is None or loop is None:
        return None
    for task in asyncio.all_tasks(loop):
        if getattr(task.get_coro(), "cr_code", None) is method.__code__:
            return task
    return None




def register_source(filename: str, text: str) -> None:
    """Let tracebacks show ``text`` as the source of ``filename``: linecache
    has no public way to add a file that does not exist on disk
    (``lazycache`` refuses ``<...>`` names), so its ``cache`` dict is filled
    as IPython and attrs fill it (Python 3.10-3.13).  Upstream:
    python/cpython#156679 (``linecache.cache`` is undocumented)."""
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)


def cache_cell_source(shell, transformed: str, raw: str, number: int) -> str:
    """Compile-cache a cell body the way IPython does for its own cells, so
    tracebacks name it ``Cell In[N]``; returns the filename to compile with.
    ``CachingCompiler.cache`` is undocumented (IPython 8.0-9.x); no
    upstream issue is known."""
    return shell.compile.cache(transformed, number, raw_code=raw)


def unregister_magics(shell, magics) -> None:
    """Remove a Magics instance's magics: IPython has ``register_magics``
    but no way back (IPython 8.0-9.x; no upstream issue is known), so the
    manager's ``magics`` tables are edited.  Only entries still bound to
    ``magics`` go, so a user's later redefinition stays."""
    manager = shell.magics_manager
    for kind, names in magics.magics.items():
        table = manager.magics[kind]
        for name in names:
            if getattr(table.get(name), "__self__", None) is magics:
                del table[name]
    if manager.registry.get(type(magics).__name__) is magics:
        del manager.registry[type(magics).__name__]


#: The modules of IPython's terminal that enter prompt_toolkit's patch_stdout:
#: the prompt (``prompt_for_code``) and its completer (``get_completions``).
_PROMPT_MODULES = ("IPython.terminal.interactiveshell", "IPython.terminal.ptutils")


def wrap_prompt_stdout(replacement) -> bool:
    """Make IPython's terminal prompt, and its completer, enter
    ``replacement(original, *args, **kwargs)`` where they enter
    ``original(*args, **kwargs)``, prompt_toolkit's ``patch_stdout``; False
    if this IPython's prompt cannot be reached so.

    ``TerminalInteractiveShell.prompt_for_code`` enters ``patch_stdout``
    (the name its module imports from prompt_toolkit), which swaps a new
    proxy into ``sys.stdout`` for each prompt, and then runs the loop, with
    no hook between the two and no setting to leave the streams alone.  So
    that module name is replaced, and the completer's (``ptutils``) too.
    Checked against IPython 8.18-9.19.
    """
    wrapped = False
    for name in _PROMPT_MODULES:
        module = sys.modules.get(name)
        original = getattr(module, "patch_stdout", None)
        if original is None:
            continue
        wrapped = True
        if getattr(original, "_ipython_bg_wraps", None) is None:
            wrapper = functools.partial(replacement, original)
            wrapper._ipython_bg_wraps = original
            module.patch_stdout = wrapper
    return wrapped


def unwrap_prompt_stdout() -> None:
    for name in _PROMPT_MODULES:
        module = sys.modules.get(name)
        original = getattr(getattr(module, "patch_stdout", None), "_ipython_bg_wraps", None)
        if original is not None:
            module.patch_stdout = original
