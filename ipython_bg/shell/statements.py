"""What a ``%bg`` / ``%fg`` line asks for, and where each part runs.

The rule users expect is not "calls go to threads": ``asyncio.gather(a(),
b())`` or ``loop.run_in_executor(...)`` must run on the loop's thread, and
an ``async def`` must be called here so its coroutine can be scheduled.
Everything here works on plain namespaces, without IPython.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import enum
import functools
import inspect
import re
import types
from typing import Any, Callable, NamedTuple

from ipython_bg.model.job import Job, is_awaitable
from ipython_bg.shell.callables import (
    blocks_on_a_loop,
    is_coroutine_function,
    makes_async_object,
    runs_on_loop,
    submits,
)

__all__ = ["RunMode", "Statement", "StatementError", "Work", "evaluate", "parse_statement", "refuse_running_the_loop"]

_VALUE = "__ipython_bg_value__"


class StatementError(ValueError):
    """The line cannot become a job; the message is meant for the user."""


class Statement(NamedTuple):
    """A parsed ``[TARGET =] EXPR`` line, compiled."""

    source: str  # the expression's text, as typed
    target: str | None  # the assignment target's text, if any
    value_code: types.CodeType  # the expression, compiled for eval
    call_code: types.CodeType | None = None  # for a call: its callee, arguments and keywords, compiled
    assign: Callable[[Any], None] | None = None  # does ``target = value`` in the namespace
    # For a chain on a call's result (``get(url).json()``): the callee of
    # the call it starts from (``get``), compiled.
    chain_code: types.CodeType | None = None


class Work(NamedTuple):
    """The outcome of evaluating a statement in the cell: an awaitable for
    the loop, or a call (func, args, kwargs) for a worker.  ``again``, for
    an awaitable made by calling a coroutine function, makes another one
    (for ``--retries`` and ``--every``)."""

    awaitable: Any = None
    func: Callable | None = None
    args: tuple = ()
    kwargs: dict | None = None
    again: Callable[[], Any] | None = None


class RunMode(enum.Enum):
    """Where a line's call runs: by the rule (``AUTO``), always in a worker
    (``--thread``), or nowhere: the whole line is evaluated here and the
    awaitable it gives scheduled (``--no-thread``)."""

    AUTO = "auto"
    THREAD = "thread"
    LOOP = "loop"


def parse_statement(text: str, namespace: dict | None = None) -> Statement:
    """Split ``[TARGET =] EXPR`` (any Python assignment target)."""
    statement, assign_code = _compile(text.strip())
    if assign_code is None or namespace is None:
        return statement
    source, target, value_code, call_code, _, chain_code = statement
    assign = types.FunctionType(assign_code, namespace, "assign")
    return Statement(source, target, value_code, call_code, assign, chain_code)


@functools.lru_cache(maxsize=512)
def _compile(text: str):
    """Parse and compile a line: its expression, its call's parts, and
    the code of an assignment to its target.  Kept for the lines typed
    again and again (``%bg`` in a loop): code objects never change."""
    if not text:
        raise StatementError("nothing to run")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        if text.endswith("=") and not text.endswith("=="):
            raise StatementError(f"nothing after `{text}`: give an expression to run") from None
        raise StatementError(f"{exc.msg}: {text}") from None
    if len(tree.body) != 1:
        raise StatementError(f"give one expression, not {len(tree.body)} statements: {text}")
    node = tree.body[0]
    if isinstance(node, ast.Expr):
        # What is typed after the expression (a ``# comment``) is not its source.
        source, target, value, assign_code = ast.get_source_segment(text, node.value) or text, None, node.value, None
    elif isinstance(node, ast.Assign):
        value = node.value
        target = text[: _offset(text, value)].rstrip().rstrip("=").rstrip()
        source = ast.get_source_segment(text, value) or text
        assign_code = _assigner_code(node.targets)
    else:
        kind = type(node).__name__
        raise StatementError(f"expected an expression or NAME = EXPRESSION, not {kind}: {text}")
    if isinstance(value, ast.Await):
        # The job awaits what it is given; an await here would be outside any function.
        inner = ast.get_source_segment(text, value.value) or "coro()"
        raise StatementError(f"drop the `await`: %bg {inner} runs it in the background, %fg {inner} to its end")
    value_code = _compile_expression(value)
    call_code = None
    if isinstance(value, ast.Call):
        # The call's parts, evaluated here as the call itself would evaluate
        # them, keyword checks included: (lambda f, /, *a, **k: (f, a, k))(...)
        capture = ast.Call(func=_capture_lambda(), args=[value.func, *value.args], keywords=value.keywords)
        call_code = _compile_expression(ast.copy_location(capture, value))
    first = _chained_call(value)
    chain_code = _compile_expression(first.func) if first is not None else None
    return Statement(source, target, value_code, call_code, chain_code=chain_code), assign_code


def _chained_call(node: ast.expr) -> ast.Call | None:
    """The call that a chain starts from, where the line takes an attribute
    or item of a call's result (``get(url)`` in ``get(url).json()``,
    ``get(url).text`` or ``get(url)['id']``); None for any other line,
    a call of a call (``make(a)(b)``) included."""
    first, accessed = None, False
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(node, ast.Call):
            if accessed:
                first = node
            node = node.func
        else:
            accessed, node = True, node.value
    return first


def _capture_lambda() -> ast.Lambda:
    return ast.parse("lambda _f, /, *_a, **_k: (_f, _a, _k)", mode="eval").body


def _compile_expression(node: ast.expr):
    return compile(ast.fix_missing_locations(ast.Expression(node)), "<ipython_bg>", "eval")


def _offset(text: str, node: ast.AST) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: node.lineno - 1]) + len(
        lines[node.lineno - 1].encode()[: node.col_offset].decode()
    )


def _assigner_code(targets: list[ast.expr]):
    """Code for a function doing ``targets = value``, to be given the user's
    namespace as its globals.

    A real function, so names land in the namespace (``global``) and
    subscripts, attributes and unpacking behave exactly as typed, without
    putting any helper name into the user's namespace.
    """
    names = sorted({
        node.id
        for target in targets
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    })
    body: list[ast.stmt] = []
    if names:
        body.append(ast.Global(names=names))
    body.append(ast.Assign(targets=targets, value=ast.Name(_VALUE, ast.Load())))
    function = ast.FunctionDef(
        name="assign",
        args=ast.arguments(
            posonlyargs=[], args=[ast.arg(_VALUE)], kwonlyargs=[], kw_defaults=[], defaults=[]
        ),
        body=body,
        decorator_list=[],
        returns=None,
    )
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        function.type_params = []
    module = ast.fix_missing_locations(ast.Module(body=[function], type_ignores=[]))
    scratch: dict = {}
    exec(compile(module, "<ipython_bg assignment>", "exec"), scratch)
    return scratch["assign"].__code__


def refuse_running_the_loop(statement: Statement, work: Work, home_loop: Callable[[], Any]) -> None:
    """StatementError for ``loop.run_until_complete(...)`` (and the like)
    on the job loop (``home_loop()`` gives it): from a worker it would run
    one loop in two threads."""
    if not (blocks_on_a_loop(work.func) and getattr(work.func, "__self__", None) is home_loop()):
        return
    for value in (*work.args, *work.kwargs.values()):
        if inspect.iscoroutine(value):
            value.close()  # never started: no "never awaited" warning
    raise StatementError(f"{statement.source}: a job cannot run the job loop; use %fg or await")


def evaluate(
    statement: Statement,
    globals_: dict,
    locals_: dict | None = None,
    *,
    mode: RunMode = RunMode.AUTO,
    on_loop: Callable[[Callable[[], Any]], Any] | None = None,
) -> Work:
    """Evaluate what must be evaluated in the cell, and say what runs where.

    ``mode`` is :attr:`RunMode.AUTO` (the rule above), ``THREAD`` (a call
    always goes to a worker) or ``LOOP`` (evaluate everything here; the
    result must be awaitable).  ``on_loop(fn)`` calls ``fn`` with the job loop as
    the running loop: ``asyncio.gather(...)`` called from a synchronous
    cell would otherwise bind its future to another loop.
    """
    locals_ = globals_ if locals_ is None else locals_
    on_loop = on_loop or _call
    if mode is not RunMode.LOOP and statement.chain_code is not None and _chain_blocks(statement, globals_, locals_, mode):
        # Evaluating its callee here would make the first call here, and
        # block the cell (a server on the job loop too): the whole chain
        # runs in a worker.
        return Work(None, Expression(statement, globals_, locals_), (), {})
    if mode is not RunMode.LOOP and statement.call_code is not None:
        func, args, kwargs = _call_parts(statement, globals_, locals_)
        if mode is RunMode.AUTO and _plain_async_def(func):
            # The usual line: its call makes a coroutine, nothing else to ask.
            again = functools.partial(func, *args, **kwargs)
            return Work(again(), again=again)
        return _call_work(statement, func, args, kwargs, mode, on_loop)
    if mode is RunMode.LOOP:
        value = on_loop(functools.partial(eval, statement.value_code, globals_, locals_))
    else:
        value = eval(statement.value_code, globals_, locals_)
    return _value_work(statement, value, mode, on_loop)


class Expression:
    """A line's whole expression, evaluated where it is called (a worker)."""

    __slots__ = ("statement", "globals", "locals")

    def __init__(self, statement: Statement, globals_: dict, locals_: dict):
        self.statement, self.globals, self.locals = statement, globals_, locals_

    def __call__(self):
        return eval(self.statement.value_code, self.globals, self.locals)

    def __reduce__(self):
        source = self.statement.source
        raise TypeError(
            f"{source} is a chain on a call's result, run as one expression: give the pool a function "
            f"that does it, e.g. `def job(): return {source}`, then %bg --executor NAME job"
        )

    def __repr__(self) -> str:
        return f"<the expression {self.statement.source}>"


