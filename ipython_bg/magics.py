"""``%bg``, ``%fg`` and ``%jobs``: parse the line, call the engine, return.

The engine is :class:`ipython_bg.api.JobControl`; the loop integration is in
:mod:`ipython_bg.hosts`; rendering in :mod:`ipython_bg.display`.  User
mistakes become :class:`UsageError` (one line, no traceback); nothing a
user types here can lose a job or the namespace.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import os
import re
import shlex

from IPython.core.async_helpers import get_asyncio_loop
from IPython.core.error import UsageError
from IPython.core.magic import MAGIC_OUTPUT_CAN_BE_SILENCED, Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from traitlets import Bool, CaselessStrEnum, Float, Integer, Unicode, observe, validate, TraitError

from . import api
from .api import ForegroundSuspended, ForegroundTimeout, JobCancelled, JobControl, LoopBusy
from .hosts import UnsupportedShell, host_for
from .jobs import Job, JobKind, JobState, NoSuchJob, is_job_spec
from .statements import StatementError, Work, evaluate, parse_statement

__all__ = ["BackgroundJobs", "load", "unload"]

_WORD = r"""\s*("[^"]*"|'[^']*'|\S+)"""  # compiled on first use (re keeps it)
_DEFAULTS: dict = {}  # each magic's options when none are given


def option(*args, **kwargs):
    """An option of a magic, as IPython's ``@argument`` takes it, kept until
    the magic's parser is built (see :func:`parser_of`)."""

    def keep(func):
        # Decorators apply bottom up: prepend, so the options keep the
        # order in which they are written.
        func.__dict__.setdefault("options", []).insert(0, (args, kwargs))
        func.getdoc = lambda: parser_of(func).format_help()
        return func

    return keep


def answered(func):
    """``@no_var_expand``, and IPython's two other questions to a magic
    answered up front.

    ``run_line_magic`` and ``run_cell_magic`` ask every magic, on every
    call, ``getattr(fn, name, False)`` for ``needs_local_scope`` and for
    whether its output can be silenced.  A magic without those attributes
    answers by raising and catching an AttributeError each time: a fifth of
    what IPython's dispatch of a ``%bg`` line costs.  These answer False,
    IPython's default, without the exceptions.
    """
    func = no_var_expand(func)
    func.needs_local_scope = False
    setattr(func, MAGIC_OUTPUT_CAN_BE_SILENCED, False)
    return func


def parser_of(magic):
    """The argument parser of a magic (a function or bound method) with
    :func:`option` s, built on first use.

    IPython's ``@magic_arguments()`` builds each parser, and formats its
    help, when the module is imported: that was a third of what loading
    the extension cost.  ``%bg?`` asks for the help through the
    ``getdoc()`` hook of IPython's inspector, and ``__doc__`` stays the
    summary that ``%lsmagic`` shows.
    """
    func = getattr(magic, "__func__", magic)
    parser = func.__dict__.get("parser")
    if parser is None:
        from IPython.core.magic_arguments import MagicArgumentParser

        parser = MagicArgumentParser(func.__name__, description=func.__doc__)
        for args, kwargs in func.options:
            parser.add_argument(*args, **kwargs)
        func.parser = parser
    return parser


