"""Where the loop runs: the integration with each kind of IPython shell.

- :class:`TerminalHost`: the prompt_toolkit prompt itself runs inside
  IPython's asyncio loop (``enable_gui('asyncio')``, the API behind
  ``%gui asyncio``), so jobs advance while the user types, with no polling.
- :class:`Host` (a plain ``InteractiveShell``, ``--simple-prompt``, no tty):
  the loop runs only in the foreground (``%fg``, ``await`` cells).
- :class:`KernelHost`: ipykernel's loop already runs between and during
  cells; jobs are scheduled on it and nothing can block it.

Every host owns the same few hooks, installed and removed in one place:
the foreground runner (``shell.loop_runner``), ``pre/post_execute`` events,
the notices, and the display of a Ctrl-C that cancelled a foreground
``await``.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import signal
import sys
import threading
from collections import deque

from IPython.core.error import UsageError

from .api import ForegroundInterrupt, ForegroundSuspended, JobControl

__all__ = ["Host", "KernelHost", "TerminalHost", "host_for"]


class Host:
    """A shell whose loop runs only while a foreground job does."""

    kind = "plain"
    #: Said once (stderr, and under ``%jobs``) where jobs cannot run at the prompt.
    limitation = (
        "this shell does not run the event loop at its prompt, so background jobs "
        "advance only while %fg or an await cell runs"
    )
    loop_at_prompt = False

    def __init__(self, shell, control: JobControl, settings):
        self.shell = shell
        self.control = control
        # The BackgroundJobs magics: the traits the user configures (notify,
        # loop, exit_timeout, confirm_exit, block_warning) and, for a
        # kernel, the awaitable form of %fg (fg_async).
        self.settings = settings
        self.pending: deque[str] = deque()
        self._overflow: dict[str, int] = {}
        self._depth = 0
        self._warned: set[str] = set()
        self._previous_runner = None
        self._owns_custom_exc = False
        self._cells = 0
        self._exit_warned_at: int | None = None
        self.exiting = False
        self._replaced_loop = False
        self._previous_loop = None

    # -- install / uninstall ---------------------------------------------------

    def install(self) -> None:
        shell = self.shell
        self._use_loop_implementation()
        self._previous_runner = shell.loop_runner
        shell.loop_runner = self.control.runner
        self._hook_cells()
        # No event fires on exit: ``exit`` and Ctrl-D both end in the
        # shell's ask_exit, so an instance attribute there is the one place
        # to hold an exit that would abandon running jobs.
        if hasattr(type(shell), "ask_exit"):
            shell.ask_exit = self._ask_exit
        atexit.register(self._at_exit)

    def uninstall(self) -> None:
        shell = self.shell
        atexit.unregister(self._at_exit)
        self._restore_loop()
        self._unhook_cells()
        if shell.loop_runner is self.control.runner:
            shell.loop_runner = self._previous_runner
        if shell.__dict__.get("ask_exit") == self._ask_exit:
            del shell.ask_exit
        self.flush()

    _custom_exceptions = (asyncio.CancelledError, ForegroundInterrupt, ForegroundSuspended)

    def _hook_cells(self) -> None:
        """The hooks every host has: cell events, and the display of a
        foreground interrupt."""
        shell = self.shell
        shell.events.register("pre_execute", self._pre_execute)
        shell.events.register("post_execute", self._post_execute)
        if not shell.custom_exceptions:
            # A Ctrl-C that cancels a foreground ``await`` surfaces inside
            # the cell as CancelledError; show it as the KeyboardInterrupt
            # the user pressed.  Left alone if the user has their own handler.
            shell.set_custom_exc(self._custom_exceptions, self._show_interrupt)
            self._owns_custom_exc = True

    def _unhook_cells(self) -> None:
        shell = self.shell
        for event, callback in (("pre_execute", self._pre_execute), ("post_execute", self._post_execute)):
            try:
                shell.events.unregister(event, callback)
            except ValueError:
                pass  # already gone, e.g. removed by the user
        if self._owns_custom_exc and shell.custom_exceptions == self._custom_exceptions:
            shell.set_custom_exc((), None)

    def _use_loop_implementation(self) -> None:
        """Make IPython's loop a uvloop loop when ``loop = 'uvloop'``."""
        if self.settings.loop != "uvloop":
            return
        try:
            import uvloop
        except ImportError:
            self.warn_once("uvloop", "BackgroundJobs.loop is 'uvloop' but uvloop is not installed; using asyncio's loop")
            return
        from IPython.core import async_helpers

        current = async_helpers._asyncio_event_loop
        if current is not None and not current.is_closed() and (current.is_running() or asyncio.all_tasks(current)):
            self.warn_once("uvloop", "IPython's event loop already has tasks, so it stays; uvloop applies from a fresh session")
            return
        # IPython keeps its one loop in this module global and offers no
        # setter: the only place ipython_bg replaces it.
        self._previous_loop = current
        async_helpers._asyncio_event_loop = uvloop.new_event_loop()
        self._replaced_loop = True

    def _restore_loop(self) -> None:
        if not self._replaced_loop:
            return
        from IPython.core import async_helpers

        # The uvloop loop is dropped, not closed: objects made on it (a
        # server, say) may still be referenced by the user.
        async_helpers._asyncio_event_loop = self._previous_loop
        self._replaced_loop = False

    @property
    def shows_suspension(self) -> bool:
        """Whether a Ctrl-Z'd ``%fg`` can be reported in one clean line."""
        return self._owns_custom_exc and self.shell.custom_exceptions == self._custom_exceptions

    # -- cells -----------------------------------------------------------------

    def _pre_execute(self) -> None:
        self._depth += 1
        self._cells += 1
        self.control.runner.interrupted = False

    def _post_execute(self) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth == 0:
            self.check_settings()
            self.flush()

    @property
    def at_prompt(self) -> bool:
        """True while the user is at the prompt rather than in a cell."""
        return self._depth == 0

    def check_settings(self) -> None:
        """Put back what other parts of IPython changed, or say why not."""
        shell = self.shell
        runner = shell.loop_runner
        if runner is self.control.runner:
            return
        from IPython.core.async_helpers import _asyncio_runner

        if runner is _asyncio_runner:
            # ``%autoawait asyncio`` (or a test fixture) put IPython's own
            # asyncio runner back; ours runs the same loop, plus Ctrl-C.
            self._previous_runner = runner
            shell.loop_runner = self.control.runner
        else:
            self.warn_once(
                "runner",
                f"await cells now run with {runner} (%autoawait): Ctrl-C there is no "
                "longer kept to the foreground; `%autoawait asyncio` gives ipython_bg's back",
            )

    def _show_interrupt(self, shell, etype, value, tb, tb_offset=None):
        if issubclass(etype, ForegroundSuspended):
            print(value)
            return None
        if issubclass(etype, ForegroundInterrupt) or self.control.runner.interrupted:
            print("KeyboardInterrupt")
            return None
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None

    # -- notices -----------------------------------------------------------------

    #: Notices kept for the next prompt; past this many, only counted.
    max_pending = 50

    def notify(self, text: str, *, state: str = "done") -> None:
        """Say ``text`` now if the user is idle at a live prompt, else before
        the next prompt."""
        mode = self.settings.notify
        if mode == "off" or (state == "cancelled" and self.exiting):
            return
        if mode == "immediate" and self.loop_at_prompt and self.at_prompt:
            print(text, flush=True)
        elif len(self.pending) < self.max_pending:
            self.pending.append(text)
        else:
            self._overflow[state] = self._overflow.get(state, 0) + 1

    def flush(self) -> None:
        while self.pending:
            print(self.pending.popleft(), flush=True)
        if self._overflow:
            # Thousands of lines help nobody; the counts (failures included)
            # and %jobs do.
            counts = ", ".join(f"{count} {state}" for state, count in sorted(self._overflow.items()))
            total = sum(self._overflow.values())
            print(f"... and {total} more jobs ended ({counts}); %jobs lists them", flush=True)
            self._overflow.clear()

    def warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            print(f"ipython_bg: {message}", file=sys.stderr, flush=True)

    def _ask_exit(self) -> None:
        running = self.control.table.running()
        warned = self._exit_warned_at
        if running and self.settings.confirm_exit and (warned is None or self._cells - warned > 1):
            # Like bash's checkjobs: say what would be lost; a second exit,
            # right away, leaves.
            self._exit_warned_at = self._cells
            markers = self.control.table.markers()
            count = len(running)
            print(f"There {'is' if count == 1 else 'are'} {count} running job{'s' * (count != 1)}:")
            for job in running:
                print(f"[{job.id}]{markers.get(job.id, ' ')} {job.kind.value}  {job.source}")
            print("Exit again to cancel them and leave.")
            return
        # Now, not at interpreter exit: IPython clears the user namespace
        # on its way out, and the jobs' finally blocks may still need it.
        self._at_exit()
        type(self.shell).ask_exit(self.shell)

    def _at_exit(self) -> None:
        # The loop is never closed by IPython: without this, pending jobs
        # are destroyed at interpreter exit with asyncio's warnings and
        # without running their ``finally`` blocks.
        if self.exiting:
            return
        self.exiting = True
        timeout = self.settings.exit_timeout
        cancelled = self.control.cancel_all(timeout=timeout)
        self.flush()
        stuck = [job for job in cancelled if not job.done() and job.call is None]
        if stuck:
            names = ", ".join(f"[{job.id}] {job.source}" for job in stuck)
            print(f"ipython_bg: left without waiting longer than {timeout:g} s for: {names}", file=sys.stderr)
        self.control.close()


