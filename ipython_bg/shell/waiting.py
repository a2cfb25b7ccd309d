"""The waiting side of a session: ``%fg`` and ``%jobs -w``.

A :class:`Plan` says what one ``%fg`` waits for; :func:`run` and
:func:`run_async` wait (blocking where the loop is free, awaiting where it
already runs the cell) and turn a wait that stopped early into what the
user should see.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys

from ipython_bg.engine.foreground import (
    ForegroundInterrupt,
    ForegroundSuspended,
    ForegroundTimeout,
    JobCancelled,
    LoopBusy,
    failed_with,
)
from ipython_bg.engine.other_threads import in_loop_thread, refuse_own
from ipython_bg.model.call import running_job
from ipython_bg.model.job import Job
from ipython_bg.model.labels import job_label, name_jobs
from ipython_bg.model.table import is_job_spec
from ipython_bg.shell.errors import SessionError
from ipython_bg.shell.session import Session
from ipython_bg.shell.statements import RunMode

__all__ = ["Plan", "plan", "run", "run_async", "watch"]


class Plan:
    """What a ``%fg`` line waits for."""

    def __init__(self, jobs: list[Job], new: bool, timeout: float | None, target=None, assign=None, every=False):
        self.jobs = jobs
        self.every = every  # ``%fg all``: a barrier, which returns nothing
        self.new = new  # a job made for this line (not yet in the table)
        self.timeout = timeout
        self.target = target  # ``NAME`` of ``%fg NAME = EXPR``, and its assigner
        self.assign = assign


_CANNOT_WAIT = (
    "cannot wait here: the event loop is already running this cell "
    "(use `await` on the job or awaitable instead)"
)


def plan(
    session: Session,
    text: str,
    cell: str | None,
    *,
    mode: RunMode,
    timeout: float | None,
    blocking: bool = True,
    local_ns: dict | None = None,
) -> Plan:
    """What ``%fg TEXT`` (or the ``%%fg`` cell) waits for; ``local_ns`` is
    the namespace of the function a ``%fg`` line is in, if any.  A
    ``blocking`` wait that cannot block is refused before anything of the
    line is evaluated: otherwise the job would start anyway, and following
    the advice to ``await`` would run it a second time."""
    control = session.control
    words = text.split()
    refused = blocking and not control.in_other_thread() and not control.can_block()
    if cell is None and words == ["all"]:
        every = functools.partial(_every_job, session, timeout, refused)
        return in_loop_thread(control.home_loop(), every) if control.in_other_thread() else every()
    if cell is None and all(is_job_spec(word) or word.startswith("%") for word in words):
        # A word starting with % can only mean a job: a wrong one (``%``)
        # is said to be no job spec, rather than no Python.
        # Read where the table is kept: a thread job's own job is filed
        # there only once its thread has started.
        specs = functools.partial(_specs, session, words or ["%+"], timeout, refused)
        return in_loop_thread(control.home_loop(), specs) if control.in_other_thread() else specs()
    if refused:
        raise SessionError(session.host.no_wait_reason() or _CANNOT_WAIT)
    if cell is not None:
        return Plan([session.cell_job(cell, None, keep=False)], True, timeout)
    if len(words) > 1:
        # ``%fg h1 h2``: names of jobs, waited for like specs.
        named = {word: _named_job(session, word, local_ns) for word in words if not is_job_spec(word)}
        if None not in named.values():
            table = session.control.table
            jobs = [named[word] if word in named else table.resolve(word) for word in words]
            return Plan(_not_own([session.kept(job) for job in jobs]), False, timeout)
    statement, work = session.evaluate(text, mode, local_ns)
    job = session.job_for(work, statement.source, keep=False)
    return Plan([job], job.id is None, timeout, statement.target, statement.assign)


def _specs(session: Session, specs: list[str], timeout: float | None, refused: bool) -> Plan:
    """The plan for job specs; refused (``refused``) only once they are
    known not to name the job this line runs in, which says so instead."""
    jobs = _not_own(session.control.table.resolve_all(specs))
    if refused:
        raise SessionError(session.host.no_wait_reason() or _CANNOT_WAIT)
    if len(jobs) == 1 and jobs[0].schedule is not None and jobs[0].schedule.every is not None:
        return _next_run(session, jobs[0], timeout)
    return Plan(jobs, False, timeout)


def _every_job(session: Session, timeout: float | None, refused: bool) -> Plan:
    """``%fg all``, as bash's ``wait``: every unfinished job but this line's
    own and periodic ones, which only end when stopped (said once)."""
    if refused:
        raise SessionError(session.host.no_wait_reason() or _CANNOT_WAIT)
    own = running_job()
    unfinished = [job for job in session.control.table.running() if job is not own]
    periodic = [job for job in unfinished if job.schedule is not None and job.schedule.every is not None]
    if periodic:
        print(f"%fg all: not waiting for periodic jobs, which end only when stopped: {name_jobs(periodic)}")
    return Plan([job for job in unfinished if job not in periodic], False, timeout, every=True)


def _not_own(jobs: list[Job]) -> list[Job]:
    """``jobs``, unless the job running this line is one of them (a bare
    ``%fg`` in a ``%%bg`` cell names the cell's own job, the current one)."""
    try:
        refuse_own(jobs)
    except ValueError as exc:
        raise SessionError(f"{exc}; name the job to wait for (%fg N)") from None
    return jobs


def _next_run(session: Session, job: Job, timeout: float | None) -> Plan:
    """``%fg`` of a periodic job waits for its next run, not for its end."""
    from ipython_bg.engine.schedule import next_run

    waiter = session.control.start(next_run(job), source=f"the next run of {job_label(job)}", keep=False)
    return Plan([waiter], False, timeout)


def _named_job(session: Session, word: str, local_ns: dict | None) -> Job | None:
    """The Job that ``word`` names where the line runs, or None."""
    for namespace in (local_ns or {}, session.shell.user_ns):
        if word in namespace:
            value = namespace[word]
            return value if isinstance(value, Job) else None
    return None


def run(session: Session, plan: Plan):
    __tracebackhide__ = True  # a job's failure should show the job's frames, not ours
    control = session.control
    if not plan.jobs:
        return None  # %fg all with nothing to wait for
    with _outcome(session, plan):
        if control.in_other_thread():  # a thread: the loop's own thread runs the jobs
            results = control.wait_from_thread(plan.jobs, timeout=plan.timeout)
        elif plan.new:
            results = [control.foreground(plan.jobs[0], timeout=plan.timeout, suspendable=True)]
        else:
            results = control.wait(plan.jobs, timeout=plan.timeout, suspendable=True)
    return _result(session, plan, results)


async def run_async(session: Session, plan: Plan):
    """:func:`run` where the loop already runs the cell (a Jupyter kernel)."""
    __tracebackhide__ = True
    if not plan.jobs:
        return None  # %fg all with nothing to wait for
    with _outcome(session, plan):
        results = await session.control.wait_async(plan.jobs, timeout=plan.timeout)
    return _result(session, plan, results)


@contextlib.contextmanager
def _outcome(session: Session, plan: Plan):
    """Turn a wait that stopped early into what the user should see."""
    __tracebackhide__ = True
    try:
        yield
    except JobCancelled as exc:
        job = exc.job
        raise SessionError(f"{job.source if job.id is None else job_label(job)} was cancelled") from None
    except LoopBusy as exc:
        if failed_with(plan.jobs, exc):
            raise  # the job's own failure (its run_in_foreground refused), not this wait's
        raise SessionError(session.host.no_wait_reason() or _CANNOT_WAIT) from None
    except ForegroundInterrupt as exc:
        left = [job for job in plan.jobs if not job.done()]  # thread calls, which Ctrl-C cannot stop
        if left:
            if plan.new and plan.assign is not None:
                session.results.assign_later(left[0], plan.target, plan.assign)
            exc.args = (_left_running(left, plan.new),)
        raise
    except (ForegroundTimeout, ForegroundSuspended) as exc:
        if plan.new and plan.assign is not None:
            # The job went on in the background: so does its assignment.
            session.results.assign_later(plan.jobs[0], plan.target, plan.assign)
        what = ", ".join(job_label(job) for job in plan.jobs)
        if isinstance(exc, ForegroundTimeout):
            verb = "keeps" if len(plan.jobs) == 1 else "keep"
            raise SessionError(f"gave up after {exc.timeout:g} s; {what} {verb} running in the background") from None
        # Said in one line, like bash's "[3]+ cmd &" after Ctrl-Z and bg.
        table = session.control.table
        exc.args = (
            "\n".join(
                job_label(job, table.marker(job), says="continued in background", kind=True)
                for job in plan.jobs
            ),
        )
        if not session.host.shows_suspension:
            raise SessionError(exc.args[0]) from None
        raise


def _left_running(jobs: list[Job], new: bool) -> str:
    """What a Ctrl-C that could not stop ``jobs`` (calls in threads) says."""
    if new:
        return f"{jobs[0].source} cannot be stopped (it runs in a thread): it keeps running in the background as [{jobs[0].id}]"
    verb = "keeps" if len(jobs) == 1 else "keep"
    return f"{', '.join(job_label(job) for job in jobs)} cannot be stopped (threads): {verb} running in the background"


def _result(session: Session, plan: Plan, results: list):
    if plan.assign is not None:
        session.results.assign(plan.target, plan.assign, results[0])
    if plan.every:
        return None
    return results if len(plan.jobs) > 1 else results[0]


def watch(session: Session, jobs: list[Job], table):
    """``%jobs -w``: in a notebook, a table that updates in place while the
    cell is free; in a terminal that can, one table redrawn in place (its
    elapsed times and progress moving each second) until its jobs have
    ended; elsewhere the table again after each job ends.  The last two
    watch in the foreground: Ctrl-C stops watching, not the jobs.
    ``table(jobs)`` makes the table."""
    if session.host.in_kernel:
        from IPython.display import display

        handle = display(table(jobs), display_id=True)

        async def refresh():
            async for _ in _changes(jobs, 1.0):
                handle.update(table(jobs))

        session.host.keep_task(session.control.home_loop().create_task(refresh()))
        return None
    try:
        session.control.runner.run(_watch_here(jobs, table))
    except KeyboardInterrupt:
        pass
    except LoopBusy:
        raise SessionError("cannot watch here: the event loop is already running this cell") from None
    return table(jobs)


async def _changes(jobs: list[Job], tick: float | None):
    """Yields whether a job ended, on each end and every ``tick`` seconds."""
    unfinished = [job for job in jobs if not job.done()]
    while unfinished:
        await asyncio.wait(unfinished, timeout=tick, return_when=asyncio.FIRST_COMPLETED)
        left = [job for job in unfinished if not job.done()]
        yield len(left) < len(unfinished)
        unfinished = left


async def _watch_here(jobs: list[Job], table) -> None:
    from ipython_bg.hosts.terminal.screen import InPlace, can_redraw

    if not can_redraw(sys.stdout):
        print(table(jobs).text(), flush=True)
        async for _ in _changes(jobs, None):
            print(table(jobs).text(), flush=True)
        return
    screen = InPlace()

    def draw():
        ended = sum(job.done() for job in jobs)
        footer = f"{ended} of {len(jobs)} ended" if ended < len(jobs) else "all ended"
        note = "; Ctrl-C stops watching (the jobs go on)" if ended < len(jobs) else ""
        sys.stdout.write(screen.frame(f"{table(jobs).text()}\n-- watching: {footer}{note}"))
        sys.stdout.flush()

    draw()
    try:
        async for ended in _changes(jobs, 1.0):
            if ended or screen.fits:  # a table taller than the screen: once per end
                draw()
    finally:
        # The watch gives way to the table it returns (shown as the cell's result).
        sys.stdout.write(screen.erase())
        sys.stdout.flush()
