"""Turning jobs into text and HTML: the job table and the one-line notices.

Rows are plain data made from a job once (:func:`job_row`); rendering is a
pure function of the rows, so the terminal's text and the notebook's HTML
always show the same thing.
"""

from __future__ import annotations

import reprlib
import weakref

from .jobs import Job, JobState
from .output import describe_progress, fraction, output_lines
from .styles import escape, job_span, row_cells, table_html
from .tracebacks import code_name, describe_exception, is_ours

__all__ = ["JobRow", "JobsTable", "TextBlock", "job_html", "job_row", "jobs_table", "notice"]

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = _short.maxtuple = _short.maxset = _short.maxdict = 4

SOURCE_WIDTH = 48
RESULT_WIDTH = 48


def short_repr(value) -> str:
    try:
        text = _short.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the table
        text = f"<unprintable {type(value).__name__}: {type(exc).__name__}>"
    return clip(text, RESULT_WIDTH)


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: CJK and other wide
    characters take two, combining ones none."""
    if text.isascii():
        return len(text)
    # Imported only for such text: a kernel has not loaded prompt_toolkit.
    from prompt_toolkit.utils import get_cwidth

    return get_cwidth(text)


def clip(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` columns wide."""
    text = " ".join(text.split())
    if text.isascii():
        return text if len(text) <= width else text[: width - 1] + "…"
    if columns(text) <= width:
        return text
    used = 0
    for end, char in enumerate(text):
        used += columns(char)
        if used > width - 1:
            return text[:end] + "…"
    return text


def format_elapsed(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


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
    return "\n".join(line.rstrip("\n") for line in lines)


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
                cells = [(*c[:3], describe_progress(row.progress), *c[3:]) for c, row in zip(cells, self.rows)]
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
    return f"{cells[:cut]}<td>{bar}{escape(describe_progress(progress))}</td>{cells[cut:]}"


def job_html(job: Job) -> str:
    """A job shown as a cell's result in a notebook."""
    row = job_row(job)
    ident = "?" if job.id is None else str(job.id)
    return job_span(ident, row.state.value, row.kind, clip(row.source, SOURCE_WIDTH), row.summary)


class TextBlock(str):
    """Text that IPython shows as it is (no quotes), e.g. a traceback."""

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def notice(job: Job, marker: str = "", names: tuple[str, ...] = (), note: str = "") -> str:
    """The one line said when a job ends: ``[1]+ done  thread  f(x) -> _bg1``;
    ``names`` are where a successful result went, ``note`` is added at the end."""
    state, result, exc = job.outcome
    line = f"[{job.id}]{marker} {state.value}  {job.kind.value}  {clip(job.source, SOURCE_WIDTH)}"
    if state is JobState.FAILED:
        line += f"  {describe_exception(exc)}"
    elif state is JobState.DONE and names:
        line += f" -> {', '.join(names)}"
    if note:
        line += f"  ({note})"
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
        self.counts: dict[str, int] = {}
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, text: str, state: str, limit: int) -> None:
        self.total += 1
        self.counts[state] = self.counts.get(state, 0) + 1
        if self.total <= limit:
            self.lines.append(text)
        if state == JobState.FAILED.value and len(self.failures) < NAMED_FAILURES:
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
            count = self.counts.get(state.value, 0)
            if count:
                shown = len(self.failures) if state is JobState.FAILED and count > len(self.failures) else 0
                parts.append(f"{count} {state.value}" + (f" ({shown} shown above)" if shown else ""))
        summary = f"{self.total} job{'s' * (self.total != 1)} ended: {', '.join(parts)}; %jobs lists them"
        return [*self.failures, summary]
