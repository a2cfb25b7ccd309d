"""Short text for the terminal: values, sources and durations in one line of
a few columns."""

from __future__ import annotations

import reprlib

from ipython_bg.model.labels import clip, columns, job_label, one_line, visible

__all__ = [
    "RESULT_WIDTH", "SOURCE_WIDTH", "clip", "columns", "format_elapsed", "job_label", "one_line", "short_repr", "visible",
]

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = _short.maxtuple = _short.maxset = _short.maxdict = 4

#: How many columns of a job's source and of its result one line shows.
SOURCE_WIDTH = 48
RESULT_WIDTH = 48


def short_repr(value) -> str:
    try:
        text = _short.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the table
        text = f"<unprintable {type(value).__name__}: {type(exc).__name__}>"
    return clip(text, RESULT_WIDTH)


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
