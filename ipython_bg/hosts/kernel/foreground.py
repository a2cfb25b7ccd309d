"""``%fg`` in a kernel: the line becomes an ``await`` of the same magic.

Nothing may block a kernel's running loop, so an input transformer rewrites
``get_ipython().run_line_magic('fg', ...)`` (and the cell form) into an
``await`` of :func:`foreground`, which IPython's top-level await runs in the
kernel's loop; an interrupt then cancels the wait promptly.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import linecache

from IPython.core.error import UsageError

from ipython_bg._internals import register_source
from ipython_bg.model.failures import carrying, original, showable
from ipython_bg.model.tracebacks import exception_message, without_our_frames

__all__ = ["UnprintableError", "foreground", "register_host", "rewrite_foreground", "source_offset", "unregister_host"]


def rewrite_foreground(lines: list[str]) -> list[str]:
    """Turn ``get_ipython().run_line_magic('fg', ...)`` (and the cell
    form) into an ``await`` of the same magic.  Pure: IPython may
    transform a cell more than once."""
    source = "".join(lines)
    if "_magic('fg'" not in source:
        return lines
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return lines
    calls = sorted(_foreground_calls(tree), key=lambda node: (node.lineno, node.col_offset), reverse=True)
    for call in calls:
        arguments = ", ".join(ast.get_source_segment(source, argument) for argument in call.args[1:])
        start = source_offset(source, call.lineno, call.col_offset)
        end = source_offset(source, call.end_lineno, call.end_col_offset)
        source = source[:start] + f"(await {_MARK}.foreground(get_ipython(), {arguments}))" + source[end:]
    return source.splitlines(keepends=True)


def _foreground_calls(tree: ast.AST):
    """``get_ipython().run_line_magic('fg', ...)`` / ``run_cell_magic('fg', ...)``
    calls at the cell's top level (not inside functions, where ``await``
    would mean something else or be invalid)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "fg"
            and not node.keywords
        ):
            yield node
            continue
        stack.extend(ast.iter_child_nodes(node))


def source_offset(text: str, lineno: int, col_offset: int) -> int:
    """The index in ``text`` of an AST position (``col_offset`` counts UTF-8 bytes)."""
    lines = text.splitlines(keepends=True)
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode()[:col_offset].decode()) if lines else 0


# Kernel hosts by shell, for the code ``rewrite_foreground`` generates.
_kernel_hosts: dict = {}  # id(shell) -> its KernelHost


def register_host(shell, host) -> None:
    _kernel_hosts[id(shell)] = host


def unregister_host(shell) -> None:
    _kernel_hosts.pop(id(shell), None)


def foreground(shell, line: str, cell: str | None = None) -> asyncio.Future:
    """What a rewritten ``%fg`` line awaits in a kernel.

    A future, not a coroutine of ours: a failure then runs in the traceback
    from the user's cell straight into the job's frames, as it does for a
    plain ``await`` (a coroutine would put a frame of ours between them)."""
    host = _kernel_hosts.get(id(shell))
    if host is None:
        raise UsageError("ipython_bg is not loaded in this kernel")
    _show_typed_lines(inspect.currentframe().f_back.f_code.co_filename, host.raw_cell)
    return _Foreground(host.foreground_async(line, cell), host.control.home_loop())


class _Foreground(asyncio.Future):
    """The outcome of a ``%fg`` wait, as a future the cell awaits."""

    def __init__(self, coro, loop):
        super().__init__(loop=loop)
        # Carrying: a job's SystemExit re-raised here would leave the loop.
        self._wait = loop.create_task(carrying(coro))
        self._wait.add_done_callback(self._copy)

    def cancel(self, msg=None) -> bool:
        # The cell was interrupted: the wait ends first (it cancels the job,
        # whose finally clauses still print into this cell), then the cell.
        return not self.done() and self._wait.cancel(msg)

    def _copy(self, wait: asyncio.Task) -> None:
        if self.done():
            return
        if wait.cancelled():
            super().cancel()
        elif wait.exception() is not None:
            exc = _awaitable(original(wait.exception()))
            self.set_exception(exc.with_traceback(without_our_frames(exc.__traceback__)))
        else:
            self.set_result(wait.result())


def _awaitable(exc: BaseException) -> BaseException:
    """The job's exception, or a stand-in if its ``str()`` raises:
    ipykernel's reply takes ``str()`` of a cell's error, and a cell whose
    reply fails never answers."""
    exc = showable(exc)
    try:
        str(exc)
    except Exception:
        return UnprintableError(exc)
    return exc


class UnprintableError(Exception):
    """Stands in, raised by ``%fg`` in a kernel, for a job's exception whose
    ``str()`` raises; that exception is its cause (``%jobs -t`` shows it too)."""

    def __init__(self, exc: BaseException):
        super().__init__(f"{type(exc).__name__}: {exception_message(exc)}")
        self.__cause__ = exc.with_traceback(without_our_frames(exc.__traceback__))


_MARK = "__import__('ipython_bg.hosts.kernel.foreground', fromlist=['foreground'])"


def _show_typed_lines(filename: str, raw_cell: str | None) -> None:
    """Let the cell's traceback show the ``%fg`` line the user typed, not
    the ``await`` it was rewritten to.  IPython keeps the transformed cell
    in linecache, under the name its tracebacks use (``Cell In[N]``)."""
    lines = linecache.getlines(filename)
    if raw_cell is None or not any(_MARK in line for line in lines):
        return
    typed = raw_cell.splitlines(keepends=True)
    lines = list(lines)
    for number, line in enumerate(lines):
        if _MARK in line:
            # Same line numbers unless a cell magic made the cell one line.
            lines[number] = typed[number] if len(typed) == len(lines) else typed[0]
    register_source(filename, "".join(line if line.endswith("\n") else line + "\n" for line in lines))
