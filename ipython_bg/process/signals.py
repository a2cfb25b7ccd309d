"""The one owner of SIGINT (Ctrl-C) and SIGTSTP (Ctrl-Z).

Several parts of ipython_bg want Ctrl-C first: a ``%fg`` wait (it cancels
the job waited for), the terminal prompt while a job freezes it, a kernel's
loop that a job holds, a kernel's running cell.  Each makes a *claim* on
:data:`SIGNALS`; none calls ``signal.signal``.  While a signal is claimed a
:class:`Relay` stands in the signal table: it offers the signal to the
claims, in the order they were made, and if none takes it, calls the handler
it stands in front of (IPython's ``default_int_handler``, ipykernel's,
prompt_toolkit's), so that whatever was there still does what it did.  With
no claim left, that handler is put back itself.

While the extension is loaded, ``signal.signal`` and ``signal.getsignal``
are the owner's stand-ins (:class:`SignalOwner`, a
:class:`~ipython_bg.process.changes.Change`), for these two signals only:

- from a job's own code (``CURRENT`` names a job), a handler is recorded
  for that code rather than installed.  A library that sets its own SIGINT
  handler as it starts (uvicorn's ``Server.serve``) sees it in place, and
  puts back what it saw when it ends, but the interrupt stays with the
  foreground: it would otherwise shut the server down rather than stop the
  job that holds the loop.
- from anyone else, the handler is installed, with a relay in front of it
  while a claim is made, so code that replaces the handler for a while
  (ipykernel around an ``await`` cell, prompt_toolkit at each prompt) does
  not take Ctrl-C from a claim.  ``getsignal`` never shows a relay.

:class:`LoopSignals` does the same for a loop's ``add_signal_handler``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import Callable

from ipython_bg.model.output import CURRENT
from ipython_bg.process.changes import Change

__all__ = ["SIGNALS", "Claim", "LoopSignals", "Relay", "SignalOwner"]

#: The signals the owner relays: Ctrl-C, and Ctrl-Z where there is one.
OWNED = (signal.SIGINT,) + ((signal.SIGTSTP,) if hasattr(signal, "SIGTSTP") else ())

# The module's own functions, whatever stands in for them later.
_set = signal.signal
_get = signal.getsignal


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class Relay:
    """Stands in the signal table while a claim is made: the claims first,
    then ``underneath``, the handler that was there."""

    __slots__ = ("owner", "underneath")

    def __init__(self, owner: "SignalOwner", underneath):
        self.owner = owner
        self.underneath = underneath

    def __call__(self, signum, frame):
        __tracebackhide__ = True  # a KeyboardInterrupt shows the user's frames
        self.owner.deliver(signum, frame, self.underneath)

    def __repr__(self) -> str:
        return f"<ipython_bg relay to {self.underneath!r}>"


class Claim:
    """One claim on a signal: ``take(frame)`` hears it before the handler
    in the table, and returns True if it took it (or raises, in the main
    thread's frame: in the code the signal interrupted)."""

    def __init__(self, owner: "SignalOwner", signum: int, take: Callable):
        self.owner, self.signum, self.take = owner, signum, take

    def release(self) -> None:
        self.owner.release(self)


class SignalOwner(Change):
    """SIGINT and SIGTSTP: claims, relays, and the handlers jobs set."""

    why = (
        "Ctrl-C and Ctrl-Z reach ipython_bg first (a %fg wait, a job freezing the prompt, a kernel's held loop), "
        "and a job's own SIGINT handler is kept for its code rather than installed"
    )

    def __init__(self):
        self.claims: dict[int, list[Claim]] = {signum: [] for signum in OWNED}
        self.for_jobs: dict[int, object] = {}  # handlers jobs' code set, recorded
        # SIGINTs a claim took since a loop began to listen for SIGINT
        # (LoopSignals): the loop must not hear them too.
        self.taken = 0
        self.installed = False
        # A process job's forked child inherits all this: there it is
        # inert, and that process's handlers are its own.
        self.pid = os.getpid()

    # -- claims (they work loaded or not: plain Python's run_in_foreground) ----

    def claim(self, signum: int, take: Callable, *, relay: bool = True) -> Claim:
        """Hear ``signum`` first until the claim is released.  With ``relay``
        False, only through a relay something else put in the table (the
        handler in place, if none, is left alone).  Only the main thread can
        take signals: elsewhere the claim is inert."""
        claim = Claim(self, signum, take)
        if signum in self.claims and _main_thread():
            self.claims[signum].append(claim)
            if relay:
                self.stand_in(signum)
        return claim

    def release(self, claim: Claim) -> None:
        claims = self.claims.get(claim.signum, [])
        if claim in claims:
            claims.remove(claim)
            if not claims and _main_thread():
                self.step_aside(claim.signum)

    def stand_in(self, signum: int) -> None:
        """Put a relay in front of the handler in the table, if none is."""
        current = _get(signum)
        if not isinstance(current, Relay):
            _set(signum, Relay(self, current))

    def step_aside(self, signum: int) -> None:
        """Put back the handler the relay in the table stands in front of."""
        current = _get(signum)
        if isinstance(current, Relay):
            _set(signum, current.underneath)

    def relay(self, signum: int, handler):
        """``handler`` behind a relay while ``signum`` is claimed (for a
        handler someone else will put back in the table)."""
        if self.claims.get(signum) and not isinstance(handler, Relay):
            return Relay(self, handler)
        return handler

    def deliver(self, signum: int, frame, underneath) -> None:
        """A relay heard ``signum``: the first claim that takes it has it,
        else the handler underneath."""
        __tracebackhide__ = True
        claims = self.claims.get(signum, ()) if os.getpid() == self.pid else ()
        for claim in list(claims):
            try:
                took = claim.take(frame)
            except BaseException:
                self._took(signum)
                raise
            if took:
                self._took(signum)
                return
        if callable(underneath):
            underneath(signum, frame)
        elif underneath == signal.SIG_DFL:
            # The system's own action (end, or stop for Ctrl-Z): it can
            # only be had by the signal itself, with nothing in front.
            _set(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
            _set(signum, Relay(self, underneath))

    def _took(self, signum: int) -> None:
        if signum == signal.SIGINT:
            self.taken += 1

    def heard_by_loop(self) -> bool:
        """Whether a loop's SIGINT callback may hear the SIGINT it is woken
        for: not if a claim took it."""
        if self.taken > 0:
            self.taken -= 1
            return False
        return True

    # -- the stand-ins for signal.signal and signal.getsignal ------------------

    def install(self) -> None:
        signal.signal, signal.getsignal = self.set_handler, self.get_handler
        self.installed = True

    def uninstall(self) -> None:
        self.installed = False
        if signal.signal == self.set_handler:
            signal.signal = _set
        if signal.getsignal == self.get_handler:
            signal.getsignal = _get
        self.for_jobs.clear()
        if _main_thread():
            for signum, claims in self.claims.items():
                if not claims:
                    self.step_aside(signum)

    def set_handler(self, signalnum, handler):
        """``signal.signal`` while loaded."""
        if signalnum not in self.claims or not _main_thread() or os.getpid() != self.pid:
            return _set(signalnum, handler)
        if CURRENT.get() is not None:
            previous = self.get_handler(signalnum)
            self.for_jobs[signalnum] = handler
            return previous
        previous = _set(signalnum, handler)  # checked as the module checks it
        if self.claims[signalnum]:
            self.stand_in(signalnum)
        return previous.underneath if isinstance(previous, Relay) else previous

    def get_handler(self, signalnum):
        """``signal.getsignal`` while loaded."""
        if signalnum in self.for_jobs and CURRENT.get() is not None and os.getpid() == self.pid:
            return self.for_jobs[signalnum]
        current = _get(signalnum)
        return current.underneath if isinstance(current, Relay) else current


#: The owner for this process.
SIGNALS = SignalOwner()


class LoopSignals(Change):
    """A loop's ``add_signal_handler`` and ``remove_signal_handler`` for
    SIGINT, as the owner's: a job's code has its callback recorded, not
    registered; anyone else's is registered, and does not hear a SIGINT
    that a claim took (the stop of a job freezing the prompt is not the
    prompt's Ctrl-C).  Attributes of the loop object, shadowing its
    class's methods; a loop that takes none (uvloop's) is left alone."""

    why = "a job's loop.add_signal_handler(SIGINT) is kept for it, and a Ctrl-C ipython_bg took is not heard twice"

    def __init__(self, loop: asyncio.AbstractEventLoop, owner: SignalOwner = SIGNALS):
        self.loop, self.owner = loop, owner
        self.for_jobs: dict[int, tuple] = {}
        self._add = self._remove = None

    def install(self) -> None:
        self._add, self._remove = self.loop.add_signal_handler, self.loop.remove_signal_handler
        try:
            self.loop.add_signal_handler = self.add
            self.loop.remove_signal_handler = self.remove
        except AttributeError:  # uvloop's Loop, a C type
            self._add = self._remove = None

    def uninstall(self) -> None:
        for name, ours in (("add_signal_handler", self.add), ("remove_signal_handler", self.remove)):
            if vars(self.loop).get(name) == ours:
                delattr(self.loop, name)

    def add(self, sig, callback, *args) -> None:
        if sig != signal.SIGINT:
            return self._add(sig, callback, *args)
        if CURRENT.get() is not None:
            self.for_jobs[sig] = (callback, args)
            return None
        self.owner.taken = 0  # nothing taken before it listened is its to skip
        self._add(sig, self._heard, callback, args)
        # asyncio asks for system calls that SIGINT interrupts to be
        # restarted; a job blocked in a read would then never see the
        # Ctrl-C meant to stop it.
        signal.siginterrupt(sig, True)
        return None

    def remove(self, sig) -> bool:
        if sig == signal.SIGINT and CURRENT.get() is not None:
            return self.for_jobs.pop(sig, None) is not None
        return self._remove(sig)

    def _heard(self, callback, args) -> None:
        if self.owner.heard_by_loop():
            callback(*args)
