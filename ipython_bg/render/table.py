"""The job table ``%jobs`` shows, as text and as HTML.

Rows are plain data made from a job (:func:`job_row`); rendering is a pure
function of the rows, so the terminal's text and the notebook's HTML
always show the same thing.

A table of more jobs than a screen holds is cut to a screenful: the
unfinished jobs and the newest, a line for each run of rows left out, and
a footer with the counts per state and how to see the rest (``%jobs -a``).
A screenful is what the terminal's height leaves between the line typed
and the next prompt; in a notebook, whose output grows with its content,
:data:`NOTEBOOK_ROWS` rows.  The table object still has every row.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from ipython_bg.model.job import Job, JobState
from ipython_bg.model.output import describe_progress, fraction
from ipython_bg.model.tracebacks import code_name, describe_exception, is_ours
from ipython_bg.render.html import details_row, job_row_html, job_span, left_out_row, table_html
from ipython_bg.render.replay import output_lines
from ipython_bg.render.text import (
    RESULT_WIDTH,
    SOURCE_WIDTH,
    clip,
    columns,
    format_elapsed,
    one_line,
    short_repr,
    visible,
)

__all__ = [
    "NOTEBOOK_ROWS", "Forgotten", "JobRow", "JobsTable", "LeftOut", "TextBlock", "block", "job_html", "job_row", "jobs_table",
    "screenful",
]

#: Rows a notebook's table shows before it is cut to a screenful.
NOTEBOOK_ROWS = 40
# Lines a terminal shows around a table: the line typed, "Out[n]:", the
# blank line after the table and the next prompt.
_AROUND = 4
_FEWEST_ROWS = 10
#: How many columns of a progress note one line of text shows.
PROGRESS_WIDTH = 32


@dataclass(slots=True, repr=False)
class JobRow:
    """One job as %jobs shows it: plain data, made from the job once."""

    id: int
    marker: str
    state: JobState
    kind: str
    elapsed: float
    source: str
    summary: str  # short result, or "ExcType: message"
    details: str = ""  # traceback, stack, origin (for -l)
    progress: tuple | None = None  # (done, total, note) the job last reported
    origin: str | None = None  # "Cell In[3]"

    def __repr__(self) -> str:
        return f"JobRow(id={self.id}, state={self.state.value}, kind={self.kind}, source={self.source!r})"

    @property
    def cells(self) -> tuple[str, ...]:
        """The text of every column but the id and the progress."""
        return (self.state.value, self.kind, format_elapsed(self.elapsed), clip(self.source, SOURCE_WIDTH), self.summary)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A run of rows that a table cut to a screenful leaves out."""

    count: int
    first: int  # the first and last id in it
    last: int

    def text(self) -> str:
        ids = f"[{self.first}]" if self.count == 1 else f"[{self.first}] to [{self.last}]"
        return f"{self.count:,} job{'s' * (self.count != 1)} not shown: {ids}"


def screenful(in_notebook: bool, footer: str = "") -> int:
    """How many rows a table shows before it is cut, ``footer`` under it."""
    if in_notebook:
        return NOTEBOOK_ROWS
    cut_footer = 2  # the counts, and how to see the rest
    lines = shutil.get_terminal_size().lines - _AROUND - cut_footer - len(footer.splitlines())
    return max(lines, _FEWEST_ROWS)


def job_row(job: Job, marker: str = "", *, long: bool = False, told_apart: bool = False) -> JobRow:
    """The row of ``job``; ``told_apart``: its source says the cell it started in."""
    state, result, exc = job.outcome
    if state is JobState.DONE:
        summary = "" if result is None else short_repr(result)
    elif state is JobState.FAILED:
        summary = clip(describe_exception(exc), RESULT_WIDTH)
    else:
        summary = ""
    if job.schedule is not None and (status := job.schedule.status()):
        status = one_line(status)
        summary = f"{status}: {summary}" if summary else status
    source = f"{job.origin} {job.source}" if told_apart and job.origin else job.source
    details = _details(job, state) if long else ""
    return JobRow(job.id, marker, state, job.kind.value, job.elapsed, source, summary, details, job.output.progress, job.origin)