def split_options(magic, line: str):
    """``(options, rest)``: the leading ``-x``/``--xx`` options of ``line``,
    parsed by the magic's argument parser, and the untouched rest.

    IPython's ``parse_argstring`` splits the whole line shell-style, which
    would mangle the Python expression that follows (``f('a  b')``).
    """
    if not line.lstrip().startswith("-"):
        # The common case, without argparse's cost (tens of microseconds).
        defaults = _DEFAULTS.get(magic)
        if defaults is None:
            defaults = _DEFAULTS[magic] = parser_of(magic).parse_args([])
        return defaults, line.strip()
    parser = parser_of(magic)
    word_pattern = re.compile(_WORD)
    words: list[str] = []
    position = 0
    while True:
        match = word_pattern.match(line, position)
        if match is None:
            break
        word = match.group(1)
        if word == "--":
            position = match.end()
            break
        if not word.startswith("-") or len(word) == 1 or word[1].isdigit():
            break
        words.append(word)
        position = match.end()
        # argparse offers no public lookup of an option's arity.
        action = parser._option_string_actions.get(word.split("=", 1)[0])
        if action is not None and action.nargs != 0 and "=" not in word:
            value = word_pattern.match(line, position)
            if value is not None:
                words.append(value.group(1))
                position = value.end()
    try:
        words = [shlex.split(word)[0] if word[:1] in "\"'" else word for word in words]
    except ValueError as exc:  # an unbalanced quote
        raise UsageError(f"{exc} in the options: {line.strip()!r}") from None
    return parser.parse_args(words), line[position:].strip()


