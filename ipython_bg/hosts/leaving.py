"""Leaving a shell with jobs running: asked once, like bash's ``checkjobs``;
then the jobs are cancelled, their ``finally`` blocks run (bounded by
``exit_timeout``), and nothing hangs on a thread that will not stop.

No event fires on exit: ``exit`` and Ctrl-D both end in the shell's
``ask_exit``, so the guard stands in for it (an instance attribute) and for
``prompt_for_code``, where Ctrl-D arrives as ``EOFError`` and IPython would
ask its own question first.
"""

from __future__ import annotations

import asyncio
import sys

from ipython_bg.model.labels import job_label
from ipython_bg.process.changes import AtExit, Held, SetAttribute

__all__ = ["ExitGuard"]


class ExitGuard:
    """The exit of one shell; ``host`` gives its control, settings, notices
    and how many cells have run."""

    def __init__(self, host):
        self.host = host
        self.exiting = False
        self._warned_at: int | None = None  # the cell count at the last warning
        self._own_prompt = None

    def install(self, held: Held) -> None:
        shell = self.host.shell
        if hasattr(type(shell), "ask_exit"):
            held.take(("ask_exit", shell), lambda: SetAttribute(
                shell, "ask_exit", self.ask_exit, "exit asks again while jobs run, as bash's checkjobs does"))
        if hasattr(type(shell), "prompt_for_code"):
            self._own_prompt = shell.prompt_for_code
            held.take(("prompt_for_code", shell), lambda: SetAttribute(
                shell, "prompt_for_code", self.prompt_for_code,
                "Ctrl-D with jobs running asks as exit does; a prompt task a job cancelled comes back"))
        held.take(("at exit", shell), lambda: AtExit(
            self.at_exit, "jobs still running at interpreter exit are cancelled, their finally blocks run"))

    def prompt_for_code(self) -> str:
        try:
            return self._own_prompt()
        except EOFError:
            control = self.host.control
            if not (self.host.settings.confirm_exit and control.table.running()):
                raise  # IPython's own Ctrl-D, its question included
            self.ask_exit()
            return ""  # nothing to run; the loop ends if that was the exit
        except asyncio.CancelledError:
            # A job cancelled every task it saw (a shutdown routine's ``for
            # task in asyncio.all_tasks(): task.cancel()``), and the prompt
            # runs in one: it comes back instead of IPython ending.
            print("ipython_bg: a job cancelled the prompt's own task; here it is again", file=sys.stderr, flush=True)
            return ""

    def ask_exit(self) -> None:
        host = self.host
        running = host.control.table.running()
        warned = self._warned_at
        if running and host.settings.confirm_exit and (warned is None or host.cells - warned > 1):
            # Like bash's checkjobs: say what would be lost; a second exit,
            # right away, leaves.
            self._warned_at = host.cells
            markers = host.control.table.markers()
            count = len(running)
            print(f"There {'is' if count == 1 else 'are'} {count} running job{'s' * (count != 1)}:")
            for job in running:
                print(job_label(job, markers.get(job.id, ""), kind=True))
            print("Exit again to cancel them and leave.")
            return
        # Now, not at interpreter exit: IPython clears the user namespace
        # on its way out, and the jobs' finally blocks may still need it.
        self.at_exit()
        type(host.shell).ask_exit(host.shell)

    def at_exit(self) -> None:
        # The loop is never closed by IPython: without this, pending jobs
        # are destroyed at interpreter exit with asyncio's warnings and
        # without running their ``finally`` blocks.
        if self.exiting:
            return
        self.exiting = True
        host = self.host
        timeout = host.settings.exit_timeout
        cancelled = host.control.cancel_all(timeout=timeout)
        host.flush()
        if cancelled:
            host.left_behind(cancelled)
        stuck = [job for job in cancelled if not job.done() and job.call is None]
        if stuck:
            names = ", ".join(job_label(job) for job in stuck)
            print(f"ipython_bg: left without waiting longer than {timeout:g} s for: {names}", file=sys.stderr)
        host.control.close()
