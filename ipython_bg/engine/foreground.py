"""The foreground runner: the loop runs until one awaitable ends, and Ctrl-C
belongs to that awaitable alone.

Modelled on :class:`asyncio.Runner`: the first SIGINT cancels the foreground
task (its ``finally`` blocks run), a second raises KeyboardInterrupt at once
for code that never yields.  Unlike a plain ``run_until_complete``, a
SIGINT never lands in whichever background task happens to be running.
The wait claims SIGINT (and SIGTSTP) from the process's one owner of them
(:mod:`ipython_bg.process.signals`) rather than setting a handler itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import signal
from typing import Callable

from ipython_bg.model.failures import showable
from ipython_bg.model.job import Job
from ipython_bg.model.tracebacks import raise_at_source, user_frames
from ipython_bg.process.signals import SIGNALS, Claim

__all__ = [
    "ForegroundInterrupt",
    "ForegroundRunner",
    "ForegroundSuspended",
    "ForegroundTimeout",
    "JobCancelled",
    "LoopBusy",
    "failed_with",
    "interrupt_waits",
    "results",
    "run_until_done",
]


class ForegroundInterrupt(KeyboardInterrupt):
    """Ctrl-C cancelled the foreground job; background jobs were left alone."""


class ForegroundTimeout(TimeoutError):
    """``timeout`` ran out before the foreground job ended; it keeps running."""

    def __init__(self, job, timeout: float):
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


def failed_with(jobs: list[Job], exc: BaseException) -> bool:
    """Whether ``exc`` is one of the jobs' own failures (raised by
    :func:`results`), not the wait's."""
    return any(job.done() and not job.cancelled() and job.exception() is exc for job in jobs)


def results(jobs: list[Job]) -> list:
    """The jobs' results in order; the first failure raised, with the
    traceback the job had when it failed."""
    __tracebackhide__ = True  # the job's failure shows the job's frames
    for job in jobs:
        if job.cancelled():
            raise JobCancelled(job) from None
    for job in jobs:
        exc = job.exception()
        if exc is not None:
            exc = showable(exc)
            tb = job.failure_traceback()
            if tb is None:
                filename = f"<job {job.id}>" if job.id is not None else "<job>"
                raise_at_source(exc, filename, job.source)
            raise exc.with_traceback(tb)
    return [job.result() for job in jobs]


class _Wait(enum.Enum):
    """Why the foreground wait stopped."""

    DONE = "done"
    TIMEOUT = "timeout"
    SUSPENDED = "suspended"
    INTERRUPTED = "interrupted"


#: What an ``interrupt`` callback returns when what it waits for cannot be
#: stopped (a thread's call): the wait then ends, the awaitable goes on.
LEAVE = "leave"


