"""Where the loop runs: the integration with each kind of IPython shell.

- :class:`~ipython_bg.hosts.terminal.host.TerminalHost` (in its own module): the
  prompt_toolkit prompt itself runs inside IPython's asyncio loop, so jobs
  advance while the user types, with no polling.
- :class:`Host` (a plain ``InteractiveShell``, ``--simple-prompt``, no tty):
  the loop runs only in the foreground (``%fg``, ``await`` cells).
- :class:`~ipython_bg.hosts.kernel.host.KernelHost` (in its own module): ipykernel's
  loop already runs between and during cells.

Every host owns the same few hooks, installed and removed in one place:
the foreground runner (``shell.loop_runner``), ``pre/post_execute`` events,
the notices, and the display of a Ctrl-C that cancelled a foreground
``await``.
"""

from __future__ import annotations

import asyncio
import atexit
import sys
import time

from IPython.core.async_helpers import get_asyncio_loop

from ipython_bg._internals import (
    ipython_asyncio_runner,
    ipython_loop,
    running_loop,
    set_ipython_loop,
    unwrap_prompt_stdout,
    wrap_prompt_stdout,
)
from ipython_bg.engine.control import JobControl
from ipython_bg.engine.foreground import ForegroundInterrupt, ForegroundSuspended
from ipython_bg.process.prompt_lines import release_lines, wrap_prompt_streams

__all__ = ["Host", "UnsupportedShell", "new_notices"]


