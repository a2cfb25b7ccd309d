"""Short text for the terminal: values, sources and durations in one line of
a few columns."""

from __future__ import annotations

import reprlib

__all__ = ["RESULT_WIDTH", "SOURCE_WIDTH", "clip", "columns", "format_elapsed", "short_repr"]

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = _short.maxtuple = _short.maxset = _short.maxdict = 4


SOURCE_WIDTH = 48


RESULT_WIDTH = 48


def short_repr(value) -> str:
    try:
        text = _short.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the table
        text = f"<unprintable {type(value).__name__}: {type(exc).__name__}>"
    return clip(text, RESULT_WIDTH)


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: CJK and other wide
    characters take two, combining ones none."""
    if text.isascii():
        return len(text)
    # Imported only for such text: a kernel has not loaded prompt_toolkit.
    from prompt_toolkit.utils import get_cwidth

    return get_cwidth(text)


def clip(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` columns wide."""
    text = " ".join(text.split())
    if text.isascii():
        return text if len(text) <= width else text[: width - 1] + "…"
    if columns(text) <= width:
        return text
    used = 0
    for end, char in enumerate(text):
        used += columns(char)
        if used > width - 1:
            return text[:end] + "…"
    return text


def format_elapsed(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
