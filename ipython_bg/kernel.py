"""ipykernel integration: jobs on the kernel's own running loop.

Nothing may block that loop, so ``%fg`` lines are rewritten (an input
transformer) into an ``await`` that IPython's top-level await runs in the
kernel's loop; an interrupt then cancels the wait promptly.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import contextvars
import inspect
import linecache
import signal
import threading
import time

from IPython.core.async_helpers import get_asyncio_loop
from IPython.core.error import UsageError

from ._internals import ipython_asyncio_runner, register_source
from .foreground import ForegroundInterrupt
from .hosts import Host, new_notices
from .interrupts import LoopBreaker
from .kernelqueue import DispatchKeeper
from .panel import attach as attach_panel
from .carried import carrying, original
from .jobs import Job
from .remote import showable
from .tracebacks import exception_message, without_our_frames

__all__ = ["KernelHost", "UnprintableError", "foreground"]


class KernelHost(Host):
    """ipykernel: its asyncio loop runs between and during cells.

    Nothing may block that loop, so ``%fg`` lines are rewritten (an input
    transformer) into an ``await`` of the same magic, which IPython's
    top-level await runs in the kernel's loop.  ipykernel awaits a cell in
    its loop only while ``shell.loop_runner`` is IPython's own runner, so
    that is left alone.
    """

    kind = "kernel"
    limitation = ""
    loop_at_prompt = True

    def __init__(self, shell, control, settings, foreground_async):
        super().__init__(shell, control, settings)
        # How the session runs a %fg line where the loop already runs.
        self.foreground_async = foreground_async
        self._bursts: dict | None = None  # origin -> (context, Notices) of one report
        self._saved_sigint = None
        self._interrupt = None  # the KeyboardInterrupt this cell showed
        self.raw_cell: str | None = None  # the cell as typed, for tracebacks
        # An interrupt while a job holds the loop fails that job (interrupts.py).
        self.breaker = LoopBreaker(getattr(shell, "kernel", None))
        # ipykernel 6's message handling, started again if a job cancels it.
        self.dispatch = DispatchKeeper(getattr(shell, "kernel", None))
        self.panel = None  # the Jobs panel's comm target, while installed

    def job_loop(self) -> asyncio.AbstractEventLoop:
        """The kernel's own loop, whichever thread asks: IPython's
        ``get_asyncio_loop()`` gives it only where it runs (in a cell), and
        to a worker thread an idle loop of IPython's, where a job started
        from a thread job would never run.  The kernel's ``io_loop`` is
        tornado's, set when the kernel starts (ipykernel 6.29-7.x)."""
        io_loop = getattr(getattr(self.shell, "kernel", None), "io_loop", None)
        loop = getattr(io_loop, "asyncio_loop", None)
        return loop if loop is not None else get_asyncio_loop()

    def install(self) -> None:
        shell = self.shell
        if self.settings.loop == "uvloop":
            self.warn_once("uvloop", "a kernel's event loop belongs to the kernel: BackgroundJobs.loop is ignored here")
        self._hook_cells()
        self.breaker.install()
        self.dispatch.install()
        shell.events.register("pre_run_cell", self._pre_run_cell)
        shell.events.register("post_run_cell", self._post_run_cell)
        shell.display_formatter.ipython_display_formatter.for_type_by_name("ipython_bg.jobs", "Job", _show_job)
        shell.input_transformers_post.append(self.rewrite_foreground)
        _kernel_hosts[id(shell)] = self
        self.panel = attach_panel(shell, self.control, self.settings)
        # A shutdown or restart request stops the kernel's loop and the
        # process exits: the jobs are cancelled then, on the stopped loop,
        # as terminal exit does (their finally blocks run, bounded).
        atexit.register(self._at_exit)

    def uninstall(self) -> None:
        shell = self.shell
        if self.panel is not None:
            self.panel.uninstall()
            self.panel = None
        _kernel_hosts.pop(id(shell), None)
        atexit.unregister(self._at_exit)
        for task in list(self._tasks):
            task.cancel()
        if self.rewrite_foreground in shell.input_transformers_post:
            shell.input_transformers_post.remove(self.rewrite_foreground)
        self._unhook_cells()
        shell.display_formatter.ipython_display_formatter.pop(Job, None)
        for event, callback in (("pre_run_cell", self._pre_run_cell), ("post_run_cell", self._post_run_cell)):
            try:
                shell.events.unregister(event, callback)
            except ValueError:
                pass  # already gone, e.g. removed by the user
        self._restore_sigint()
        self.breaker.uninstall()
        self.dispatch.uninstall()
        self.flush()

    def can_await(self) -> bool:
        return self.shell.autoawait and self.shell.loop_runner is ipython_asyncio_runner()

    def check_settings(self) -> None:
        reason = self.no_wait_reason()
        if reason is not None:
            # Once per mode: `%autoawait off` then `%autoawait trio` is told twice.
            self.warn_once(f"kernel-runner-{self.shell.autoawait}-{self.shell.loop_runner!r}", reason)

    def no_wait_reason(self) -> str | None:
        """Said true for each ``%autoawait`` mode: off, or another runner
        (trio, curio) that cannot await jobs of the kernel's asyncio loop."""
        if self.can_await():
            return None
        if not self.shell.autoawait:
            what = "await cells are off in this kernel (%autoawait off)"
        else:
            runner = self.shell.loop_runner
            name = getattr(runner, "__name__", None) or type(runner).__name__
            name = name.strip("_").removesuffix("_runner")
            what = f"await cells run with {name} in this kernel (%autoawait {name}), not on its asyncio loop"
        return f"{what}, so %fg cannot wait for jobs here; `%autoawait asyncio` lets it (jobs still start with %bg)"

    def notify(self, text: str, *, state: str = "done", origin: str | None = None) -> None:
        # Said in the context the job ended in, that of the cell that started
        # it, so the line lands in that cell; the notices of one report of
        # ends (and of the notice window after the last ones said) are said
        # together, per starting cell, so that many are summed up there.
        if self.settings.notify == "off":
            return
        if self._bursts is None:
            self._bursts = {}
            self._after_notice_window(self._say_bursts)
        if origin not in self._bursts:
            self._bursts[origin] = (contextvars.copy_context(), new_notices())
        self._bursts[origin][1].add(text, state, self.settings.notice_limit)

    def _say_bursts(self) -> None:
        if self.control.reporting:
            # The rest of the report comes in the next slices: one line for all.
            self.control.loop().call_soon(self._say_bursts)
            return
        bursts, self._bursts = self._bursts or {}, None
        if bursts:
            self._said_at = time.monotonic()
        for context, said in bursts.values():
            for line in said.render(self.settings.notice_limit):
                context.run(print, line, flush=True)

    # -- %fg as await ------------------------------------------------------------

    def rewrite_foreground(self, lines: list[str]) -> list[str]:
        """Turn ``get_ipython().run_line_magic('fg', ...)`` (and the cell
        form) into an ``await`` of the same magic.  Pure: IPython may
        transform a cell more than once."""
        source = "".join(lines)
        if "_magic('fg'" not in source or not self.can_await():
            return lines
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return lines
        calls = sorted(_foreground_calls(tree), key=lambda node: (node.lineno, node.col_offset), reverse=True)
        for call in calls:
            arguments = ", ".join(ast.get_source_segment(source, argument) for argument in call.args[1:])
            start = source_offset(source, call.lineno, call.col_offset)
            end = source_offset(source, call.end_lineno, call.end_col_offset)
            replacement = (
                "(await __import__('ipython_bg.kernel', fromlist=['foreground'])"
                f".foreground(get_ipython(), {arguments}))"
            )
            source = source[:start] + replacement + source[end:]
        return source.splitlines(keepends=True)

    # -- interrupts ----------------------------------------------------------------

    def _show_interrupt(self, shell, etype, value, tb, tb_offset=None):
        """An interrupted cell shows Jupyter's error block for the
        KeyboardInterrupt the user sent: through ``shell.showtraceback``,
        whose ipykernel override sends the error and keeps its traceback
        for the execute_reply (printing it ourselves left the reply an
        earlier cell's traceback, or none)."""
        if not (issubclass(etype, ForegroundInterrupt) or self.control.runner.interrupted):
            return super()._show_interrupt(shell, etype, value, tb, tb_offset)
        interrupt = value if isinstance(value, KeyboardInterrupt) else KeyboardInterrupt()
        interrupt.__suppress_context__ = True  # not "during handling of CancelledError"
        self._interrupt = interrupt
        shell.showtraceback((KeyboardInterrupt, interrupt, tb), tb_offset=tb_offset)
        return None

    def _pre_run_cell(self, info) -> None:
        self.raw_cell = info.raw_cell

    def _post_run_cell(self, result) -> None:
        """The reply's ``ename`` is the type of ``result.error_in_exec``:
        the interrupt, not the CancelledError that carried it."""
        interrupt, self._interrupt = self._interrupt, None
        if interrupt is not None and result.error_in_exec is not None:
            result.error_in_exec = interrupt

    def _pre_execute(self) -> None:
        super()._pre_execute()
        self._wrap_sigint()

    def _post_execute(self) -> None:
        self._restore_sigint()
        self.breaker.between_cells()
        super()._post_execute()

    def _wrap_sigint(self) -> None:
        """Make a kernel interrupt during a cell wake the loop at once.

        ipykernel's handler for await cells schedules the cancel with a call
        that does not wake the loop from a signal handler (ipykernel issue
        881): an interrupt then waits for the next timer or message.  The
        flag lets the CancelledError show as the KeyboardInterrupt it was.
        """
        if threading.current_thread() is not threading.main_thread() or self._saved_sigint is not None:
            return
        current = signal.getsignal(signal.SIGINT)
        if not callable(current):
            return
        loop = self.control.get_loop()
        runner = self.control.runner

        breaker = self.breaker

        def on_sigint(signum, frame):
            breaker.interrupt_holder()  # a job holding the loop: it fails, the cell goes on
            runner.interrupted = True
            loop.call_soon_threadsafe(_wake)
            current(signum, frame)

        self._saved_sigint = current
        self._our_sigint = on_sigint
        signal.signal(signal.SIGINT, on_sigint)

    def _restore_sigint(self) -> None:
        # A subshell's cell ends in a thread of its own, which may not touch
        # signals; the main shell's cell restores its own at its end.
        if self._saved_sigint is None or threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is self._our_sigint:
            signal.signal(signal.SIGINT, self._saved_sigint)
        self._saved_sigint = None


