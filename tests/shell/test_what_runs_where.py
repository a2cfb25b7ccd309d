"""What runs where, against a real InteractiveShell: objects with an async
interface are made on the loop, blocking calls (and chains on their
results) and asyncio.run and friends go to a thread, the loop IPython
gives is the job loop."""

import asyncio
import gc
import threading
import warnings

import aiohttp
import pytest
from IPython.core.error import UsageError

from ipython_bg.model.job import JobKind
from tests.harness.cells import error_of, run

CLASSES = """
made_in = []

def note_where():
    # Fails, as in a worker thread, where no loop runs.
    made_in.append((threading.current_thread().name, asyncio.get_running_loop()))

class Ticket:
    def __init__(self, n):
        note_where()
        self.n = n
    def __await__(self):
        yield from asyncio.sleep(0).__await__()
        return 2 * self.n

class Connection:
    def __init__(self):
        note_where()
    async def __aenter__(self):
        return self
    async def __aexit__(self, *exc):
        return None

class Ticks:
    def __init__(self, n):
        note_where()
        self.left = n
    def __aiter__(self):
        return self
    async def __anext__(self):
        if not self.left:
            raise StopAsyncIteration
        self.left -= 1
        return self.left

def connect() -> Connection:
    return Connection()

def connect_later() -> "Connection":
    return Connection()

class Plain:
    def __init__(self):
        self.thread = threading.current_thread().name

def plain() -> int:
    return threading.current_thread().name
"""


@pytest.fixture
def classes(shell):
    run(shell, CLASSES)
    return shell


def job_loop(shell):
    return shell.magics_manager.registry["BackgroundJobs"].session.control.loop()


def no_never_awaited(caught):
    gc.collect()
    return not [w for w in caught if "never awaited" in str(w.message)]


# -- 1. classes and factories with an async interface ------------------------


@pytest.mark.parametrize("line", ["Connection()", "connect()", "connect_later()"])
def test_an_async_context_manager_is_made_on_the_loop_and_is_the_result(classes, line):
    run(classes, f"value = %fg {line}")
    ns = classes.user_ns
    assert type(ns["value"]).__name__ == "Connection"
    assert ns["made_in"] == [(threading.current_thread().name, job_loop(classes))]


def test_an_awaitable_instance_becomes_the_job(classes):
    assert run(classes, "%fg Ticket(21)") == 42
    assert classes.user_ns["made_in"][0][0] == threading.current_thread().name


def test_an_async_iterator_in_the_background_is_a_finished_job(classes):
    job = run(classes, "%bg ticks = Ticks(2)")
    assert job.kind is JobKind.COROUTINE
    run(classes, "%fg")
    run(classes, "%%fg\nseen = [n async for n in ticks]\n")
    assert classes.user_ns["seen"] == [1, 0]


def test_calls_without_an_async_interface_still_go_to_a_thread(classes):
    assert run(classes, "%bg Plain()").kind is JobKind.THREAD
    assert run(classes, "%fg plain()") != threading.current_thread().name


def test_websockets_serve_and_connect(shell):
    run(shell, "import websockets")
    run(shell, "async def echo(ws):\n    async for message in ws:\n        await ws.send(message)\n")
    run(shell, "server = %fg websockets.serve(echo, '127.0.0.1', 0)")
    run(shell, "port = server.sockets[0].getsockname()[1]")
    run(shell, "ws = %fg websockets.connect(f'ws://127.0.0.1:{port}')")
    run(shell, "%fg ws.send('hello')")
    assert run(shell, "%fg ws.recv()") == "hello"
    run(shell, "%fg ws.close()")
    run(shell, "server.close()")
    run(shell, "%fg server.wait_closed()")


