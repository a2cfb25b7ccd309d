"""Starting jobs and waiting for them: the engine behind the magics.

This is Nick Coghlan's proposal as a library: :func:`run_in_background` is
the shell's ``&`` and :func:`run_in_foreground` is ``fg``.  It needs no
IPython; the extension gives its :class:`JobControl` IPython's loop and
listens for finished jobs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import linecache
import signal
import sys
import threading
import time
import types
from typing import Any, Callable, Iterable

from .jobs import Endings, Job, JobKind, JobTable, ThreadCall, _is_awaitable

__all__ = [
    "ForegroundInterrupt",
    "ForegroundSuspended",
    "ForegroundTimeout",
    "JobCancelled",
    "JobControl",
    "LoopBusy",
    "current_control",
    "run_in_background",
    "run_in_foreground",
]


class ForegroundInterrupt(KeyboardInterrupt):
    """Ctrl-C cancelled the foreground job; background jobs were left alone."""


class ForegroundTimeout(TimeoutError):
    """``timeout`` ran out before the foreground job ended; it keeps running."""

    def __init__(self, job: Job, timeout: float):
        super().__init__(f"gave up after {timeout:g} s")
        self.job = job
        self.timeout = timeout


class ForegroundSuspended(Exception):
    """Ctrl-Z sent the foreground job to the background, as ``bg`` would."""

    def __init__(self, job):
        super().__init__("continued in background")
        self.job = job


class JobCancelled(Exception):
    """A job waited for in the foreground had been cancelled (not by this
    wait's Ctrl-C)."""

    def __init__(self, job: Job):
        super().__init__(f"job {job.id} was cancelled")
        self.job = job


class LoopBusy(RuntimeError):
    """The loop is already running here, so nothing can block on it."""


def describe(target: Any) -> str:
    """Short source-like text for a target given without its source."""
    if asyncio.iscoroutine(target):
        code = getattr(target, "cr_code", None)
        name = getattr(code, "co_qualname", None) or getattr(target, "__qualname__", None)
        return f"{name or type(target).__name__}()"
    if isinstance(target, functools.partial):
        return repr(target)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if callable(target) and name:
        return name
    return repr(target)


async def _await(awaitable):
    return await awaitable


async def _finish_call(call: ThreadCall, loop: asyncio.AbstractEventLoop):
    try:
        result = await asyncio.wrap_future(call.future, loop=loop)
    except asyncio.CancelledError:
        if call.stop is not None:
            call.stop()
        raise
    if _is_awaitable(result):
        # A call made in a thread gave back an awaitable (aiohttp's
        # session.get does): the job goes on by awaiting it on the loop.
        call.continued = True
        result = await result
    return result


def unpicklable(func, args: tuple, kwargs: dict) -> str | None:
    """Why a call cannot be sent to a pickling process pool, naming the
    culprit; ``None`` if it can."""
    import pickle

    parts = [("the function", func)]
    parts += [(f"argument {number}", value) for number, value in enumerate(args, 1)]
    parts += [(f"argument {name}=", value) for name, value in kwargs.items()]
    for label, value in parts:
        try:
            pickle.dumps(value)
        except Exception as exc:
            return f"{label} ({type(value).__name__}) cannot be pickled for a process pool: {exc}"
    return None


def _is_dask_client(executor) -> bool:
    # Duck-typed so that nothing imports distributed unless it is used.
    return type(executor).__module__.startswith("distributed") and hasattr(executor, "submit") and hasattr(
        executor, "gather"
    )


def _submit_to_dask(client, call: ThreadCall) -> None:
    """Submit to a ``distributed.Client`` and mirror its future into a
    ``concurrent.futures.Future``: cancelling the job cancels the task on
    the cluster; a failure keeps the worker's traceback."""
    remote = client.submit(call.func, *call.args, pure=False, **call.kwargs)
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


def _raise_if_cancelled(jobs: list[Job]) -> None:
    for job in jobs:
        if job.cancelled():
            raise JobCancelled(job) from None


def _results(jobs: list[Job]) -> list:
    """The jobs' results in order; the first failure raised, with the
    traceback the job had when it failed."""
    __tracebackhide__ = True  # the job's failure shows the job's frames
    _raise_if_cancelled(jobs)
    for job in jobs:
        exc = job.exception()
        if exc is not None:
            tb = job.failure_traceback()
            if tb is None:
                _raise_at_source(job, exc)
            raise exc.with_traceback(tb)
    return [job.result() for job in jobs]


def _raise_at_source(job: Job, exc: BaseException):
    """Raise a failure that has no frame of the user's (a builtin or a class
    called in a worker: ``int('x')``) from a frame that shows the job's own
    text, rather than from ipython_bg's code."""
    __tracebackhide__ = True
    filename = f"<job {job.id}>" if job.id is not None else "<job>"
    linecache.cache[filename] = (len(job.source) + 1, None, [job.source + "\n"], filename)
    exec(compile("raise failure", filename, "exec"), {"failure": exc.with_traceback(None)})


def _default_loop() -> asyncio.AbstractEventLoop:
    """The running loop, else one loop for this process made on first use."""
    global _plain_loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if _plain_loop is None or _plain_loop.is_closed():
        _plain_loop = asyncio.new_event_loop()
    return _plain_loop


_plain_loop: asyncio.AbstractEventLoop | None = None
_get_running_loop = asyncio._get_running_loop  # None rather than an exception
_CoroutineType = types.CoroutineType
_copy_context = contextvars.copy_context


class JobControl:
    """Jobs on one event loop: start them, wait for them, hear when they end.

    ``get_loop`` returns the loop jobs run on (IPython's, in IPython).
    Callables run on a pool of ``worker_threads`` daemon threads unless an
    executor is given.  Every finished job is passed to each function in
    ``listeners`` (a failed one to ``failure_listeners`` too), on the loop's
    thread.
    """

    def __init__(
        self,
        get_loop: Callable[[], asyncio.AbstractEventLoop] | None = None,
        *,
        history: int = 1000,
        worker_threads: int = 32,
        process_workers: int | None = None,
    ):
        self.get_loop = get_loop or _default_loop
        self.table = JobTable(history)
        self.worker_threads = worker_threads
        self.endings = Endings(self.table)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.runner = ForegroundRunner(self.get_loop)
        self._threads: "DaemonThreadPool | None" = None
        self._processes: "ForkPool | None" = None
        self.process_workers = process_workers

    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop jobs start on: the running one, else ``get_loop()``'s
        (remembered until it is closed)."""
        running = _get_running_loop()
        if running is not None:
            return running
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._loop = self.get_loop()
        return loop

    def set_worker_threads(self, count: int) -> None:
        self.worker_threads = count
        if self._threads is not None:
            self._threads.max_workers = count

    @property
    def processes(self) -> "ForkPool":
        """The extension's own process pool (made on first use)."""
        if self._processes is None:
            from .workers import ForkPool

            self._processes = ForkPool(self.process_workers)
        return self._processes

    @property
    def threads(self) -> "DaemonThreadPool":
        if self._threads is None:
            from .workers import DaemonThreadPool

            self._threads = DaemonThreadPool(self.worker_threads)
        return self._threads

    # -- starting jobs -----------------------------------------------------

    def background(
        self,
        target: Any,
        *,
        source: str | None = None,
        executor: concurrent.futures.Executor | None = None,
        assign_to: str | None = None,
        origin: str | None = None,
    ) -> Job:
        """Start ``target`` as a job and return it.

        A coroutine, future or other awaitable is scheduled on the loop; a
        callable is called with no arguments in a worker thread (or on
        ``executor``).  ``assign_to`` and ``origin`` go to the Job.
        """
        if type(target) is _CoroutineType:
            return _start(self, target, source, assign_to, origin)
        job = self.create(target, source=source, executor=executor, assign_to=assign_to, origin=origin)
        return self.adopt(job)

    def create(
        self,
        target: Any,
        *,
        source: str | None = None,
        executor: concurrent.futures.Executor | None = None,
        assign_to: str | None = None,
        origin: str | None = None,
    ) -> Job:
        """A started job that is not (yet) in the table."""
        if isinstance(target, Job):
            return target
        if source is None:
            source = describe(target)
        if asyncio.iscoroutine(target):
            return Job(target, self.loop(), source, assign_to=assign_to, origin=origin)
        if _is_awaitable(target):
            return Job(_await(target), self.loop(), source, assign_to=assign_to, origin=origin)
        if callable(target):
            return self.create_call(
                target, (), {}, source=source, executor=executor, assign_to=assign_to, origin=origin
            )
        raise TypeError(
            f"cannot run {type(target).__name__} in the background: "
            "give a coroutine, an awaitable or a callable"
        )

    def create_call(
        self,
        func: Callable,
        args: tuple,
        kwargs: dict,
        *,
        source: str,
        executor: concurrent.futures.Executor | None = None,
        assign_to: str | None = None,
        origin: str | None = None,
    ) -> Job:
        """A job for ``func(*args, **kwargs)``, which starts on a worker now.

        The call is submitted before this returns, so it runs even while the
        loop does not (during a synchronous cell).  Worker threads get a
        copy of the caller's context variables, which they do not inherit.
        """
        from .workers import DaemonThreadPool, ForkPool  # on first use: loading stays quick

        loop = self.loop()
        if executor is None or isinstance(executor, (DaemonThreadPool, concurrent.futures.ThreadPoolExecutor)):
            call = ThreadCall(func, args, kwargs, contextvars.copy_context())
            call.future = (executor or self.threads).submit(call)
            kind = JobKind.THREAD
        elif _is_dask_client(executor):
            call = ThreadCall(func, args, kwargs)
            _submit_to_dask(executor, call)
            kind = JobKind.DASK
        else:
            # Another process: the context cannot travel with the call.
            if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
                problem = unpicklable(func, args, kwargs)
                if problem:
                    raise TypeError(problem)
            call = ThreadCall(func, args, kwargs)
            if isinstance(executor, ForkPool):
                # The pool stamps the call's start and end in this process.
                call.future = executor.submit(call)
                call.stop = functools.partial(executor.terminate, call.future)
            else:
                call.future = executor.submit(func, *args, **kwargs)
            kind = (
                JobKind.PROCESS
                if isinstance(executor, (ForkPool, concurrent.futures.ProcessPoolExecutor))
                else JobKind.EXECUTOR
            )
        job = Job(_finish_call(call, loop), loop, source, assign_to, origin)
        job.kind = kind
        job.call = call
        return job

    def adopt(self, job: Job) -> Job:
        """Put ``job`` in the table and report its end (once).  A job that
        was in the table once and was forgotten stays forgotten."""
        if job.id is not None:
            return job
        self.table.add(job)
        if job.done():
            job._note_end()
            self.endings.add(job)
        else:
            job._endings = self.endings
        return job

    @property
    def listeners(self) -> list[Callable[[Job], object]]:
        """Called with every job that ends, on the loop's thread."""
        return self.endings.listeners

    @listeners.setter
    def listeners(self, listeners: list[Callable[[Job], object]]) -> None:
        self.endings.listeners = listeners

    @property
    def failure_listeners(self) -> list[Callable[[Job], object]]:
        """Called with every job that fails, after ``listeners``."""
        return self.endings.failure_listeners

    @failure_listeners.setter
    def failure_listeners(self, listeners: list[Callable[[Job], object]]) -> None:
        self.endings.failure_listeners = listeners

    def on_loop(self, function: Callable[[], Any]):
        """``function()``, called where asyncio sees the job loop running.

        In a kernel the loop already runs the cell; elsewhere it is run for
        the one step this takes (ready background callbacks run too).
        """
        loop = self.get_loop()
        if loop.is_running():
            return function()

        async def call():
            return function()

        return loop.run_until_complete(call())

    # -- waiting -------------------------------------------------------------

    def foreground(
        self,
        target: Any,
        *,
        timeout: float | None = None,
        source: str | None = None,
        suspendable: bool = False,
    ):
        """Run ``target`` until it ends and return its result.

        An awaitable or job is awaited; a callable runs in a worker thread
        while the loop keeps serving the background jobs.  If the wait stops
        first (``timeout``, or Ctrl-Z when ``suspendable``) the job goes on
        in the background, in the table, and ForegroundTimeout or
        ForegroundSuspended is raised.
        """
        __tracebackhide__ = True  # the job's failure shows the job's frames
        job = target if isinstance(target, Job) else self.create(target, source=source)
        try:
            return self.wait([job], timeout=timeout, suspendable=suspendable)[0]
        except (ForegroundTimeout, ForegroundSuspended):
            self.adopt(job)
            raise

    def wait(self, jobs: Iterable[Job], *, timeout: float | None = None, suspendable: bool = False) -> list:
        """Wait for every job and return their results in order.

        The first failure is raised once all have ended.  Ctrl-C cancels
        the jobs waited for, as ``fg`` then Ctrl-C would in a shell.
        """
        __tracebackhide__ = True  # the job's failure shows the job's frames
        jobs = list(jobs)
        for job in jobs:
            job.waited = True
        try:
            if len(jobs) == 1:
                try:
                    self.runner.run(jobs[0], timeout=timeout, suspendable=suspendable)
                except Exception:
                    if not jobs[0].done():
                        raise
                return _results(jobs)
            gathered = asyncio.gather(*jobs, return_exceptions=True)
            try:
                self.runner.run(
                    gathered,
                    timeout=timeout,
                    suspendable=suspendable,
                    interrupt=lambda: [job.cancel() for job in jobs],
                )
            except ForegroundInterrupt:
                gathered.cancel()
                raise
        except (ForegroundTimeout, ForegroundSuspended) as stopped:
            for job in jobs:
                job.waited = False
            stopped.job = jobs[0] if len(jobs) == 1 else jobs
            raise
        except asyncio.CancelledError:
            _raise_if_cancelled(jobs)
            raise
        return _results(jobs)

    async def foreground_async(self, job: Job, *, timeout: float | None = None):
        """:meth:`foreground` for a caller already running on the loop."""
        __tracebackhide__ = True  # the job's failure shows the job's frames
        try:
            return (await self.wait_async([job], timeout=timeout))[0]
        except ForegroundTimeout:
            self.adopt(job)
            raise

    async def wait_async(self, jobs: list[Job], *, timeout: float | None = None) -> list:
        """:meth:`wait` for a caller already running on the loop.  If the
        caller is cancelled (a kernel interrupt), the jobs are cancelled and
        given a moment to run their ``finally`` blocks first."""
        __tracebackhide__ = True  # the job's failure shows the job's frames
        for job in jobs:
            job.waited = True
        try:
            _, pending = await asyncio.wait(jobs, timeout=timeout)
        except asyncio.CancelledError:
            for job in jobs:
                job.cancel()
            await asyncio.wait(jobs, timeout=1.0)
            raise
        if pending:
            for job in jobs:
                job.waited = False
            raise ForegroundTimeout(jobs[0] if len(jobs) == 1 else jobs, timeout)
        return _results(jobs)

    # -- ending --------------------------------------------------------------

    def cancel_all(self, timeout: float = 2.0) -> list[Job]:
        """Cancel every unfinished job and, where the loop is free, give
        their ``finally`` blocks up to ``timeout`` seconds to run."""
        running = self.table.running()
        for job in running:
            job.cancel()
        loop = self.get_loop()
        if running and not loop.is_running() and not loop.is_closed():
            loop.run_until_complete(asyncio.wait(running, timeout=timeout))
        return running

    def close(self) -> None:
        """Stop the worker pools: threads are daemons and never hold the
        exit; processes are terminated."""
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None
        if self._processes is not None:
            self._processes.shutdown(wait=True, cancel_futures=True)
            self._processes = None


class ForegroundRunner:
    """Runs one awaitable on the loop until it ends, owning Ctrl-C meanwhile.

    A plain ``loop.run_until_complete`` lets SIGINT raise KeyboardInterrupt
    in whichever task happens to be running, often a busy background job.
    Here the first Ctrl-C only cancels the foreground awaitable (its
    ``finally`` blocks run, the background jobs never see it); a second one
    raises KeyboardInterrupt at once, for code that never yields.

    An instance is also a valid ``InteractiveShell.loop_runner``.
    """

    def __init__(self, get_loop: Callable[[], asyncio.AbstractEventLoop]):
        self.get_loop = get_loop
        self.interrupted = False

    def __call__(self, coro):
        return self.run(coro)

    def __str__(self) -> str:
        return "asyncio (ipython_bg)"

    def run(
        self,
        awaitable,
        *,
        timeout: float | None = None,
        interrupt: Callable[[], Any] | None = None,
        suspendable: bool = False,
    ):
        """Run the loop until ``awaitable`` ends and return its result.

        ``interrupt`` replaces ``future.cancel`` as what the first Ctrl-C
        does.  After ``timeout`` seconds, or on Ctrl-Z if ``suspendable``
        (POSIX), the wait stops while the awaitable goes on:
        :class:`ForegroundTimeout` or :class:`ForegroundSuspended`.
        """
        __tracebackhide__ = True
        loop = self.get_loop()
        if loop.is_running():
            raise LoopBusy("the event loop is already running here: use `await` instead")
        future = asyncio.ensure_future(awaitable, loop=loop)
        cancel = interrupt or future.cancel
        suspendable = suspendable and hasattr(signal, "SIGTSTP")
        waiter = future
        timer = None
        if timeout is not None or suspendable:
            # Stop waiting without touching the job: a separate future that
            # the job's end, the timer or Ctrl-Z resolves, whichever is first.
            waiter = loop.create_future()

            def release(reason):
                if not waiter.done():
                    waiter.set_result(reason)

            def on_done(_):
                release("done")

            future.add_done_callback(on_done)
            if timeout is not None:
                timer = loop.call_later(timeout, release, "timeout")
        self.interrupted = False

        def on_sigint(signum, frame):
            if self.interrupted:
                raise KeyboardInterrupt
            self.interrupted = True
            # Wakes the loop if it sleeps in select(); safe in a handler.
            loop.call_soon_threadsafe(cancel)

        def on_sigtstp(signum, frame):
            loop.call_soon_threadsafe(release, "suspended")

        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous[signal.SIGINT] = signal.signal(signal.SIGINT, on_sigint)
            if suspendable:
                previous[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, on_sigtstp)
        try:
            outcome = loop.run_until_complete(waiter)
            if waiter is future:
                return outcome
            if future.done():
                return future.result()
            if outcome == "timeout":
                raise ForegroundTimeout(future, timeout)
            raise ForegroundSuspended(future)
        except asyncio.CancelledError:
            if self.interrupted:
                raise ForegroundInterrupt() from None
            raise
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            if timer is not None:
                timer.cancel()
            if waiter is not future:
                future.remove_done_callback(on_done)


_control: JobControl | None = None


def current_control() -> JobControl:
    """The JobControl the module-level functions use (the extension's, once
    loaded; else one made on first use with its own loop)."""
    global _control
    if _control is None:
        _control = JobControl()
        _control.failure_listeners.append(_report_failure)
    return _control


def set_control(control: JobControl | None) -> None:
    global _control
    _control = control


def _report_failure(job: Job) -> None:
    # Plain Python has no prompt to show notices at: say only what went wrong.
    exc = job.exception()
    print(f"[{job.id}] failed  {job.source}  {type(exc).__name__}: {exc}", file=sys.stderr)


def run_in_background(target: Any, *, executor: concurrent.futures.Executor | None = None) -> Job:
    """Start ``target`` in the background and return its :class:`Job`.

    A coroutine, future or awaitable is scheduled on the event loop; a
    callable is called with no arguments in a worker thread, or on
    ``executor``.  The job runs whenever the loop runs.
    """
    control = _control or current_control()
    if type(target) is _CoroutineType:
        return _start(control, target, None, None, None)
    return control.background(target, executor=executor)


def _start(control: JobControl, coro, source: str | None, assign_to: str | None, origin: str | None) -> Job:
    # A coroutine's job, started and in the table: the common case, and most
    # of a job's overhead, so kept flat and called with positional arguments
    # (keyword defaults and a second layer of calls cost 2.5% of a job).
    loop = _get_running_loop()  # never a closed one
    if loop is None:
        loop = control._loop
        if loop is None or loop.is_closed():
            loop = control.loop()
    if source is None:
        # One "name()" string per coroutine function, shared by its jobs
        # (and their tasks' names): not 50 bytes more per job kept.
        name = coro.__qualname__
        source = _sources.get(name)
        if source is None:
            if len(_sources) >= 1000:
                _sources.clear()  # functions made on the fly: keep it bounded
            source = _sources[name] = name + "()"
    # Job(...) would enter Job.__init__ from C (type call, then a new
    # interpreter frame); called from here it is a plain Python call,
    # 300 instructions less.  Same object, same __init__.
    job = _new_task(Job)
    _init_job(job, coro, loop, source, assign_to, origin, control.endings)  # into the table too
    return job


_sources: dict[str, str] = {}
_new_task = asyncio.Task.__new__
_init_job = Job.__init__


def run_in_foreground(target: Any, *, timeout: float | None = None):
    """Run the loop until ``target`` (a job, awaitable or callable) ends;
    return its result or raise its exception.  Background jobs progress
    meanwhile; Ctrl-C cancels ``target`` only."""
    return current_control().foreground(target, timeout=timeout)
