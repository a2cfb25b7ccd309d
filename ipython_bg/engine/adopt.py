"""Plain tasks adopted: ``asyncio.create_task(...)`` from the user's cells become jobs.

The loop's task factory (``loop.set_task_factory``, public asyncio API) is
handed every coroutine a task is made for.  A task is the user's when the
code that asked for it is a cell's (its top level, or a function defined in
a cell: the frame's ``co_filename`` is a cell's name), through
``asyncio.create_task``, ``asyncio.ensure_future`` or ``loop.create_task``
alone, whatever module the coroutine comes from (``create_task(
client.fetch(url))`` is the user's task).  That leaves out tasks that
libraries, IPython and ipykernel make (their own code asks for them), the
children of ``gather``, ``wait``, ``shield`` or a ``TaskGroup`` (asyncio's
code asks), and the cell's own top-level coroutine, which the extension's
runner or the kernel runs without the factory.  Jobs are made as
``Job(...)`` directly, never through the factory.  Nothing here imports
IPython: the session gives the prefix that cell filenames start with.
"""

from __future__ import annotations

import asyncio
import functools
import linecache
import os
from typing import Callable

from ipython_bg._internals import caller_frame
from ipython_bg.model.job import Job
from ipython_bg.process.changes import Change

__all__ = ["TaskAdopter", "cell_prefix"]

_TASKS_FILE = asyncio.tasks.__file__
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
    """The task factory of one loop while installed; ``adopt(coro, source,
    context)`` makes the job for a user's task; ``code_name`` is the shell's
    namer of cells (see :func:`cell_prefix`)."""

    why = "tasks that the user's cells create with asyncio.create_task become jobs (the loop's task factory)"

    def __init__(self, loop: asyncio.AbstractEventLoop, code_name: Callable[[str, str, int], str], adopt: Callable):
        self.loop = loop
        self.code_name = code_name
        self.adopt = adopt
        self.previous = None
        self.factory = None

    def install(self) -> None:
        loop = self.loop
        self.previous = loop.get_task_factory()
        self.factory = self._factory(self.previous)
        loop.set_task_factory(self.factory)

    def uninstall(self) -> None:
        loop = self.loop
        if loop.get_task_factory() is self.factory:
            loop.set_task_factory(self.previous)
        self.previous = self.factory = None

    @functools.cached_property
    def prefix(self) -> str:
        """What cells' filenames start with, found when a task is first
        made rather than at load: IPython's namer hashes, and imports
        hashlib the first time."""
        return cell_prefix(self.code_name)

    def _factory(self, previous):
        # Every task of the loop comes through here: what is not the user's
        # pays a few attribute reads and goes on, which a benchmark holds
        # to (benchmarks/tasks.py): hence one function, its names local.
        # The cells' prefix is found at the first task made.
        adopt, caller, making = self.adopt, caller_frame, _MAKE_ONE_TASK
        loop_create_task, tasks_file, task = asyncio.BaseEventLoop.create_task.__code__, _TASKS_FILE, asyncio.Task
        prefix = None

        def factory(loop, coro, **options):
            nonlocal prefix
            # ``options``: what this Python's create_task passes on (context
            # from 3.11, name and eager_start from 3.12 in uvloop and asyncio).
            # The frame that asked for the task: past asyncio's loop.create_task
            # (uvloop's has no frame) and asyncio's functions that make one
            # task for their caller.
            try:
                asker = caller(1)
                code = asker.f_code
                if code is loop_create_task:
                    asker = asker.f_back
                    code = asker.f_code
                while code.co_filename == tasks_file and code.co_name in making:
                    asker = asker.f_back
                    code = asker.f_code
            except AttributeError:  # no Python frame asked (a thread's first call)
                code = None
            if prefix is None:
                prefix = self.prefix
            if code is not None and code.co_filename.startswith(prefix):
                source = linecache.getline(code.co_filename, asker.f_lineno).strip()
                return adopt(loop, coro, source or f"{coro.__qualname__}()", options.get("context"))
            if previous is not None:
                return previous(loop, coro, **options)
            return task(coro, loop=loop, **options)

        return factory


def adopted_job(loop, coro, source: str, context, origin: str | None) -> Job:
    """The job an adopted task is: a Job in place of the Task asked for."""
    return Job(coro, loop=loop, source=source, origin=origin, context=context, adopted=True)
