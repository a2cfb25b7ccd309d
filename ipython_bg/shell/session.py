"""One session per shell: lines and cells become jobs.

The :class:`Session` sits between the magics (which parse) and the engine
(:class:`~ipython_bg.engine.control.JobControl`, which knows no IPython).
It evaluates a line in the user's namespace and starts the job, notes which
cell started each job, and takes from the one owner
(:mod:`ipython_bg.process.changes`) what the extension changes in the
process and the shell.  What happens when a job ends (its result assigned,
its notice) is :mod:`~ipython_bg.shell.results`; acting on jobs
(``%jobs -k``, ``-d``, ``-o``) is :mod:`~ipython_bg.shell.actions`.
"""

from __future__ import annotations

import functools
import os
import threading

import IPython

from ipython_bg.api import set_control
from ipython_bg.engine.adopt import TaskAdopter, adopted_job
from ipython_bg.engine.calls import executor_in
from ipython_bg.engine.control import JobControl
from ipython_bg.hosts.detect import host_for
from ipython_bg.model.job import Job
from ipython_bg.model.tracebacks import describe_exception, set_code_namer
from ipython_bg.process.changes import EventCallback, ListEntry, TypeFormatter
from ipython_bg.process.input import KernelInput, TtyInput
from ipython_bg.process.loop_stop import StopGuard
from ipython_bg.process.streams import StandardStreams
from ipython_bg.process.tqdm import TqdmProgress
from ipython_bg.shell.errors import SessionError
from ipython_bg.shell.results import Results
from ipython_bg.shell.statements import (
    RunMode,
    StatementError,
    Work,
    evaluate,
    parse_statement,
    refuse_running_the_loop,
)

__all__ = ["Session", "SessionError"]

# IPython 9.8 and later count a cell kept in the history before running it,
# so while it runs the count is already the next cell's; earlier ones count
# it afterwards.
_COUNTED_BEFORE_RUNNING = IPython.version_info >= (9, 8)


