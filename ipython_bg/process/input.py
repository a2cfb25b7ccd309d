"""``input()`` in a background job: it waits for ``%fg``, as a bash job
reading the terminal gets "Stopped (tty input)".

The prompt reads the terminal while jobs run, so a job's ``input()`` would
take the prompt's next line (or a terminal's reply to the prompt's own
queries).  While the extension is loaded, ``builtins.input`` is wrapped:
outside jobs, and in a job that ``%fg`` waits for, it is the input it
replaced; in a thread job nobody waits for it marks the job stopped and
blocks until ``%fg`` takes it.  A coroutine job cannot block (it would
freeze the loop and with it the prompt and ``%fg``), and a kernel has no
terminal to give later: both fail at once, saying what to do instead.
"""

from __future__ import annotations

import builtins
import time
from typing import Callable

from ipython_bg.model.job import Job, JobKind, ThreadCall, running_job
from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change

__all__ = ["TtyInput"]


class TtyInput(Change):
    """The ``builtins.input`` of a shell with ipython_bg loaded."""

    why = "input() in a background job waits for %fg, as a shell job gets 'Stopped (tty input)'"

    #: How often a stopped thread job looks whether ``%fg`` took it; a
    #: human is answering, nothing shorter is noticed.
    poll = 0.05

    def __init__(self, shell, *, kernel: bool, on_stop: Callable[[Job], object]):
        self.shell = shell
        self.kernel = kernel
        self.on_stop = on_stop  # called in the job's thread
        self.real = builtins.input

    def install(self) -> None:
        self._wrap()
        # ipykernel puts its own input in builtins for each cell (one that
        # asks the notebook): wrap that one too, after it is set.
        self.shell.events.register("pre_execute", self._wrap)

    def uninstall(self) -> None:
        try:
            self.shell.events.unregister("pre_execute", self._wrap)
        except ValueError:
            pass
        if builtins.input is self:
            builtins.input = self.real

    def _wrap(self) -> None:
        if builtins.input is not self:
            self.real = builtins.input
            builtins.input = self

    def __call__(self, prompt: object = "") -> str:
        job = self._job_of()
        if job is None or job.waited:
            return self.real(prompt)
        where = f"job {job.id}" if job.id is not None else "a background job"
        if self.kernel:
            raise RuntimeError(f"{where} called input() in the background; a kernel cannot give it the notebook's input later: call input() in the cell, and pass the answer to the job")
        if job.kind is not JobKind.THREAD:
            raise RuntimeError(f"{where} called input() on the event loop, which would freeze the prompt: run it with `%fg {job.id}` or start it in a thread")
        self._stop_until_foreground(job, where)
        return self.real(prompt)

    def _job_of(self) -> Job | None:
        running = CURRENT.get()
        while isinstance(running, ThreadCall) and running.job is None:
            time.sleep(0.001)  # the thread started before its Job was made
        return running_job()  # None in a process job's child: it reads its own

    def _stop_until_foreground(self, job: Job, where: str) -> None:
        job.stop_for_input()
        try:
            self.on_stop(job)
            while not job.waited:
                if job.done():  # cancelled: nothing will ever answer
                    raise EOFError(f"{where} was cancelled while waiting for input")
                time.sleep(self.poll)
        finally:
            job.resume_from_input()