def _chain_blocks(statement: Statement, globals_: dict, locals_: dict, mode: RunMode) -> bool:
    """Whether a chain (``requests.get(url).json()``) starts from a call
    that would block here: a function that a call line alone would send to
    a worker (with ``--thread``, any function).  A class is called here, as
    before: making an object is quick, and some must be made where the loop
    is (``functools.partial(fetch, 1)()`` runs on the loop)."""
    first = eval(statement.chain_code, globals_, locals_)
    if not inspect.isroutine(first):
        return False
    return mode is RunMode.THREAD or not (is_coroutine_function(first) or runs_on_loop(first))


def _plain_async_def(func) -> bool:
    """An ``async def`` function as defined, not a decorator's wrapper."""
    return (
        isinstance(func, types.FunctionType)
        and bool(func.__code__.co_flags & inspect.CO_COROUTINE)
        and not hasattr(func, "__wrapped__")
    )


def _call_work(statement: Statement, func, args: tuple, kwargs: dict, mode: RunMode, on_loop) -> Work:
    """The work for a call line, its parts evaluated: to a worker, onto
    the loop, or called here for the awaitable it makes."""
    refuse_generators(statement.source, func)
    if func is functools.partial or submits(func):
        # ``partial(coro_fn, ...)`` is the call the user means, and a
        # submit returns at once: made here, then taken as a value.
        return _value_work(statement, func(*args, **kwargs), mode, on_loop)
    coroutine_function = mode is not RunMode.THREAD and is_coroutine_function(func)
    if mode is RunMode.THREAD or not (coroutine_function or runs_on_loop(func)):
        if not callable(func):
            raise StatementError(f"{statement.source}: {type(func).__name__} object is not callable")
        return Work(None, func, args, kwargs)
    if coroutine_function:
        again = functools.partial(func, *args, **kwargs)
        value = again()
        if is_awaitable(value):
            return Work(value, again=again)
    else:
        value = on_loop(functools.partial(func, *args, **kwargs))
        if not (is_awaitable(value) or isinstance(value, Job)) and makes_async_object(func):
            # An async context manager or iterator (a ClientSession):
            # the object made is the result, as a job already over.
            value = _ready(value)
    return _value_work(statement, value, mode, on_loop)


