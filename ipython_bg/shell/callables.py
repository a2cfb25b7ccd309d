"""What a callable is, for where a ``%bg`` call runs: on the job loop (an
``async def``, asyncio's own functions, a class whose objects bind to the
running loop), in a worker thread (anything else), or nowhere (``asyncio.run``
and friends run a loop of their own, and so go to a thread)."""

from __future__ import annotations

import asyncio
import builtins
import concurrent.futures
import inspect
import types
import typing

__all__ = [
    "belongs_to_asyncio", "blocks_on_a_loop", "has_async_interface", "is_coroutine_function",
    "makes_async_object", "runs_on_loop", "submits",
]


def is_coroutine_function(func) -> bool:
    if inspect.iscoroutinefunction(func) or asyncio.iscoroutinefunction(func):
        return True
    call = getattr(type(func), "__call__", None)
    return not inspect.isroutine(func) and not isinstance(func, type) and inspect.iscoroutinefunction(call)


def belongs_to_asyncio(func) -> bool:
    """True for asyncio's own functions and for methods of event loops and
    other asyncio objects: they never block, and must run on the loop's
    thread (``asyncio.gather``, ``asyncio.shield``, ``loop.run_in_executor``)."""
    owner = getattr(func, "__self__", None)
    if isinstance(owner, asyncio.AbstractEventLoop):
        return True
    module = getattr(func, "__module__", None) or ""
    if owner is not None and not isinstance(owner, types.ModuleType):
        module = type(owner).__module__ or module
    return module == "asyncio" or module.startswith("asyncio.")


# asyncio's entry points that run a loop to the end: they block, so they go
# to a worker thread (where ``asyncio.run`` makes a loop of its own), never
# onto the job loop, which they could not run from inside.
_BLOCKING_LOOP_METHODS = frozenset({"run_until_complete", "run_forever"})


def blocks_on_a_loop(func) -> bool:
    """True for ``asyncio.run``, ``loop.run_until_complete`` (and
    ``run_forever``) and ``asyncio.Runner(...).run``."""
    if func is asyncio.run:
        return True
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", None)
    if isinstance(owner, asyncio.AbstractEventLoop):
        return name in _BLOCKING_LOOP_METHODS
    # asyncio.Runner is new in Python 3.11.
    runner = getattr(asyncio, "Runner", None)
    return runner is not None and isinstance(owner, runner) and name == "run"


def has_async_interface(cls) -> bool:
    """True for a class whose instances are awaitable, async context managers
    or async iterators: such objects bind to the running loop when made
    (``aiohttp.ClientSession``, websockets' ``Server``), so they must be made
    where the job loop runs, not in a worker thread."""
    return isinstance(cls, type) and any(
        hasattr(cls, name) for name in ("__await__", "__aenter__", "__aiter__", "__anext__")
    )


def makes_async_object(func) -> bool:
    """True for a class with an async interface, or a function annotated to
    return one (``websockets.serve() -> Server``)."""
    if isinstance(func, type):
        return has_async_interface(func)
    if not (inspect.isfunction(func) or inspect.ismethod(func)):
        return False
    returns = getattr(func, "__annotations__", {}).get("return")
    if isinstance(returns, str):
        returns = _resolve_name(returns, getattr(inspect.unwrap(func), "__globals__", {}))
    # A generic (``Manager[Response]``) stands for its class.
    return has_async_interface(typing.get_origin(returns) or returns)


def _resolve_name(text: str, namespace: dict):
    """A string annotation that is a (dotted) name, looked up without
    evaluating anything; None for anything else."""
    text = text.split("[", 1)[0]  # ``Manager[Response]``: the class is enough
    first, *rest = text.strip().split(".")
    value = namespace.get(first, getattr(builtins, first, None))
    for part in rest:
        value = getattr(value, part, None)
    return value


def submits(func) -> bool:
    """``executor.submit``: it schedules and returns a future at once."""
    return getattr(func, "__name__", None) == "submit" and isinstance(
        getattr(func, "__self__", None), concurrent.futures.Executor
    )


def runs_on_loop(func) -> bool:
    return (belongs_to_asyncio(func) or makes_async_object(func)) and not blocks_on_a_loop(func)