class Host:
    """A shell whose loop runs only while a foreground job does."""

    kind = "plain"
    #: Said once (stderr, and under ``%jobs``) where jobs cannot run at the prompt.
    limitation = (
        "this shell does not run the event loop at its prompt, so background jobs "
        "advance only while %fg or an await cell runs"
    )
    loop_at_prompt = False
    #: At an idle prompt, notices that come this soon (seconds) after the
    #: last ones said wait and are said together: jobs ending one after
    #: another, each in a loop iteration of its own, are summed up too.
    notice_window = 0.2

    def __init__(self, shell, control: JobControl, settings):
        self.shell = shell
        self.control = control
        # What the user configured (notify, loop, exit_timeout, confirm_exit,
        # block_warning), read when needed so that %config takes effect.
        self.settings = settings
        self.pending: "Notices | None" = None   # for the next prompt
        self._burst: "Notices | None" = None    # this report's, said after it
        self._said_at = float("-inf")  # when notices were last said at the prompt
        self._depth = 0
        self._warned: set[str] = set()
        self._previous_runner = None
        self._own_prompt = None  # the shell's own prompt_for_code (an instance's, under simple_prompt)
        self._wrapped_at_prompt = False  # sys.stdout is wrapped as the prompt patches it
        self._owns_custom_exc = False
        self._cells = 0
        self._exit_warned_at: int | None = None
        self.exiting = False
        self._replaced_loop = False
        self._previous_loop = None
        self._tasks: set[asyncio.Task] = set()

    def job_loop(self) -> asyncio.AbstractEventLoop:
        """The loop jobs run on, whichever thread asks: IPython's.

        What ``get_asyncio_loop()`` returns, without the RuntimeError it
        raises and catches each time no loop runs here: in a terminal,
        for every job a cell starts."""
        loop = ipython_loop()
        if loop is None or loop.is_closed() or running_loop() is not None:
            return get_asyncio_loop()
        return loop

    def no_wait_reason(self) -> str | None:
        """Why ``%fg`` cannot wait here at all, beyond the loop running the cell."""
        return None

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
        # Ctrl-D reaches ask_exit only after IPython's own confirm_exit
        # question: with jobs running, ours is asked instead of both.
        if hasattr(type(shell), "prompt_for_code"):
            self._own_prompt = shell.prompt_for_code
            shell.prompt_for_code = self._prompt_for_code
            # prompt_toolkit's patch_stdout replaces sys.stdout while the
            # prompt shows, and the prompt runs the job loop: the jobs'
            # output is kept from its stream too, from the first step on.
            # A job's partial lines wait for their ends (promptlines.py).
            self._wrapped_at_prompt = wrap_prompt_stdout(wrap_prompt_streams, release_lines)
        atexit.register(self._at_exit)

    def keep_task(self, task: asyncio.Task) -> None:
        """Hold a strong reference to a task of the host's own (a watch),
        until it ends or the host is uninstalled."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def uninstall(self) -> None:
        shell = self.shell
        for task in list(self._tasks):
            task.cancel()
        atexit.unregister(self._at_exit)
        self._restore_loop()
        self._unhook_cells()
        if shell.loop_runner is self.control.runner:
            shell.loop_runner = self._previous_runner
        if shell.__dict__.get("ask_exit") == self._ask_exit:
            del shell.ask_exit
        if shell.__dict__.get("prompt_for_code") == self._prompt_for_code:
            unwrap_prompt_stdout()
            del shell.prompt_for_code
            if self._own_prompt != getattr(shell, "prompt_for_code"):
                shell.prompt_for_code = self._own_prompt
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
        current = ipython_loop()
        if current is not None and not current.is_closed() and (current.is_running() or asyncio.all_tasks(current)):
            self.warn_once("uvloop", "IPython's event loop already has tasks, so it stays; uvloop applies from a fresh session")
            return
        self._previous_loop = current
        set_ipython_loop(uvloop.new_event_loop())
        self._replaced_loop = True

    def _restore_loop(self) -> None:
        if not self._replaced_loop:
            return
        # The uvloop loop is dropped, not closed: objects made on it (a
        # server, say) may still be referenced by the user.
        set_ipython_loop(self._previous_loop)
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
        if runner is ipython_asyncio_runner():
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

    def notify(self, text: str, *, state: str = "done", origin: str | None = None) -> None:
        """Say ``text`` now if the user is idle at a live prompt, else before
        the next prompt; many at once are summed up in one line.  ``origin``
        is the cell that started the job."""
        mode = self.settings.notify
        if mode == "off" or (state == "cancelled" and self.exiting):
            return
        if mode == "immediate" and self.loop_at_prompt and self.at_prompt:
            if self._burst is None:
                # One report of ends calls here once per job: its lines are
                # said together once it is over (and the notice window has
                # passed), so that many are summed up.
                self._burst = new_notices()
                self._after_notice_window(self._say_burst)
            self._burst.add(text, state, self.settings.notice_limit)
        else:
            if self.pending is None:
                self.pending = new_notices()
            self.pending.add(text, state, self.settings.notice_limit)

    def _after_notice_window(self, say) -> None:
        """Call ``say`` once the notice window after the last notices said
        has passed (in the loop's next iteration, if it has already)."""
        wait = self._said_at + self.notice_window - time.monotonic()
        self.control.loop().call_later(max(wait, 0.0), say)

    def _say_burst(self) -> None:
        if self._burst is not None and self.control.reporting:
            # The rest of the burst comes in the next slices: one line for all.
            self.control.loop().call_soon(self._say_burst)
            return
        burst, self._burst = self._burst, None
        if burst is None:
            return  # flushed already
        if self.at_prompt:
            self._say(burst)
            self._said_at = time.monotonic()
        else:  # a cell started before the report was over: after the cell, then
            if self.pending is None:
                self.pending = new_notices()
            self.pending.extend(burst, self.settings.notice_limit)

    def flush(self) -> None:
        self.control.finish_reports()
        for notices in (self._burst, self.pending):
            if notices:
                self._say(notices)
        self._burst = self.pending = None

    def _say(self, notices: "Notices") -> None:
        for line in notices.render(self.settings.notice_limit):
            print(line, flush=True)

    def warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            print(f"ipython_bg: {message}", file=sys.stderr, flush=True)

    def note_once(self, key: str, message: str) -> None:
        """Say a caveat once per session as a plain line: it is no error
        (stderr is a red block in a notebook)."""
        if key not in self._warned:
            self._warned.add(key)
            print(f"ipython_bg: {message}", flush=True)

    def _prompt_for_code(self) -> str:
        loop = self.control.get_loop()
        if not self._wrapped_at_prompt and not loop.is_closed():
            # An IPython whose prompt could not be reached: wrapped in the
            # loop's first iteration, after jobs already due to step.
            loop.call_soon(wrap_prompt_streams)
        try:
            return self._own_prompt()
        except EOFError:
            if not (self.settings.confirm_exit and self.control.table.running()):
                raise  # IPython's own Ctrl-D, its question included
            self._ask_exit()
            return ""  # nothing to run; the loop ends if that was the exit
        except asyncio.CancelledError:
            # A job cancelled every task it saw (a shutdown routine's ``for
            # task in asyncio.all_tasks(): task.cancel()``), and the prompt
            # runs in one: it comes back instead of IPython ending.
            print("ipython_bg: a job cancelled the prompt's own task; here it is again", file=sys.stderr, flush=True)
            return ""

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


def new_notices() -> "Notices":
    from ipython_bg.render.notices import Notices  # on first use: loading stays quick

    return Notices()


class UnsupportedShell(Exception):
    """The shell cannot host ipython_bg; the message says why."""
