"""A ``%%bg`` cell body as work for a job.

The body goes through IPython's own transforms (magics, ``!cmd``) and is
compiled under a name IPython's tracebacks know, so a failure in it reads
like a failure in any cell.  A body that awaits is a coroutine for the loop;
any other body is a call for a worker thread.
"""

from __future__ import annotations

import ast
import functools
import inspect

from ipython_bg._internals import cache_cell_source
from ipython_bg.model.tracebacks import describe_exception
from ipython_bg.shell.statements import StatementError, Work

__all__ = ["cell_work", "cell_label"]


def cell_work(shell, cell: str, number: int) -> Work:
    """The body compiled in the user's namespace, or StatementError saying
    why it cannot run."""
    if not cell.strip():
        raise StatementError("the cell is empty: nothing to run")
    try:
        transformed = shell.transform_cell(cell)
    except Exception as exc:
        raise StatementError(f"the cell cannot be read: {describe_exception(exc)}") from None
    filename = cache_cell_source(shell, transformed, cell, number)
    flags = shell.compile.flags | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        code = compile(transformed, filename, "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        raise StatementError(f"the cell does not compile: {exc.msg} (line {exc.lineno})") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise StatementError(f"the cell does not compile: {describe_exception(exc)}") from None
    if code.co_flags & inspect.CO_COROUTINE:
        again = functools.partial(eval, code, shell.user_global_ns, shell.user_ns)
        return Work(again(), again=again)
    return Work(None, functools.partial(exec, code, shell.user_global_ns, shell.user_ns), (), {})


def cell_label(cell: str) -> str:
    """What the job table calls a cell job: its first line with text."""
    return next(line.strip() for line in cell.splitlines() if line.strip())