def jobs_table(
    jobs: list[Job], markers: dict[int, str], *, long: bool = False, footer: str = "", rows: int | None = None
) -> "JobsTable":
    """The table ``%jobs`` shows for ``jobs``, with bash's ``+``/``-``
    markers; above ``rows`` rows (None: no limit), cut to a screenful."""
    ambiguous = _told_apart(jobs)

    def row(job: Job) -> JobRow:
        return job_row(job, markers.get(job.id, ""), long=long, told_apart=job.source in ambiguous)

    notes = footer.splitlines()
    if rows is None or len(jobs) <= rows:
        return JobsTable(_Rows(jobs, row), footer=notes)
    every = _Rows(jobs, row)
    states = [job.state for job in jobs]
    shown: list[JobRow | LeftOut] = []
    before = -1
    for index in _chosen_rows(states, rows):
        if index - before > 1:
            shown.append(LeftOut(index - before - 1, jobs[before + 1].id, jobs[index - 1].id))
        shown.append(every[index])
        before = index
    if before < len(jobs) - 1:
        shown.append(LeftOut(len(jobs) - 1 - before, jobs[before + 1].id, jobs[-1].id))
    tally = {state: states.count(state) for state in JobState}
    counts = ", ".join(f"{count:,} {state.value}" for state, count in tally.items() if count)
    cut = [
        f"{len(jobs):,} jobs: {counts}",
        f"Shown: the unfinished and the newest. %jobs -a shows all {len(jobs):,}; %jobs SPEC... the jobs named.",
    ]
    return JobsTable(every, shown, footer=cut + notes)


def _told_apart(jobs: list[Job]) -> set[str]:
    """The sources of jobs started in different cells (a cell run twice):
    their rows say which cell each started in, ``Cell In[3] f(x)``."""
    first_origin: dict[str, str | None] = {}
    ambiguous = set()
    for job in jobs:
        if first_origin.setdefault(job.source, job.origin) != job.origin:
            ambiguous.add(job.source)
    return ambiguous


def _chosen_rows(states: list[JobState], rows: int) -> list[int]:
    """The indexes of the rows a screenful of ``rows`` shows, in order: the
    unfinished (the newest of them if they are too many), then the newest;
    each run of rows left out between them takes a row too."""
    unfinished = [index for index, state in enumerate(states) if not state.finished]
    chosen: set[int] = set()
    for index in itertools.chain(reversed(unfinished), reversed(range(len(states)))):
        if index in chosen:
            continue
        if _rows_taken(chosen | {index}, len(states)) > rows:
            break
        chosen.add(index)
    return sorted(chosen)


def _rows_taken(chosen: set[int], total: int) -> int:
    shown = sorted(chosen)
    runs_left_out = sum(1 for before, after in zip([-1, *shown], [*shown, total]) if after - before > 1)
    return len(shown) + runs_left_out


class _Rows(Sequence):
    """The rows of ``jobs``, each made when first read: a table cut to a
    screenful reads only the rows it shows."""

    def __init__(self, jobs: list[Job], make):
        self._jobs = jobs
        self._make = make
        self._made: list[JobRow | None] = [None] * len(jobs)

    def __len__(self) -> int:
        return len(self._jobs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        row = self._made[index]
        if row is None:
            row = self._made[index] = self._make(self._jobs[index])
        return row


def _details(job: Job, state: JobState) -> str:
    lines = []
    if job.origin:
        lines.append(f"started in {job.origin}")
    if job.call is not None and job.call.where:
        lines.append(f"runs at {job.call.where}")
    if job.schedule is not None:
        lines.extend(job.schedule.failures)
    lines.extend(output_lines(job.output))
    if state is JobState.FAILED:
        lines.append(job.format_traceback() or "")
    elif state is JobState.RUNNING and not job.done() and job.call is None:
        frames = [frame for frame in _awaiting(job) if not is_ours(frame.f_code.co_filename)]
        if getattr(job.get_coro(), "cr_await", None) is None and not frames:
            lines.append("not started yet: the loop has not run since it was scheduled")
        elif frames:
            lines.append("waiting in:")
            for frame in frames:
                code = frame.f_code
                lines.append(f"  {code_name(code.co_filename)}, line {frame.f_lineno}, in {code.co_name}")
    return visible("\n".join(line.rstrip("\n") for line in lines), lines=True)


def _awaiting(job: Job) -> list:
    """The frames of the chain of coroutines a job is waiting in, outermost
    first (``Task.get_stack`` gives only the outermost one)."""
    frames = []
    awaitable = job.get_coro()
    while awaitable is not None:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)
    return frames


