"""Plain tasks adopted: ``asyncio.create_task(...)`` from the user's cells become jobs.

While a cell runs, the loop's task factory (``loop.set_task_factory``,
public asyncio API) is handed every coroutine a task is made for.  A task
is the user's when the code that asked for it is a cell's (its top level,
or a function defined in a cell: the frame's ``co_filename`` is a cell's
name) and no job's code is running, through ``asyncio.create_task``,
``asyncio.ensure_future`` or ``loop.create_task`` alone, whatever module
the coroutine comes from (``create_task(client.fetch(url))`` is the user's
task).  That leaves out tasks that libraries, IPython and ipykernel make
(their own code asks for them), the children of ``gather``, ``wait``,
``shield`` or a ``TaskGroup`` (asyncio's code asks), the tasks a job's own
code makes (they are part of that job, as a shell job's child processes
are), and the cell's own top-level coroutine, which the extension's runner
or the kernel runs without the factory.  Between cells (the prompt idle, a
kernel waiting) no task is the user's, and the factory is not set: the
tasks of a server or client running in the background cost what they cost
without the extension.  Jobs are made as ``Job(...)`` directly, never
through the factory.  Nothing here imports IPython: the session says when
cells start and end, and gives the prefix that cell filenames start with.
"""

from __future__ import annotations

import asyncio
import functools
import linecache
import os
from typing import Callable

from ipython_bg._internals import caller_frame
from ipython_bg.model.job import Job
from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change

__all__ = ["TaskAdopter", "cell_prefix"]

_TASKS_FILE = asyncio.tasks.__file__
_LOOP_CREATE_TASK = asyncio.BaseEventLoop.create_task.__code__
# asyncio's functions that make one task for their caller; not those that
# make tasks of their own (gather, wait, shield, TaskGroup).
_MAKE_ONE_TASK = frozenset({"create_task", "ensure_future", "_ensure_future"})


def cell_prefix(code_name: Callable[[str, str, int], str]) -> str:
    """What every cell's filename starts with, from the shell's
    ``compile.get_code_name``: the common start of a few names, cut back to
    where the varying part (a number, a hash) begins."""
    names = [code_name(f"# {n}\n", f"# {n}\n", n) for n in range(1, 9)]
    prefix = os.path.commonprefix(names)
    return prefix.rstrip("0123456789abcdefABCDEF") or prefix


class TaskAdopter(Change):
    """The task factory of one loop while a cell runs; ``adopt(coro, source,
    context)`` makes the job for a user's task; ``code_name`` is the shell's
    namer of cells (see :func:`cell_prefix`)."""

    why = "tasks that the user's cells create with asyncio.create_task become jobs (the loop's task factory, while a cell runs)"

    def __init__(self, loop: asyncio.AbstractEventLoop, code_name: Callable[[str, str, int], str], adopt: Callable):
        self.loop = loop
        self.code_name = code_name
        self.adopt = adopt
        self.previous = None
        self.factory = None
        self.cells = 0  # cells running now: one may run another (%run), a subshell its own

    def install(self) -> None:
        self.cells = 0  # the factory is set by the first cell that starts

    def uninstall(self) -> None:
        self.cells = 1
        self.cell_ends()

    def cell_starts(self) -> None:
        self.cells += 1
        if self.cells == 1:
            loop = self.loop
            self.previous = loop.get_task_factory()
            self.factory = self._factory(self.previous)
            loop.set_task_factory(self.factory)

    def cell_ends(self) -> None:
        if self.cells == 0:  # a cell that failed before it started (a syntax error)
            return
        self.cells -= 1
        if self.cells == 0:
            loop = self.loop
            if loop.get_task_factory() is self.factory:  # not if the cell set one of its own
                loop.set_task_factory(self.previous)
            self.previous = self.factory = None

    @functools.cached_property
    def prefix(self) -> str:
        """What cells' filenames start with, found when a task is first
        made rather than at load: IPython's namer hashes, and imports
        hashlib the first time."""
        return cell_prefix(self.code_name)

    def _factory(self, previous):
        make_task = previous or _plain_task

        def factory(loop, coro, **options):
            # ``options``: what this Python's create_task passes on (context
            # from 3.11, name and eager_start from 3.12 in uvloop and asyncio).
            # A job's code (CURRENT names it) makes tasks that are part of it.
            asker = _asker() if CURRENT.get() is None else None
            if asker is not None and asker.f_code.co_filename.startswith(self.prefix):
                source = linecache.getline(asker.f_code.co_filename, asker.f_lineno).strip()
                return self.adopt(loop, coro, source or f"{coro.__qualname__}()", options.get("context"))
            return make_task(loop, coro, **options)

        return factory


def _plain_task(loop, coro, **options):
    return asyncio.Task(coro, loop=loop, **options)


def _asker():
    """The frame that asked for the task the factory makes: past asyncio's
    ``loop.create_task`` (uvloop's has no frame) and asyncio's functions
    that make one task for their caller; None where no Python frame asked
    (a thread's first call)."""
    asker = caller_frame(2)  # the factory's caller
    if asker is not None and asker.f_code is _LOOP_CREATE_TASK:
        asker = asker.f_back
    while asker is not None and asker.f_code.co_filename == _TASKS_FILE and asker.f_code.co_name in _MAKE_ONE_TASK:
        asker = asker.f_back
    return asker


def adopted_job(loop, coro, source: str, context, origin: str | None) -> Job:
    """The job an adopted task is: a Job in place of the Task asked for."""
    return Job(coro, loop=loop, source=source, origin=origin, context=context, adopted=True)
