"""The one owner of everything the extension changes outside itself.

Whatever ipython_bg changes in the process or in a shell (``sys.stdout``,
``builtins.input``, the SIGINT handler, a loop's task factory, a shell's
``loop_runner`` or its events) is a :class:`Change`: an object whose
``install()`` makes the change and whose ``uninstall()`` undoes exactly
it.  Changes are taken from :data:`CHANGES` under a key that says what is
changed (``("streams",)`` for the process, ``("task factory", loop)`` for
one loop, ``("events", shell, ...)`` for one shell): the first taker
installs it, later takers share it, and the last one to give it back
uninstalls it.  So however many shells load the extension, each change is
made once, and after the last unload everything is as it was.

A session holds what it took in a :class:`Held`, which gives it all back,
newest first.
"""

from __future__ import annotations

import atexit
from typing import Any, Callable, Hashable, Iterator

__all__ = [
    "AtExit", "CHANGES", "Change", "Changes", "CustomExceptions", "EventCallback", "Held", "ListEntry", "SetAttribute",
    "TypeFormatter",
]


class Change:
    """One change outside the extension, made by :meth:`install` and
    undone, exactly, by :meth:`uninstall`."""

    #: What is changed and why, in a sentence (the documentation lists them).
    why = ""

    def install(self) -> None:
        raise NotImplementedError

    def uninstall(self) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return self.why or type(self).__name__


class Changes:
    """The changes in place, each with how many holders share it."""

    def __init__(self):
        self._held: dict[Hashable, list] = {}  # key -> [change, holders]

    def take(self, key: Hashable, make: Callable[[], Change]) -> Change:
        """The change for ``key``: made with ``make()`` and installed if
        nobody holds it yet, else the one in place, with one holder more."""
        entry = self._held.get(key)
        if entry is None:
            change = make()
            change.install()  # a change that cannot be made is not held
            self._held[key] = entry = [change, 0]
        entry[1] += 1
        return entry[0]

    def give_back(self, key: Hashable) -> None:
        """One holder fewer for ``key``; the last one uninstalls it."""
        entry = self._held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del self._held[key]
            entry[0].uninstall()

    def get(self, key: Hashable) -> Change | None:
        entry = self._held.get(key)
        return entry[0] if entry is not None else None

    def __iter__(self) -> Iterator[tuple[Hashable, Change]]:
        return iter([(key, entry[0]) for key, entry in self._held.items()])

    def __len__(self) -> int:
        return len(self._held)


#: The owner for this process.
CHANGES = Changes()


class Held:
    """The changes one holder (a session) took, given back newest first."""

    def __init__(self, owner: Changes = CHANGES):
        self.owner = owner
        self.keys: list[Hashable] = []

    def take(self, key: Hashable, make: Callable[[], Change]) -> Change:
        change = self.owner.take(key, make)
        self.keys.append(key)
        return change

    def give_back(self, key: Hashable) -> None:
        if key in self.keys:
            self.keys.remove(key)
            self.owner.give_back(key)

    def give_back_all(self) -> None:
        while self.keys:
            self.owner.give_back(self.keys.pop())

    def __contains__(self, key: Hashable) -> bool:
        return key in self.keys


_MISSING = object()


class SetAttribute(Change):
    """``target.name = value``; undone by putting back what was there, or
    removing the attribute if it was the class's, unless something else
    replaced ours since (that is then left as it is)."""

    def __init__(self, target: Any, name: str, value: Any, why: str = ""):
        self.target, self.name, self.value, self.why = target, name, value, why
        self.previous: Any = _MISSING

    def _own(self) -> Any:
        """What the target itself holds under the name (not its class)."""
        target = self.target
        has_trait = getattr(target, "has_trait", None)
        if has_trait is not None and has_trait(self.name):
            return getattr(target, self.name)
        return vars(target).get(self.name, _MISSING)

    def install(self) -> None:
        self.previous = self._own()
        setattr(self.target, self.name, self.value)

    def uninstall(self) -> None:
        if self._own() is not self.value:
            return
        if self.previous is _MISSING:
            delattr(self.target, self.name)
        else:
            setattr(self.target, self.name, self.previous)


class EventCallback(Change):
    """``callback`` registered for a shell's event (``shell.events``)."""

    def __init__(self, shell, event: str, callback: Callable, why: str = ""):
        self.shell, self.event, self.callback, self.why = shell, event, callback, why

    def install(self) -> None:
        self.shell.events.register(self.event, self.callback)

    def uninstall(self) -> None:
        try:
            self.shell.events.unregister(self.event, self.callback)
        except ValueError:
            pass  # already gone, e.g. removed by the user


class ListEntry(Change):
    """``item`` added to the end of a list (a shell's input transformers)."""

    def __init__(self, entries: list, item: Any, why: str = ""):
        self.entries, self.item, self.why = entries, item, why

    def install(self) -> None:
        self.entries.append(self.item)

    def uninstall(self) -> None:
        if self.item in self.entries:
            self.entries.remove(self.item)


class CustomExceptions(Change):
    """A shell's handler for some exception types (``set_custom_exc``),
    where the user has set none: theirs always comes first."""

    def __init__(self, shell, types: tuple, handler: Callable, why: str = ""):
        self.shell, self.types, self.handler, self.why = shell, types, handler, why
        self.owned = False

    def install(self) -> None:
        if not self.shell.custom_exceptions:
            self.shell.set_custom_exc(self.types, self.handler)
            self.owned = True

    def uninstall(self) -> None:
        if self.owned and self.shell.custom_exceptions == self.types:
            self.shell.set_custom_exc((), None)
        self.owned = False

    @property
    def in_place(self) -> bool:
        return self.owned and self.shell.custom_exceptions == self.types


class TypeFormatter(Change):
    """A shell formatter's function for one type, named as ``module.Name``
    (IPython's ``for_type_by_name``: the type is not imported for it)."""

    def __init__(self, formatter, module: str, name: str, function: Callable, why: str = ""):
        self.formatter, self.module, self.name, self.function, self.why = formatter, module, name, function, why

    def install(self) -> None:
        self.formatter.for_type_by_name(self.module, self.name, self.function)

    def uninstall(self) -> None:
        self.formatter.pop(f"{self.module}.{self.name}", None)


class AtExit(Change):
    """``function`` called at interpreter exit (``atexit``)."""

    def __init__(self, function: Callable, why: str = ""):
        self.function, self.why = function, why

    def install(self) -> None:
        atexit.register(self.function)

    def uninstall(self) -> None:
        atexit.unregister(self.function)
