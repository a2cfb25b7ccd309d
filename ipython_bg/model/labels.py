"""How a job is named in one line of text: ``[3] fetch(url)``, clipped to
a few columns of a terminal."""

from __future__ import annotations

import unicodedata

__all__ = ["clip", "columns", "job_label", "name_jobs"]


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
    """``text`` on one line, at most ``width`` columns wide."""
    text = " ".join(text.split())
    if columns(text) <= width:
        return text
    used = 0
    for end, char in enumerate(text):
        used += _width(char)
        if used > width - 1:
            return text[:end] + "…"
    return text


def job_label(job, marker: str = "", *, says: str = "", kind: bool = False, width: int | None = None) -> str:
    """``[3] fetch(url)``: a job's id (with its ``+``/``-`` marker), what is
    said of it (``done``), its kind, and its source (clipped to ``width``)."""
    ident = "?" if job.id is None else job.id
    source = job.source if width is None else clip(job.source, width)
    words = [word for word in (says, job.kind.value if kind else "", source) if word]
    return f"[{ident}]{marker} " + "  ".join(words)


def name_jobs(jobs: list, most: int = 5, width: int = 40) -> str:
    """``[1] f(), [2] g() and 3 more``: a few jobs, for one line of text."""
    named = ", ".join(job_label(job, width=width) for job in jobs[:most])
    return f"{named} and {len(jobs) - most} more" if len(jobs) > most else named