def _wake() -> None:
    pass


def _show_job(job: Job) -> None:
    """A job shown as a cell's result stays true: it is displayed with a
    display id, and that output is updated when the job ends, so no cell
    keeps saying "running".  (The result is still kept in ``Out``.)"""
    from IPython.display import display

    handle = display(_job_bundle(job), raw=True, display_id=True)
    if not job.done():
        job.add_done_callback(lambda job: handle.update(_job_bundle(job), raw=True))


def _job_bundle(job: Job) -> dict:
    from IPython.lib.pretty import pretty

    from .display import job_html

    return {"text/plain": pretty(job), "text/html": job_html(job)}


def _foreground_calls(tree: ast.AST):
    """``get_ipython().run_line_magic('fg', ...)`` / ``run_cell_magic('fg', ...)``
    calls at the cell's top level (not inside functions, where ``await``
    would mean something else or be invalid)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "fg"
            and not node.keywords
        ):
            yield node
            continue
        stack.extend(ast.iter_child_nodes(node))


def source_offset(text: str, lineno: int, col_offset: int) -> int:
    """The index in ``text`` of an AST position (``col_offset`` counts UTF-8 bytes)."""
    lines = text.splitlines(keepends=True)
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode()[:col_offset].decode()) if lines else 0


# Kernel hosts by shell, for the code ``rewrite_foreground`` generates.
_kernel_hosts: dict[int, KernelHost] = {}


def foreground(shell, line: str, cell: str | None = None) -> asyncio.Future:
    """What a rewritten ``%fg`` line awaits in a kernel.

    A future, not a coroutine of ours: a failure then runs in the traceback
    from the user's cell straight into the job's frames, as it does for a
    plain ``await`` (a coroutine would put a frame of ours between them)."""
    host = _kernel_hosts.get(id(shell))
    if host is None:
        raise UsageError("ipython_bg is not loaded in this kernel")
    _show_typed_lines(inspect.currentframe().f_back.f_code.co_filename, host.raw_cell)
    return _Foreground(host.foreground_async(line, cell), host.control.get_loop())


class _Foreground(asyncio.Future):
    """The outcome of a ``%fg`` wait, as a future the cell awaits."""

    def __init__(self, coro, loop):
        super().__init__(loop=loop)
        # Carrying: a job's SystemExit re-raised here would leave the loop.
        self._wait = loop.create_task(carrying(coro))
        self._wait.add_done_callback(self._copy)

    def cancel(self, msg=None) -> bool:
        # The cell was interrupted: the wait ends first (it cancels the job,
        # whose finally clauses still print into this cell), then the cell.
        return not self.done() and self._wait.cancel(msg)

    def _copy(self, wait: asyncio.Task) -> None:
        if self.done():
            return
        if wait.cancelled():
            super().cancel()
        elif wait.exception() is not None:
            exc = _awaitable(original(wait.exception()))
            self.set_exception(exc.with_traceback(without_our_frames(exc.__traceback__)))
        else:
            self.set_result(wait.result())


def _awaitable(exc: BaseException) -> BaseException:
    """The job's exception, or a stand-in if its ``str()`` raises:
    ipykernel's reply takes ``str()`` of a cell's error, and a cell whose
    reply fails never answers."""
    exc = showable(exc)
    try:
        str(exc)
    except Exception:
        return UnprintableError(exc)
    return exc


class UnprintableError(Exception):
    """Stands in, raised by ``%fg`` in a kernel, for a job's exception whose
    ``str()`` raises; that exception is its cause (``%jobs -t`` shows it too)."""

    def __init__(self, exc: BaseException):
        super().__init__(f"{type(exc).__name__}: {exception_message(exc)}")
        self.__cause__ = exc.with_traceback(without_our_frames(exc.__traceback__))


_MARK = "__import__('ipython_bg.kernel', fromlist=['foreground'])"


def _show_typed_lines(filename: str, raw_cell: str | None) -> None:
    """Let the cell's traceback show the ``%fg`` line the user typed, not
    the ``await`` it was rewritten to.  IPython keeps the transformed cell
    in linecache, under the name its tracebacks use (``Cell In[N]``)."""
    lines = linecache.getlines(filename)
    if raw_cell is None or not any(_MARK in line for line in lines):
        return
    typed = raw_cell.splitlines(keepends=True)
    lines = list(lines)
    for number, line in enumerate(lines):
        if _MARK in line:
            # Same line numbers unless a cell magic made the cell one line.
            lines[number] = typed[number] if len(typed) == len(lines) else typed[0]
    register_source(filename, "".join(line if line.endswith("\n") else line + "\n" for line in lines))