def test_aiohttp_client_session(shell):
    run(shell, "import aiohttp\nfrom aiohttp import web")
    run(shell, "async def hello(request):\n    return web.Response(text='hi')\n")
    run(shell, "app = web.Application()\napp.router.add_get('/', hello)\nrunner = web.AppRunner(app)")
    run(shell, "%fg runner.setup()")
    run(shell, "%fg web.TCPSite(runner, '127.0.0.1', 0).start()")
    run(shell, "session = %fg aiohttp.ClientSession()")
    assert isinstance(shell.user_ns["session"], aiohttp.ClientSession)
    # session.get(...) -> _RequestContextManager, a generic: made on the loop too
    run(shell, "response = %fg session.get('http://%s:%d/' % runner.addresses[0][:2])")
    assert run(shell, "%fg response.text()") == "hi"
    run(shell, "%fg session.close()")
    run(shell, "%fg runner.cleanup()")
    assert shell.user_ns["session"].closed


# -- 1b. a chain on a blocking call's result runs whole in a thread ------------------

GATED = """
import threading
gate = threading.Event()
class Reply:
    def __init__(self, text):
        self.text = text
def fetch(text):
    # Blocks until the test opens the gate: run in the cell, %bg would not return.
    if not gate.wait(10):
        raise TimeoutError("run in the cell, not in a worker")
    return Reply(text)
"""


@pytest.mark.parametrize(
    "line, result",
    [("fetch('abc').text.upper()", "ABC"), ("fetch('abc').text[1]", "b"), ("r = fetch('abc').text", "abc")],
)
def test_a_chain_on_a_blocking_call_runs_whole_in_a_thread(shell, line, result):
    run(shell, GATED)
    job = run(shell, f"%bg {line}")
    assert job.kind is JobKind.THREAD and not job.done()
    shell.user_ns["gate"].set()
    assert run(shell, "%fg") == result


def test_a_blocking_client_reaches_a_server_on_the_job_loop(shell):
    # Regression: the client's call ran in the cell, which waited for the
    # server on the loop that the cell itself held.
    run(shell, "import urllib.request\nfrom aiohttp import web")
    run(shell, "async def hello(request):\n    return web.Response(text='hi')\n")
    run(shell, "app = web.Application()\napp.router.add_get('/', hello)\nrunner = web.AppRunner(app)")
    run(shell, "%fg runner.setup()")
    run(shell, "%fg web.TCPSite(runner, '127.0.0.1', 0).start()")
    run(shell, "url = 'http://%s:%d/' % runner.addresses[0][:2]")
    job = run(shell, "%bg urllib.request.urlopen(url, timeout=10).read()")
    assert job.kind is JobKind.THREAD
    assert run(shell, "%fg") == b"hi"
    run(shell, "%fg runner.cleanup()")


def test_a_chain_for_a_pickling_pool_says_what_to_give_it(shell):
    run(shell, "import concurrent.futures\npool = concurrent.futures.ProcessPoolExecutor(1)\ndef plain(n):\n    return str(n)\n")
    try:
        refused = shell.run_cell("%bg --executor pool plain(1).zfill(3)").error_in_exec
        assert isinstance(refused, UsageError)
        assert "plain(1).zfill(3) is a chain on a call's result" in str(refused) and "def job()" in str(refused)
        assert run(shell, "%bg --process plain(1).zfill(3)").kind is JobKind.PROCESS  # forked: nothing to pickle
        assert run(shell, "%fg") == "001"
    finally:
        run(shell, "pool.shutdown()")


def test_a_chain_from_a_class_or_a_call_of_a_call_is_taken_as_before(shell):
    run(shell, "import functools\nasync def fetch(n):\n    return n\ndef plain(n):\n    return n\n")
    assert run(shell, "%bg functools.partial(fetch, 1)()").kind is JobKind.COROUTINE
    assert run(shell, "%bg (lambda f: f)(plain)(2)").kind is JobKind.THREAD
    assert run(shell, "%fg %1 %2") == [1, 2]


