"""Scale of the table: ``%jobs`` over 10,000 finished jobs, and memory per job.

A real ``InteractiveShell`` with the extension loaded and
``%config BackgroundJobs.history = 20000``; 10,000 ``%bg f()`` jobs
(``async def f(): return 1``) are started and run to completion, and their
notices printed (to /dev/null, as at the next prompt).

Timed, each: ``t = %jobs`` (``run_line_magic('jobs', '')``) plus ``t.text()``;
and the same plus ``t._repr_html_()``.  Baseline: joining the very same
cells, already made into strings, into text lines or HTML rows (escaped):
the floor of any renderer of that table.

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
GOAL_MS = 50.0


def _finished_jobs(shell, sink, count: int) -> None:
    from IPython.core.async_helpers import get_asyncio_loop

    jobs = [shell.run_line_magic("bg", "f()") for _ in range(count)]
    get_asyncio_loop().run_until_complete(asyncio.gather(*jobs))
    with contextlib.redirect_stdout(sink):
        shell.run_cell("pass")  # the queued notices go out, as at the next prompt


def _cells(table, row) -> tuple[str, ...]:
    """The strings of one row, as the table shows them."""
    cells = getattr(table, "_cells", None)
    if cells is not None:
        return tuple(cells(row))
    return (f"[{row.id}]{row.marker}", row.state.value, row.kind, f"{row.elapsed:.1f}s", row.source, row.summary)


def _naive(rows) -> tuple[float, float]:
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


def main(quick: bool = False) -> None:
    repetitions = 3 if quick else 5
    traced = 2_000 if quick else N  # jobs whose memory is traced (tracemalloc is slow)
    sink = open(os.devnull, "w")
    shell = plain_shell()
    try:
        with contextlib.redirect_stderr(sink):  # "this shell does not run the loop at its prompt"
            shell.run_line_magic("load_ext", "ipython_bg")
            shell.run_line_magic("config", f"BackgroundJobs.history = {2 * N}")
            shell.run_cell("async def f(): return 1")
            with contextlib.redirect_stdout(sink):
                shell.run_cell("pass")
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            _finished_jobs(shell, sink, traced)
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            per_job = (after - before) / traced
            if traced < N:
                _finished_jobs(shell, sink, N - traced)

            table = shell.run_line_magic("jobs", "")
            if len(table) != N or any(row.state.value != "done" for row in table):
                raise RuntimeError(f"expected {N} finished jobs in %jobs, got {len(table)}")
            cells = [_cells(table, row) for row in table]
            del table

            text_times, html_times, naive_text, naive_html = [], [], [], []
            def render(as_text: bool) -> float:
                gc.collect()
                start = time.perf_counter()
                table = shell.run_line_magic("jobs", "")
                table.text() if as_text else table._repr_html_()
                return time.perf_counter() - start

            for _ in range(repetitions):
                text_times.append(render(True))
                html_times.append(render(False))
                gc.collect()
                text_seconds, html_seconds = _naive(cells)
                naive_text.append(text_seconds)
                naive_html.append(html_seconds)
            with contextlib.redirect_stdout(sink):
                shell.run_line_magic("unload_ext", "ipython_bg")
    finally:
        sink.close()
        shell.history_manager.end_session()

    for label, times, naive in (("text", text_times, naive_text), ("HTML", html_times, naive_html)):
        ms, base = median(times) * 1e3, median(naive) * 1e3
        figure(
            f"%jobs as {label}, {N:,} finished jobs",
            f"{ms:.1f} ms, {ms / base:.1f}x joining the same cells ({base:.1f} ms)",
            f"<= {GOAL_MS:g} ms",
            ms <= GOAL_MS,
            f"timed: run_line_magic('jobs', '') + {'.text()' if label == 'text' else '._repr_html_()'}; "
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
