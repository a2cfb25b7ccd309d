"""What a terminal is asked to do beyond printing lines: redraw a block of
lines in place (``%jobs -w``), ring its bell, show a desktop notification.

Only escape sequences every VT100 descendant knows are used for the
redraw: cursor up (``CSI n A``), carriage return and erase below
(``CSI J``).  A stream that is not a terminal, or ``TERM=dumb`` (Emacs'
shell, pexpect's default), gets plain lines instead.  Desktop notifications
are OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal, Ghostty) or OSC 777
(urxvt, foot, VTE terminals such as GNOME Terminal); a terminal that knows
neither skips the sequence, as ECMA-48 asks.
"""

from __future__ import annotations

import math
import os
import shutil

__all__ = ["BELL", "InPlace", "attention", "can_redraw", "desktop_sequence"]

BELL = "\a"


def can_redraw(stream) -> bool:
    """Whether ``stream`` is a terminal that moves its cursor."""
    if os.environ.get("TERM", "dumb") in ("", "dumb"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def _rows(text: str, columns: int) -> int:
    """How many screen rows ``text`` takes once its long lines wrap."""
    return sum(max(1, math.ceil(len(line) / columns)) for line in text.split("\n"))


class InPlace:
    """A block of text shown again over itself, each time it changes."""

    def __init__(self):
        self.rows = 0  # rows the block took when last written

    @property
    def fits(self) -> bool:
        """Whether the block on the screen can be written over: the cursor
        cannot go up past the screen's top row."""
        return 0 < self.rows < shutil.get_terminal_size().lines

    def frame(self, text: str) -> str:
        """What to write so that ``text`` replaces the block on the screen
        (or, if it does not fit, comes below it)."""
        moves = self.erase()
        self.rows = _rows(text, max(shutil.get_terminal_size().columns, 1))
        return moves + text + "\n"

    def erase(self) -> str:
        """What to write to take the block off the screen, if it fits."""
        moves = f"\x1b[{self.rows}A\r\x1b[J" if self.fits else ""
        self.rows = 0
        return moves


def desktop_sequence(kind: str, title: str, body: str) -> str:
    """The escape sequence that asks the terminal for a desktop
    notification: ``kind`` is ``osc9``, ``osc777``, ``auto`` (by the
    terminal's own variables) or ``off``."""
    if kind == "auto":
        term = os.environ.get("TERM", "")
        knows_777 = "VTE_VERSION" in os.environ or term.startswith(("rxvt", "foot"))
        kind = "osc777" if knows_777 else "osc9"
    # Control characters would end the sequence early.
    title, body = ("".join(c if c.isprintable() else " " for c in text) for text in (title, body))
    if kind == "osc9":
        return f"\x1b]9;{title}: {body}\a"
    if kind == "osc777":
        return f"\x1b]777;notify;{title.replace(';', ',')};{body.replace(';', ',')}\a"
    return ""


def attention(desktop: str, body: str) -> str:
    """The bell, and a desktop notification if ``desktop`` asks for one."""
    return BELL + desktop_sequence(desktop, "IPython", body)
