"""Code that the tests define inside an ipython (a shell, a terminal, a
kernel) before they start jobs."""

import importlib.util
import textwrap

#: Two jobs to start: ``double(x)`` returns ``2 * x`` and ``fail(message)``
#: raises ``ValueError(message)``, each after ``delay`` seconds (none: one
#: step of the loop).
DOUBLE_AND_FAIL = textwrap.dedent(
    """
    import asyncio

    async def double(x, delay=0.0):
        await asyncio.sleep(delay)
        return 2 * x

    async def fail(message, delay=0.0):
        await asyncio.sleep(delay)
        raise ValueError(message)
    """
)

#: A job whose output comes late: ``speak_later(text, delay)`` prints
#: ``text`` after ``delay`` seconds.
SPEAK_LATER = textwrap.dedent(
    """
    import asyncio

    async def speak_later(text, delay):
        await asyncio.sleep(delay)
        print(text, flush=True)
    """
)

#: The seed demo's echo server and client, for a terminal's startup and
#: for the same demo in plain Python.
ECHO_DEMO = textwrap.dedent(
    """
    import asyncio

    async def handle_tcp_echo(reader, writer):
        data = await reader.read(100)
        writer.write(data)
        await writer.drain()
        writer.close()

    async def tcp_echo_client(message, port):
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(message.encode())
        data = await reader.read(100)
        writer.close()
        return data.decode()
    """
)


#: ``blocking(x, gate=None)``: ``x + 1``, once the ``threading.Event``
#: ``gate`` (if any) is set.
BLOCKING = """
def blocking(x, gate=None):
    if gate is not None:
        assert gate.wait(10)
    return x + 1
"""

#: Callables %bg takes or refuses: ``gen`` and ``agen`` (generators),
#: ``triple`` (a coroutine function), ``one`` and ``divide`` (plain
#: functions), ``pool`` (a thread pool of the user's own: shut it down).
CALLABLES = """
import asyncio, concurrent.futures, functools
def gen():
    yield 1
async def agen():
    yield 1
async def triple(x):
    await asyncio.sleep(0)
    return 3 * x
def one(x):
    return x
def divide(x):
    return 1 / x
pool = concurrent.futures.ThreadPoolExecutor(1)
"""

#: The documented API_IN_JOBS called from inside jobs: ``five()`` (a coroutine
#: that notes its thread in ``started``), thread jobs that start or wait
#: for it, and a coroutine job that would wait for it.
API_IN_JOBS = """
import asyncio, threading, time, ipython_bg
started = []  # the threads five() ran in
async def five():
    started.append(threading.current_thread().name)
    await asyncio.sleep(0.05)
    return 5
def starts_one():
    return ipython_bg.run_in_background(five())
def waits_for_one(pause=0.0):
    time.sleep(pause)  # long enough, the terminal's prompt runs the loop by then
    return ipython_bg.run_in_foreground(five())
def waits_for_a_call():
    return ipython_bg.run_in_foreground(lambda: 'from a thread')
async def waits_inside_a_coroutine():
    return ipython_bg.run_in_foreground(five())
"""

#: Jobs that stop the loop under the session, or cancel every task they
#: see; and what such a job fails with.
LOOP_STOPPERS = """
import asyncio, time
from IPython.core.async_helpers import get_asyncio_loop
async def stops():
    asyncio.get_running_loop().stop()
    return 'stopped'
def stops_from_a_thread(loop):
    loop.stop()
    return 'stopped'
async def cancels_the_rest():
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    return len(others)
"""

STOP_REFUSED = "RuntimeError: a job cannot stop the event loop the session runs on"


#: A CPU-busy coroutine that still yields (so Ctrl-C is likely to land while
#: it runs), and a foreground coroutine that says when its finally block runs.
BUSY_AND_GUARDED = textwrap.dedent(
    """
    import asyncio, time

    progress = {'busy': 0, 'ticks': 0}

    async def busy():
        while True:
            deadline = time.perf_counter() + 0.02
            while time.perf_counter() < deadline:
                pass
            progress['busy'] += 1
            await asyncio.sleep(0)

    async def guarded(label):
        print(label + '-start', flush=True)
        try:
            await asyncio.sleep(3600)
        finally:
            print(label + '-finally', flush=True)
    """
)


