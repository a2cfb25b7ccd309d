"""Plain tasks adopted: ``asyncio.create_task(...)`` from the user's cells become jobs.

The loop's task factory (``loop.set_task_factory``, public asyncio API) is
handed every coroutine a task is made for.  A task is the user's when
its coroutine's code was compiled by the shell as a cell (a function
defined in a cell: its ``co_filename`` is a cell's name) and it is made
by ``asyncio.create_task``, ``asyncio.ensure_future`` or
``loop.create_task`` called from a cell.  That leaves out tasks of
libraries, IPython and ipykernel (their coroutines come from their
files), the children of ``gather``, ``wait`` or a ``TaskGroup`` (asyncio
made those, not the cell), and the cell's own top-level coroutine, which
is a ``<module>``.  Jobs are made as ``Job(...)`` directly, never through
the factory.  Nothing here imports IPython: the session gives the prefix
that cell filenames start with.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import linecache
import os
from typing import Callable

from ipython_bg.model.job import Job
from ipython_bg.process.changes import Change

__all__ = ["TaskAdopter", "cell_prefix"]

_ASYNCIO = os.path.dirname(asyncio.__file__) + os.sep
# The asyncio frames that may stand between a cell and the factory: the
# functions that make one task for the caller, and nothing that makes
# tasks of its own (gather, wait, TaskGroup).
_PASS_THROUGH = frozenset({"create_task", "ensure_future", "_ensure_future"})
_PASS_FILES = frozenset({_ASYNCIO + "tasks.py", _ASYNCIO + "base_events.py"})


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
        # Every task of the loop comes through here, so the test for "not
        # the user's" is a plain function (cheaper to call than a method)
        # with its names bound as locals (the prefix, found at the first
        # task, is read from here): a few attribute reads.
        made_in_a_cell, adopt, task = self._made_in_a_cell, self.adopt, asyncio.Task

        def factory(loop, coro, **options):
            # ``options``: what this Python's create_task passes on (context
            # from 3.11, name and eager_start from 3.12 in uvloop and asyncio).
            code = getattr(coro, "cr_code", None)
            if code is not None and code.co_filename.startswith(self.prefix) and code.co_name != "<module>":
                source = made_in_a_cell()
                if source is not None:
                    return adopt(loop, coro, source or f"{coro.__qualname__}()", options.get("context"))
            if previous is not None:
                return previous(loop, coro, **options)
            return task(coro, loop=loop, **options)

        return factory

    def _made_in_a_cell(self) -> str | None:
        """The line of the cell that asked for the task, if a cell asked
        (``""`` if its text is unknown); None if anything else did."""
        frame = inspect.currentframe().f_back.f_back  # past the factory and this
        try:
            while frame is not None:
                code = frame.f_code
                if code.co_filename in _PASS_FILES and code.co_name in _PASS_THROUGH:
                    frame = frame.f_back
                    continue
                if not code.co_filename.startswith(self.prefix):
                    return None
                return linecache.getline(code.co_filename, frame.f_lineno).strip()
            return None
        finally:
            del frame


def adopted_job(loop, coro, source: str, context, origin: str | None) -> Job:
    """The job an adopted task is: a Job in place of the Task asked for."""
    job = Job(coro, loop=loop, source=source, origin=origin, context=context)
    job.adopted = True
    return job
