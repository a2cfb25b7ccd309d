"""The one-line notices said when jobs end, and many of them summed up.

A notice is ``[1]+ done  thread  f(x) -> _bg1``; :func:`end_note` adds why
a job failed where the reason is one the user can act on, and how its
verbs went; :class:`Notices` says many ends together in a few lines.
"""

from __future__ import annotations

from ipython_bg.model.job import Job, JobKind, JobState
from ipython_bg.model.tracebacks import describe_exception, exception_message
from ipython_bg.render.text import SOURCE_WIDTH, job_label, one_line

__all__ = ["NAMED_FAILURES", "Notices", "end_note", "notice"]


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


def notice(job: Job, marker: str = "", names: tuple[str, ...] = (), note: str = "") -> str:
    """The one line said when a job ends: ``[1]+ done  thread  f(x) -> _bg1``;
    ``names`` are where a successful result went, ``note`` is added at the end.
    What comes from the job's data is made one line, controls made visible."""
    state, result, exc = job.outcome
    line = job_label(job, marker, says=state.value, kind=True, width=SOURCE_WIDTH)
    if state is JobState.FAILED:
        line += f"  {one_line(describe_exception(exc))}"
    elif state is JobState.DONE and names:
        line += f" -> {', '.join(names)}"
    if note:
        line += f"  ({one_line(note)})"
    return line


#: Failures named in a summed-up group of notices; more are only counted.
NAMED_FAILURES = 5


class Notices:
    """Notices said together: those of one report of ends, or those kept
    for the next prompt.  Up to ``limit`` they are said one a line; past
    it, the failures (up to :data:`NAMED_FAILURES`) and one line of counts.
    Only the lines that can still be said are kept, however many end."""

    def __init__(self):
        self.lines: list[str] = []
        self.failures: list[str] = []
        self.counts: dict[JobState, int] = {}
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, text: str, state: JobState, limit: int) -> None:
        self.total += 1
        self.counts[state] = self.counts.get(state, 0) + 1
        if self.total <= limit:
            self.lines.append(text)
        if state is JobState.FAILED and len(self.failures) < NAMED_FAILURES:
            self.failures.append(text)

    def extend(self, other: "Notices", limit: int) -> None:
        """``other``'s notices added after these, as if added here."""
        if self.total + other.total <= limit:
            self.lines.extend(other.lines)
        self.total += other.total
        for state, count in other.counts.items():
            self.counts[state] = self.counts.get(state, 0) + count
        self.failures.extend(other.failures[: NAMED_FAILURES - len(self.failures)])

    def render(self, limit: int) -> list[str]:
        if self.total <= limit and len(self.lines) == self.total:
            return list(self.lines)
        parts = []
        for state in JobState:
            count = self.counts.get(state, 0)
            if count:
                shown = len(self.failures) if state is JobState.FAILED and count > len(self.failures) else 0
                parts.append(f"{count} {state.value}" + (f" ({shown} shown above)" if shown else ""))
        summary = f"{self.total} job{'s' * (self.total != 1)} ended: {', '.join(parts)}; %jobs lists them"
        return [*self.failures, summary]
