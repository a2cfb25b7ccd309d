"""``input()`` in a background job: it waits for ``%fg``, as a bash job
reading the terminal gets "Stopped (tty input)"; in a kernel it fails at
once, saying what to do instead.

At a terminal (and in a plain shell) the prompt reads the terminal while
jobs run, so a job's ``input()`` would take the prompt's next line (or a
terminal's reply to the prompt's own queries).  While the extension is
loaded, ``builtins.input`` is :class:`TtyInput`, one for the process: outside
jobs, and in a job that ``%fg`` waits for, it is the input it replaced; in
a thread job nobody waits for it marks the job stopped and blocks until
``%fg`` takes it.  A coroutine job cannot block (it would freeze the loop
and with it the prompt and ``%fg``): it fails at once.

A kernel changes ``builtins.input`` itself: ipykernel puts its
``raw_input`` (which asks the frontend) there for each cell and the input
it saved back after it, and its in-process kernel answers its own requests
with that saved input.  So in a kernel ``builtins`` is left alone and
:class:`KernelInput` stands in for the kernel's ``raw_input`` instead:
outside jobs it is that method; a job's call fails at once, since the
frontend's answer would come to whichever cell runs then, if any.  Between
cells a job finds the kernel's plain input, which meets the end of the
kernel's stdin (``render.notices.end_note`` says what to do).
"""

from __future__ import annotations

import builtins
import time
from typing import Callable

from ipython_bg.model.call import ThreadCall, running_job
from ipython_bg.model.job import Job, JobKind
from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change, SetAttribute

__all__ = ["KernelInput", "TtyInput"]


def _job_here() -> Job | None:
    """The job whose code calls input() here, or None."""
    running = CURRENT.get()
    while isinstance(running, ThreadCall) and running.job is None:
        time.sleep(0.001)  # the thread started before its Job was made
    return running_job()  # None in a process job's child: it reads its own


def _where(job: Job) -> str:
    return f"job {job.id}" if job.id is not None else "a background job"


class TtyInput(Change):
    """The ``builtins.input`` of a process whose terminal or plain shells
    have ipython_bg loaded."""

    why = "input() in a background job waits for %fg, as a shell job gets 'Stopped (tty input)'"

    #: How often a stopped thread job looks whether ``%fg`` took it; a
    #: human is answering, nothing shorter is noticed.
    poll = 0.05

    def __init__(self):
        self.replaced = self.real = builtins.input
        #: ``(table, on_stop)`` of each session: ``on_stop(job)`` is called,
        #: in the job's thread, for a stopped job that ``table`` holds.
        self.stops: list[tuple[object, Callable[[Job], object]]] = []

    def install(self) -> None:
        self.replaced = self.real = builtins.input
        builtins.input = self

    def uninstall(self) -> None:
        if builtins.input is self:
            builtins.input = self.replaced

    def __call__(self, prompt: object = "") -> str:
        job = _job_here()
        if job is None or job.waited:
            return self.real(prompt)
        if job.kind is not JobKind.THREAD:
            raise RuntimeError(
                f"{_where(job)} called input() on the event loop, which would freeze the prompt: "
                f"run it with `%fg {job.id}` or start it in a thread"
            )
        self._stop_until_foreground(job)
        return self.real(prompt)

    def _stop_until_foreground(self, job: Job) -> None:
        job.stop_for_input()
        try:
            for table, on_stop in list(self.stops):
                if job in table:
                    on_stop(job)
            while not job.waited:
                if job.done():  # cancelled: nothing will ever answer
                    raise EOFError(f"{_where(job)} was cancelled while waiting for input")
                time.sleep(self.poll)
        finally:
            job.resume_from_input()



class KernelInput(SetAttribute):
    """A kernel's ``raw_input`` (what ipykernel makes ``input()`` during a
    cell), refused to background jobs."""

    def __init__(self, kernel):
        why = "input() in a background job fails at once in a kernel, which cannot give it the notebook's input later"
        super().__init__(kernel, "raw_input", self, why)
        self.own = kernel.raw_input

    def __call__(self, prompt: object = "") -> str:
        job = _job_here()
        if job is not None and not job.waited:
            raise RuntimeError(
                f"{_where(job)} called input() in the background; a kernel cannot give it the notebook's "
                "input later: call input() in the cell, and pass the answer to the job"
            )
        return self.own(prompt)
