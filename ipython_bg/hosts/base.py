"""Where the loop runs: the integration with each kind of IPython shell.

- :class:`~ipython_bg.hosts.terminal.host.TerminalHost`: the prompt_toolkit
  prompt itself runs inside IPython's asyncio loop, so jobs advance while
  the user types, with no polling.
- :class:`Host` (a plain ``InteractiveShell``, ``--simple-prompt``, no tty):
  the loop runs only in the foreground (``%fg``, ``await`` cells).
- :class:`~ipython_bg.hosts.kernel.host.KernelHost`: ipykernel's loop
  already runs between and during cells.

Every host takes the same few changes from the one owner
(:mod:`ipython_bg.process.changes`): the foreground runner
(``shell.loop_runner``), the ``pre/post_execute`` events, the display of a
Ctrl-C that cancelled a foreground ``await``, and the exit guard
(:mod:`~ipython_bg.hosts.leaving`); it says the notices of ended jobs
through its :class:`~ipython_bg.hosts.notices.NoticeBatcher`.
"""

from __future__ import annotations

import asyncio
import sys

from IPython.core.async_helpers import get_asyncio_loop

from ipython_bg._internals import ipython_asyncio_runner
from ipython_bg.engine.control import JobControl
from ipython_bg.engine.foreground import ForegroundInterrupt, ForegroundSuspended
from ipython_bg.hosts.leaving import ExitGuard
from ipython_bg.hosts.notices import NoticeBatcher
from ipython_bg.hosts.uvloop import use_uvloop
from ipython_bg.model.job import JobState
from ipython_bg.process.changes import CustomExceptions, EventCallback, Held, SetAttribute
from ipython_bg.process.signals import SIGNALS, LoopSignals

__all__ = ["Host", "UnsupportedShell"]


class UnsupportedShell(Exception):
    """The shell cannot host ipython_bg; the message says why."""


class Host:
    """A shell whose loop runs only while a foreground job does."""

    #: Said once (stderr, and under ``%jobs``) where jobs cannot run at the prompt.
    limitation = (
        "this shell does not run the event loop at its prompt, so background jobs "
        "advance only while %fg or an await cell runs"
    )
    #: Whether the loop runs while the user is at the prompt (or between cells).
    loop_at_prompt = False
    #: Whether the notebook's kernel runs the cells, in the loop: notices and
    #: output go to the cell that started each job, ``%fg`` awaits.
    in_kernel = False
    #: Whether the shell can show a result as HTML (a terminal shows text only).
    shows_html = True

    _custom_exceptions = (asyncio.CancelledError, ForegroundInterrupt, ForegroundSuspended)

    def __init__(self, shell, control: JobControl, settings):
        self.shell = shell
        self.control = control
        # The BackgroundJobs configurable, read when needed so that %config
        # takes effect.
        self.settings = settings
        self.held = Held()
        self.notices = NoticeBatcher(self)
        self.exit = ExitGuard(self)
        self.cells = 0  # cells run so far
        self._depth = 0  # cells running now (a cell may run cells)
        self._warned: set[str] = set()
        self._tasks: set[asyncio.Task] = set()
        self._runner: SetAttribute | None = None
        self._interrupt_display: CustomExceptions | None = None

    def home_loop(self) -> asyncio.AbstractEventLoop:
        """IPython's loop, which jobs run on (and the terminal's prompt):
        what ``get_asyncio_loop()`` gives where no other loop runs."""
        return get_asyncio_loop()

    def no_wait_reason(self) -> str | None:
        """Why ``%fg`` cannot wait here at all, beyond the loop running the cell."""
        return None

    @property
    def exiting(self) -> bool:
        return self.exit.exiting

    # -- install / uninstall ---------------------------------------------------

    def install(self) -> None:
        shell, held = self.shell, self.held
        use_uvloop(self)
        held.take(("signals",), lambda: SIGNALS)  # taken first, given back last
        loop = self.control.home_loop()
        held.take(("loop signals", loop), lambda: LoopSignals(loop))
        self._runner = held.take(("loop_runner", shell), lambda: SetAttribute(
            shell, "loop_runner", self.control.runner, "await cells run with a runner whose Ctrl-C stops the cell only"))
        self._hook_cells()
        self.exit.install(held)

    def _hook_cells(self) -> None:
        """The hooks every host has: cell events, and the display of a
        foreground interrupt."""
        shell, held = self.shell, self.held
        held.take(("pre_execute", shell), lambda: EventCallback(shell, "pre_execute", self._pre_execute))
        held.take(("post_execute", shell), lambda: EventCallback(shell, "post_execute", self._post_execute))
        # A Ctrl-C that cancels a foreground ``await`` surfaces inside the
        # cell as CancelledError; show it as the KeyboardInterrupt the user
        # pressed.  Left alone if the user has their own handler.
        self._interrupt_display = held.take(("custom_exc", shell), lambda: CustomExceptions(
            shell, self._custom_exceptions, self._show_interrupt, "a cancelled await cell shows the Ctrl-C, not CancelledError"))

    def keep_task(self, task: asyncio.Task) -> None:
        """Hold a strong reference to a task of the host's own (a watch),
        until it ends or the host is uninstalled."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def uninstall(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.held.give_back_all()
        self.flush()

    @property
    def shows_suspension(self) -> bool:
        """Whether a Ctrl-Z'd ``%fg`` can be reported in one clean line."""
        return self._interrupt_display is not None and self._interrupt_display.in_place

    # -- cells -----------------------------------------------------------------

    def _pre_execute(self) -> None:
        self._depth += 1
        self.cells += 1
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
        runner = self.shell.loop_runner
        if runner is self.control.runner or self._runner is None:
            return
        if runner is ipython_asyncio_runner():
            # ``%autoawait asyncio`` (or a test fixture) put IPython's own
            # asyncio runner back; ours runs the same loop, plus Ctrl-C.
            self._runner.install()
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
            said = str(value) if isinstance(value, ForegroundInterrupt) else ""
            print(f"KeyboardInterrupt: {said}" if said else "KeyboardInterrupt")
            return None
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None

    # -- notices and messages ----------------------------------------------------

    def notify(self, text: str, *, state: JobState = JobState.DONE, origin: str | None = None) -> None:
        """Say ``text``, a job's notice: now if the user is idle at a live
        prompt, else before the next prompt; many at once are summed up.
        ``origin`` is the cell that started the job."""
        self.notices.add(text, state, origin)

    def says_now(self) -> bool:
        """Whether notices are said as they come (not kept for the next prompt)."""
        return self.settings.notify == "immediate" and self.loop_at_prompt and self.at_prompt

    def notice_group(self, origin: str | None):
        """What notices are said together by: one group at a terminal."""
        return None

    def say(self, lines: list[str]) -> None:
        """Say notices' lines (in the context of the first of them)."""
        for line in lines:
            print(line, flush=True)

    def flush(self) -> None:
        self.notices.flush()

    def left_behind(self, cancelled: list) -> None:
        """Jobs cancelled as the shell exits: the user was told as they
        asked to exit (``confirm_exit``), and notices are off by then."""

    def warn_once(self, key: str, message: str) -> None:
        """Say a problem once per session, on stderr."""
        self._once(key, message, sys.stderr)

    def note_once(self, key: str, message: str) -> None:
        """Say a caveat once per session as a plain line: it is no error
        (stderr is a red block in a notebook)."""
        self._once(key, message, sys.stdout)

    def _once(self, key: str, message: str, stream) -> None:
        if key not in self._warned:
            self._warned.add(key)
            print(f"ipython_bg: {message}", file=stream, flush=True)