#: Everything a job can raise that is not a plain Exception, or that breaks
#: where the extension shows it (issue 19): ``boom(name)`` raises it in the
#: caller's thread or process, ``aboom(name)`` from a coroutine.
RAISERS = textwrap.dedent(
    """
    import asyncio, concurrent.futures, sys, threading

    class BadStr(Exception):
        def __str__(self):
            raise RuntimeError('str of BadStr')

    class BadRepr(Exception):
        def __repr__(self):
            raise RuntimeError('repr of BadRepr')

    class TwoArgs(Exception):
        def __init__(self, a, b):
            super().__init__(a)
            self.b = b

    class Unusual(BaseException):
        pass

    class BadResult:
        def __repr__(self):
            raise RuntimeError('repr of BadResult')
        __str__ = __repr__

    RAISED = {
        'exit': lambda: SystemExit(3),
        'interrupt': lambda: KeyboardInterrupt(),
        'genexit': lambda: GeneratorExit(),
        'stop': lambda: StopIteration(),
        'stopasync': lambda: StopAsyncIteration(),
        'unusual': lambda: Unusual('odd'),
        'badstr': lambda: BadStr(),
        'badrepr': lambda: BadRepr('shown'),
        'twoargs': lambda: TwoArgs(1, 2),
    }

    def boom(name):
        raise RAISED[name]()

    async def aboom(name):
        raise RAISED[name]()

    def boom_when(name, gate):
        # Raises once the threading.Event ``gate`` is set.
        gate.wait(30)
        boom(name)

    async def aboom_when(name, gate):
        while not gate.is_set():
            await asyncio.sleep(0.01)
        raise RAISED[name]()

    def two_args_cross():
        # Whether TwoArgs survives pickling here: it does once tblib's
        # pickling support is installed (importing distributed does that).
        import pickle
        try:
            pickle.loads(pickle.dumps(TwoArgs(1, 2)))
        except Exception:
            return False
        return True

    def bad_result():
        return BadResult()

    class InThread(concurrent.futures.Executor):
        # An executor of the user's own (kind "executor").
        def __init__(self):
            self.pool = concurrent.futures.ThreadPoolExecutor(2)

        def submit(self, fn, *args, **kwargs):
            return self.pool.submit(fn, *args, **kwargs)
    """
)

#: What a job that raised RAISERS[name] says: ``ExcType: message``.  Across
#: a process boundary an exception that cannot be rebuilt (``crosses`` is
#: ``two_args_cross()``) is a RemoteError; a StopIteration or GeneratorExit,
#: which no await can hand on, is a RuntimeError caused by it, as Python
#: says a coroutine's StopIteration (PEP 479).
RAISED_TEXT = {
    "exit": "SystemExit: 3",
    "interrupt": "KeyboardInterrupt",
    "genexit": "RuntimeError: the job raised GeneratorExit",
    "stop": "RuntimeError: the job raised StopIteration",
    "stopasync": "StopAsyncIteration",
    "unusual": "Unusual: odd",
    "badstr": "BadStr: <exception str() failed>",
    "badrepr": "BadRepr: shown",
    "twoargs": "TwoArgs: 1",
}


def raised_text(name: str, kind: str, crosses: bool = False) -> str:
    if kind == "coroutine" and name == "stop":
        return "RuntimeError: coroutine raised StopIteration"
    if kind in ("process", "dask") and name == "twoargs" and not crosses:
        return "RemoteError: TwoArgs: 1"
    return RAISED_TEXT[name]


#: How each kind of job is started on ``boom(name)`` in the exception tables
#: of every tier (Dask's only where distributed is installed).
JOB_STARTS = {
    "coroutine": "%bg aboom({name!r})",
    "thread": "%bg boom({name!r})",
    "process": "%bg --process boom({name!r})",
    "executor": "%bg --executor mine boom({name!r})",
}
HAS_DASK = importlib.util.find_spec("distributed") is not None
if HAS_DASK:
    JOB_STARTS["dask"] = "%bg --executor client boom({name!r})"

#: Cell code for the Dask column: a client of an in-process cluster.
DASK_CLIENT = (
    "from distributed import Client, LocalCluster\n"
    "cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)\n"
    "client = Client(cluster)\n"
)


#: The first cell of a kernel test's kernel (tests/kernel/conftest.py): the
#: extension, and jobs of each kind to start.
KERNEL_SETUP = "%load_ext ipython_bg\n" + DOUBLE_AND_FAIL + SPEAK_LATER + BUSY_AND_GUARDED + textwrap.dedent(
    """
    import asyncio, threading, time

    async def ticker(count, pause=0.05):
        for i in range(count):
            await asyncio.sleep(pause)
            progress['ticks'] += 1
        return count

    def nap_in_thread(seconds, say=None):
        if say is not None:
            print(say, flush=True)
        time.sleep(seconds)
        return seconds

    def speak_later_in_thread(text, delay):
        time.sleep(delay)
        print(text, flush=True)
    """
)
