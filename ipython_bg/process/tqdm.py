"""tqdm's bars as jobs' progress: a bar that moves in a job's code is that
job's progress, read without changes to the user's code.

tqdm has no hook for its progress, so the public ``update``, ``refresh``
and ``close`` of its base class, ``tqdm.std.tqdm``, are wrapped: every bar
goes through them (``tqdm.auto``'s, ``tqdm.notebook``'s, ``tqdm.asyncio``'s,
a library's subclass; iterating over a bar calls ``update`` each time it
redraws).  A wrapped method tells the bar's move to the code that moved it,
so to the job whose code that is.

tqdm is often imported after the extension loaded: inside the job, or by
a library the job calls.  So the class is wrapped as ``tqdm.std`` is
imported, whenever that is, by a finder on ``sys.meta_path`` that lets the
import system's own finders find the module and runs the wrapping right
after the module has run.  Nothing here imports tqdm.
"""

from __future__ import annotations

import functools
import sys
from typing import Callable

from ipython_bg.model.output import tqdm_moved
from ipython_bg.process.changes import Change

__all__ = ["TqdmProgress"]

#: The module that defines tqdm's base class.
MODULE = "tqdm.std"
#: The methods through which every bar's moves pass.
METHODS = ("update", "refresh", "close")


class TqdmProgress(Change):
    """tqdm's bar class tells each move to the job whose code moved it,
    however and whenever tqdm is imported."""

    why = "tqdm bars a job makes are its progress in %jobs (tqdm's bar class is watched as tqdm is imported)"

    def __init__(self, on_move: Callable[[object], None] = tqdm_moved):
        self.on_move = on_move
        self.finder = _ImportWatch(MODULE, self._loaded)
        self.wrapped: list[tuple[type, str, Callable]] = []  # (class, name, its own function)

    def install(self) -> None:
        sys.meta_path.insert(0, self.finder)
        module = sys.modules.get(MODULE)
        if module is not None:
            self._loaded(module)

    def uninstall(self) -> None:
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        while self.wrapped:
            cls, name, own = self.wrapped.pop()
            if getattr(cls.__dict__.get(name), "__wrapped__", None) is own:
                setattr(cls, name, own)

    def _loaded(self, module) -> None:
        """``tqdm.std`` has run (again, after a reload): watch its class."""
        cls = getattr(module, "tqdm", None)
        if not isinstance(cls, type) or any(each is cls for each, _, _ in self.wrapped):
            return
        for name in METHODS:
            own = cls.__dict__.get(name)
            if own is not None:
                setattr(cls, name, _telling(own, self.on_move))
                self.wrapped.append((cls, name, own))


def _telling(own: Callable, on_move: Callable[[object], None]) -> Callable:
    """``own`` (a bar's method), then ``on_move(bar)``."""

    @functools.wraps(own)
    def method(self, *args, **kwargs):
        result = own(self, *args, **kwargs)
        on_move(self)
        return result

    return method


class _ImportWatch:
    """A finder for ``sys.meta_path`` that finds nothing itself: when ``name`` is imported it asks the finders
    after it for the module, and has ``loaded(module)`` called once the
    module has run."""

    def __init__(self, name: str, loaded: Callable[[object], None]):
        self.name = name
        self.loaded = loaded

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            if finder is self or find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _ThenTell(spec.loader, self.loaded)
                return spec
        return None


class _ThenTell:
    """A module's loader that calls ``loaded(module)`` after the module has
    run, and leaves the module with its own loader."""

    def __init__(self, loader, loaded: Callable[[object], None]):
        self.loader = loader
        self.loaded = loaded

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        spec = module.__spec__
        spec.loader = module.__loader__ = self.loader
        self.loader.exec_module(module)
        self.loaded(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)
