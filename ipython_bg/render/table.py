"""The job table ``%jobs`` shows, as text and as HTML.

Rows are plain data made from a job once (:func:`job_row`); rendering is a
pure function of the rows, so the terminal's text and the notebook's HTML
always show the same thing.
"""

from __future__ import annotations

import weakref

from ipython_bg.model.job import Job, JobState
from ipython_bg.model.output import describe_progress, fraction
from ipython_bg.model.tracebacks import code_name, describe_exception, is_ours
from ipython_bg.render.html import escape, job_span, row_cells, table_html
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

__all__ = ["Forgotten", "JobRow", "JobsTable", "TextBlock", "block", "job_html", "job_row", "jobs_table"]


class JobRow:
    """One job as %jobs shows it: plain data, made from the job once."""

    __slots__ = (
        "id", "marker", "state", "kind", "elapsed", "source", "summary", "details", "_cells", "_html",
        "progress", "origin",
    )

    def __init__(self, id, marker, state, kind, elapsed, source, summary, details="", progress=None, origin=None):
        self.id = id
        self.marker = marker
        self.state = state
        self.kind = kind
        self.elapsed = elapsed
        self.source = source
        self.summary = summary  # short result, or "ExcType: message"
        self.details = details  # traceback, stack, origin (for -l)
        self.progress = progress  # (done, total, note) the job last reported, or None
        self.origin = origin  # "Cell In[3]"
        self._cells = self._html = None

    def with_marker(self, marker: str) -> "JobRow":
        row = self.with_source(self.source)
        row.marker = marker
        row._cells, row._html = self._cells, self._html
        return row

    def with_source(self, source: str) -> "JobRow":
        return JobRow(
            self.id, self.marker, self.state, self.kind, self.elapsed, source, self.summary, self.details,
            self.progress, self.origin,
        )

    def __repr__(self) -> str:
        return f"JobRow(id={self.id}, state={self.state.value}, kind={self.kind}, source={self.source!r})"

    @property
    def cells(self) -> tuple[str, ...]:
        """The text of every column but the id (which carries the marker)."""
        if self._cells is None:
            self._cells = (
                self.state.value,
                self.kind,
                format_elapsed(self.elapsed),
                clip(self.source, SOURCE_WIDTH),
                self.summary,
            )
        return self._cells

    @property
    def html_cells(self) -> str:
        if self._html is None:
            self._html = row_cells(*self.cells, self.source)
        return self._html


# A finished job's row never changes (but for its +/- marker): made once,
# it is kept as long as the job is.  %jobs over 10,000 finished jobs then
# costs a join, not 10,000 reprs.
_finished_rows: "weakref.WeakKeyDictionary[Job, JobRow]" = weakref.WeakKeyDictionary()


def job_row(job: Job, marker: str = "", *, long: bool = False) -> JobRow:
    if not long:
        row = _finished_rows.get(job)
        if row is not None:
            return row.with_marker(marker) if marker else row
    row = _make_row(job, long)
    if not long and row.state.finished and job.done():
        _finished_rows[job] = row
    return row.with_marker(marker) if marker else row


def jobs_table(jobs: list[Job], markers: dict[int, str], *, long: bool = False, footer: str = "") -> "JobsTable":
    """The table ``%jobs`` shows for ``jobs``, with bash's ``+``/``-`` markers."""
    rows = [job_row(job, markers.get(job.id, ""), long=long) for job in jobs]
    return JobsTable(_told_apart(rows), footer=footer)


def _told_apart(rows: list[JobRow]) -> list[JobRow]:
    """Rows of the same source started in different cells (a cell run
    twice) say which cell each started in: ``Cell In[3] f(x)``."""
    origins: dict[str, set] = {}
    for row in rows:
        origins.setdefault(row.source, set()).add(row.origin)
    return [
        row.with_source(f"{row.origin} {row.source}") if row.origin and len(origins[row.source]) > 1 else row
        for row in rows
    ]


def _make_row(job: Job, long: bool) -> JobRow:
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
    details = _details(job, state) if long else ""
    progress = job.output.progress
    return JobRow(job.id, "", state, job.kind.value, job.elapsed, job.source, summary, details, progress, job.origin)


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
    """What ``%jobs`` returns: the rows, shown as text or as HTML."""

    columns = ("id", "state", "kind", "elapsed", "source", "result")

    def __init__(self, rows: list[JobRow], footer: str = ""):
        self.rows = rows
        self.footer = footer
        # A progress column only where some job reports progress.
        self.progress = any(row.progress is not None for row in rows)
        if self.progress:
            self.columns = (*self.columns[:4], "progress", *self.columns[4:])

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def text(self) -> str:
        if not self.rows:
            lines = ["No jobs."]
        else:
            ids = [f"[{row.id}]{row.marker}" for row in self.rows]
            cells = [row.cells for row in self.rows]
            if self.progress:
                cells = [(*c[:3], _progress_text(row.progress), *c[3:]) for c, row in zip(cells, self.rows)]
            # One format for all the rows: the widest cell of each column
            # but the last, which runs on.  A row with wide characters is
            # padded by columns instead (format pads by characters).
            widths = [max(len(ident) for ident in ids)]
            widths += [
                max(map(len if "".join(column).isascii() else columns, column))
                for column in list(zip(*cells))[: len(self.columns) - 2]
            ]
            line = "  ".join(f"{{:<{width}}}" for width in widths) + "  {}"
            lines = []
            for ident, row, row_cells in zip(ids, self.rows, cells):
                if "".join(row_cells).isascii():
                    lines.append(line.format(ident, *row_cells).rstrip())
                else:
                    padded = [cell + " " * (width - columns(cell)) for cell, width in zip((ident, *row_cells), widths)]
                    lines.append("  ".join([*padded, row_cells[-1]]).rstrip())
                if row.details:
                    lines.extend("    " + detail for detail in row.details.splitlines())
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())

    def _repr_html_(self) -> str:
        rows = []
        for row in self.rows:
            cells = _with_bar(row.html_cells, row.progress) if self.progress else row.html_cells
            rows.append((f"[{row.id}]{row.marker}", row.state.value, cells, row.details))
        return table_html(self.columns, rows, self.footer)


def _with_bar(cells: str, progress) -> str:
    """The row's cells with a progress cell after the elapsed one: a bar
    where the share done is known, and the text."""
    share = fraction(progress)
    bar = f'<progress value="{share:.3f}" max="1"></progress> ' if share is not None else ""
    cut = 0
    for _ in range(3):
        cut = cells.index("</td>", cut) + len("</td>")
    return f"{cells[:cut]}<td>{bar}{escape(_progress_text(progress))}</td>{cells[cut:]}"


def _progress_text(progress) -> str:
    """The progress a job reported, in one line (its note is the job's data)."""
    return one_line(describe_progress(progress))


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