class JobsTable:
    """What ``%jobs`` returns: a row for every job asked (``len(table)``,
    ``for row in table``, ``table.rows``), shown as text or as HTML: every
    row, or the ``shown`` ones of a table cut to a screenful."""

    columns = ("id", "state", "kind", "elapsed", "source", "result")

    def __init__(self, rows: Sequence[JobRow], shown: list[JobRow | LeftOut] | None = None, footer: Sequence[str] = ()):
        self.rows = rows
        self.shown = list(rows) if shown is None else shown
        self.footer = list(footer)
        # A progress column only where some job shown reports progress.
        self.progress = any(isinstance(row, JobRow) and row.progress is not None for row in self.shown)
        if self.progress:
            self.columns = (*self.columns[:4], "progress", *self.columns[4:])

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def _cells(self, row: JobRow) -> tuple[str, ...]:
        """The text of every column of ``row``."""
        cells = row.cells
        if self.progress:
            cells = (*cells[:3], clip(describe_progress(row.progress), PROGRESS_WIDTH), *cells[3:])
        return (f"[{row.id}]{row.marker}", *cells)

    def text(self) -> str:
        table = [self._cells(row) for row in self.shown if isinstance(row, JobRow)]
        if not table:
            return "\n".join(["No jobs.", *self.footer])
        # One format for all the rows: the widest cell of each column but
        # the last, which runs on.  A row with wide characters is padded by
        # columns instead (format pads by characters).
        widths = [
            max(map(len if "".join(column).isascii() else columns, column))
            for column in list(zip(*table))[:-1]
        ]
        line = "  ".join(f"{{:<{width}}}" for width in widths) + "  {}"
        lines = []
        rows_cells = iter(table)
        for row in self.shown:
            if isinstance(row, LeftOut):
                lines.append(f"{'…':<{widths[0]}}  {row.text()}")
                continue
            row_cells = next(rows_cells)
            if "".join(row_cells).isascii():
                lines.append(line.format(*row_cells).rstrip())
            else:
                padded = [cell + " " * (width - columns(cell)) for cell, width in zip(row_cells, widths)]
                lines.append("  ".join([*padded, row_cells[-1]]).rstrip())
            if row.details:
                lines.extend("    " + detail for detail in row.details.splitlines())
        return "\n".join(lines + self.footer)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())

    def _repr_html_(self) -> str:
        width = len(self.columns)
        rows = []
        for row in self.shown:
            if isinstance(row, LeftOut):
                rows.append(left_out_row(row.text(), width))
                continue
            state, kind, elapsed, source, summary = row.cells
            progress = (fraction(row.progress), describe_progress(row.progress)) if self.progress else None
            rows.append(job_row_html(f"[{row.id}]{row.marker}", state, kind, elapsed, progress, source, row.source, summary))
            if row.details:
                rows.append(details_row(row.details, width))
        return table_html(self.columns, rows, self.footer)


def job_html(job: Job) -> str:
    """A job shown as a cell's result in a notebook."""
    row = job_row(job)
    ident = "?" if job.id is None else str(job.id)
    return job_span(ident, row.state.value, row.kind, clip(row.source, SOURCE_WIDTH), row.summary)


class Forgotten(list):
    """What ``%jobs -c`` returns: the jobs it forgot, said in one line."""

    def text(self) -> str:
        if not self:
            return "no finished jobs to forget"
        ids = f"[{self[0].id}]" if len(self) == 1 else f"[{self[0].id}] to [{self[-1].id}]"
        return f"forgot {len(self)} finished job{'s' * (len(self) != 1)} ({ids})"

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())


class TextBlock(str):
    """Text that IPython shows as it is (no quotes), e.g. a traceback."""

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def block(text: str) -> TextBlock:
    """Lines from a job's data (a traceback), shown as they are but for
    control characters, made visible; newlines and tabs stay."""
    return TextBlock(visible(text, lines=True))


