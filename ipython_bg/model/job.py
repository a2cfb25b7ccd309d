"""The job model: what a background job is.

Nothing here knows about IPython.  A :class:`Job` *is* an
:class:`asyncio.Task` (a subclass, not a wrapper), so asyncio treats it as
the future it is: ``await job``, ``asyncio.wait([j1, j2])``,
``asyncio.gather``, ``job.result()``, ``job.cancel()`` all work.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import inspect
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from ipython_bg.model.failures import Carried, awaitable_failure, carry, is_failure, original
from ipython_bg.model.labels import job_label
from ipython_bg.model.output import CURRENT, JobOutput
from ipython_bg.model.tracebacks import format_without_our_frames, without_our_frames

if TYPE_CHECKING:  # the call module imports this one
    from ipython_bg.model.call import ThreadCall

__all__ = ["Job", "JobKind", "JobState", "NoSuchJob", "is_awaitable"]

# Task(context=...) is new in Python 3.11.
_TASK_TAKES_CONTEXT = sys.version_info >= (3, 11)


class JobState(enum.Enum):
    PENDING = "pending"      # waiting for a worker (thread, process, executor)
    RUNNING = "running"
    STOPPED = "stopped (tty input)"  # read the terminal: waits for %fg
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class JobKind(enum.Enum):
    COROUTINE = "coroutine"
    THREAD = "thread"
    PROCESS = "process"
    EXECUTOR = "executor"
    DASK = "dask"


class NoSuchJob(LookupError):
    """A job spec matched no job (or matched several, for ``%name``)."""


def is_awaitable(value) -> bool:
    return hasattr(type(value), "__await__") or asyncio.iscoroutine(value)


class Job(asyncio.Task):
    """A background job: an asyncio Task with a shell-style identity.

    ``id`` is ``None`` until a :class:`~ipython_bg.model.table.JobTable` files the
    job.  ``on_end``, if set (:meth:`tell_end_to`), is called once with the
    job when it ends, within the job's last step and in its context.  Its
    state changes only through its own methods.
    """

    # Slots, as Task itself has no instance dict of its own to fill.
    __slots__ = (
        "id", "source", "kind", "call", "origin", "started", "ended", "waited", "on_end", "end_marker",
        "tty_stopped", "schedule", "adopted", "cancel_requested", "_inner", "_failure_tb", "output", "context",
    )

    def __init__(
        self,
        coro,
        *,
        loop: asyncio.AbstractEventLoop,
        source: str,
        kind: JobKind = JobKind.COROUTINE,
        call: ThreadCall | None = None,
        origin: str | None = None,
        context=None,
        output: JobOutput | None = None,
        schedule=None,
        adopted: bool = False,
        closes=None,
    ):
        # What the job prints is kept as its own (see output.py): _tracked
        # names the job in the task's context.
        self.output = output if output is not None else JobOutput()
        self._start_task(coro, loop, source, context)
        if call is not None:
            call.job = self
        self.id: int | None = None
        self.source = source
        self.kind = kind
        self.call = call
        self.origin = origin
        self.started = time.monotonic()
        self.ended: float | None = None
        self.waited = False  # someone waited for it in the foreground and got its outcome there
        self.on_end: Callable[[Job], object] | None = None
        # The table's + or - for the job as it ended (bash's notice keeps it).
        self.end_marker = ""
        # Its code called input() while nobody waited for it (process/input.py).
        self.tty_stopped = False
        self.cancel_requested = False
        # Its verbs (--timeout, --retries, --every, --after), if any: an
        # engine.schedule.Schedule, which says how far it has got.
        self.schedule = schedule
        # Made by the user's own asyncio.create_task (adopt.py): its result
        # went back to that code and is not stored anywhere.
        self.adopted = adopted
        # What a cancel before its first step must close (its coroutine, or
        # the verbs' and their first run's), or it would warn "never awaited".
        self._inner = coro if closes is None else closes
        self._failure_tb = None

    def _start_task(self, coro, loop, source: str, context) -> None:
        # The context its code runs in, kept so that its end is told in it
        # (engine/ends.py).  On 3.10 (no Task(context=)) it is set at the end.
        if context is None and _TASK_TAKES_CONTEXT:
            context = contextvars.copy_context()
        self.context = context
        # Named by its source, for whoever lists tasks by name (asyncio's
        # debug output, aiomonitor).
        if context is None:
            super().__init__(_tracked(self, coro), loop=loop, name=source)
        else:
            super().__init__(_tracked(self, coro), loop=loop, name=source, context=context)

    def tell_end_to(self, on_end: Callable[[Job], object]) -> None:
        """Call ``on_end(job)`` once when the job ends (it is filed)."""
        self.on_end = on_end

    def begin_wait(self) -> None:
        """Someone waits for it in the foreground and gets its outcome there."""
        self.waited = True

    def end_wait(self) -> None:
        """The wait stopped early: the job goes on in the background."""
        self.waited = False
        self.output.shown_in = None

    def show_output_in(self, context) -> None:
        """While a cell waits for the job in the foreground (a kernel's
        ``%fg``), what it writes goes to that cell (``context``, a copy of
        the cell's); None: to the cell that started it again."""
        self.output.shown_in = context

    def stop_for_input(self) -> None:
        """Its code called input() with nobody waiting: stopped (tty input)."""
        self.tty_stopped = True

    def resume_from_input(self) -> None:
        self.tty_stopped = False

    def end_reported(self, marker: str) -> None:
        """Its end is being told: ``marker`` is the table's ``+``/``-`` it
        had as it ended (bash's notice keeps it).  A job cancelled before
        its first step, on Python 3.10, has no context of its own: it is
        told in the reporter's."""
        self.end_marker = marker
        if self.context is None:
            self.context = contextvars.copy_context()

    def note_end(self, _future=None) -> None:
        if self.ended is not None:
            return
        call = self.call
        if call is None or call.ended is None or call.continued:
            self.ended = time.monotonic()
        else:
            self.ended = call.ended
            call.job = None  # its thread is done with it: no cycle of call and job to collect
        if self.on_end is not None:
            self.on_end(self)

    def cancel(self, msg=None) -> bool:
        wrapper = self.get_coro()
        unstarted = wrapper is not None and inspect.getcoroutinestate(wrapper) == inspect.CORO_CREATED
        cancelling = super().cancel(msg)
        # Task.cancelling() says the same, from Python 3.11 on only.
        self.cancel_requested = self.cancel_requested or cancelling
        if cancelling and unstarted and self.ended is None:
            # A task cancelled before its first step never enters _tracked
            # (asyncio throws the cancellation in before its first line): its
            # end is noted when it is done, and the job's own coroutine is
            # closed here, or it would warn that it was never awaited.
            self.add_done_callback(self.note_end)
            if hasattr(self._inner, "close"):  # a coroutine, or the verbs' pair of them
                self._inner.close()
        return cancelling

    def cancel_from_any_thread(self) -> None:
        """Cancel the job from whichever thread asks: at once in the loop's
        thread; from another (a kernel subshell, a ``%%bg`` cell in a
        thread) at the loop's next turn, tables saying so meanwhile."""
        if threading.current_thread() is threading.main_thread():
            self.cancel()
        else:
            self.cancel_requested = True
            self.get_loop().call_soon_threadsafe(self.cancel)

    def exception(self):
        exc = asyncio.Task.exception(self)
        return exc.original if isinstance(exc, Carried) else exc

    def result(self):
        try:
            return asyncio.Task.result(self)
        except Carried as carried:
            failure = carried.original
        raise failure  # outside the except: the user's exception gets no context of ours

    def __await__(self):
        # A job made before asyncio.run() lives on the loop that was current
        # then, which asyncio.run()'s new loop does not run: say so, rather
        # than asyncio's "attached to a different loop".
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and running is not self.get_loop():
            raise RuntimeError(
                f"job {self.id} ({self.source}) runs on another event loop than this one: start it inside "
                "the coroutine that asyncio.run() runs, or wait for it with run_in_foreground()"
            )
        try:
            return (yield from super().__await__())
        except Carried as carried:
            failure = carried.original
        raise failure

    # -- state -----------------------------------------------------------

    @property
    def state(self) -> JobState:
        if self.done():
            if self.cancelled():
                return JobState.CANCELLED
            return JobState.FAILED if self.exception() is not None else JobState.DONE
        if self.cancel_requested:
            # Cancelled, but the loop has not run since: a table made in the
            # same cell as `%jobs -k` says what was asked, not "running".
            return JobState.CANCELLED
        if self.tty_stopped:
            return JobState.STOPPED
        if self.call is not None and self.call.future is not None:
            return self.call.state()
        waiting = self.schedule is not None and self.schedule.waiting
        return JobState.PENDING if waiting else JobState.RUNNING

    @property
    def outcome(self) -> tuple[JobState, Any, BaseException | None]:
        """``(state, result, exception)``, seen through an unfinished task
        to the worker's outcome where that is already known."""
        state = self.state
        if state is JobState.DONE:
            return state, self.result() if self.done() else self.call.future.result(), None
        if state is JobState.FAILED:
            return state, None, self.exception() if self.done() else awaitable_failure(self.call.future.exception())
        return state, None, None

    @property
    def elapsed(self) -> float:
        started, ended, call = self.started, self.ended, self.call
        if call is not None and call.future is not None:
            if not (call.future.running() or call.future.done()):
                return 0.0
            if call.started is not None:
                started = call.started
                if ended is None and call.ended is not None and self.state.finished:
                    ended = call.ended
        return (ended if ended is not None else time.monotonic()) - started

    def format_traceback(self) -> str | None:
        """The failure's traceback as text, or ``None`` if the job did not fail."""
        state, _, exc = self.outcome
        if state is not JobState.FAILED or exc is None:
            return None
        return "".join(format_without_our_frames(exc, self.failure_traceback()))

    def failure_traceback(self):
        """The failure's traceback as it was when the job failed, without
        ipython_bg's own frames (``None`` if unknown)."""
        tb = self._failure_tb
        if tb is None:
            exc = self.outcome[2]
            tb = exc.__traceback__ if exc is not None else None
        return without_our_frames(tb)

    def __repr__(self) -> str:
        ident = "?" if self.id is None else self.id
        return f"<Job {ident} {self.state.value} {self.kind.value}: {self.source}>"

    def _repr_pretty_(self, printer, cycle):
        printer.text(job_label(self, kind=True))


async def _tracked(job: Job, coro):
    # The job's end is noted within its own last step rather than by a
    # done-callback: jobs that end in one loop iteration are then reported
    # together, and a failure's traceback is kept as it was.
    __tracebackhide__ = True  # a cell awaiting the job is shown the job's frames, not ours
    token = CURRENT.set(job)
    try:
        return await coro
    except BaseException as exc:
        if not is_failure(exc, job):
            # Closed unfinished, as when its loop is closed under it at exit:
            # the end is noted, but with the loop closed nobody is told.
            raise
        # Kept now: every later re-raise (result(), %fg) rewrites
        # exc.__traceback__, and CPython's Future restores it only once.
        job._failure_tb = original(exc).__traceback__
        failure = carry(exc)
    finally:
        # Else the task's context holds the job that holds the context: a
        # cycle that only the garbage collector would free.  Before the end
        # is noted, so that what the listeners print is not the job's.
        try:
            CURRENT.reset(token)
        except ValueError:  # closed from outside its context, at exit
            pass
        if job.context is None:
            # Python 3.10 (no Task(context=)): its end is told in a copy of
            # the context it ran in, not in that of whichever job's end
            # scheduled the report.
            job.context = contextvars.copy_context()
        job.note_end()
    raise failure
