"""What a %bg line means (ipython_bg/shell/statements.py), with no shell:
what runs on the loop and what in a thread, arguments evaluated here and
in order, assignment targets, lines that are not one statement."""

import asyncio
import functools
import textwrap

import pytest

from ipython_bg.shell.statements import (
    RunMode,
    StatementError,
    evaluate,
    parse_statement,
)


def namespace():
    ns = {"asyncio": asyncio, "functools": functools}
    exec(
        textwrap.dedent(
            """
            async def fetch(x):
                return x
            async def tick():
                return 1
            def plain(x=1):
                return x
            class AsyncCallable:
                async def __call__(self, x):
                    return x
            acall = AsyncCallable()
            loop = asyncio.new_event_loop()
            """
        ),
        ns,
    )
    return ns


@pytest.mark.parametrize(
    "line, where",
    [
        ("fetch(1)", "loop"),                       # async def: called here
        ("acall(1)", "loop"),                       # async __call__
        ("functools.partial(fetch, 1)()", "loop"),  # a partial of an async def
        ("asyncio.gather(fetch(1), fetch(2))", "loop"),
        ("asyncio.sleep(0.01)", "loop"),
        ("loop.run_in_executor(None, plain)", "loop"),
        ("plain(2)", "thread"),
        ("plain", "thread"),
        ("tick", "loop"),
        ("print('x')", "thread"),
    ],
)
def test_where_a_line_runs(line, where):
    ns = namespace()
    loop = ns["loop"]

    def on_loop(function):
        async def call():
            return function()

        return loop.run_until_complete(call())

    work = evaluate(parse_statement(line, ns), ns, on_loop=on_loop)
    try:
        assert ("loop" if work.awaitable is not None else "thread") == where
    finally:
        if work.awaitable is not None:
            loop.run_until_complete(asyncio.ensure_future(work.awaitable, loop=loop))
        loop.close()


def test_modes_override_the_guess():
    ns = namespace()
    forced = evaluate(parse_statement("fetch(3)", ns), ns, mode=RunMode.THREAD)
    assert forced.func is ns["fetch"] and forced.args == (3,)
    whole = evaluate(parse_statement("plain(asyncio.sleep(0))", ns), ns, mode=RunMode.LOOP)
    assert asyncio.iscoroutine(whole.awaitable)
    whole.awaitable.close()
    with pytest.raises(StatementError, match="not an awaitable"):
        evaluate(parse_statement("plain(1)", ns), ns, mode=RunMode.LOOP)
    ns["loop"].close()


@pytest.fixture
def noting():
    """:func:`namespace` with ``items`` and ``note(v)``, which appends ``v``
    to ``order`` and returns it: what was evaluated, in which order."""
    ns = namespace()
    ns.update(order=[], items=[1, 2])
    ns["note"] = lambda v: ns["order"].append(v) or v
    yield ns
    ns["loop"].close()


def test_arguments_are_evaluated_here_in_order_with_keywords_and_stars(noting):
    ns = noting
    work = evaluate(parse_statement("plain(note('a'), *items, x=note('b'), **{'y': 3})", ns), ns)
    assert ns["order"] == ["a", "b"]
    assert work.args == ("a", 1, 2) and work.kwargs == {"x": "b", "y": 3}
    assert "__ipython_bg_capture__" not in ns


def test_a_call_is_taken_apart_in_the_order_python_calls_it(noting):
    ns = noting
    work = evaluate(parse_statement("note(plain)(note('a'), *items, x=note('b'))", ns), ns)
    assert ns["order"] == [ns["plain"], "a", "b"]
    assert work.func is ns["plain"] and work.args == ("a", 1, 2) and work.kwargs == {"x": "b"}
    coroutine = evaluate(parse_statement("fetch(x=note('c'))", ns), ns).awaitable
    assert ns["loop"].run_until_complete(coroutine) == "c"
    with pytest.raises(TypeError, match="multiple values for keyword argument 'x'"):
        evaluate(parse_statement("plain(x=1, **{'x': 2})", ns), ns)  # as a call would


@pytest.mark.parametrize(
    "line, message",
    [
        ("", "nothing to run"),
        ("f(", "never closed"),
        ("1 = f()", "cannot assign to literal"),
        ("a; b", "one expression"),
        ("x += 1", "NAME = EXPRESSION"),
        ("import os", "NAME = EXPRESSION"),
    ],
)
def test_bad_lines(line, message):
    with pytest.raises(StatementError, match=message):
        parse_statement(line, {})


def test_assignment_targets_land_in_the_namespace():
    ns = {"d": {}, "obj": type("O", (), {})()}
    for line, value in [
        ("x = f()", 1),
        ("a, (b, *c) = f()", (1, (2, 3, 4))),
        ("d['k'] = obj.attr = f()", "v"),
    ]:
        statement = parse_statement(line, ns)
        assert statement.source == "f()"
        statement.assign(value)
    assert ns["x"] == 1 and (ns["a"], ns["b"], ns["c"]) == (1, 2, [3, 4])
    assert ns["d"] == {"k": "v"} and ns["obj"].attr == "v"
    assert parse_statement("a, b = f()", ns).target == "a, b"
