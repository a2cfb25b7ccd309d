"""``%bg``, ``%fg`` and ``%jobs``: parse the line, call the session, return.

User mistakes become :class:`UsageError` (one line, no traceback); nothing
a user types here can lose a job or the namespace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, needs_local_scope, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments

from ipython_bg.shell.errors import DOMAIN_ERRORS, SessionError
from ipython_bg.shell.options import (
    has_options,
    line_plan,
    option,
    run_mode,
    split_options,
    summary_first,
    thread_flags,
    timeout_of,
)
from ipython_bg.shell.session import Session
from ipython_bg.shell.settings import Settings

if TYPE_CHECKING:
    from ipython_bg.shell.waiting import Plan

__all__ = ["BackgroundJobs"]

@magics_class
class BackgroundJobs(Magics, Settings):
    """Shell-style job control for asyncio and threads: %bg, %fg, %jobs.

    Also the configurable that holds the settings (:class:`Settings`): the
    session reads them from here, so ``%config`` takes effect at once."""

    def __init__(self, shell, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.session = Session(shell, self, self._fg_async)

    # -- %bg -----------------------------------------------------------------------

    @summary_first
    @magic_arguments()
    @thread_flags("schedule")
    @option("--process", action="store_true", help="run the call in a new process (the extension's pool)")
    @option("--executor", metavar="NAME", help="submit the call to the executor (or Dask client) named NAME")
    @option("--name", metavar="LABEL", help="%%%%bg only: what %%jobs shows for the cell")
    @option("--timeout", type=float, metavar="SECONDS", help="cancel each run after SECONDS: it fails with TimeoutError")
    @option("--retries", type=int, metavar="N", help="run a failed job again, up to N more times, waiting longer each time")
    @option("--every", type=float, metavar="SECONDS", help="run it again every SECONDS, like watch -n; one job")
    @option("--stop-on-error", dest="stop_on_error", action="store_true", help="with --every: a failing run ends the job")
    @option("--after", nargs="+", metavar="SPEC", help="start once these jobs have succeeded; cancelled if one does not")
    @option("--quiet", action="store_true", help="keep the job's output without showing it (%%jobs -o shows it)")
    @argument("expr", nargs="?", metavar="[NAME =] EXPR", help="what to run; its result goes to NAME")
    @no_var_expand
    @needs_local_scope
    @line_cell_magic
    def bg(self, line, cell=None, local_ns=None):
        """Start a background job and return it.

        %bg EXPR            a coroutine, task or other awaitable: scheduled on the loop
        %bg f(a, b)         a plain call: a and b are evaluated here, the call runs in
                            a worker thread; async functions and asyncio's own calls
                            run on the loop
        %bg f(a).json()     a chain on a plain call's result: all of it in the thread
        %bg f               a bare callable, called with no arguments in a thread
        %bg NAME = EXPR     also assign the result to NAME (any target) on success
        %%bg [--name L]     the cell is the job: with top-level await a coroutine
                            (globals are the user namespace), else a thread

        %bg --timeout 5 fetch(url)       fails with TimeoutError after 5 s
        %bg --retries 3 fetch(url)       a failure runs it again, up to 3 more times
        %bg --every 10 poll()            runs again every 10 s (%fg: the next run)
        %bg --after %1 %2 report()       starts once jobs 1 and 2 have succeeded
        They combine: %bg --every 5 --timeout 2 --process check(host)

        Each successful result is also stored as _bgN (BackgroundJobs.result_name).
        What a job prints is kept (%jobs -o); --quiet keeps it without showing it.
        """
        session = self.session
        text = line.strip()
        try:
            if cell is None and text and not has_options(text):
                # The usual line, %bg EXPR: no options to parse or check.
                job = session.background(text, local_ns=local_ns)
            else:
                job = self._bg_job(line, cell, local_ns)
        except DOMAIN_ERRORS as exc:
            raise UsageError(f"%bg: {exc}") from None
        host = session.host
        if host.limitation:
            host.warn_once("limitation", host.limitation)
        return job

    def _bg_job(self, line: str, cell: str | None, local_ns: dict | None):
        """The job of a ``%bg`` line with options, or of a ``%%bg`` cell."""
        options, text = split_options(self.bg, line)
        session = self.session
        where, mode, schedule = line_plan(session, options)
        quiet = options.quiet
        if cell is not None:
            if text:
                raise UsageError(f"%%bg takes options only on its first line, not {text!r}")
            if where is not None:
                raise UsageError("%%bg runs a cell here (coroutine) or in a thread; --process and --executor are for calls")
            return session.cell_job(cell, options.name, schedule=schedule, quiet=quiet)
        if options.name:
            raise SessionError("--name is for %%bg cells; a line job is named by its text")
        if not text:
            raise SessionError("give an expression to run, e.g. %bg asyncio.sleep(1)")
        return session.background(text, mode=mode, executor=where, local_ns=local_ns, schedule=schedule, quiet=quiet)

    # -- %fg -----------------------------------------------------------------------

    @summary_first
    @magic_arguments()
    @option("--timeout", type=float, metavar="SECONDS", help="stop waiting after SECONDS; the job goes on")
    @thread_flags("wait for")
    @argument("expr", nargs="?", metavar="[NAME =] EXPR | SPEC ... | all", help="what to run, or the jobs to wait for (all: every unfinished one)")
    @no_var_expand
    @needs_local_scope
    @line_cell_magic
    def fg(self, line, cell=None, local_ns=None):
        """Run something in the foreground, or wait for jobs; return the result.

        %fg EXPR             run an awaitable (or a call, in a thread) to its end
        %fg                  wait for the current job (%+)
        %fg SPEC [SPEC ...]  wait for jobs: N, %N, %+, %-, %name, %?text, or
                             names of Job objects
        %fg all              wait for every unfinished job (bash's wait); returns nothing
        %%fg                 run the cell with top-level await, even without autoawait

        A failed job's exception is raised here.  Ctrl-C cancels the
        foreground job only; other jobs keep running.
        """
        __tracebackhide__ = True  # a job's failure should show the job's frames, not ours
        from ipython_bg.shell import waiting  # imported on first use: loading stays quick

        try:
            # A Ctrl-C while the line starts its job is kept for the wait.
            with self.session.control.runner.ctrl_c_held():
                return waiting.run(self.session, self._plan(line, cell, local_ns, blocking=True))
        except DOMAIN_ERRORS as exc:
            raise UsageError(f"%fg: {exc}") from None

    async def _fg_async(self, line: str, cell: str | None = None):
        """``%fg`` where the loop already runs the cell (a Jupyter kernel)."""
        __tracebackhide__ = True
        from ipython_bg.shell import waiting

        try:
            return await waiting.run_async(self.session, self._plan(line, cell, blocking=False))
        except DOMAIN_ERRORS as exc:
            raise UsageError(f"%fg: {exc}") from None

    def _plan(self, line: str, cell: str | None, local_ns: dict | None = None, *, blocking: bool) -> Plan:
        from ipython_bg.shell import waiting

        options, text = split_options(self.fg, line)
        if cell is not None and text:
            raise UsageError(f"%%fg takes options only on its first line, not {text!r}")
        mode = run_mode(options, None)
        timeout = timeout_of(options.timeout)
        return waiting.plan(
            self.session, text, cell, mode=mode, timeout=timeout, blocking=blocking, local_ns=local_ns
        )

    # -- %jobs ---------------------------------------------------------------------

    @summary_first
    @magic_arguments()
    @argument("-l", "--long", action="store_true", help="add tracebacks of failed jobs and where running coroutines wait")
    @argument("-a", "--all", action="store_true", help="every row: a table longer than a screenful is otherwise cut to the unfinished and newest jobs")
    @argument("-k", "--kill", nargs="+", metavar="SPEC", help="cancel these jobs ('all': every unfinished one)")
    @argument("-c", "--clear", action="store_true", help="forget finished jobs")
    @argument("-t", "--traceback", metavar="SPEC", help="show the full traceback of a failed job")
    @argument("-d", "--debug", metavar="SPEC", help="open the debugger on a failed job's failure, in its frames")
    @argument("-w", "--watch", action="store_true", help="keep the table up to date until its jobs have ended")
    @argument("-o", "--output", nargs="*", metavar="SPEC", help="show what these jobs printed (and displayed); without a spec, the current job's")
    @argument("specs", nargs="*", metavar="SPEC", help="show only these jobs")
    @no_var_expand
    @line_magic
    def jobs(self, line):
        """List jobs (id, state, kind, elapsed, progress, source, result), or act on them.

        -l adds the last lines each job printed; -o [SPEC...] shows all it kept (the current job's, without a spec).
        A table longer than a screenful (a notebook: 40 rows) shows the counts per state and the unfinished and
        newest jobs; -a shows every row, and so does a list of SPECs.  The table returned has every row.
        """
        from ipython_bg.render import table as display  # imported on first use: loading stays quick

        args = self._parse_jobs(line)
        session = self.session
        table = session.control.table
        try:
            if args.kill:
                # Printed, not returned: a cell ending in %jobs -k shows one line, not a list.
                print(session.actions.cancel_line(args.kill))
                return None
            if args.clear:
                return display.Forgotten(table.forget_finished())
            if args.debug:
                return session.actions.post_mortem(table.resolve(args.debug))
            if args.output is not None:
                return session.actions.replay(table.resolve_all(args.output or ["%+"]))
            if args.traceback:
                job = table.resolve(args.traceback)
                text = job.format_traceback()
                if text is None:
                    raise UsageError(f"%jobs -t: job {job.id} has not failed (it is {job.state.value})")
                return display.block(text.rstrip("\n"))
            jobs = table.resolve_all(args.specs) if args.specs else list(table)
            footer = f"Note: {session.host.limitation}." if session.host.limitation else ""
            # Jobs named, or all asked for, are shown all; else a screenful.
            every = args.all or bool(args.specs)

            def show(jobs):
                rows = None if every else display.screenful(session.host.in_kernel, footer)
                return display.jobs_table(jobs, table.markers(), long=args.long, footer=footer, rows=rows)

            if args.watch:
                from ipython_bg.shell import waiting

                return waiting.watch(session, jobs, show)
            return show(jobs)
        except DOMAIN_ERRORS as exc:
            raise UsageError(f"%jobs: {exc}") from None

    def _parse_jobs(self, line: str):
        try:
            return self.jobs.parser.parse_argstring(line)
        except ValueError as exc:  # an unbalanced quote
            raise UsageError(f"%jobs: {exc}: {line.strip()!r}") from None
        except UsageError as exc:
            raise UsageError(f"%jobs: {exc}") from None