class TerminalHost(Host):
    """prompt_toolkit prompt running inside IPython's asyncio loop."""

    kind = "terminal"
    limitation = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._enabled_gui = False
        self.watchdog: "Watchdog | None" = None
        self._watching = False

    def install(self) -> None:
        from .watchdog import Watchdog  # only a terminal has a prompt to guard

        super().install()
        self._enable_gui()
        self.watchdog = Watchdog(self.control.get_loop(), lambda: self.settings.block_warning)
        self._watching = self.watchdog.start()
        if not self._watching and self.settings.block_warning > 0:
            self.warn_once("watchdog", "this event loop (uvloop) cannot be watched: no warning for a job that freezes the prompt")
        if self.at_prompt:
            self._guard_prompt()

    def uninstall(self) -> None:
        self.watchdog.stop()
        self._unguard_prompt()
        super().uninstall()
        if self._enabled_gui and self.shell.active_eventloop == "asyncio":
            self.shell.enable_gui(None)

    def _pre_execute(self) -> None:
        super()._pre_execute()
        self._unguard_prompt()

    def _post_execute(self) -> None:
        super()._post_execute()
        if self.at_prompt:
            self._guard_prompt()

    def _guard_prompt(self) -> None:
        """Between cells: watch for a job freezing the prompt, and let a
        SIGINT then stop that job rather than the prompt."""
        if not self._watching:
            return
        self.watchdog.arm()
        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, self.watchdog.on_sigint)

    def _unguard_prompt(self) -> None:
        if self.watchdog is None:
            return
        self.watchdog.disarm()
        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGINT) == self.watchdog.on_sigint:
                signal.signal(signal.SIGINT, signal.default_int_handler)

    def _enable_gui(self) -> None:
        shell = self.shell
        if shell.active_eventloop == "asyncio":
            return
        if shell.active_eventloop is None:
            shell.enable_gui("asyncio")
            self._enabled_gui = True
            return
        self.warn_once(
            "gui",
            f"the prompt runs the {shell.active_eventloop} event loop (%gui), so background "
            "jobs advance only while %fg or an await cell runs; `%gui` then "
            "`%gui asyncio` lets them run at the prompt",
        )

    @property
    def loop_at_prompt(self) -> bool:  # type: ignore[override]
        return self.shell.active_eventloop == "asyncio"

    def check_settings(self) -> None:
        super().check_settings()
        # ``%matplotlib agg`` and a bare ``%gui`` call enable_gui(None).
        self._enable_gui()


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_sigint = None

    def install(self) -> None:
        shell = self.shell
        if self.settings.loop == "uvloop":
            self.warn_once("uvloop", "a kernel's event loop belongs to the kernel: BackgroundJobs.loop is ignored here")
        self._hook_cells()
        shell.input_transformers_post.append(self.rewrite_foreground)
        _kernel_hosts[id(shell)] = self

    def uninstall(self) -> None:
        shell = self.shell
        _kernel_hosts.pop(id(shell), None)
        if self.rewrite_foreground in shell.input_transformers_post:
            shell.input_transformers_post.remove(self.rewrite_foreground)
        self._unhook_cells()
        self._restore_sigint()
        self.flush()

    def can_await(self) -> bool:
        from IPython.core.async_helpers import _asyncio_runner

        return self.shell.autoawait and self.shell.loop_runner is _asyncio_runner

    def check_settings(self) -> None:
        if not self.can_await():
            self.warn_once(
                "kernel-runner",
                "await cells are off here (%autoawait), so %fg cannot wait in this kernel; "
                "`%autoawait asyncio` turns them back on",
            )

    def notify(self, text: str, *, state: str = "done") -> None:
        # Printed at once: the job's done-callback runs in the context of
        # the cell that started it, so the line lands in that cell.
        if self.settings.notify != "off":
            print(text, flush=True)

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
                "(await __import__('ipython_bg.hosts', fromlist=['await_foreground'])"
                f".await_foreground(get_ipython(), {arguments}))"
            )
            source = source[:start] + replacement + source[end:]
        return source.splitlines(keepends=True)

    # -- interrupts ----------------------------------------------------------------

    def _pre_execute(self) -> None:
        super()._pre_execute()
        self._wrap_sigint()

    def _post_execute(self) -> None:
        self._restore_sigint()
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

        def on_sigint(signum, frame):
            runner.interrupted = True
            loop.call_soon_threadsafe(_wake)
            current(signum, frame)

        self._saved_sigint = current
        self._our_sigint = on_sigint
        signal.signal(signal.SIGINT, on_sigint)

    def _restore_sigint(self) -> None:
        if self._saved_sigint is None:
            return
        if signal.getsignal(signal.SIGINT) is self._our_sigint:
            signal.signal(signal.SIGINT, self._saved_sigint)
        self._saved_sigint = None


def _wake() -> None:
    pass


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


async def await_foreground(shell, line: str, cell: str | None = None):
    """What a rewritten ``%fg`` line awaits in a kernel."""
    host = _kernel_hosts.get(id(shell))
    if host is None:
        raise UsageError("ipython_bg is not loaded in this kernel")
    return await host.settings.fg_async(line, cell)


class UnsupportedShell(Exception):
    """The shell cannot host ipython_bg; the message says why."""


def host_for(shell, control: JobControl, settings) -> Host:
    """The integration that fits ``shell``."""
    if type(shell).__module__.startswith("ipykernel"):
        app = getattr(getattr(shell, "kernel", None), "parent", None)
        if getattr(shell, "trio_runner", None) is not None or getattr(app, "trio_loop", False):
            raise UnsupportedShell(
                "this kernel runs trio, not asyncio (--IPKernelApp.trio_loop): "
                "ipython_bg needs an asyncio event loop"
            )
        return KernelHost(shell, control, settings)
    terminal = sys.modules.get("IPython.terminal.interactiveshell")
    if (
        terminal is not None
        and isinstance(shell, terminal.TerminalInteractiveShell)
        and not shell.simple_prompt
    ):
        return TerminalHost(shell, control, settings)
    return Host(shell, control, settings)