class Session:
    """Job control for one shell, configured by ``settings`` (the
    BackgroundJobs configurable, read when needed)."""

    def __init__(self, shell, settings, foreground_async):
        self.shell = shell
        self.settings = settings
        self.control = JobControl(self._home_loop, settings=settings)
        self.host = host_for(shell, self.control, settings, foreground_async)
        self.control.home = threading.current_thread()  # the shell's: other threads hand it work
        self.results = Results(self)
        self.displays = None  # a DisplayCapture, in a kernel
        self.tty_input: TtyInput | None = None  # the process's, where this shell is no kernel's
        self._streams: StandardStreams | None = None
        self._adopter: TaskAdopter | None = None  # while adopt_tasks is on
        # The cell that jobs start in, "Cell In[N]" as IPython names it, noted
        # when each cell starts.  Before any cell has run the count is 1 (a
        # load at start-up).
        self.cell_number = shell.execution_count - _COUNTED_BEFORE_RUNNING
        self.origin: str | None = f"Cell In[{self.cell_number}]" if shell.execution_count > 1 else None

    @functools.cached_property
    def actions(self):
        """Acting on jobs: ``%jobs -k``, ``-d``, ``-o`` (shell/actions.py)."""
        from ipython_bg.shell.actions import Actions  # imported on first use: loading stays quick

        return Actions(self)

    def _home_loop(self):  # the host says which loop, whichever thread asks
        return self.host.home_loop()

    # -- life ----------------------------------------------------------------

    def install(self) -> None:
        shell, held = self.shell, self.host.held
        self.host.install()
        loop = self.control.home_loop()
        held.take(("loop.stop", loop), lambda: StopGuard(loop))
        self.adopt_tasks(self.settings.adopt_tasks)
        self._streams = held.take(("streams",), StandardStreams)
        held.take(("tqdm",), TqdmProgress)
        held.take(("pre_run_cell", shell), lambda: EventCallback(shell, "pre_run_cell", self._cell_starts))
        held.take(("post_run_cell", shell), lambda: EventCallback(shell, "post_run_cell", self._cell_ends))
        if self.host.in_kernel and hasattr(shell, "display_pub"):
            self._take_displays()
        if self.host.shows_html:
            held.take(("job html", shell), lambda: TypeFormatter(
                shell.display_formatter.formatters["text/html"], "ipython_bg.model.job", "Job", _job_html))
        self._take_input()
        self.control.listeners.append(self.results.job_finished)
        self.settings.observe(self._setting_changed, names=list(_SETTING_EFFECTS))
        set_control(self.control)
        set_code_namer(self._code_name)

    def _take_displays(self) -> None:
        """A kernel's displays: a job's are kept with its output."""
        from ipython_bg.process.displays import DisplayCapture  # imported on first use: loading stays quick

        publisher = self.shell.display_pub
        self.displays = self.host.held.take(("display_pub", publisher), lambda: DisplayCapture(publisher))

    def _take_input(self) -> None:
        """input() in jobs: the process's builtins.input, or in a kernel the
        kernel's own input (see process/input.py)."""
        held, kernel = self.host.held, getattr(self.shell, "kernel", None)
        if self.host.in_kernel:
            if kernel is not None and hasattr(kernel, "raw_input"):
                held.take(("kernel input", kernel), lambda: KernelInput(kernel))
            return
        self.tty_input = held.take(("builtins.input",), TtyInput)
        told = (self.control.table, self.results.stopped_for_input)
        held.take(("input stops", self.shell), lambda: ListEntry(self.tty_input.stops, told))

    def uninstall(self) -> list[Job]:
        """Undo :meth:`install`; returns the jobs it had to cancel."""
        self.settings.unobserve(self._setting_changed, names=list(_SETTING_EFFECTS))
        cancelled = self.control.cancel_all(timeout=self.settings.exit_timeout)
        self.control.listeners.remove(self.results.job_finished)
        self.host.uninstall()  # gives back every change taken, newest first
        self.control.close()
        set_control(None)
        set_code_namer(None)
        return cancelled

    def _code_name(self, filename: str) -> str | None:
        """IPython's own name for a cell's code (``Cell In[3]``), from its
        public ``CachingCompiler.format_code_name``."""
        named = self.shell.compile.format_code_name(filename)
        return None if named is None else " ".join(named)

    def adopt_tasks(self, on: bool) -> None:
        """Make jobs of the tasks cells create, or stop (``adopt_tasks``)."""
        loop = self.control.home_loop()
        key = ("task factory", loop)
        if on and key not in self.host.held:
            code_name = self.shell.compile.get_code_name
            self._adopter = self.host.held.take(key, lambda: TaskAdopter(loop, code_name, self._adopt))
        elif not on:
            self.host.held.give_back(key)
            self._adopter = None

    def _adopt(self, loop, coro, source: str, context) -> Job:
        """A task the user's cell code made: a job, in the table, noticed at its end."""
        return self.control.keep(adopted_job(loop, coro, source, context, self.origin))

    def _cell_starts(self, info) -> None:
        self._streams.again()  # if the streams were replaced since (pytest's capsys, a user's own)
        count = self.shell.execution_count
        if _COUNTED_BEFORE_RUNNING and info.store_history:
            count -= 1
        self.cell_number = count
        self.origin = f"Cell In[{count}]"
        if self._adopter is not None:
            self._adopter.cell_starts()

    def _cell_ends(self, result) -> None:
        if self._adopter is not None:
            self._adopter.cell_ends()

    def _setting_changed(self, change) -> None:
        """A setting changed (``%config``): applied at once."""
        effect = _SETTING_EFFECTS[change.name]
        message = effect(self, change.new)
        if message:
            print(message)

    # -- starting jobs ---------------------------------------------------------

    def background(
        self, text: str, *, mode: RunMode = RunMode.AUTO, executor=None, local_ns: dict | None = None,
        schedule=None, quiet: bool = False,
    ) -> Job:
        """``%bg [NAME =] EXPR``: a job in the table; ``local_ns`` is the
        namespace of the function the line is in, if any; ``schedule`` its
        verbs (a :class:`~ipython_bg.engine.schedule.Schedule`), if any."""
        statement, work = self.evaluate(text, mode, local_ns)
        if not executor and self.settings.executor:
            executor = self.executor_named(self.settings.executor)
        job = self.job_for(work, statement.source, executor=executor, keep=True, schedule=schedule, quiet=quiet)
        if statement.assign is not None:
            self.results.assign_later(job, statement.target, statement.assign)
        return job

    def evaluate(self, text: str, mode: RunMode, local_ns: dict | None = None):
        __tracebackhide__ = True
        shell = self.shell
        user_ns = shell.user_ns
        # In a function (``def f(x): job = %bg g(x)``) the line sees its
        # locals; its globals, and an assignment's target, stay the user's.
        local_ns = user_ns if local_ns is None else local_ns
        try:
            statement = parse_statement(text, user_ns)
            on_loop = self.control.call_with_loop_running
            work = evaluate(statement, shell.user_global_ns, local_ns, mode=mode, on_loop=on_loop)
        except StatementError:
            raise
        except Exception as exc:
            raise SessionError(f"{text}: {describe_exception(exc)}") from None
        if work.func is not None:  # only a call can run the loop
            refuse_running_the_loop(statement, work, self.control.home_loop)
        return statement, work

    def job_for(self, work: Work, source: str, *, executor=None, keep: bool, schedule=None, quiet=False) -> Job:
        """The job for a line's work: in the table if ``keep`` (``%bg``), else
        not until it has to outlive its ``%fg``."""
        if schedule is not None:
            return self._scheduled(work, source, executor, keep, schedule, quiet)
        if isinstance(work.awaitable, Job) and work.awaitable.id is not None:
            return self.kept(work.awaitable)
        if work.awaitable is not None:
            return self.control.start(work.awaitable, source=source, origin=self.origin, keep=keep, quiet=quiet)
        try:
            return self.control.start_call(
                work.func, work.args, work.kwargs, executor=executor, source=source, origin=self.origin, keep=keep,
                quiet=quiet,
            )
        except TypeError as exc:  # cannot be pickled for a process pool
            raise SessionError(str(exc)) from None

    def schedule(self, *, timeout=None, retries=0, every=None, stop_on_error=False, after=()):
        """The verbs of a ``%bg`` line as a Schedule, or None without any;
        ``after`` are job specs."""
        if stop_on_error and every is None:
            raise SessionError("--stop-on-error is for periodic jobs (--every)")
        if timeout is None and not retries and every is None and not after:
            return None
        from ipython_bg.engine import schedule  # imported on first use: loading stays quick

        jobs = tuple(self.kept(job) for job in self.control.table.resolve_all(after))
        settings = self.settings
        return schedule.Schedule(
            timeout=timeout, retries=retries, every=every, stop_on_error=stop_on_error, after=jobs,
            delay=lambda: settings.retry_delay,
        )

    def _scheduled(self, work: Work, source: str, executor, keep: bool, schedule, quiet: bool) -> Job:
        from ipython_bg.engine.schedule import CannotRepeat, start_work  # imported on first use: loading stays quick

        try:
            job = start_work(
                self.control, schedule, work, executor=executor, source=source, origin=self.origin, keep=keep,
                quiet=quiet,
            )
        except (CannotRepeat, TypeError) as exc:
            raise SessionError(str(exc)) from None
        schedule.on_run_failed = functools.partial(self.results.run_failed, job)
        return job

    def kept(self, job: Job) -> Job:
        """``job``, given by name or value, if the table still has it."""
        if job.id is not None and job not in self.control.table:
            raise SessionError(f"{self.control.table.forgotten(job.id)}; await or use the Job object itself")
        return job

    def cell_job(self, cell: str, label: str | None, *, keep: bool = True, schedule=None, quiet=False) -> Job:
        """A job for a cell body: a coroutine if it awaits, else a thread."""
        from ipython_bg.shell.cells import cell_label, cell_work  # imported on first use: loading stays quick

        work = cell_work(self.shell, cell, self.cell_number)
        return self.job_for(work, label or cell_label(cell), keep=keep, schedule=schedule, quiet=quiet)

    def executor_for(self, process: bool, name: str | None):
        """The executor that ``--process`` / ``--executor NAME`` ask for."""
        if process and not hasattr(os, "fork"):
            raise SessionError("--process needs os.fork (POSIX); use --executor with a ProcessPoolExecutor")
        return self.control.processes if process else self.executor_named(name)

    def executor_named(self, name: str | None):
        try:
            return executor_in(self.shell.user_ns, name) if name else None
        except LookupError as exc:
            raise SessionError(exc.args[0]) from None


def _loop_read_at_load(session: Session, value) -> str:
    return "BackgroundJobs.loop is read when the extension loads: `%reload_ext ipython_bg` applies it"


#: What a changed setting does at once, beyond being read where it is used.
_SETTING_EFFECTS = {
    "history": lambda session, value: session.control.table.set_history(value),
    "worker_threads": lambda session, value: session.control.set_worker_threads(value),
    "process_workers": lambda session, value: session.control.set_process_workers(value),
    "adopt_tasks": lambda session, value: session.adopt_tasks(value),
    "loop": _loop_read_at_load,
}


def _job_html(job: Job) -> str:
    from ipython_bg.render.table import job_html

    return job_html(job)
