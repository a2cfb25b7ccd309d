"""The terminal host: the prompt_toolkit prompt runs inside IPython's asyncio
loop (``enable_gui('asyncio')``, the API behind ``%gui asyncio``), so jobs
advance while the user types, with no polling.

On top of every host's hooks (hosts/base.py) a terminal has a prompt to guard
from a job that freezes it (watchdog.py), a prompt that counts the running
jobs (prompt.py), and a bell: when a job that ran at least
``BackgroundJobs.long_job`` seconds ends while the user is at the prompt,
its notice rings it (and asks for a desktop notification if
``BackgroundJobs.desktop_notify`` says so), for a user who looked away.
"""

from __future__ import annotations

import sys

from ipython_bg.hosts.base import Host
from ipython_bg.hosts.terminal.prompt import JobPrompt
from ipython_bg.hosts.terminal.screen import attention
from ipython_bg.hosts.terminal.watchdog import Watchdog
from ipython_bg.model.job import Job
from ipython_bg.process.changes import Change
from ipython_bg.process.prompt_lines import PromptStreams

__all__ = ["AsyncioGui", "TerminalHost"]


class TerminalHost(Host):
    """prompt_toolkit prompt running inside IPython's asyncio loop."""

    limitation = ""
    shows_html = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.watchdog: Watchdog | None = None
        self.prompt: JobPrompt | None = None
        self._gui: AsyncioGui | None = None
        self._prompt_streams: PromptStreams | None = None
        self._redraw_due = False
        self._ring_for: Job | None = None  # a long job whose end rings the bell

    def install(self) -> None:
        shell, held = self.shell, self.held
        super().install()
        self._gui = held.take(("gui", shell), lambda: AsyncioGui(self))
        self._prompt_streams = held.take(("prompt streams",), PromptStreams)
        self.prompt = held.take(("prompts", shell), lambda: JobPrompt(shell, self._running, self.settings))
        self.control.listeners.append(self._job_ended)
        loop = self.control.home_loop()
        self.watchdog = held.take(("watchdog", loop), lambda: Watchdog(loop, lambda: self.settings.block_warning))
        if not self.watchdog.watching and self.settings.block_warning > 0:
            self.warn_once("watchdog", "this event loop (uvloop) cannot be watched: no warning for a job that freezes the prompt")
        if self.at_prompt:
            self._guard_prompt()

    def uninstall(self) -> None:
        self._unguard_prompt()
        if self._job_ended in self.control.listeners:
            self.control.listeners.remove(self._job_ended)
        super().uninstall()

    def _pre_execute(self) -> None:
        super()._pre_execute()
        self._unguard_prompt()
        self._ring_for = None

    def _post_execute(self) -> None:
        super()._post_execute()
        if self.at_prompt:
            self._guard_prompt()

    def _guard_prompt(self) -> None:
        """Between cells: watch for a job freezing the prompt, whose Ctrl-C
        then stops that job rather than the prompt (the watchdog claims
        SIGINT while armed)."""
        if self.watchdog.watching:
            self.watchdog.arm()

    def _unguard_prompt(self) -> None:
        if self.watchdog is not None:
            self.watchdog.disarm()

    @property
    def loop_at_prompt(self) -> bool:  # type: ignore[override]
        return self.shell.active_eventloop == "asyncio"

    def check_settings(self) -> None:
        super().check_settings()
        # ``%matplotlib agg`` and a bare ``%gui`` call enable_gui(None).
        self._gui.install()
        self.prompt.install()  # again, if ``shell.prompts`` was replaced

    # -- the prompt's count and the bell -------------------------------------------

    def _running(self) -> int:
        # A job cancelled by the cell just run ends once the loop runs on:
        # the prompt that follows the cell should not count it.
        return sum(not job.cancel_requested for job in self.control.table.running())

    def _job_ended(self, job: Job) -> None:
        """Each end, as the engine reports it: at an idle prompt the count
        is redrawn once the report is over, and a long job's notice rings."""
        if not (self.loop_at_prompt and self.at_prompt):
            return
        self._prompt_streams.release(job, job.call)  # what it left of a line, before its notice
        long_job = self.settings.long_job
        if long_job > 0 and not job.waited and job.elapsed >= long_job:
            self._ring_for = job
        if not self._redraw_due:
            self._redraw_due = True
            self.control.loop().call_soon(self._redraw)

    def _redraw(self) -> None:
        self._redraw_due = False
        if self.at_prompt:
            self.prompt.redraw()

    def say(self, lines: list[str]) -> None:
        if self._ring_for is not None and self.at_prompt:
            self._ring_for = None
            sys.stdout.write(attention(self.settings.desktop_notify, lines[-1]))
        super().say(lines)


class AsyncioGui(Change):
    """The terminal prompt runs IPython's asyncio loop (``%gui asyncio``), if
    no other ``%gui`` is active; put back after ``%matplotlib`` or ``%gui``
    turned it off."""

    why = "the terminal prompt runs the asyncio loop (%gui asyncio), so jobs run while you type"

    def __init__(self, host: Host):
        self.host = host
        self.enabled = False

    def install(self) -> None:
        shell = self.host.shell
        if shell.active_eventloop == "asyncio":
            return
        if shell.active_eventloop is None:
            shell.enable_gui("asyncio")
            self.enabled = True
            return
        self.host.warn_once(
            "gui",
            f"the prompt runs the {shell.active_eventloop} event loop (%gui), so background "
            "jobs advance only while %fg or an await cell runs; `%gui` then "
            "`%gui asyncio` lets them run at the prompt",
        )

    def uninstall(self) -> None:
        shell = self.host.shell
        if self.enabled and shell.active_eventloop == "asyncio":
            shell.enable_gui(None)
        self.enabled = False