class ForegroundRunner:
    """Runs one awaitable on the loop until it ends, owning Ctrl-C meanwhile.

    An instance is also a valid ``InteractiveShell.loop_runner``.
    """

    def __init__(self, home_loop: Callable[[], asyncio.AbstractEventLoop]):
        self.home_loop = home_loop
        self.interrupted = False
        self._held = None  # a Ctrl-C claim held while a wait is set up, and what it heard

    def __call__(self, coro):
        return self.run(coro)

    @contextlib.contextmanager
    def ctrl_c_held(self):
        """While a wait is set up (its job made, a worker thread started), a
        Ctrl-C is kept for the wait, which acts on it as it starts, rather
        than raised in the middle of the set-up (a job started, and lost)."""
        pressed: list[bool] = []
        claim = SIGNALS.claim(signal.SIGINT, lambda frame: pressed.append(True) or True)
        self._held = (claim, pressed)
        try:
            yield
        finally:
            self._held = None
            claim.release()

    def __str__(self) -> str:
        return "asyncio (ipython_bg)"

    def run(self, awaitable, *, timeout: float | None = None, interrupt: Callable | None = None, suspendable=False):
        """Run the loop until ``awaitable`` ends and return its result.

        ``interrupt`` replaces ``future.cancel`` as what the first Ctrl-C
        does; if it returns :data:`LEAVE`, the wait ends with
        :class:`ForegroundInterrupt` and the awaitable goes on.  After
        ``timeout`` seconds, or on Ctrl-Z if ``suspendable`` (POSIX), the
        wait stops while the awaitable goes on.
        """
        __tracebackhide__ = True
        loop = self.home_loop()
        if loop.is_running():
            raise LoopBusy("the event loop is already running here: use `await` instead")
        future = _future_of(awaitable, loop)
        # Stop waiting without touching the job: a separate future that the
        # job's end, the timer or Ctrl-Z resolves, whichever comes first.
        waiter = loop.create_future()

        def release(reason: _Wait) -> None:
            if not waiter.done():
                waiter.set_result(reason)

        def on_done(_):
            release(_Wait.DONE)

        def stop() -> None:
            if (interrupt or future.cancel)() == LEAVE:
                release(_Wait.INTERRUPTED)

        future.add_done_callback(on_done)
        timer = loop.call_later(timeout, release, _Wait.TIMEOUT) if timeout is not None else None
        claims = self._claim_signals(loop, stop, release, suspendable)
        self._take_held_ctrl_c(loop, stop)
        try:
            return _outcome(loop.run_until_complete(waiter), future, timeout)
        except asyncio.CancelledError:
            if self.interrupted:
                raise ForegroundInterrupt() from None
            raise
        except KeyboardInterrupt as exc:
            # The second Ctrl-C is raised by our handler in whatever frame
            # ran: the user is shown their own frames, not the loop's or ours.
            raise exc.with_traceback(user_frames(exc.__traceback__))
        finally:
            for claim in claims:
                claim.release()
            if timer is not None:
                timer.cancel()
            future.remove_done_callback(on_done)

    def _take_held_ctrl_c(self, loop, stop) -> None:
        """The wait's own claim hears Ctrl-C from now on; one pressed while
        the wait was set up is its first."""
        held, self._held = self._held, None
        if held is None:
            return
        claim, pressed = held
        claim.release()
        if pressed:
            self.interrupted = True
            loop.call_soon(stop)

    def _claim_signals(self, loop, cancel, release, suspendable: bool) -> list[Claim]:
        """Claim SIGINT (and SIGTSTP) for one wait, from the one owner."""
        self.interrupted = False

        def on_sigint(frame) -> bool:
            if self.interrupted:
                raise KeyboardInterrupt
            self.interrupted = True
            # Wakes the loop if it sleeps in select(); safe in a handler.
            loop.call_soon_threadsafe(cancel)
            return True

        def on_sigtstp(frame) -> bool:
            loop.call_soon_threadsafe(release, _Wait.SUSPENDED)
            return True

        claims = [SIGNALS.claim(signal.SIGINT, on_sigint)]
        if suspendable and hasattr(signal, "SIGTSTP"):
            claims.append(SIGNALS.claim(signal.SIGTSTP, on_sigtstp))
        return claims


def _future_of(awaitable, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
    # Made directly, not through the loop's task factory: the cell's own
    # coroutine is the extension's to run, never a task to adopt.
    if asyncio.iscoroutine(awaitable):
        return asyncio.Task(awaitable, loop=loop)
    return asyncio.ensure_future(awaitable, loop=loop)


def _outcome(reason: _Wait, future: asyncio.Future, timeout: float | None):
    """What a wait that ended for ``reason`` returns or raises."""
    __tracebackhide__ = True
    if future.done():
        return future.result()
    if reason is _Wait.TIMEOUT:
        raise ForegroundTimeout(future, timeout)
    if reason is _Wait.INTERRUPTED:
        raise ForegroundInterrupt()
    raise ForegroundSuspended(future)


def run_until_done(loop: asyncio.AbstractEventLoop, task: asyncio.Task) -> None:
    """Run ``loop`` until ``task`` is done, again if a kernel's shutdown
    left a stop pending ("Event loop stopped before Future completed")."""
    while not task.done() and not loop.is_running() and not loop.is_closed():
        try:
            loop.run_until_complete(task)
        except RuntimeError:
            if task.done():
                raise
    if task.done() and not task.cancelled():
        task.exception()  # retrieved: a wait has no failure of its own to log


def interrupt_waits(jobs: list) -> object:
    """Ctrl-C during a wait: cancel the jobs that can stop; a thread's call
    that already runs cannot, so its job is left running (in the table,
    its end reported) rather than shown cancelled while it runs on unseen."""
    left = False
    for job in jobs:
        call = job.call
        if call is not None and call.future is not None and call.future.running() and not job.done():
            left = True
        else:
            job.cancel()
    return LEAVE if left else None
