"""What a job's failure becomes where it cannot stay as it is.

Where asyncio cannot keep it: a task re-raises ``SystemExit`` and ``KeyboardInterrupt`` out of the loop,
a future refuses ``StopIteration``, and a ``GeneratorExit`` thrown into an
awaiting coroutine closes its chain: a job's task ends with an ordinary
exception instead, and the job gives back what it stands for
(:class:`Carried`).

Where it happened in another process (a process or Dask job): it is
brought back as the exception where it can be rebuilt here, else as a
stand-in keeping its type's name, message and traceback text
(:class:`RemoteError`).

And the exception a job fails with when Ctrl-C (or a kernel interrupt)
stops it while it holds the loop: :class:`JobInterrupted`.
"""

from __future__ import annotations

import asyncio

from ipython_bg.model.tracebacks import exception_message, format_without_our_frames, remote_frames, without_our_frames

__all__ = [
    "Carried", "JobInterrupted", "RemoteError", "RemoteFailure", "RemoteTraceback", "awaitable_failure", "call_portably",
    "carry", "carrying", "is_failure", "original", "rebuilds", "showable",
]


class Carried(Exception):
    """A job's exception that asyncio cannot keep as a task's outcome.

    A task re-raises ``SystemExit`` and ``KeyboardInterrupt`` out of the
    loop (ending the kernel, or the terminal's prompt).  The job's task
    ends with this ordinary exception instead, and the job reports what it
    carries (:meth:`Job.exception`, notices, ``%fg``).
    """

    def __init__(self, original: BaseException):
        super().__init__(f"{type(original).__name__} raised in a job")
        self.original = original


def carry(exc: BaseException) -> BaseException:
    """What a job's task may end with for ``exc``: ``exc`` itself when it is
    an ordinary exception, else a :class:`Carried` holding it.  A
    StopIteration or GeneratorExit is said as a RuntimeError caused by it."""
    exc = awaitable_failure(exc)
    if isinstance(exc, Exception):
        return exc
    return Carried(exc)


def awaitable_failure(exc):
    """``exc``, or a RuntimeError caused by it where no await can hand it
    on (as PEP 479 says a coroutine's StopIteration): a future refuses a
    StopIteration (gather, shield hang), and a GeneratorExit thrown into
    an awaiting coroutine closes its chain (a kernel's cell never replies)."""
    if not isinstance(exc, (StopIteration, GeneratorExit)):
        return exc
    error = RuntimeError(f"the job raised {type(exc).__name__}")
    # The cause is shown by whoever awaits the job: in the user's frames.
    # So is the stand-in itself: raised by our code, it would otherwise
    # show where it was raised, and a traceback's last frame is never hidden.
    user_frames = without_our_frames(exc.__traceback__)
    error.__cause__ = exc.with_traceback(user_frames)
    return error.with_traceback(user_frames)


def original(exc):
    """The user's exception behind what a job's task ended with."""
    return exc.original if isinstance(exc, Carried) else exc


def is_failure(exc: BaseException, task) -> bool:
    """Whether ``exc``, raised out of a job's code, is a failure rather
    than the loop's own business: a cancellation, or a GeneratorExit from
    closing the coroutine (its task destroyed, its loop closed under it),
    which comes outside its task's steps; one the job's code raises comes
    within a step."""
    if isinstance(exc, asyncio.CancelledError):
        return False
    if isinstance(exc, GeneratorExit):
        return asyncio.current_task(task.get_loop()) is task
    return True


async def carrying(awaitable):
    """``await awaitable`` in a task of its own: every failure comes out as
    an exception asyncio can keep (see :class:`Carried`)."""
    task = asyncio.current_task()
    try:
        return await awaitable
    except BaseException as exc:
        if not is_failure(exc, task):
            raise
        failure = carry(exc)
    raise failure


class JobInterrupted(Exception):
    """Ctrl-C stopped a job that was blocking the prompt."""

    def __init__(self, message: str = "Ctrl-C stopped it: it was blocking the prompt"):
        super().__init__(message)


# -- failures in another process ----------------------------------------------


class RemoteTraceback(Exception):
    """The traceback of a failure in another process, as text."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        # Shown as a local traceback is: no frames of the extension's
        # worker, cells named as IPython names them.
        return remote_frames(self.text)


class RemoteError(Exception):
    """Stands in for an exception raised in a job's process that cannot be
    rebuilt here (it does not pickle, or its class's ``__init__`` takes
    other arguments than it keeps): its type's name, its message and the
    remote traceback's text, which is also its ``__cause__``."""

    def __init__(self, type_name: str, message: str, text: str):
        super().__init__(type_name, message, text)  # all three: it must pickle and rebuild itself
        self.type_name = type_name
        self.message = message
        self.text = text

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


class RemoteFailure:
    """What :func:`call_portably` returns for a call that failed: the
    exception (or its stand-in) and the traceback's text."""

    def __init__(self, exception: BaseException, text: str):
        self.exception = exception
        self.text = text

    def rebuilt(self) -> BaseException:
        """The exception, with the remote traceback as its cause where it
        came without its own (Dask brings tracebacks back, pickle does not)."""
        if self.exception.__traceback__ is None:
            self.exception.__cause__ = RemoteTraceback(self.text)
        return self.exception


def call_portably(func, args: tuple, kwargs: dict):
    """In another process (a ProcessPoolExecutor's, a Dask worker's): the
    call, a failure coming back as a :class:`RemoteFailure` *result*.
    Raised, a SystemExit or KeyboardInterrupt would end a Dask worker, and
    an exception that cannot be rebuilt breaks a ProcessPoolExecutor."""
    try:
        return func(*args, **kwargs)
    except BaseException as exc:
        text = "".join(format_without_our_frames(exc, exc.__traceback__))
        if not rebuilds(exc):
            exc = RemoteError(type(exc).__name__, exception_message(exc), text)
        return RemoteFailure(exc, text)


def rebuilds(exc: BaseException) -> bool:
    """Whether ``exc`` survives pickling and unpickling (the parent has the
    same classes: it forked this process)."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True


def showable(exc: BaseException) -> BaseException:
    """``exc``, or for a SystemExit brought back from a process, a copy
    without the remote traceback as its cause, to raise in a cell: IPython
    shows a SystemExit as one line, and IPython 8.18 fails instead on a
    cause that was never raised.  (``%jobs -t`` still shows the cause.)"""
    if type(exc) is SystemExit and isinstance(exc.__cause__, RemoteTraceback):
        return SystemExit(*exc.args)
    return exc
