"""The engine without IPython: run_in_background / run_in_foreground, the
worker pool, and the rules that decide what runs where."""

import asyncio
import functools
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from ipython_bg.engine.foreground import ForegroundInterrupt, ForegroundTimeout, LoopBusy
from ipython_bg.engine.control import JobControl
from ipython_bg.model.job import JobKind, JobState
from ipython_bg.shell.statements import RunMode, StatementError, evaluate, parse_statement
from ipython_bg.engine.pools import DaemonThreadPool

from tests.harness.programs import ECHO_DEMO


@pytest.fixture
def control(loop):
    control = JobControl(lambda: loop)
    yield control
    control.cancel_all()
    control.close()


async def double(x, delay=0.0):
    await asyncio.sleep(delay)
    return 2 * x


def test_plain_python_seed_demo():
    """Nick Coghlan's demo, in plain Python with the module-level functions."""
    script = ECHO_DEMO + textwrap.dedent(
        """
        from ipython_bg import run_in_background, run_in_foreground

        server = run_in_foreground(asyncio.start_server(handle_tcp_echo, "127.0.0.1"))
        port = server.sockets[0].getsockname()[1]
        server2 = run_in_foreground(asyncio.start_server(handle_tcp_echo, "127.0.0.1"))
        port2 = server2.sockets[0].getsockname()[1]
        echo1 = run_in_background(tcp_echo_client("Hello World!", port))
        echo2 = run_in_background(tcp_echo_client("Hello World!", port2))
        run_in_foreground(asyncio.wait([echo1, echo2]))
        blocking = run_in_background(lambda: "from a thread")
        print(echo1.result(), echo2.result(), run_in_foreground(blocking), blocking.kind.value)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Hello World! Hello World! from a thread thread"
    assert "IPython" not in out.stderr


def test_background_kinds_and_results(control, loop):
    coro_job = control.start(double(2))
    thread_job = control.start_call(lambda: threading.current_thread().name)
    aw_job = control.start(asyncio.sleep(0, result="slept"))
    assert coro_job.kind is JobKind.COROUTINE and thread_job.kind is JobKind.THREAD
    assert control.wait([coro_job, thread_job, aw_job]) == [4, thread_job.result(), "slept"]
    assert thread_job.result().startswith("ipython_bg")
    assert [job.id for job in control.table] == [1, 2, 3]


def test_a_coroutine_job_is_shown_by_its_functions_name(control):
    first, second = control.start(double(1)), control.start(double(2))
    assert first.source == second.source == "double()"
    assert control.wait([first, second]) == [2, 4]


def test_call_returning_an_awaitable_goes_on_on_the_loop(control):
    job = control.start_call(lambda: double(5), source="make()", keep=False)
    assert control.foreground(job) == 10
    assert job.kind is JobKind.THREAD


def test_listeners_hear_every_end_once_and_a_broken_one_does_not_stop_the_rest(control, capsys):
    heard = []

    def broken(job):
        raise RuntimeError("listener bug")

    control.listeners += [broken, heard.append]
    jobs = [control.start(double(n)) for n in range(3)]
    control.wait(jobs)
    control.home_loop().run_until_complete(asyncio.sleep(0))
    assert heard == jobs
    assert capsys.readouterr().err.count("listener bug") == 3


def test_failure_is_retrieved_so_asyncio_never_logs_it(control, caplog):
    async def boom():
        raise KeyError("lost")

    job = control.start(boom())
    with pytest.raises(KeyError):
        control.wait([job])
    del job
    import gc

    gc.collect()
    assert "never retrieved" not in caplog.text


def test_foreground_timeout_leaves_the_job_running_in_the_table(control):
    with pytest.raises(ForegroundTimeout) as info:
        control.foreground(control.start(double(1, delay=0.5), keep=False), timeout=0.01)
    job = info.value.job
    assert job in control.table and not job.done()
    assert control.wait([job]) == [2]


def test_foreground_refuses_a_running_loop(control, loop):
    async def inside():
        with pytest.raises(LoopBusy):
            control.foreground(control.start(double(1), keep=False))

    loop.run_until_complete(inside())


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery")
def test_first_ctrl_c_cancels_only_the_foreground(control, loop):
    progress = {"steps": 0}
    cleaned = []

    async def busy():
        while True:
            for _ in range(20000):
                pass
            progress["steps"] += 1
            await asyncio.sleep(0)

    async def foreground():
        try:
            await asyncio.sleep(30)
        finally:
            cleaned.append(True)

    background = control.start(busy())
    for _ in range(5):
        timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        with pytest.raises(ForegroundInterrupt):
            control.foreground(control.start(foreground(), keep=False))
        timer.join()
    assert cleaned == [True] * 5
    assert not background.done() and progress["steps"] > 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_daemon_pool_reuses_threads_and_never_blocks_exit():
    pool = DaemonThreadPool(max_workers=2)
    gate = threading.Event()
    blocked = [pool.submit(gate.wait, 10) for _ in range(3)]
    assert [future.running() for future in blocked] == [True, True, False]
    gate.set()
    assert [future.result(5) for future in blocked] == [True] * 3
    assert all(thread.daemon for thread in pool._threads)
    assert pool.submit(lambda: 5).result(5) == 5
    assert len(pool._threads) == 2
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        pool.submit(print)


def test_exit_does_not_wait_for_a_stuck_thread_job():
    script = (
        "import time\n"
        "from ipython_bg import run_in_background\n"
        "run_in_background(lambda: time.sleep(60))\n"
        "print('leaving')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20)
    assert out.stdout.strip() == "leaving" and out.returncode == 0


# -- what runs where -------------------------------------------------------


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
        ("asyncio.sleep(1)", "loop"),
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
        ("f(", "invalid syntax"),
        ("1 = f()", "invalid syntax"),
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


PLAIN_SCRIPT = """
import asyncio
from ipython_bg import run_in_background, run_in_foreground

async def boom():
    raise ValueError("caught by me")

async def slow():
    try:
        await asyncio.sleep(100)
    finally:
        print("finally ran")

job = run_in_background(boom())
try:
    run_in_foreground(job)
except ValueError as exc:
    print("caught", exc)
run_in_background(slow())
early = run_in_background(asyncio.sleep(0, "early"))

async def main():
    try:
        return await early
    except RuntimeError as exc:
        return str(exc)

print(asyncio.run(main()))
run_in_foreground(asyncio.sleep(0.01))
print("end")
"""


def test_plain_python_script_ends_cleanly():
    """A caught failure is not printed again; a job still pending at the
    end runs its finally block, with no asyncio warning; a job awaited on
    another loop says what to do."""
    out = subprocess.run(
        [sys.executable, "-W", "default", "-c", PLAIN_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "caught caught by me"
    assert "runs on another event loop" in lines[1] and "inside the coroutine that asyncio.run() runs" in lines[1]
    assert lines[2:] == ["end", "finally ran"]
    assert out.stderr == ""
