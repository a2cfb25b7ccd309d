"""How a job is named in one line of text: ``[3] fetch(url)``, clipped to
a few columns of a terminal; and text from a job's data made safe to show.

A job's data (its result's repr, its exception's message, its source, what
it printed, shown again in a table) may hold terminal control sequences:
OSC 52 writes the user's clipboard, an OSC 8 hyperlink left open by
clipping links the rest of the screen, ``ESC[2J`` clears it, U+202E turns
the line around.  Text of that kind is shown with its control characters
made visible, as Python writes them in a string's repr (``\\x1b``,
``\\u202e``), and is clipped between characters, never inside what one
was made into.
"""

from __future__ import annotations

import unicodedata

__all__ = ["clip", "columns", "job_label", "name_jobs", "one_line", "visible"]

#: What a terminal may act on rather than show, each with how it is shown
#: instead: the C0 controls, DEL, the C1 controls and the bidirectional
#: controls (Unicode's Bidi_Control), written as a string's repr writes them.
_CONTROLS = (*range(0x20), *range(0x7F, 0xA0), 0x61C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SHOWN = {code: f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" for code in _CONTROLS}
#: The same, but for newlines and tabs, for a block of lines.
_SHOWN_IN_LINES = {code: shown for code, shown in _SHOWN.items() if chr(code) not in "\n\t"}


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with its control characters made visible; with ``lines``,
    newlines and tabs stay (a traceback, a block of lines)."""
    if text.isprintable():  # none of them (nor any other unprintable character)
        return text
    return text.translate(_SHOWN_IN_LINES if lines else _SHOWN)


def one_line(text: str) -> str:
    """``text`` on one line: runs of white space (newlines too) are one
    space, control characters made visible."""
    return visible(" ".join(text.split()))


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: East Asian wide and
    full-width characters take two, combining and zero-width ones none."""
    if text.isascii():
        return len(text)
    return sum(_width(char) for char in text)


def _width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def clip(text: str, width: int) -> str:
    """``text`` on one line (:func:`one_line`), at most ``width`` columns
    wide: cut between characters, the cut marked ``…``."""
    text = " ".join(text.split())
    if text.isprintable():
        if columns(text) <= width:
            return text
        pieces = list(text)
    else:
        pieces = [_SHOWN.get(ord(char), char) for char in text]
        if columns("".join(pieces)) <= width:
            return "".join(pieces)
    used = 0
    for end, piece in enumerate(pieces):
        used += columns(piece)
        if used > width - 1:
            return "".join(pieces[:end]) + "…"
    return "".join(pieces)


def job_label(job, marker: str = "", *, says: str = "", kind: bool = False, width: int | None = None) -> str:
    """``[3] fetch(url)``: a job's id (with its ``+``/``-`` marker), what is
    said of it (``done``), its kind, and its source (clipped to ``width``)."""
    ident = "?" if job.id is None else job.id
    source = one_line(job.source) if width is None else clip(job.source, width)
    words = [word for word in (says, job.kind.value if kind else "", source) if word]
    return f"[{ident}]{marker} " + "  ".join(words)


def name_jobs(jobs: list, most: int = 5, width: int = 40) -> str:
    """``[1] f(), [2] g() and 3 more``: a few jobs, for one line of text."""
    named = ", ".join(job_label(job, width=width) for job in jobs[:most])
    return f"{named} and {len(jobs) - most} more" if len(jobs) > most else named
