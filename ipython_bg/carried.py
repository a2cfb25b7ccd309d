"""What a job's failure becomes where asyncio cannot keep it as it is.

A task re-raises ``SystemExit`` and ``KeyboardInterrupt`` out of the loop,
a future refuses ``StopIteration``, and a ``GeneratorExit`` thrown into an
awaiting coroutine closes its chain: a job's task ends with an ordinary
exception instead, and the job gives back what it stands for.
"""

from __future__ import annotations

import asyncio

from .tracebacks import without_our_frames

__all__ = ["Carried", "awaitable_failure", "carry", "carrying", "is_failure", "original"]


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
    error.__cause__ = exc.with_traceback(without_our_frames(exc.__traceback__))
    return error


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
