"""Worker threads for thread jobs.

``concurrent.futures.ThreadPoolExecutor`` joins its workers when the
interpreter exits, so one thread job stuck in ``time.sleep(3600)`` or a
socket read would hold the user's ``exit`` for an hour.  A shell must never
hang on a job the user left behind: these workers are daemon threads, and
exit abandons whatever they are still doing.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Executor, Future

from ipython_bg.model.call import ThreadCall
from ipython_bg.model.failures import RemoteError, RemoteFailure, RemoteTraceback, call_portably
from ipython_bg.model.tracebacks import exception_message

__all__ = ["DaemonThreadPool", "ForkPool", "ProcessDied"]


class PoolFuture(Future):
    """A call's future that knows whether the pool's limit holds it
    (``held``: no worker was free) or a worker is about to take it."""

    held = False


class DaemonThreadPool(Executor):
    """At most ``max_workers`` daemon threads, started on demand and reused."""

    def __init__(self, max_workers: int = 32, name: str = "ipython_bg"):
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self._name = name
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._shutdown = False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a pool that was shut down")
            future = PoolFuture()
            self._work.put((future, fn, args, kwargs))
            if self._idle:
                # An idle worker will take it.  (A worker that finishes
                # while the pool is full may take it first; the count is
                # then one high, which only matters once no thread can be
                # added anyway.)
                self._idle -= 1
            elif len(self._threads) < self.max_workers:
                thread = threading.Thread(
                    target=self._worker,
                    name=f"{self._name}-{len(self._threads) + 1}",
                    daemon=True,
                )
                self._threads.add(thread)
                thread.start()
            else:
                future.held = True  # every worker is busy: it waits for one
        return future

    def _worker(self) -> None:
        __tracebackhide__ = True
        while True:
            item = self._work.get()
            if item is None:
                break
            future, fn, args, kwargs = item
            del item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            with self._lock:
                if self._shutdown:
                    break
                self._idle += 1
        with self._lock:
            self._threads.discard(threading.current_thread())

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    item = self._work.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in threads:
            self._work.put(None)
        if wait:
            for thread in threads:
                thread.join()


class ProcessDied(RuntimeError):
    """The job's process ended without sending back a result."""


class ForkPool(Executor):
    """Runs each call in a fresh process forked at the call's start, at most
    ``max_workers`` at a time.

    Forking per call, rather than keeping a pool of long-lived workers, means
    the child sees the interactive namespace as it is now: a function typed
    a moment ago in a notebook runs as it is, with no pickling of the
    function or its arguments (only the result travels back, pickled).
    Cancelling a call terminates its process.  POSIX only.
    """

    def __init__(self, max_workers: int | None = None):
        import multiprocessing
        import os

        self.max_workers = max_workers or os.cpu_count() or 1
        self._context = multiprocessing.get_context("fork")
        self._lock = threading.Lock()
        self._pending: list = []
        self._running: dict = {}
        self._shutdown = False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a pool that was shut down")
            self._pending.append((future, fn, args, kwargs))
        self._start_pending()
        return future

    def _start_pending(self) -> None:
        while True:
            with self._lock:
                if self._shutdown or not self._pending or len(self._running) >= self.max_workers:
                    return
                future, fn, args, kwargs = self._pending.pop(0)
                if not future.set_running_or_notify_cancel():
                    continue
                if isinstance(fn, ThreadCall):
                    fn.mark_started()  # in this process: the child's copy is lost
                receiver, sender = self._context.Pipe(duplex=False)
                process = self._context.Process(
                    target=_child, args=(sender, fn, args, kwargs), name="ipython_bg-process", daemon=True
                )
                process.start()
                sender.close()
                self._running[future] = process
            threading.Thread(
                target=self._wait, args=(future, fn, process, receiver), name="ipython_bg-process-wait", daemon=True
            ).start()

    def _wait(self, future: Future, fn, process, receiver) -> None:
        # Whatever the child sent, the slot is freed and the call ends.
        outcome = None
        try:
            outcome = _receive(fn, receiver)
        finally:
            receiver.close()
            if isinstance(fn, ThreadCall):
                fn.ended = time.monotonic()
            process.join(5)
            with self._lock:
                self._running.pop(future, None)
            if not future.done():
                _settle(future, outcome, process.exitcode)
            self._start_pending()

    def terminate(self, future: Future) -> None:
        """Stop a call: cancel it if it waits, end its process if it runs."""
        if future.cancel():
            return
        with self._lock:
            process = self._running.get(future)
        if process is not None and process.is_alive():
            process.terminate()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            pending, self._pending = self._pending, []
            running = list(self._running.items())
        for future, *_ in pending:
            future.cancel()
        for future, process in running:
            if cancel_futures or not wait:
                process.terminate()
            future.cancel()
        if wait:
            for _, process in running:
                process.join(5)


