"""ipykernel integration: jobs on the kernel's own running loop.

Nothing may block that loop, so ``%fg`` lines are rewritten (an input
transformer) into an ``await`` that IPython's top-level await runs in the
kernel's loop; an interrupt then cancels the wait promptly.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from IPython.core.async_helpers import get_asyncio_loop

from ipython_bg._internals import ipython_asyncio_runner
from ipython_bg.engine.foreground import ForegroundInterrupt
from ipython_bg.hosts.base import Host
from ipython_bg.hosts.kernel.dispatch import DispatchKeeper
from ipython_bg.hosts.kernel.foreground import register_host, rewrite_foreground, unregister_host
from ipython_bg.hosts.kernel.interrupts import LoopBreaker
from ipython_bg.hosts.kernel.panel import offer_panel
from ipython_bg.hosts.uvloop import use_uvloop
from ipython_bg.model.job import Job
from ipython_bg.model.labels import job_label
from ipython_bg.process.changes import AtExit, EventCallback, ListEntry, TypeFormatter
from ipython_bg.process.signals import SIGNALS, Claim, LoopSignals

__all__ = ["KernelHost"]


class KernelHost(Host):
    """ipykernel: its asyncio loop runs between and during cells.

    Nothing may block that loop, so ``%fg`` lines are rewritten (an input
    transformer) into an ``await`` of the same magic, which IPython's
    top-level await runs in the kernel's loop.  ipykernel awaits a cell in
    its loop only while ``shell.loop_runner`` is IPython's own runner, so
    that is left alone.
    """

    limitation = ""
    loop_at_prompt = True
    in_kernel = True

    def __init__(self, shell, control, settings, foreground_async):
        super().__init__(shell, control, settings)
        # How the session runs a %fg line where the loop already runs.
        self.foreground_async = foreground_async
        self._cell_claim: Claim | None = None
        self._interrupt = None  # the KeyboardInterrupt this cell showed
        self.raw_cell: str | None = None  # the cell as typed, for tracebacks
        kernel = getattr(shell, "kernel", None)
        # An interrupt while a job holds the loop fails that job (interrupts.py).
        self.breaker = LoopBreaker(kernel)
        # ipykernel 6's message handling, started again if a job cancels it.
        self.dispatch = DispatchKeeper(kernel)

    def home_loop(self) -> asyncio.AbstractEventLoop:
        """The kernel's own loop, whichever thread asks: IPython's
        ``get_asyncio_loop()`` gives it only where it runs (in a cell), and
        to a worker thread an idle loop of IPython's, where a job started
        from a thread job would never run.  The kernel's ``io_loop`` is
        tornado's, set when the kernel starts (ipykernel 6.29-7.x)."""
        io_loop = getattr(getattr(self.shell, "kernel", None), "io_loop", None)
        loop = getattr(io_loop, "asyncio_loop", None)
        return loop if loop is not None else get_asyncio_loop()

    def install(self) -> None:
        shell, held = self.shell, self.held
        use_uvloop(self)
        self._hook_cells()
        held.take(("signals",), lambda: SIGNALS)
        held.take(("interrupt breaker", shell), lambda: self.breaker)
        self._take_loop_signals()
        held.take(("kernel dispatch", shell), lambda: self.dispatch)
        held.take(("pre_run_cell kernel", shell), lambda: EventCallback(shell, "pre_run_cell", self._pre_run_cell))
        held.take(("post_run_cell", shell), lambda: EventCallback(shell, "post_run_cell", self._post_run_cell))
        held.take(("job display", shell), lambda: TypeFormatter(
            shell.display_formatter.ipython_display_formatter, "ipython_bg.model.job", "Job", _show_job,
            "a job shown as a cell's result is updated in place when it ends"))
        held.take(("%fg transformer", shell), lambda: ListEntry(
            shell.input_transformers_post, self.rewrite_foreground, "%fg in a cell becomes an await of the job"))
        register_host(shell, self)
        offer_panel(self)
        # A shutdown or restart request stops the kernel's loop and the
        # process exits: the jobs are cancelled then, on the stopped loop,
        # as terminal exit does (their finally blocks run, bounded).
        held.take(("at exit", shell), lambda: AtExit(self.exit.at_exit, "a kernel's jobs are cancelled as it shuts down"))

    def uninstall(self) -> None:
        unregister_host(self.shell)
        self._release_cell_claim()
        super().uninstall()

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

    def left_behind(self, cancelled: list) -> None:
        """A kernel shutting down (or a headless run ending) with jobs
        unfinished says which it cancelled where a runner shows it: the
        kernel's own stderr (the server's terminal, nbclient's and
        papermill's output), and its log."""
        names = ", ".join(job_label(job) for job in cancelled)
        count = len(cancelled)
        line = f"ipython_bg: the kernel is shutting down; {count} unfinished job{'s' * (count != 1)} cancelled: {names}"
        print(line, file=sys.__stderr__, flush=True)
        log = getattr(getattr(self.shell, "kernel", None), "log", None)
        if log is not None:
            log.warning(line)

    # -- notices: in the cell that started each job ------------------------------

    def says_now(self) -> bool:
        return True

    def notice_group(self, origin: str | None):
        # Said in the context the job ended in, that of the cell that started
        # it, so the line lands in that cell; grouped per starting cell, so
        # that many are summed up there.
        return origin

    # -- %fg as await ------------------------------------------------------------

    def rewrite_foreground(self, lines: list[str]) -> list[str]:
        """The input transformer: ``%fg`` lines as awaits, where cells can await."""
        return rewrite_foreground(lines) if self.can_await() else lines

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
        self._claim_sigint()

    def _post_execute(self) -> None:
        self._release_cell_claim()
        self.breaker.between_cells()
        self._take_loop_signals()
        super()._post_execute()

    def _claim_sigint(self) -> None:
        """Make a kernel interrupt during a cell wake the loop at once.

        ipykernel's handler for await cells schedules the cancel with a call
        that does not wake the loop from a signal handler (ipykernel issue
        881): an interrupt then waits for the next timer or message.  The
        flag lets the CancelledError show as the KeyboardInterrupt it was.
        The interrupt then goes on to ipykernel's handler; a job holding the
        loop was the breaker's, whose claim comes first.
        """
        if self._cell_claim is not None:
            return
        loop = self.control.home_loop()
        runner = self.control.runner

        def on_sigint(frame) -> bool:
            runner.interrupted = True
            loop.call_soon_threadsafe(_wake)
            return False

        # ipykernel runs an await cell under a handler of its own, set by
        # now, and a synchronous cell under default_int_handler, which
        # raises KeyboardInterrupt in the cell's frames: that one is left
        # in place (a relay in front would add its frames to the traceback
        # shown), and the claim is heard only if the breaker's relay is
        # there.  A subshell's cell, in a thread of its own, cannot take
        # signals: its claim is inert (the main shell's cell has its own).
        relay = signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        self._cell_claim = SIGNALS.claim(signal.SIGINT, on_sigint, relay=relay)

    def _release_cell_claim(self) -> None:
        claim, self._cell_claim = self._cell_claim, None
        if claim is not None:
            claim.release()

    def _take_loop_signals(self) -> None:
        """A job's ``loop.add_signal_handler(SIGINT)`` on the kernel's loop
        is kept for it (process/signals.py), once that loop runs here."""
        loop = self.breaker.loop
        if loop is not None and ("loop signals", loop) not in self.held:
            self.held.take(("loop signals", loop), lambda: LoopSignals(loop))


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

    from ipython_bg.render.table import job_html

    return {"text/plain": pretty(job), "text/html": job_html(job)}


















