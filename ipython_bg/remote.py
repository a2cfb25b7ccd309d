"""A failure in another process, brought back: the exception where it can
be rebuilt here, else a stand-in keeping its type's name, message and
traceback text."""

from __future__ import annotations

from .tracebacks import exception_message, format_without_our_frames, remote_frames

__all__ = ["RemoteError", "RemoteFailure", "RemoteTraceback", "call_portably", "rebuilds", "showable"]


class RemoteTraceback(Exception):
    """The traceback of a failure in another process, as text."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        # Shown as a local traceback is: no frames of the extension's
        # worker, cells named as IPython names them.
        return remote_frames(self.text)


class RemoteError(Exception):
    """Stands in for an exception raised in a job's process that cannot be
    rebuilt here (it does not pickle, or its class's ``__init__`` takes
    other arguments than it keeps): its type's name, its message and the
    remote traceback's text, which is also its ``__cause__``."""

    def __init__(self, type_name: str, message: str, text: str):
        super().__init__(type_name, message, text)  # all three: it must pickle and rebuild itself
        self.type_name = type_name
        self.message = message
        self.text = text

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


class RemoteFailure:
    """What :func:`call_portably` returns for a call that failed: the
    exception (or its stand-in) and the traceback's text."""

    def __init__(self, exception: BaseException, text: str):
        self.exception = exception
        self.text = text

    def rebuilt(self) -> BaseException:
        """The exception, with the remote traceback as its cause where it
        came without its own (Dask brings tracebacks back, pickle does not)."""
        if self.exception.__traceback__ is None:
            self.exception.__cause__ = RemoteTraceback(self.text)
        return self.exception


def call_portably(func, args: tuple, kwargs: dict):
    """In another process (a ProcessPoolExecutor's, a Dask worker's): the
    call, a failure coming back as a :class:`RemoteFailure` *result*.
    Raised, a SystemExit or KeyboardInterrupt would end a Dask worker, and
    an exception that cannot be rebuilt breaks a ProcessPoolExecutor."""
    try:
        return func(*args, **kwargs)
    except BaseException as exc:
        text = "".join(format_without_our_frames(exc, exc.__traceback__))
        if not rebuilds(exc):
            exc = RemoteError(type(exc).__name__, exception_message(exc), text)
        return RemoteFailure(exc, text)


def rebuilds(exc: BaseException) -> bool:
    """Whether ``exc`` survives pickling and unpickling (the parent has the
    same classes: it forked this process)."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True


def showable(exc: BaseException) -> BaseException:
    """``exc``, or for a SystemExit brought back from a process, a copy
    without the remote traceback as its cause, to raise in a cell: IPython
    shows a SystemExit as one line, and IPython 8.18 fails instead on a
    cause that was never raised.  (``%jobs -t`` still shows the cause.)"""
    if type(exc) is SystemExit and isinstance(exc.__cause__, RemoteTraceback):
        return SystemExit(*exc.args)
    return exc