def _settle(future: Future, outcome, exitcode) -> None:
    if outcome is None:
        future.set_exception(ProcessDied(f"its process ended (exit code {exitcode}) without a result"))
    elif outcome[0] == "ok":
        future.set_result(outcome[1])
    else:
        failure = outcome[1]
        if failure.text:  # whether or not the exception brought its own traceback along
            failure.exception.__cause__ = RemoteTraceback(failure.text)
        future.set_exception(failure.exception)


def _receive(fn, receiver):
    """The child's outcome, telling here what it sends first: its output
    and progress, in the job's context (kept as the job's, and shown where
    its other output goes); ``None`` if it died without one."""
    context = getattr(fn, "echo", None)
    while True:
        try:
            message = receiver.recv()
        except (EOFError, OSError):
            return None
        except Exception as exc:  # it came, but cannot be rebuilt here (unpickling failed)
            problem = f"what its process sent back cannot be rebuilt here: {type(exc).__name__}: {exception_message(exc)}"
            return ("error", RemoteFailure(ProcessDied(problem), ""))
        if message[0] == "out":
            _tell(context, _write, message[1])
        elif message[0] == "progress":
            _tell(context, _progress, message[1])
        else:
            return message


def _tell(context, function, value) -> None:
    if context is None:
        function(value)
    else:
        context.run(function, value)


def _write(parts) -> None:
    import sys

    for name, text in parts:
        stream = getattr(sys, name)
        if stream is not None:
            stream.write(text)
            stream.flush()


def _progress(value) -> None:
    from ipython_bg.model.output import progress

    progress(*value)


class _Channel:
    """In the child: its output and progress, sent to the parent through the
    result's pipe.  Writes are gathered and sent every few hundredths of a
    second (a pipe message per print would cost a child that prints a lot
    more than its printing)."""

    interval = 0.05

    def __init__(self, sender):
        self.sender = sender
        self.lock = threading.Lock()
        self.pending: list = []
        self.stopped = threading.Event()
        threading.Thread(target=self._flusher, name="ipython_bg-output", daemon=True).start()

    def _flusher(self) -> None:
        while not self.stopped.wait(self.interval):
            self.flush()

    def write(self, name: str, text: str) -> None:
        with self.lock:
            self.pending.append((name, text))

    def flush(self) -> None:
        with self.lock:
            if self.pending:
                parts, self.pending = self.pending, []
                self.sender.send(("out", parts))

    def set_progress(self, done, total=None, note="") -> None:
        self.flush()
        with self.lock:
            self.sender.send(("progress", (done, total, note)))

    def send(self, outcome) -> None:
        self.stopped.set()
        self.flush()
        with self.lock:
            self.sender.send(outcome)


class _ChildStream:
    """The child's ``sys.stdout`` or ``sys.stderr``: written to the channel."""

    def __init__(self, channel: _Channel, name: str, stream):
        self._channel = channel
        self._name = name
        self._stream = stream

    def write(self, text: str) -> int:
        if text:
            self._channel.write(self._name, text)
        return len(text)

    def flush(self) -> None:
        self._channel.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _child(sender, fn, args, kwargs) -> None:
    """In the forked process: leave the terminal's process group (Ctrl-C and
    Ctrl-Z at the prompt are not meant for background jobs), run the call
    with its output and progress sent to the parent, send back the outcome."""
    import os
    import sys

    from ipython_bg.model.output import CURRENT, Writer

    os.setpgid(0, 0)
    channel = _Channel(sender)
    # The parent's streams may be prompt_toolkit's proxy, whose writer
    # thread did not survive the fork, or a kernel's: the parent writes it.
    sys.stdout = _ChildStream(channel, "stdout", open(1, "w", buffering=1, closefd=False))
    sys.stderr = _ChildStream(channel, "stderr", open(2, "w", buffering=1, closefd=False))
    CURRENT.set(Writer(channel))  # progress() goes to the parent
    try:
        result = call_portably(fn, args, kwargs)
        if isinstance(result, RemoteFailure):
            _send_failure(channel, result)
            return
        try:
            channel.send(("ok", result))
        except Exception as exc:
            message = f"its result, a {type(result).__name__}, cannot be pickled to come back: {exc}"
            channel.send(("error", RemoteFailure(TypeError(message), "")))
    finally:
        sender.close()


def _send_failure(channel: _Channel, failure: RemoteFailure) -> None:
    try:
        channel.send(("error", failure))
    except Exception:  # it pickled alone, not with what it holds now
        exc, text = failure.exception, failure.text
        stand_in = RemoteError(type(exc).__name__, exception_message(exc), text)
        channel.send(("error", RemoteFailure(stand_in, text)))
