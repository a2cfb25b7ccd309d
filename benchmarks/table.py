"""Scale of the table: ``%jobs`` over 10,000 finished jobs, and memory per job.

A real ``InteractiveShell`` with the extension loaded and
``%config BackgroundJobs.history = 20000``, its terminal 50 lines high
(``$LINES``); 10,000 ``%bg f()`` jobs (``async def f(): return 1``) are
started and run to completion, and their notices printed (to /dev/null,
as at the next prompt).

Timed, each: what a user sees, ``t = %jobs`` (``run_line_magic('jobs',
'')``, a table cut to a screenful) plus ``t.text()``, and the same plus
``t._repr_html_()``; and the full table ``%jobs -a``, likewise.
Baselines: for the screenful, reading every job's state (the counts per
state need it) and joining the shown rows' cells, already made into
strings; for the full table, joining all the cells into text lines or HTML
rows (escaped).  The floor of any renderer of that table.

Goals: 50 ms for the screenful, what ``%jobs`` shows.  The full table is
asked for (``-a``), holds 10,000 rows only with the history raised from
its default of 1,000, and its rows are made anew each time (no cache):
250 ms, a small part of what a front end then takes to show 10,000 rows
(JupyterLab took 5.6 to 7.8 s from Shift+Enter to the table shown, on a
busy 2-core machine where this benchmark gave 110 to 270 ms).

Memory: tracemalloc's traced size after the jobs were started, finished,
reported and garbage-collected, minus before, per job (the first 2,000
jobs only with --quick): what each finished
job keeps (the Job, its table entries, its ``_bgN`` name).  Baseline: a
finished bare ``loop.create_task(f())`` kept in a dict by number.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import os
import time
import tracemalloc

from ._common import figure, median, plain_shell, returns_one

N = 10_000
GOAL_MS = 50.0  # a screenful, what %jobs shows
FULL_GOAL_MS = 250.0  # every row, %jobs -a
HEIGHT = 50  # the terminal's lines


def _finished_jobs(shell, sink, count: int) -> None:
    from IPython.core.async_helpers import get_asyncio_loop

    jobs = [shell.run_line_magic("bg", "f()") for _ in range(count)]
    get_asyncio_loop().run_until_complete(asyncio.gather(*jobs))
    with contextlib.redirect_stdout(sink):
        shell.run_cell("pass")  # the queued notices go out, as at the next prompt


def _cells(table, row) -> tuple[str, ...]:
    """The strings of one row, as the table shows them."""
    return (f"[{row.id}]{row.marker}", *row.cells)


def _joined(rows) -> tuple[float, float]:
    """Seconds to join ``rows`` (tuples of cell strings) into text lines
    and into HTML rows: the floor of a renderer."""
    start = time.perf_counter()
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    text = "\n".join(
        ("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5]).rstrip()
        for row in rows
    )
    middle = time.perf_counter()
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    page = f"<table>{body}</table>"
    end = time.perf_counter()
    assert text and page
    return middle - start, end - middle


def _states(jobs) -> float:
    """Seconds to read the state of every job."""
    start = time.perf_counter()
    states = [job.state for job in jobs]
    assert len(states) == len(jobs)
    return time.perf_counter() - start


def _bare_tasks_memory(count: int) -> float:
    loop = asyncio.new_event_loop()
    try:
        kept = {}
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            kept[i] = loop.create_task(returns_one())
        loop.run_until_complete(asyncio.gather(*kept.values()))
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return (after - before) / count
    finally:
        loop.close()


def _timings(shell, repetitions: int) -> dict:
    """``{(options, "text" or "HTML"): (seconds of %jobs OPTIONS and its
    rendering, seconds of the baseline)}``, a list of each per repetition."""
    from ipython_bg.render.table import JobRow

    every = shell.run_line_magic("jobs", "-a")
    if len(every) != N or any(row.state.value != "done" for row in every):
        raise RuntimeError(f"expected {N} finished jobs in %jobs, got {len(every)}")
    jobs = list(shell.magics_manager.registry["BackgroundJobs"].session.control.table)
    screenful = shell.run_line_magic("jobs", "")
    shown = [_cells(screenful, row) for row in screenful.shown if isinstance(row, JobRow)]
    if not 10 < len(shown) < HEIGHT:
        raise RuntimeError(f"expected a screenful of rows in %jobs, got {len(shown)}")
    all_cells = [_cells(every, row) for row in every]
    del every, screenful

    def render(options: str, as_text: bool) -> float:
        gc.collect()
        start = time.perf_counter()
        table = shell.run_line_magic("jobs", options)
        table.text() if as_text else table._repr_html_()
        return time.perf_counter() - start

    timings: dict = {(options, label): ([], []) for options in ("", "-a") for label in ("text", "HTML")}
    for _ in range(repetitions):
        for (options, label), (times, floors) in timings.items():
            times.append(render(options, label == "text"))
            gc.collect()
            if options:
                floor = _joined(all_cells)
            else:
                floor = [_states(jobs) + seconds for seconds in _joined(shown)]
            floors.append(floor[0] if label == "text" else floor[1])
    return timings


def _memory_per_job(shell, sink, traced: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _finished_jobs(shell, sink, traced)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / traced


def main(quick: bool = False) -> None:
    repetitions = 3 if quick else 5
    traced = 2_000 if quick else N  # jobs whose memory is traced (tracemalloc is slow)
    os.environ["LINES"] = str(HEIGHT)  # the same screenful wherever it runs
    sink = open(os.devnull, "w")
    shell = plain_shell()
    try:
        with contextlib.redirect_stderr(sink):  # "this shell does not run the loop at its prompt"
            shell.run_line_magic("load_ext", "ipython_bg")
            shell.run_line_magic("config", f"BackgroundJobs.history = {2 * N}")
            shell.run_cell("async def f(): return 1")
            with contextlib.redirect_stdout(sink):
                shell.run_cell("pass")
            per_job = _memory_per_job(shell, sink, traced)
            if traced < N:
                _finished_jobs(shell, sink, N - traced)
            timings = _timings(shell, repetitions)
            with contextlib.redirect_stdout(sink):
                shell.run_line_magic("unload_ext", "ipython_bg")
    finally:
        sink.close()
        shell.history_manager.end_session()

    for (options, label), (times, floors) in timings.items():
        ms, base = median(times) * 1e3, median(floors) * 1e3
        what = "every job's state and the shown rows' cells" if not options else "the same cells"
        figure(
            f"%jobs{' ' + options if options else ''} as {label}, {N:,} finished jobs",
            f"{ms:.1f} ms, {ms / base:.1f}x joining {what} ({base:.1f} ms)",
            f"<= {GOAL_MS if not options else FULL_GOAL_MS:g} ms",
            ms <= (GOAL_MS if not options else FULL_GOAL_MS),
            f"timed: run_line_magic('jobs', {options!r}) + {'.text()' if label == 'text' else '._repr_html_()'}; "
            f"{'a screenful of a ' + str(HEIGHT) + '-line terminal; ' if not options else 'every row; '}"
            f"median of {repetitions}",
        )
    bare = _bare_tasks_memory(traced)
    figure(
        "memory per finished job",
        f"{per_job / 1024:.2f} KiB, {per_job / bare:.1f}x a finished bare task kept in a dict ({bare / 1024:.2f} KiB)",
        "none",
        None,
        f"tracemalloc, {traced:,} %bg jobs with BackgroundJobs.history = {2 * N}, after gc",
    )


if __name__ == "__main__":
    main()
