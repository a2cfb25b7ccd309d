"""One session per shell: lines and cells become jobs, ends become notices.

The :class:`Session` sits between the magics (which parse) and the engine
(:class:`~ipython_bg.engine.control.JobControl`, which knows no IPython).  It
evaluates a line in the user's namespace, starts the job, assigns results
(``NAME = EXPR`` and ``_bgN``), notes which cell started each job, hears
every end and hands its notice to the host, and applies every setting.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import types

import IPython

from ipython_bg._internals import unwatch_tqdm, watch_tqdm
from ipython_bg.api import set_control
from ipython_bg.engine.adopt import TaskAdopter, adopted_job, cell_prefix
from ipython_bg.engine.calls import executor_in
from ipython_bg.engine.control import JobControl
from ipython_bg.hosts.detect import host_for
from ipython_bg.model.job import Job, JobKind, JobState
from ipython_bg.model.output import tqdm_moved
from ipython_bg.model.table import name_jobs
from ipython_bg.model.tracebacks import describe_exception, set_code_namer
from ipython_bg.process.displays import DisplayCapture
from ipython_bg.process.input import TtyInput
from ipython_bg.process.loop_stop import guard_stop, unguard_stop
from ipython_bg.process.streams import unwrap_streams, wrap_streams
from ipython_bg.render.notices import end_note
from ipython_bg.render.replay import OutputReplay
from ipython_bg.shell.cells import cell_label, cell_work
from ipython_bg.shell.statements import StatementError, Work, evaluate, parse_statement, refuse_running_the_loop

__all__ = ["Session", "SessionError"]

# IPython 9.8 and later count a cell kept in the history before running it,
# so while it runs the count is already the next cell's; earlier ones count
# it afterwards.
_COUNTED_BEFORE_RUNNING = IPython.version_info >= (9, 8)


class SessionError(ValueError):
    """What the user asked for cannot be done; the message says why."""




class Session:
    """Job control for one shell, configured by ``settings`` (an object with
    the BackgroundJobs traits as attributes, kept up to date by the magics)."""

    def __init__(self, shell, settings: types.SimpleNamespace, foreground_async):
        self.shell = shell
        self.settings = settings
        self.control = JobControl(
            self._job_loop,
            history=settings.history,
            worker_threads=settings.worker_threads,
            process_workers=settings.process_workers or None,
        )
        self.control.output_limit, self.control.quiet = settings.output_limit, settings.quiet
        self.host = host_for(shell, self.control, settings, foreground_async)
        self.control.home = threading.current_thread()  # the shell's: other threads hand it work
        self.tty_input = TtyInput(shell, kernel=self.host.kind == "kernel", on_stop=self._stopped_for_input)
        self.displays: DisplayCapture | None = None
        self._guarded_loop = None  # whose stop() a job may not call (loopstop.py)
        self.assigners: dict[int, tuple[str, types.FunctionType]] = {}
        # The cell that jobs start in, "Cell In[N]" as IPython names it, noted
        # when each cell starts.  Before any cell has run the count is 1 (a
        # load at start-up).
        count = shell.execution_count
        if _COUNTED_BEFORE_RUNNING:
            count -= 1
        self.origin: str | None = f"Cell In[{count}]" if shell.execution_count > 1 else None
        self.adopter = TaskAdopter(cell_prefix(shell.compile.get_code_name), self._adopt)

    def _job_loop(self):  # the host says which loop, whichever thread asks
        return self.host.job_loop()

    # -- life ----------------------------------------------------------------

    def install(self) -> None:
        self.host.install()
        self._guarded_loop = guard_stop(self.control.get_loop())
        if self.settings.adopt_tasks:
            self.adopter.install(self.control.loop())
        wrap_streams()  # each job's output is kept (output.py)
        if self.host.kind == "kernel" and hasattr(self.shell, "display_pub"):
            self.displays = DisplayCapture(self.shell.display_pub)
            self.displays.install()
        self.control.listeners.append(self._job_finished)
        self.shell.events.register("pre_run_cell", self._cell_starts)
        html = self.shell.display_formatter.formatters["text/html"]
        html.for_type_by_name("ipython_bg.model.job", "Job", _job_html)
        set_control(self.control)
        self.tty_input.install()
        set_code_namer(self._code_name)

    def _code_name(self, filename: str) -> str | None:
        """IPython's own name for a cell's code (``Cell In[3]``), from its
        public ``CachingCompiler.format_code_name``."""
        named = self.shell.compile.format_code_name(filename)
        return None if named is None else " ".join(named)

    def uninstall(self) -> list[Job]:
        """Undo :meth:`install`; returns the jobs it had to cancel."""
        self.tty_input.uninstall()
        self.adopter.uninstall()
        cancelled = self.control.cancel_all(timeout=self.settings.exit_timeout)
        self.control.listeners.remove(self._job_finished)
        self.shell.events.unregister("pre_run_cell", self._cell_starts)
        self.shell.display_formatter.formatters["text/html"].pop(Job, None)
        self.host.uninstall()
        self._guarded_loop = unguard_stop(self._guarded_loop)
        unwrap_streams()
        unwatch_tqdm()
        if self.displays is not None:
            self.displays.uninstall()
        self.control.close()
        set_control(None)
        set_code_namer(None)
        return cancelled

    def _adopt(self, loop, coro, source: str, context) -> Job:
        """A task the user's cell code made: a job, in the table, noticed at its end."""
        return self.control.keep(adopted_job(loop, coro, source, context, self.origin))

    def _cell_starts(self, info) -> None:
        wrap_streams()  # again, if the streams were replaced since (pytest's capsys, a user's own)
        count = self.shell.execution_count
        if _COUNTED_BEFORE_RUNNING and info.store_history:
            count -= 1
        self.origin = f"Cell In[{count}]"

    def configure(self, name: str, value) -> str | None:
        """Apply a changed setting at once; returns a sentence to show the
        user when it cannot apply now."""
        setattr(self.settings, name, value)
        if name == "history":
            self.control.table.set_history(value)
        elif name == "worker_threads":
            self.control.set_worker_threads(value)
        elif name == "process_workers":
            self.control.set_process_workers(value or None)
        elif name == "adopt_tasks":
            if value:
                self.adopter.install(self.control.loop())
            else:
                self.adopter.uninstall()
        elif name in ("output_limit", "quiet"):
            setattr(self.control, name, value)  # for jobs started from now on
        elif name == "loop":
            return "BackgroundJobs.loop is read when the extension loads: `%reload_ext ipython_bg` applies it"
        return None

    # -- starting jobs ---------------------------------------------------------

    def background(
        self, text: str, *, mode: str = "auto", executor=None, local_ns: dict | None = None, schedule=None
    ) -> Job:
        """``%bg [NAME =] EXPR``: a job in the table; ``local_ns`` is the
        namespace of the function the line is in, if any; ``schedule`` its
        verbs (a :class:`~ipython_bg.engine.schedule.Schedule`), if any."""
        statement, work = self.evaluate(text, mode, local_ns)
        if not executor and self.settings.executor:
            executor = self.default_executor()
        job = self.job_for(work, statement.source, executor=executor, keep=True, schedule=schedule)
        if statement.assign is not None:
            self.assigners[job.id] = (statement.target, statement.assign)
        return job

    def evaluate(self, text: str, mode: str, local_ns: dict | None = None):
        __tracebackhide__ = True
        shell = self.shell
        user_ns = shell.user_ns
        # In a function (``def f(x): job = %bg g(x)``) the line sees its
        # locals; its globals, and an assignment's target, stay the user's.
        local_ns = user_ns if local_ns is None else local_ns
        try:
            statement = parse_statement(text, user_ns)
            work = evaluate(statement, shell.user_global_ns, local_ns, mode=mode, on_loop=self.control.on_loop)
        except StatementError:
            raise
        except Exception as exc:
            raise SessionError(f"{text}: {describe_exception(exc)}") from None
        if work.func is not None:  # only a call can run the loop
            refuse_running_the_loop(statement, work, self.control.get_loop)
        return statement, work

    def job_for(self, work: Work, source: str, *, executor=None, keep: bool, schedule=None) -> Job:
        """The job for a line's work: in the table if ``keep`` (``%bg``), else
        not until it has to outlive its ``%fg``."""
        if schedule is not None:
            return self._scheduled(work, source, executor, keep, schedule)
        if isinstance(work.awaitable, Job) and work.awaitable.id is not None:
            return self.kept(work.awaitable)
        watch_tqdm(tqdm_moved)  # once the user imported tqdm: its bars are the jobs' progress
        if work.awaitable is not None:
            return self.control.start(work.awaitable, source=source, origin=self.origin, keep=keep)
        try:
            return self.control.start_call(
                work.func, work.args, work.kwargs, executor=executor, source=source, origin=self.origin, keep=keep
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
        from ipython_bg.engine import schedule as verbs  # imported on first use: loading stays quick

        jobs = tuple(self.kept(job) for job in self.control.table.resolve_all(after))
        settings = self.settings
        return verbs.Schedule(
            timeout=timeout, retries=retries, every=every, stop_on_error=stop_on_error, after=jobs,
            delay=lambda: settings.retry_delay,
        )

    def _scheduled(self, work: Work, source: str, executor, keep: bool, schedule) -> Job:
        from ipython_bg.engine import schedule as verbs  # imported on first use: loading stays quick

        try:
            job = verbs.start_work(
                self.control, schedule, work, executor=executor, source=source, origin=self.origin, keep=keep
            )
        except (verbs.CannotRepeat, TypeError) as exc:
            raise SessionError(str(exc)) from None
        schedule.on_run_failed = functools.partial(self._run_failed, job)
        return job

    def _run_failed(self, job: Job, run: int, exc: BaseException) -> None:
        """A periodic job's run failed and the job goes on: said like an end."""
        if self.settings.notify != "off":
            line = f"[{job.id}] run {run} failed  {job.kind.value}  {job.source}  {describe_exception(exc)}"
            self.host.notify(f"{line}  (it goes on)", state="failed")

    def kept(self, job: Job) -> Job:
        """``job``, given by name or value, if the table still has it."""
        if job.id is not None and job not in self.control.table:
            raise SessionError(f"{self.control.table.forgotten(job.id)}; await or use the Job object itself")
        return job

    def cell_job(self, cell: str, label: str | None, *, keep: bool = True, schedule=None) -> Job:
        """A job for a cell body: a coroutine if it awaits, else a thread."""
        work = cell_work(self.shell, cell)
        watch_tqdm(tqdm_moved)
        return self.job_for(work, label or cell_label(cell), keep=keep, schedule=schedule)

    def executor_for(self, process: bool, name: str | None):
        """The executor that ``--process`` / ``--executor NAME`` ask for."""
        if process and not hasattr(os, "fork"):
            raise SessionError("--process needs os.fork (POSIX); use --executor with a ProcessPoolExecutor")
        return self.control.processes if process else self.executor_named(name)

    def default_executor(self):
        return self.executor_named(self.settings.executor)

    def executor_named(self, name: str | None):
        try:
            return executor_in(self.shell.user_ns, name) if name else None
        except LookupError as exc:
            raise SessionError(exc.args[0]) from None

    # -- acting on jobs ------------------------------------------------------------

    @contextlib.contextmanager
    def quietly(self, quiet: bool):
        """Jobs started meanwhile keep their output without showing it."""
        before = self.control.quiet
        self.control.quiet = before or quiet
        try:
            yield
        finally:
            self.control.quiet = before

    def replay(self, jobs: list[Job]) -> OutputReplay:
        """``%jobs -o``: what the jobs kept, to show again."""
        return OutputReplay(jobs, self.displays.replay if self.displays is not None else None)

    def cancel(self, jobs: list[Job]) -> list[Job]:
        """Cancel the unfinished ones of ``jobs``; returns those.  A job already
        over (a thread job whose call returned while the loop was not
        running, say) keeps the outcome %jobs showed."""
        targets = [job for job in jobs if not job.state.finished]
        for job in targets:
            if job.kind is JobKind.THREAD and job.state is JobState.RUNNING:
                self.host.note_once(
                    "thread-cancel",
                    "a cancelled thread job stops waiting at once, but Python cannot stop "
                    "its thread: the call runs on until it returns, and its result is dropped",
                )
            if threading.current_thread() is threading.main_thread():
                job.cancel()
            else:
                # A kernel subshell, or a %%bg cell in a thread: the loop's
                # own thread cancels it at its next turn; tables say so now.
                job.cancel_requested = True
                job.get_loop().call_soon_threadsafe(job.cancel)
        return targets

    def post_mortem(self, job: Job) -> None:
        """IPython's debugger on ``job``'s failure, in the user's frames (as
        ``%debug`` does for the last cell's error, which stays as it was)."""
        if job.state is not JobState.FAILED:
            raise SessionError(f"job {job.id} has not failed (it is {job.state.value})")
        tb = job.failure_traceback()
        if tb is None:
            raise SessionError(f"job {job.id} failed outside Python code of yours: there is no frame to debug")
        debugger = self.shell.debugger_cls()
        debugger.reset()
        debugger.interaction(None, tb)

    def cancel_line(self, specs: list[str]) -> str:
        """``%jobs -k SPEC ...`` or ``-k all``: cancel, and say what in one line."""
        table = self.control.table
        every = specs == ["all"]
        asked = table.running() if every else table.resolve_all(specs)
        cancelled = self.cancel(asked)
        if not cancelled:
            if every:
                return "no unfinished jobs: nothing cancelled"
            return f"nothing cancelled: {name_jobs(asked)} had ended"
        count = f"{len(cancelled)} jobs: " if len(cancelled) > 1 else ""
        return f"cancelled {count}{name_jobs(cancelled)}"

    def assign(self, target: str, assign, value) -> None:
        """``target = value`` in the user namespace, or SessionError saying why not."""
        try:
            assign(value)
        except Exception as exc:
            from ipython_bg.render.text import short_repr

            raise SessionError(
                f"the result {short_repr(value)} could not be assigned to {target}: {describe_exception(exc)}"
            ) from None

    # -- ends --------------------------------------------------------------------

    def _job_finished(self, job: Job) -> None:
        from ipython_bg.render.notices import notice  # imported on first use: loading stays quick

        target, assign = self.assigners.pop(job.id, (None, None))
        names, note = [], ""
        if not job.cancelled() and job.exception() is None:
            result = job.result()
            if assign is not None:
                try:
                    assign(result)
                    names.append(target)
                except Exception as exc:
                    note = f"not assigned to {target}: {describe_exception(exc)}"
            if self.settings.result_name and result is not None and not job.adopted:
                name = self.settings.result_name.format(id=job.id)
                self.shell.user_ns[name] = result
                names.append(name)
        note = end_note(job, note, in_kernel=self.host.kind == "kernel")
        if not job.waited and self.settings.notify != "off":
            self.host.notify(notice(job, job.end_marker, tuple(names), note), state=job.state.value, origin=job.origin)

    def _stopped_for_input(self, job: Job) -> None:
        # In the job's thread: the notice is the loop's business.
        loop = self.control.get_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._say_stopped, job)

    def _say_stopped(self, job: Job) -> None:
        from ipython_bg.render.notices import notice

        if job.tty_stopped and not job.waited and self.settings.notify != "off":
            marker = self.control.table.marker(job) if job.id is not None else ""
            self.host.notify(notice(job, marker), state=job.state.value)


def _job_html(job: Job) -> str:
    from ipython_bg.render.table import job_html

    return job_html(job)
