"""Handing a call to a worker: a thread pool, a process, any
``concurrent.futures.Executor`` or a Dask client.

:func:`submit` starts the call at once (so it runs even while the loop does
not, during a synchronous cell) and says what kind of job it makes;
:func:`finish_call` is the coroutine the job runs on the loop meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import pickle

from ipython_bg.engine.pools import DaemonThreadPool, ForkPool
from ipython_bg.model.call import ThreadCall
from ipython_bg.model.failures import RemoteFailure, call_portably, carry
from ipython_bg.model.job import JobKind, is_awaitable
from ipython_bg.model.output import CURRENT, Writer
from ipython_bg.model.tracebacks import describe_exception

__all__ = ["NotSubmitted", "executor_in", "finish_call", "is_dask_client", "kind_of", "submit", "unpicklable"]


class NotSubmitted(TypeError):
    """The executor would not take the call (it was shut down, or broken
    by an earlier call): said in one line, like a call it cannot pickle."""


def is_dask_client(executor) -> bool:
    # Duck-typed so that nothing imports distributed unless it is used.
    module = type(executor).__module__ or ""
    return module.startswith("distributed") and hasattr(executor, "submit") and hasattr(executor, "gather")


def executor_in(namespace: dict, name: str):
    """The executor the user named, or LookupError saying why it is not one."""
    try:
        executor = namespace[name]
    except KeyError:
        raise LookupError(f"no executor named {name!r} in the namespace") from None
    if not (isinstance(executor, concurrent.futures.Executor) or is_dask_client(executor)):
        kind = type(executor).__name__
        raise LookupError(f"{name!r} is a {kind}, not a concurrent.futures.Executor or a Dask Client")
    return executor


def unpicklable(func, args: tuple, kwargs: dict) -> str | None:
    """Why a call cannot be sent to a pickling process pool, naming the
    culprit; ``None`` if it can."""
    parts = [("the function", func)]
    parts += [(f"argument {number}", value) for number, value in enumerate(args, 1)]
    parts += [(f"argument {name}=", value) for name, value in kwargs.items()]
    for label, value in parts:
        try:
            pickle.dumps(value)
        except Exception as exc:
            return f"{label} ({type(value).__name__}) cannot be pickled for a process pool: {exc}"
    return None


def kind_of(executor) -> JobKind:
    """The kind of job that calls submitted to ``executor`` make."""
    if isinstance(executor, (DaemonThreadPool, concurrent.futures.ThreadPoolExecutor)):
        return JobKind.THREAD
    if is_dask_client(executor):
        return JobKind.DASK
    if isinstance(executor, (ForkPool, concurrent.futures.ProcessPoolExecutor)):
        return JobKind.PROCESS
    return JobKind.EXECUTOR


def submit(func, args: tuple, kwargs: dict, executor, output=None) -> tuple[ThreadCall, JobKind]:
    """Start ``func(*args, **kwargs)`` on ``executor``; TypeError if a process
    pool cannot take it.  Worker threads get a copy of the caller's context
    variables, which threads do not inherit; the call, running there, names
    the job's ``output``."""
    context = contextvars.copy_context()
    if isinstance(executor, (DaemonThreadPool, concurrent.futures.ThreadPoolExecutor)):
        call = ThreadCall(func, args, kwargs, context, output)
        call.future = _submitted(executor, call)
        return call, JobKind.THREAD
    call = ThreadCall(func, args, kwargs, output=output)
    # Where a process's output and progress are told, in this process.
    context.run(CURRENT.set, Writer(output))
    call.echo = context
    if is_dask_client(executor):
        _submit_to_dask(executor, call)
        return call, JobKind.DASK
    if isinstance(executor, ForkPool):
        # The pool stamps the call's start and end in this process.
        call.future = _submitted(executor, call)
        call.stop = functools.partial(executor.terminate, call.future)
        return call, JobKind.PROCESS
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        problem = unpicklable(func, args, kwargs)
        if problem:
            raise TypeError(problem)
        call.future = _submitted(executor, call_portably, func, args, kwargs)
        return call, JobKind.PROCESS
    call.future = _submitted(executor, func, *args, **kwargs)
    return call, JobKind.EXECUTOR


def _submitted(executor, func, *args, **kwargs) -> concurrent.futures.Future:
    try:
        return executor.submit(func, *args, **kwargs)
    except Exception as exc:
        raise NotSubmitted(f"{type(executor).__name__} did not take the call: {describe_exception(exc)}") from None


def _submit_to_dask(client, call: ThreadCall) -> None:
    """Submit to a ``distributed.Client`` and mirror its future into a
    ``concurrent.futures.Future``: cancelling the job cancels the task on
    the cluster; a failure keeps the worker's traceback."""
    import uuid  # imported on first use: loading stays quick

    from dask.utils import funcname

    # Named after the user's function, not the wrapper.
    key = f"{funcname(call.func)}-{uuid.uuid4().hex}"
    try:
        remote = client.submit(call_portably, call.func, call.args, call.kwargs, pure=False, key=key)
    except Exception as exc:
        raise NotSubmitted(f"the Dask client did not take the call: {describe_exception(exc)}") from None
    local: concurrent.futures.Future = concurrent.futures.Future()
    local.set_running_or_notify_cancel()

    def transfer(remote):
        try:
            if remote.status == "cancelled":
                local.set_exception(asyncio.CancelledError())
            else:
                local.set_result(remote.result())
        except BaseException as exc:
            local.set_exception(exc)

    remote.add_done_callback(transfer)
    call.future = local
    call.stop = remote.cancel
    call.where = f"dask key {remote.key}"


async def finish_call(call: ThreadCall, loop: asyncio.AbstractEventLoop):
    """Wait on the loop for a submitted call's outcome.  A failure that
    asyncio cannot take (see :class:`~ipython_bg.model.failures.Carried`) comes out
    carried."""
    __tracebackhide__ = True
    try:
        await _settled(call.future, loop)
    except asyncio.CancelledError:
        call.future.cancel()
        if call.stop is not None:
            call.stop()
        raise
    exc = None if call.future.cancelled() else call.future.exception()
    if call.future.cancelled() or isinstance(exc, (asyncio.CancelledError, concurrent.futures.CancelledError)):
        raise asyncio.CancelledError()  # the executor cancelled it (a Dask task cancelled on the cluster)
    if exc is not None:
        raise carry(exc)
    result = call.future.result()
    if isinstance(result, RemoteFailure):
        raise carry(result.rebuilt())
    if is_awaitable(result):
        # A call made in a thread gave back an awaitable (aiohttp's
        # session.get does): the job goes on by awaiting it on the loop.
        call.continued = True
        result = await result
    return result


def _settled(future: concurrent.futures.Future, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
    """An asyncio future that is done once ``future`` is, whatever its
    outcome: ``asyncio.wrap_future`` would copy the outcome over, and an
    asyncio future refuses a StopIteration (the job would never end)."""
    settled = loop.create_future()

    def wake(_) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(_settle, settled)

    future.add_done_callback(wake)
    return settled


def _settle(settled: asyncio.Future) -> None:
    if not settled.done():
        settled.set_result(None)