# -- 2. asyncio's blocking entry points ------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "asyncio.run(main())",
        pytest.param(
            "asyncio.Runner().run(main())",
            marks=pytest.mark.skipif(not hasattr(asyncio, "Runner"), reason="asyncio.Runner is new in Python 3.11"),
        ),
        "asyncio.new_event_loop().run_until_complete(main())",
    ],
)
def test_a_blocking_entry_point_runs_in_a_thread_on_its_own_loop(shell, line):
    run(shell, "async def main():\n    await asyncio.sleep(0.01)\n    return threading.current_thread().name\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job = run(shell, f"%bg where = {line}")
        assert job.kind is JobKind.THREAD
        run(shell, "%fg")
        assert shell.user_ns["where"] != threading.current_thread().name
        assert no_never_awaited(caught)


def test_running_the_job_loop_itself_is_refused(shell):
    run(shell, "async def main():\n    return 1\n")
    shell.user_ns["job_loop"] = job_loop(shell)  # as IPython's get_asyncio_loop() gives it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = shell.run_cell("%bg job_loop.run_until_complete(main())")
        assert no_never_awaited(caught)
    assert isinstance(result.error_in_exec, UsageError)
    assert "a job cannot run the job loop" in str(result.error_in_exec)
    assert len(run(shell, "%jobs")) == 0


def test_the_job_loop_is_the_one_get_asyncio_loop_gives(shell):
    """The shell's job loop is read without get_asyncio_loop()'s
    raise-and-catch, yet is the same loop: IPython's where none runs, the
    running one inside asyncio.run(), a new one once IPython's is closed."""
    from IPython.core import async_helpers

    assert job_loop(shell) is async_helpers.get_asyncio_loop()

    async def inside():
        return job_loop(shell) is asyncio.get_running_loop()

    assert asyncio.run(inside())
    ipythons = async_helpers.get_asyncio_loop()
    closed = async_helpers._asyncio_event_loop = asyncio.new_event_loop()
    closed.close()
    try:
        fresh = job_loop(shell)
        assert fresh is not closed and not fresh.is_closed() and fresh is async_helpers.get_asyncio_loop()
        fresh.close()
    finally:
        async_helpers._asyncio_event_loop = ipythons


# -- 3. the hint for a thread job that wanted the loop -------------------------------


@pytest.mark.parametrize(
    ("body", "notice", "hinted"),
    [
        ("return asyncio.get_running_loop()", "[1]+ failed  thread  job()  RuntimeError: no running event loop", True),
        ("raise RuntimeError('other')", "[1]+ failed  thread  job()  RuntimeError: other", False),
    ],
    ids=["wanting-the-loop", "other-failure"],
)
def test_only_a_thread_job_wanting_the_loop_suggests_no_thread(shell, capsys, body, notice, hinted):
    run(shell, f"def job():\n    {body}\n")
    run(shell, "%bg job()")
    capsys.readouterr()
    run(shell, "%%fg\nawait asyncio.sleep(0.05)\n")
    out = capsys.readouterr().out
    assert notice in out
    if hinted:
        assert "try --no-thread" in out
    else:
        assert "--no-thread" not in out


# -- 4. a refused wait starts nothing -------------------------------------------------


def test_a_partial_of_a_coroutine_function_runs_its_coroutine(callables):
    job = run(callables, "%bg functools.partial(triple, 2)")
    assert job.kind.value == "coroutine"
    assert run(callables, "%fg 1") == 6
    assert run(callables, "%fg functools.partial(triple, 3)") == 9
    plain = run(callables, "%bg functools.partial(one, 'in a thread')")
    assert plain.kind.value == "thread" and run(callables, "%fg 2") == "in a thread"


def test_an_executors_future_is_waited_for(callables):
    assert run(callables, "%fg pool.submit(one, 'submitted')") == "submitted"
    job = run(callables, "%bg pool.submit(divide, 0)")
    assert isinstance(error_of(callables, "%fg 1"), ZeroDivisionError)
    assert job.state.value == "failed"
    run(callables, "future = pool.submit(one, 'made before')")
    assert run(callables, "%fg future") == "made before"
