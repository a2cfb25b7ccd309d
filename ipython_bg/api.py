"""Nick Coghlan's proposal as a library, without IPython:
:func:`run_in_background` is the shell's ``&`` and :func:`run_in_foreground`
is ``fg``.  They use the extension's :class:`~ipython_bg.engine.control.JobControl`
once it is loaded, else one of their own on a loop of their own.
"""

from __future__ import annotations

import asyncio
import atexit
import sys
from typing import Any

from ipython_bg.engine.control import JobControl
from ipython_bg.engine.foreground import LoopBusy
from ipython_bg.model.job import Job, is_awaitable
from ipython_bg.model.labels import job_label, one_line
from ipython_bg.model.tracebacks import describe_exception

__all__ = ["current_control", "run_in_background", "run_in_foreground", "set_control"]


_control: JobControl | None = None


def current_control() -> JobControl:
    """The JobControl the module-level functions use (the extension's, once
    loaded; else one made on first use with its own loop)."""
    global _control
    if _control is None:
        _control = JobControl()
        _control.listeners.append(_report_failure)
        atexit.register(_at_exit, _control)
    return _control


def _at_exit(control: JobControl) -> None:
    # Jobs still pending when a script ends are cancelled and their finally
    # blocks run, rather than destroyed with asyncio's "Task was destroyed
    # but it is pending!".
    if control is not _control:
        return
    control.cancel_all()
    loop = control.home_loop()
    if not loop.is_running() and not loop.is_closed():
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    control.close()


def set_control(control: JobControl | None) -> None:
    global _control
    _control = control


def _report_failure(job: Job) -> None:
    # Plain Python has no prompt to show notices at: say only what went
    # wrong, and only where nobody waited for the job and saw it raise.
    exc = None if job.waited or job.cancelled() else job.exception()
    if exc is not None:
        print(f"{job_label(job, says='failed')}  {one_line(describe_exception(exc))}", file=sys.stderr)


def run_in_background(target: Any, *, executor=None) -> Job:
    """Start ``target`` in the background and return its :class:`Job`.

    A coroutine, future or awaitable is scheduled on the event loop; a
    callable is called with no arguments in a worker thread, or on
    ``executor``.  The job runs whenever the loop runs.
    """
    control = current_control()
    if callable(target) and not is_awaitable(target):
        return control.start_call(target, executor=executor)
    return control.start(target)


def run_in_foreground(target: Any, *, timeout: float | None = None):
    """Run the loop until ``target`` (a job, awaitable or callable) ends;
    return its result or raise its exception.  Background jobs progress
    meanwhile; Ctrl-C cancels ``target`` only."""
    __tracebackhide__ = True
    control = current_control()
    if control.in_other_thread():
        # A thread job (or any thread the loop does not belong to): the
        # loop's own thread runs the target, this one waits for its end.
        if isinstance(target, Job):
            return control.wait_from_thread([target], timeout=timeout)[0]
        job = _start(control, target)
        return control.wait_from_thread([job], timeout=timeout)[0]
    if not control.can_block():
        if asyncio.iscoroutine(target):
            target.close()  # never started: no "was never awaited" warning
        raise LoopBusy("the event loop is already running here: use `await` instead")
    if isinstance(target, Job):
        return control.wait([target], timeout=timeout)[0]
    with control.runner.ctrl_c_held():  # a Ctrl-C while the job starts is the wait's
        return control.foreground(_start(control, target), timeout=timeout)


def _start(control: JobControl, target: Any) -> Job:
    """A job for a foreground target, kept only if it outlives the wait."""
    if callable(target) and not is_awaitable(target):
        return control.start_call(target, keep=False)
    return control.start(target, keep=False)
