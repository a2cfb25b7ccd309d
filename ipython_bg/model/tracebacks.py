"""Tracebacks of jobs, in the user's frames.

A job's failure passes through ipython_bg's own code (the wrapper that
notes its end, the worker that called it); those frames only carried the
job, so they are left out of everything the user is shown.
"""

from __future__ import annotations

import asyncio
import builtins
import os
import selectors
import traceback
import types

from ipython_bg._internals import register_source

__all__ = [
    "PACKAGE_DIR",
    "code_name",
    "describe_exception",
    "exception_message",
    "format_without_our_frames",
    "raise_at_source",
    "remote_frames",
    "set_code_namer",
    "user_frames",
    "without_our_frames",
]

# The package itself, two levels up from this file (ipython_bg/model/).
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep


#: Exception groups (Python 3.11+), whose members are what went wrong.
_GROUPS = (getattr(builtins, "BaseExceptionGroup"),) if hasattr(builtins, "BaseExceptionGroup") else ()

# How the shell names its cells' code (``Cell In[3]``), set by the session:
# a kernel compiles cells under temporary file names, a terminal under
# ``<ipython-input-3-...>``; IPython's tracebacks show neither.
_namer = None


def set_code_namer(namer) -> None:
    """``namer(filename)`` returns a cell's name, or ``None`` for a file."""
    global _namer
    _namer = namer


def code_name(filename: str) -> str:
    """``Cell In[N]`` for a cell's code, else the filename itself."""
    name = _namer(filename) if _namer is not None else None
    return name or filename


def is_ours(filename: str) -> bool:
    return filename.startswith(PACKAGE_DIR)


def without_our_frames(tb, drop=is_ours):
    """A copy of traceback ``tb`` without the frames of ipython_bg itself
    (or those whose file ``drop`` says)."""
    kept = []
    while tb is not None:
        if not drop(tb.tb_frame.f_code.co_filename):
            kept.append(tb)
        tb = tb.tb_next
    clean = None
    for entry in reversed(kept):
        clean = types.TracebackType(clean, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return clean


def _loop_machinery(filename: str) -> bool:
    return is_ours(filename) or filename.startswith(ASYNCIO_DIR) or filename == selectors.__file__


def user_frames(tb):
    """A copy of traceback ``tb`` with the user's frames only: neither ours
    nor those of the event loop that stepped the user's coroutine."""
    return without_our_frames(tb, drop=_loop_machinery)


def format_without_our_frames(exc: BaseException, tb) -> list[str]:
    """``traceback.format_exception`` of ``exc`` with traceback ``tb``, its
    chained causes and contexts included, none showing our frames."""
    report = traceback.TracebackException(type(exc), exc, tb)
    parts = [report]
    while parts:  # the chain of causes and contexts, and an exception group's members
        part = parts.pop()
        part.stack = traceback.StackSummary.from_list(
            [frame for frame in part.stack if not is_ours(frame.filename)]
        )
        parts.extend(each for each in (part.__cause__, part.__context__) if each is not None)
        parts.extend(getattr(part, "exceptions", None) or ())
    return [_name_cells(remote_frames(chunk)) for chunk in report.format()]


def remote_frames(text: str) -> str:
    """A traceback made elsewhere, as text (a process job's, carried back
    from its worker process), as a local one is shown: without the frames
    of ipython_bg (each ``File`` line of ours and the lines under it), and
    cells named as IPython names them."""
    if "\n  File " not in text:
        return text
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith('  File "'):
            skipping = line.startswith(f'  File "{PACKAGE_DIR}')
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(_name_cells(line))
    return "".join(kept)


def _name_cells(text: str) -> str:
    """``File "/tmp/ipykernel_1/2.py", line 4`` as IPython names it:
    ``Cell In[1], line 4``."""
    start = text.find('File "')
    # Indented, and in an exception group's traceback behind its ``|``.
    if start < 0 or text[:start].strip(" |+"):
        return text
    end = text.find('", line ', start)
    if end < 0:
        return text
    filename = text[start + len('File "') : end]
    name = code_name(filename)
    return text if name == filename else f"{text[:start]}{name}{text[end + 1 :]}"


def exception_message(exc: BaseException) -> str:
    """``str(exc)``, or a word on why there is none: an exception's
    ``__str__`` is the user's code and may fail like any other.  (Said as
    the traceback module says it.)"""
    try:
        return str(exc)
    except Exception:
        return "<exception str() failed>"


def describe_exception(exc: BaseException) -> str:
    """``ExcType: message`` (only ``ExcType`` without a message).  An
    exception group is said by its first leaf, which is what went wrong:
    ``ValueError: bad row (in a TaskGroup, 1 of 3)``."""
    leaves = _leaves(exc)
    if leaves:
        where = "a TaskGroup" if "TaskGroup" in exception_message(exc) else type(exc).__name__
        return f"{_one_line(leaves[0])} (in {where}, 1 of {len(leaves)})"
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    message = exception_message(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions an exception group holds, nested groups opened; empty
    for any other exception."""
    members = getattr(exc, "exceptions", None)
    if not isinstance(exc, _GROUPS) or not members:
        return []
    leaves = []
    for member in members:
        leaves.extend(_leaves(member) or [member])
    return leaves


def raise_at_source(exc: BaseException, filename: str, source: str):
    """Raise a failure that has no frame of the user's (a builtin or a class
    called in a worker: ``int('x')``) from a frame that shows the job's own
    text, rather than from ipython_bg's code."""
    __tracebackhide__ = True
    register_source(filename, source + "\n")
    exec(compile("raise failure", filename, "exec"), {"failure": exc.with_traceback(None)})
