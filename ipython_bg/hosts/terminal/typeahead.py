"""Keys typed while a job freezes the prompt: kept, then handed back.

prompt_toolkit reads the terminal only when the loop is free, so during a
freeze the watchdog thread reads it instead (the only way to see a Ctrl-C
in raw mode, where it is a byte and not a SIGINT).  What else it reads is
not the watchdog's: it is given back to the prompt once the loop is free,
in order and before anything typed after the freeze, so lines typed
meanwhile run as cells afterwards, as they would after a long cell in plain
IPython.
"""

from __future__ import annotations

import os
import select
import sys
import threading

__all__ = ["CTRL_C", "KeyHold", "give_to_prompt", "raw_terminal"]

CTRL_C = b"\x03"


def raw_terminal() -> int | None:
    """stdin's descriptor if it is a terminal in raw mode (prompt_toolkit's
    while the prompt runs), else ``None``: in cooked mode Ctrl-C is a SIGINT
    and typed lines stay in the terminal for prompt_toolkit to read."""
    try:
        import termios
    except ImportError:
        return None
    try:
        fd = sys.__stdin__.fileno()
        raw = not termios.tcgetattr(fd)[3] & termios.ICANON
    except (termios.error, OSError, ValueError, AttributeError):  # not a terminal
        return None
    return fd if raw else None


class KeyHold:
    """The keys read during a freeze, on their way to the prompt.

    The watchdog thread reads and keeps keys only while the loop is frozen,
    and the loop's own thread takes them as it next waits for events: so
    they reach the prompt before any key prompt_toolkit reads itself once
    the loop is free, and none is read by both or by neither.  The loop
    passes by on every iteration, so it looks at one flag, :attr:`held`,
    and takes the lock only when the watchdog has raised it: the watchdog
    raises it *before* it checks that the loop is still frozen, and the
    loop marks itself awake *before* it looks at the flag, so either the
    loop sees the flag or the watchdog sees the loop awake (and reads
    nothing).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.kept = bytearray()
        self.held = False  # the watchdog may have kept keys: take them

    def read(self, fd: int, timeout: float, still_frozen, interrupt) -> None:
        """Wait up to ``timeout`` for keys; if the loop is still frozen, read
        and keep them, a Ctrl-C going to ``interrupt()`` first (and kept as
        a key if that returns False).  A freeze that ended meanwhile leaves
        the keys to prompt_toolkit."""
        readable, _, _ = select.select([fd], [], [], timeout)
        if not readable:
            return
        with self.lock:
            self.held = True
            if not still_frozen():
                return
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if CTRL_C in data and interrupt():
                data = data.replace(CTRL_C, b"", 1)
            self.kept += data

    def take(self) -> bytes:
        """What was kept, once (the loop's thread, awake)."""
        with self.lock:
            data, self.kept = bytes(self.kept), bytearray()
            self.held = False
        return data


def give_to_prompt(data: bytes) -> None:
    """Feed ``data`` to the running prompt as if just typed, or keep it as
    the next prompt's typeahead if none runs.  Keys after an Enter stay in
    the prompt's queue, which prompt_toolkit itself keeps as typeahead for
    the next prompt, so several lines run one after the other."""
    from prompt_toolkit.application.current import get_app_or_none, get_app_session
    from prompt_toolkit.input.typeahead import store_typeahead
    from prompt_toolkit.input.vt100_parser import Vt100Parser

    presses: list = []
    parser = Vt100Parser(presses.append)
    parser.feed_and_flush(data.decode("utf-8", "replace"))
    app = get_app_or_none()
    if app is not None and app.is_running and not app.is_done:
        app.key_processor.feed_multiple(presses)
        app.key_processor.process_keys()
        app.invalidate()
    else:
        store_typeahead(get_app_session().input, presses)