@magics_class
class BackgroundJobs(Magics):
    """Shell-style job control for asyncio and threads: %bg, %fg, %jobs."""

    notify = CaselessStrEnum(
        ("immediate", "prompt", "off"),
        default_value="immediate",
        help="""When a job's end is announced: 'immediate' (above an idle
        prompt at once; during a cell, before the next prompt), 'prompt'
        (always before the next prompt) or 'off'.""",
    ).tag(config=True)

    result_name = Unicode(
        "_bg{id}",
        help="""Name under which each successful job's result is stored in
        the user namespace ('{id}' is the job id); empty to switch off.""",
    ).tag(config=True)

    history = Integer(
        1000,
        help="How many finished jobs %jobs keeps; unfinished jobs are always kept.",
    ).tag(config=True)

    process_workers = Integer(
        0,
        help="""At most this many process jobs (%bg --process) run at once;
        0 means one per CPU.""",
    ).tag(config=True)

    executor = Unicode(
        "",
        help="""Name of an executor in the user namespace (any
        concurrent.futures.Executor, or a Dask Client) that call jobs go to
        instead of a thread; empty for threads.""",
    ).tag(config=True)

    worker_threads = Integer(
        32,
        help="""At most this many thread jobs run at once; more wait for a
        free worker (state 'pending').""",
    ).tag(config=True)

    loop = CaselessStrEnum(
        ("asyncio", "uvloop"),
        default_value="asyncio",
        help="""The event loop that jobs and the terminal prompt run on:
        asyncio's own, or uvloop (pip install uvloop).  Read when the
        extension loads; a kernel keeps its own loop.""",
    ).tag(config=True)

    block_warning = Float(
        2.0,
        help="""At an idle terminal prompt, after this many seconds of a job
        holding the event loop without an await, say which job it is and let
        Ctrl-C stop it; 0 switches the watch off.""",
    ).tag(config=True)

    confirm_exit = Bool(
        True,
        help="""Ask again before exiting while jobs are running (like bash's
        checkjobs): the first exit or Ctrl-D lists them, the second exits.""",
    ).tag(config=True)

    exit_timeout = Float(
        2.0,
        help="""Seconds that cancelled jobs get to run their finally blocks
        when the extension is unloaded or IPython exits.""",
    ).tag(config=True)

    def __init__(self, shell, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.control = JobControl(
            get_asyncio_loop,
            history=self.history,
            worker_threads=self.worker_threads,
            process_workers=self.process_workers or None,
        )
        self.host = host_for(shell, self.control, self)
        self._on_loop = self.control.on_loop  # made once, not on every %bg
        self._assigners: dict[int, object] = {}
        self._executor_name = self.executor
        self._watchers: set[asyncio.Task] = set()
        self.control.listeners.append(self._job_finished)
        # The cell that jobs start in, "In [N]", noted when each cell starts
        # (reading the execution_count trait and formatting it on every %bg
        # cost 5% of a line).  IPython counts a cell kept in the history
        # before running it, so at load, in a cell, the count is already
        # the next one's.
        count = shell.execution_count
        self._origin: str | None = f"In [{count - 1}]" if count > 1 else None
        shell.events.register("pre_run_cell", self._cell_starts)

    def _cell_starts(self, info) -> None:
        count = self.shell.execution_count
        self._origin = f"In [{count - 1 if info.store_history else count}]"

    @validate("result_name")
    def _check_result_name(self, proposal):
        name = proposal.value
        if name:
            try:
                formatted = name.format(id=1)
            except (KeyError, IndexError, ValueError) as exc:
                raise TraitError(f"result_name {name!r} does not format with {{id}}: {exc}")
            if not formatted.isidentifier():
                raise TraitError(f"result_name {name!r} does not make a Python name")
        return name

    @validate("history", "worker_threads")
    def _check_positive(self, proposal):
        if proposal.value < (0 if proposal.trait.name == "history" else 1):
            raise TraitError(f"{proposal.trait.name} is too small: {proposal.value}")
        return proposal.value

    @observe("history")
    def _history_changed(self, change):
        self.control.table.set_history(change.new)

    @observe("worker_threads")
    def _workers_changed(self, change):
        self.control.set_worker_threads(change.new)

    # -- %bg -----------------------------------------------------------------------

    @option("--thread", action="store_true", help="run the call in a worker thread, whatever it is")
    @option(
        "--no-thread",
        dest="no_thread",
        action="store_true",
        help="evaluate the whole expression here and schedule the awaitable it gives",
    )
    @option("--process", action="store_true", help="run the call in a new process (the extension's pool)")
    @option("--executor", metavar="NAME", help="submit the call to the executor (or Dask client) named NAME")
    @option("--name", metavar="LABEL", help="%%%%bg only: what %%jobs shows for the cell")
    @answered
    @line_cell_magic
    def bg(self, line, cell=None):
        """Start a background job and return it.

        %bg EXPR            a coroutine, task or other awaitable: scheduled on the loop
        %bg f(a, b)         a plain call: a and b are evaluated here, the call runs in
                            a worker thread; async functions and asyncio's own calls
                            run on the loop
        %bg f               a bare callable, called with no arguments in a thread
        %bg NAME = EXPR     also assign the result to NAME (any target) on success
        %%bg [--name L]     the cell is the job: with top-level await a coroutine
                            (globals are the user namespace), else a thread
        --process           the call runs in a new process instead of a thread
        --executor NAME     the call is submitted to the executor NAME (any
                            concurrent.futures.Executor, or a Dask Client)

        Each successful result is also stored as _bgN (BackgroundJobs.result_name).
        """
        options, rest = split_options(BackgroundJobs.bg, line)
        where = self._where(options) if options.process or options.executor else None
        if options.thread and options.no_thread:
            raise UsageError("%bg: --thread and --no-thread exclude each other")
        if cell is not None:
            if rest:
                raise UsageError(f"%%bg takes options only on its first line, not {rest!r}")
            if options.process or options.executor:
                raise UsageError("%%bg runs a cell here (coroutine) or in a thread; --process and --executor are for calls")
            job = self.control.adopt(self._cell_job(cell, options.name))
        else:
            if options.name:
                raise UsageError("%bg: --name is for %%bg cells; a line job is named by its text")
            if options.no_thread and where is not None:
                raise UsageError("%bg: --no-thread runs nothing elsewhere; it excludes --process and --executor")
            mode = "thread" if options.thread or where is not None else "loop" if options.no_thread else "auto"
            statement, work = self._evaluate("bg", rest, mode)
            job = self.control.adopt(
                self._job(
                    work,
                    statement.source,
                    assign_to=statement.target,
                    executor=where or (self._executor_named(self._executor_name) if self._executor_name else None),
                    keep=True,
                )
            )
            if statement.assign is not None:
                self._assigners[job.id] = statement.assign
        if self.host.limitation:
            self.host.warn_once("limitation", self.host.limitation)
        return job

    # -- %fg -----------------------------------------------------------------------

    @option("--timeout", type=float, metavar="SECONDS", help="stop waiting after SECONDS; the job goes on")
    @answered
    @line_cell_magic
    def fg(self, line, cell=None):
        """Run something in the foreground, or wait for jobs; return the result.

        %fg EXPR             run an awaitable (or a call, in a thread) to its end
        %fg                  wait for the current job (%+)
        %fg SPEC [SPEC ...]  wait for jobs: N, %N, %+, %-, %name, %?text
        %%fg                 run the cell with top-level await, even without autoawait

        A failed job's exception is raised here.  Ctrl-C cancels the
        foreground job only; other jobs keep running.
        """
        __tracebackhide__ = True  # a job's failure should show the job's frames, not ours
        plan = self._plan_foreground(line, cell)
        with self._foreground_outcome(plan):
            if plan.new:
                results = [self.control.foreground(plan.jobs[0], timeout=plan.timeout, suspendable=True)]
            else:
                results = self.control.wait(plan.jobs, timeout=plan.timeout, suspendable=True)
        return self._foreground_result(plan, results)

    async def fg_async(self, line: str, cell: str | None = None):
        """``%fg`` where the loop already runs the cell (a Jupyter kernel):
        the same line, awaited instead of blocking."""
        __tracebackhide__ = True
        plan = self._plan_foreground(line, cell)
        with self._foreground_outcome(plan):
            if plan.new:
                results = [await self.control.foreground_async(plan.jobs[0], timeout=plan.timeout)]
            else:
                results = await self.control.wait_async(plan.jobs, timeout=plan.timeout)
        return self._foreground_result(plan, results)

    def _plan_foreground(self, line: str, cell: str | None) -> "_Foreground":
        options, rest = split_options(BackgroundJobs.fg, line)
        timeout = options.timeout
        if timeout is not None and not timeout >= 0:  # also refuses nan
            raise UsageError(f"%fg: --timeout takes a number of seconds, not {timeout}")
        if timeout == float("inf"):
            timeout = None
        if cell is not None:
            if rest:
                raise UsageError(f"%%fg takes options only on its first line, not {rest!r}")
            return _Foreground([self._cell_job(cell, None)], True, timeout)
        words = rest.split()
        if not words or all(is_job_spec(word) for word in words):
            return _Foreground(self._resolve(words or ["%+"], "fg"), False, timeout)
        statement, work = self._evaluate("fg", rest, "auto")
        job = self._job(work, statement.source, assign_to=statement.target)
        return _Foreground([job], True, timeout, statement.assign)

    @contextlib.contextmanager
    def _foreground_outcome(self, plan: "_Foreground"):
        """Turn a wait that stopped early into what the user should see."""
        __tracebackhide__ = True
        try:
            yield
        except JobCancelled as exc:
            raise UsageError(f"%fg: [{exc.job.id}] {exc.job.source} was cancelled") from None
        except LoopBusy:
            raise UsageError(
                "%fg cannot wait here: the event loop is already running this cell "
                "(use `await` on the job or awaitable instead)"
            ) from None
        except (ForegroundTimeout, ForegroundSuspended) as exc:
            if plan.new and plan.assign is not None:
                # The job went on in the background: so does its assignment.
                self._assigners[plan.jobs[0].id] = plan.assign
            what = ", ".join(f"[{job.id}] {job.source}" for job in plan.jobs)
            if isinstance(exc, ForegroundTimeout):
                verb = "keeps" if len(plan.jobs) == 1 else "keep"
                raise UsageError(
                    f"%fg: gave up after {exc.timeout:g} s; {what} {verb} running in the background"
                ) from None
            # Said in one line, like bash's "[3]+ cmd &" after Ctrl-Z and bg.
            markers = self.control.table.markers()
            exc.args = (
                "\n".join(
                    f"[{job.id}]{markers.get(job.id, '')} continued in background  {job.kind.value}  {job.source}"
                    for job in plan.jobs
                ),
            )
            if not self.host.shows_suspension:
                raise UsageError(exc.args[0]) from None
            raise

    @staticmethod
    def _foreground_result(plan: "_Foreground", results: list):
        if plan.assign is not None:
            try:
                plan.assign(results[0])
            except Exception as exc:
                from . import display

                job = plan.jobs[0]
                raise UsageError(
                    f"%fg: {job.source} gave {display.short_repr(results[0])}, which could not be "
                    f"assigned to {job.assign_to}: {display.describe_exception(exc)}"
                ) from None
        return results if len(plan.jobs) > 1 else results[0]

    # -- %jobs ---------------------------------------------------------------------

    @option("-l", "--long", action="store_true", help="add tracebacks of failed jobs and where running coroutines wait")
    @option("-k", "--kill", nargs="+", metavar="SPEC", help="cancel these jobs")
    @option("-c", "--clear", action="store_true", help="forget finished jobs")
    @option("-t", "--traceback", metavar="SPEC", help="show the full traceback of a failed job")
    @option("-w", "--watch", action="store_true", help="keep the table up to date until its jobs have ended")
    @option("specs", nargs="*", metavar="SPEC", help="show only these jobs")
    @answered
    @line_magic
    def jobs(self, line):
        """List jobs (id, state, kind, elapsed, source, result), or act on them."""
        from . import display  # imported on first use: loading stays quick

        try:
            args = parser_of(self.jobs).parse_argstring(line)
        except ValueError as exc:  # an unbalanced quote
            raise UsageError(f"%jobs: {exc}: {line.strip()!r}") from None
        table = self.control.table
        if args.kill:
            # A job already over (a thread job whose call returned while the
            # loop was not running, say) keeps the outcome %jobs showed.
            targets = [job for job in self._resolve(args.kill, "jobs -k") if not job.state.finished]
            for job in targets:
                if job.kind is JobKind.THREAD and job.state is JobState.RUNNING:
                    self.host.warn_once(
                        "thread-cancel",
                        "a cancelled thread job stops waiting at once, but Python cannot stop "
                        "its thread: the call runs on until it returns, and its result is dropped",
                    )
                job.cancel()
            return targets
        if args.clear:
            return table.forget_finished()
        if args.traceback:
            (job,) = self._resolve([args.traceback], "jobs -t")
            text = job.format_traceback()
            if text is None:
                raise UsageError(f"%jobs -t: job {job.id} has not failed (it is {job.state.value})")
            return display.TextBlock(text.rstrip("\n"))
        jobs = self._resolve(args.specs, "jobs") if args.specs else list(table)
        if args.watch:
            return self._watch(jobs, args.long)
        return self._table(jobs, args.long)

    def _table(self, jobs: list[Job], long: bool = False) -> "display.JobsTable":
        from . import display  # imported on first use: loading stays quick

        markers = self.control.table.markers()
        rows = [display.job_row(job, markers.get(job.id, ""), long=long) for job in jobs]
        return display.JobsTable(rows, footer=f"Note: {self.host.limitation}." if self.host.limitation else "")

    def _watch(self, jobs: list[Job], long: bool):
        """``%jobs -w``: in a notebook, a table that updates in place while
        the cell is free; elsewhere, the table again after each change,
        in the foreground (Ctrl-C stops watching, not the jobs)."""

        async def changes():
            unfinished = [job for job in jobs if not job.done()]
            while unfinished:
                # On each end, and every second for the elapsed times.
                await asyncio.wait(unfinished, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
                unfinished = [job for job in unfinished if not job.done()]
                yield

        if self.host.kind == "kernel":
            from IPython.display import display as show

            handle = show(self._table(jobs, long), display_id=True)

            async def refresh():
                async for _ in changes():
                    handle.update(self._table(jobs, long))

            watcher = self.control.get_loop().create_task(refresh())
            self._watchers.add(watcher)
            watcher.add_done_callback(self._watchers.discard)
            return None

        async def reprint():
            print(self._table(jobs, long).text(), flush=True)
            async for _ in changes():
                if any(job.done() for job in jobs):
                    print(self._table(jobs, long).text(), flush=True)

        try:
            self.control.runner.run(reprint())
        except KeyboardInterrupt:
            pass
        except LoopBusy:
            raise UsageError("%jobs -w cannot wait here: the event loop is already running this cell") from None
        return self._table(jobs, long)

    # -- helpers -------------------------------------------------------------------

    def _evaluate(self, magic: str, text: str, mode: str):
        __tracebackhide__ = True
        if not text:
            raise UsageError(f"%{magic}: give an expression to run, e.g. %{magic} asyncio.sleep(1)")
        shell = self.shell
        namespace = shell.user_ns
        try:
            statement = parse_statement(text, namespace)
            work = evaluate(statement, shell.user_global_ns, namespace, mode=mode, on_loop=self._on_loop)
            return statement, work
        except StatementError as exc:
            raise UsageError(f"%{magic}: {exc}") from None
        except Exception as exc:
            from . import display

            raise UsageError(f"%{magic}: {text}: {display.describe_exception(exc)}") from None

    def _job(self, work: Work, source: str, assign_to: str | None = None, executor=None, keep: bool = False) -> Job:
        """The job for a line's work; in the table already if ``keep``
        (``%bg``), else not until it has to outlive its ``%fg``."""
        origin = self._origin
        if isinstance(work.awaitable, Job) and work.awaitable.id is not None:
            job = work.awaitable
            if job not in self.control.table:
                raise UsageError(f"job {job.id} was forgotten (%jobs -c); await or use the Job object itself")
            return job
        if work.awaitable is not None:
            start = self.control.background if keep else self.control.create
            return start(work.awaitable, source=source, assign_to=assign_to, origin=origin)
        try:
            return self.control.create_call(
                work.func, work.args, work.kwargs, source=source, assign_to=assign_to, origin=origin, executor=executor
            )
        except TypeError as exc:  # cannot be pickled for a process pool
            raise UsageError(f"%bg: {exc}") from None

    def _where(self, options):
        """The executor that ``--process`` / ``--executor NAME`` ask for."""
        if options.process and options.executor:
            raise UsageError("%bg: --process and --executor exclude each other")
        if options.process:
            if not hasattr(os, "fork"):
                raise UsageError("%bg --process needs os.fork (POSIX); use --executor with a ProcessPoolExecutor")
            return self.control.processes
        if options.executor:
            return self._executor_named(options.executor)
        return None

    @observe("executor")
    def _executor_changed(self, change):
        # Read on every %bg: a plain attribute is cheaper than a trait.
        self._executor_name = change.new

    def _executor_named(self, name: str):
        try:
            executor = self.shell.user_ns[name]
        except KeyError:
            raise UsageError(f"%bg: no executor named {name!r} in the namespace") from None
        if not (isinstance(executor, concurrent.futures.Executor) or api._is_dask_client(executor)):
            raise UsageError(
                f"%bg: {name!r} is a {type(executor).__name__}, not a concurrent.futures.Executor or a Dask Client"
            )
        return executor

    def _cell_job(self, cell: str, label: str | None) -> Job:
        """A job for a cell body: a coroutine if it awaits, else a thread."""
        shell = self.shell
        if not cell.strip():
            raise UsageError("the cell is empty: nothing to run")
        try:
            transformed = shell.transform_cell(cell)
        except Exception as exc:
            from . import display

            raise UsageError(f"the cell cannot be read: {display.describe_exception(exc)}") from None
        filename = shell.compile.cache(transformed, shell.execution_count, raw_code=cell)
        flags = shell.compile.flags | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        try:
            code = compile(transformed, filename, "exec", flags=flags, dont_inherit=True)
        except SyntaxError as exc:
            raise UsageError(f"the cell does not compile: {exc.msg} (line {exc.lineno})") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise UsageError(f"the cell does not compile: {type(exc).__name__}: {exc}") from None
        source = label or next(line.strip() for line in cell.splitlines() if line.strip())
        if code.co_flags & inspect.CO_COROUTINE:
            coro = eval(code, shell.user_global_ns, shell.user_ns)
            return self.control.create(coro, source=source, origin=self._origin)
        run = functools.partial(exec, code, shell.user_global_ns, shell.user_ns)
        return self.control.create_call(run, (), {}, source=source, origin=self._origin)

    def _resolve(self, specs: list[str], magic: str) -> list[Job]:
        try:
            return self.control.table.resolve_all(specs)
        except NoSuchJob as exc:
            raise UsageError(f"%{magic}: {exc}") from None

    def _job_finished(self, job: Job) -> None:
        from . import display  # imported on first use: loading stays quick

        assign = self._assigners.pop(job.id, None)
        name = None
        if not job.cancelled() and job.exception() is None:
            result = job.result()
            if assign is not None:
                try:
                    assign(result)
                except Exception as exc:
                    job.assign_error = exc
            if self.result_name and result is not None:
                name = self.result_name.format(id=job.id)
                self.shell.user_ns[name] = result
        if not job.waited and self.notify != "off":
            marker = self.control.table.markers().get(job.id, "")
            self.host.notify(display.notice(job, marker, name), state=job.state.value)


class _Foreground:
    """What a ``%fg`` line waits for."""

    __slots__ = ("jobs", "new", "timeout", "assign")

    def __init__(self, jobs: list[Job], new: bool, timeout: float | None, assign=None):
        self.jobs = jobs
        self.new = new  # a job made for this line (not yet in the table)
        self.timeout = timeout
        self.assign = assign  # ``NAME = `` of ``%fg NAME = EXPR``


# Loaded extensions, by shell.  Not in the user namespace: %reset clears that.
_loaded: dict[int, BackgroundJobs] = {}


def load(shell) -> BackgroundJobs:
    if id(shell) in _loaded:
        return _loaded[id(shell)]
    try:
        magics = BackgroundJobs(shell)
    except UnsupportedShell as exc:
        raise UsageError(f"ipython_bg cannot load here: {exc}") from None
    magics.host.install()
    shell.register_magics(magics)
    shell.configurables.append(magics)
    api.set_control(magics.control)
    _loaded[id(shell)] = magics
    return magics


def unload(shell) -> None:
    magics = _loaded.pop(id(shell), None)
    if magics is None:
        return
    control = magics.control
    cancelled = control.cancel_all(timeout=magics.exit_timeout)
    if cancelled:
        names = ", ".join(f"[{job.id}] {job.source}" for job in cancelled)
        print(f"ipython_bg: cancelled {len(cancelled)} running job(s): {names}")
    control.listeners.remove(magics._job_finished)
    shell.events.unregister("pre_run_cell", magics._cell_starts)
    for watcher in list(magics._watchers):
        watcher.cancel()
    magics.host.uninstall()
    control.close()
    _unregister_magics(shell, magics)
    if magics in shell.configurables:
        shell.configurables.remove(magics)
    if api._control is control:
        api.set_control(None)


def _unregister_magics(shell, magics: BackgroundJobs) -> None:
    # IPython has register_magics but no unregister: remove our entries
    # from the manager's tables, and only while they are still ours.
    manager = shell.magics_manager
    for kind, names in magics.magics.items():
        table = manager.magics[kind]
        for name in names:
            bound = table.get(name)
            if getattr(bound, "__self__", None) is magics:
                del table[name]
    if manager.registry.get(type(magics).__name__) is magics:
        del manager.registry[type(magics).__name__]