def _value_work(statement: Statement, value, mode: RunMode, on_loop) -> Work:
    """The work for what the line's expression gave."""
    if inspect.isgenerator(value) or inspect.isasyncgen(value):
        refuse_generators(statement.source, value)  # before asyncio takes a generator for a coroutine
    if isinstance(value, concurrent.futures.Future):
        # An executor's future: waited for on the loop, as an asyncio one is.
        value = on_loop(functools.partial(asyncio.wrap_future, value))
    if is_awaitable(value) or isinstance(value, Job):
        if mode is RunMode.THREAD:
            raise StatementError(f"--thread needs a call or a callable; {statement.source} gives an awaitable")
        return Work(value)
    if mode is not RunMode.LOOP and callable(value):
        refuse_generators(statement.source, value)
        if is_coroutine_function(value) and mode is not RunMode.THREAD:
            return Work(value(), again=value)
        return Work(None, value, (), {})
    wanted = "an awaitable" if mode is RunMode.LOOP else "an awaitable or a callable"
    raise StatementError(f"{statement.source} gives {type(value).__name__}, not {wanted}")


def _call_parts(statement: Statement, globals_: dict, locals_: dict):
    """The callee, arguments and keywords of a call line.  A mistake in
    the arguments (``f(*None)``) names the user's callee, not the helper
    that gathers them."""
    try:
        return eval(statement.call_code, globals_, locals_)
    except TypeError as exc:
        helper = _HELPER_NAMED.match(str(exc))
        if helper is None:
            raise
        callee = ast.get_source_segment(statement.source, ast.parse(statement.source, mode="eval").body.func)
        raise TypeError(f"{callee}(){str(exc)[helper.end():]}") from None


#: How CPython names the gathering lambda in a TypeError (``__main__.<lambda>()``).
_HELPER_NAMED = re.compile(r"(?:[\w.]+\.)?<lambda>\(\)")


def refuse_generators(source: str, func) -> None:
    """StatementError for a generator function or generator (async or
    not), given for a job: its call only makes an unstarted generator,
    which no thread or loop would run.  The message says what to write."""
    target = func.func if isinstance(func, functools.partial) else func
    if hasattr(target, "__wrapped__"):  # a decorator's wrapper: what it wraps says
        target = inspect.unwrap(target)
    # A function's (or bound method's) code says what calling it makes.
    code = getattr(target, "__code__", None)
    flags = code.co_flags if isinstance(code, types.CodeType) else 0
    if flags & inspect.CO_COROUTINE:
        return
    if flags & inspect.CO_ASYNC_GENERATOR or inspect.isasyncgen(target):
        raise StatementError(
            f"{source}: an async generator is iterated, not run: wrap it in a coroutine, "
            "e.g. `async def collect(): return [item async for item in ...]`, then %bg collect()"
        )
    if flags & inspect.CO_GENERATOR or inspect.isgenerator(target):
        raise StatementError(
            f"{source}: a generator is iterated, not run: %bg list(...) consumes it in a thread"
        )


async def _ready(value):
    return value


def _call(function):
    return function()
