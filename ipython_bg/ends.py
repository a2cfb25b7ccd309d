"""What a job's end notice adds after its outcome: why it failed, when the
reason is one the user can act on, and how its verbs went."""

from __future__ import annotations

from .jobs import Job, JobKind
from .tracebacks import exception_message

__all__ = ["end_note"]


def end_note(job: Job, note: str, *, in_kernel: bool) -> str:
    """``note`` (about its result's assignment, or empty), with the hints
    and the verbs' story of ``job`` added."""
    if not note and _needs_the_loop(job):
        note = "it needs a running event loop: try --no-thread"
    elif not note and in_kernel and _read_no_input(job):
        note = "a kernel has no terminal for a background job: call input() in the cell, pass the answer"
    schedule = job.schedule
    if schedule is not None and job.cancelled() and schedule.why:
        note = f"not started: {schedule.why}"
    elif schedule is not None and schedule.retries and schedule.attempts > 1:
        note = f"after {schedule.attempts} attempts" + (f"; {note}" if note else "")
    return note


def _needs_the_loop(job: Job) -> bool:
    """A thread job that failed because what it called wants the event loop
    (asyncio's "no running event loop"): ``--no-thread`` calls it on the loop."""
    exc = None if job.cancelled() else job.exception()
    return (
        job.kind is JobKind.THREAD
        and isinstance(exc, RuntimeError)
        and "no running event loop" in exception_message(exc)
    )


def _read_no_input(job: Job) -> bool:
    """A job whose input() met the end of the kernel's stdin: between
    cells ipykernel puts back the plain input, which reads no terminal."""
    exc = None if job.cancelled() else job.exception()
    return isinstance(exc, EOFError) and exception_message(exc) == "EOF when reading a line"
