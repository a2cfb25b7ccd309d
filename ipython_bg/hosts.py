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

import asyncio
import atexit
import sys
from collections import deque

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
        # Anything with the ``notify`` and ``exit_timeout`` settings: the
        # BackgroundJobs magics, whose traits the user configures.
        self.settings = settings
        self.pending: deque[str] = deque()
        self._depth = 0
        self._warned: set[str] = set()
        self._previous_runner = None
        self._owns_custom_exc = False
        self._cells = 0
        self._exit_warned_at: int | None = None
        self.exiting = False

    # -- install / uninstall ---------------------------------------------------

    def install(self) -> None:
        shell = self.shell
        self._previous_runner = shell.loop_runner
        shell.loop_runner = self.control.runner
        shell.events.register("pre_execute", self._pre_execute)
        shell.events.register("post_execute", self._post_execute)
        if not shell.custom_exceptions:
            # A Ctrl-C that cancels a foreground ``await`` surfaces inside
            # the cell as CancelledError; show it as the KeyboardInterrupt
            # the user pressed.  Left alone if the user has their own handler.
            shell.set_custom_exc(self._custom_exceptions, self._show_interrupt)
            self._owns_custom_exc = True
        # No event fires on exit: ``exit`` and Ctrl-D both end in the
        # shell's ask_exit, so an instance attribute there is the one place
        # to hold an exit that would abandon running jobs.
        if hasattr(type(shell), "ask_exit"):
            shell.ask_exit = self._ask_exit
        atexit.register(self._at_exit)

    def uninstall(self) -> None:
        shell = self.shell
        atexit.unregister(self._at_exit)
        for event, callback in (("pre_execute", self._pre_execute), ("post_execute", self._post_execute)):
            try:
                shell.events.unregister(event, callback)
            except ValueError:
                pass  # already gone, e.g. removed by the user
        if shell.loop_runner is self.control.runner:
            shell.loop_runner = self._previous_runner
        if self._owns_custom_exc and shell.custom_exceptions == self._custom_exceptions:
            shell.set_custom_exc((), None)
        if shell.__dict__.get("ask_exit") == self._ask_exit:
            del shell.ask_exit
        self.flush()

    _custom_exceptions = (asyncio.CancelledError, ForegroundInterrupt, ForegroundSuspended)

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

    def notify(self, text: str, *, cancelled: bool = False) -> None:
        """Say ``text`` now if the user is idle at a live prompt, else before
        the next prompt."""
        mode = self.settings.notify
        if mode == "off" or (cancelled and self.exiting):
            return
        if mode == "immediate" and self.loop_at_prompt and self.at_prompt:
            print(text, flush=True)
        else:
            self.pending.append(text)

    def flush(self) -> None:
        while self.pending:
            print(self.pending.popleft(), flush=True)

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
        type(self.shell).ask_exit(self.shell)

    def _at_exit(self) -> None:
        # The loop is never closed by IPython: without this, pending jobs
        # are destroyed at interpreter exit with asyncio's warnings and
        # without running their ``finally`` blocks.
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

    def install(self) -> None:
        super().install()
        self._enable_gui()

    def uninstall(self) -> None:
        super().uninstall()
        if self._enabled_gui and self.shell.active_eventloop == "asyncio":
            self.shell.enable_gui(None)

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
    """ipykernel: its asyncio loop runs between and during cells."""

    kind = "kernel"
    limitation = ""
    loop_at_prompt = True

    def install(self) -> None:
        # ipykernel awaits a cell in its own running loop only while
        # ``shell.loop_runner`` is IPython's own runner, so leave it alone.
        shell = self.shell
        shell.events.register("pre_execute", self._pre_execute)
        shell.events.register("post_execute", self._post_execute)

    def uninstall(self) -> None:
        for event, callback in (("pre_execute", self._pre_execute), ("post_execute", self._post_execute)):
            try:
                self.shell.events.unregister(event, callback)
            except ValueError:
                pass
        self.flush()

    def check_settings(self) -> None:
        pass

    def notify(self, text: str, *, cancelled: bool = False) -> None:
        if self.settings.notify != "off":
            print(text, flush=True)


def host_for(shell, control: JobControl, settings) -> Host:
    """The integration that fits ``shell``."""
    if type(shell).__module__.startswith("ipykernel"):
        return KernelHost(shell, control, settings)
    terminal = sys.modules.get("IPython.terminal.interactiveshell")
    if (
        terminal is not None
        and isinstance(shell, terminal.TerminalInteractiveShell)
        and not shell.simple_prompt
    ):
        return TerminalHost(shell, control, settings)
    return Host(shell, control, settings)
