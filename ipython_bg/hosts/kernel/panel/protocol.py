"""The messages of the Jobs panel's comm: what a job looks like on the wire,
and what the page may ask.

``docs/panel-protocol.rst`` is the specification; this module is its
kernel side and knows no comm: it turns jobs into plain JSON-able records
and a page's requests into :class:`Request` objects, or says why not.
"""

from __future__ import annotations

import dataclasses

from ipython_bg.model.job import Job, JobState
from ipython_bg.model.labels import clip
from ipython_bg.model.output import Display, describe_progress, fraction
from ipython_bg.model.tracebacks import describe_exception
from ipython_bg.render.table import job_row

__all__ = [
    "PROTOCOL", "TARGET", "BadRequest", "Request", "job_record", "output_items", "parse_request",
]

#: The comm target a page opens.
TARGET = "ipython_bg.panel"
#: The protocol's version: a page and a kernel side that speak different
#: versions ignore each other's messages (and say so); fields added to a
#: message or a record keep the version.
PROTOCOL = 1
#: A failure's ``ExcType: message`` is clipped to this many columns (the
#: page shows what fits, and all of it on hover).
SUMMARY_WIDTH = 300


class BadRequest(ValueError):
    """A message from the page that this side does not understand."""


@dataclasses.dataclass(frozen=True)
class Request:
    """What the page asked: ``kind`` is the message's ``type``."""

    kind: str
    ids: tuple[int, ...] = ()
    every: bool = False
    request: str | None = None


def parse_request(data) -> Request:
    """The page's message ``data`` as a :class:`Request`; BadRequest says
    what is wrong with it."""
    if not isinstance(data, dict):
        raise BadRequest(f"a message must be an object, not {type(data).__name__}")
    kind = data.get("type")
    request = data.get("request")
    if request is not None and not isinstance(request, str):
        raise BadRequest("'request' must be a string")
    if kind == "snapshot" or kind == "forget":
        return Request(kind, request=request)
    if kind == "cancel":
        if data.get("all") is True:
            return Request(kind, every=True, request=request)
        return Request(kind, ids=_ids(data.get("ids")), request=request)
    if kind == "output":
        return Request(kind, ids=_ids([data.get("id")]), request=request)
    raise BadRequest(f"unknown message type {kind!r}")


def _ids(value) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(type(item) is int for item in value):
        raise BadRequest("job ids must be a list of integers")
    return tuple(value)


def job_record(job: Job, cell_id: str | None, long_job: float) -> dict:
    """One job as the page sees it (the fields are documented in
    docs/panel-protocol.rst).  ``long`` says that its end is worth a
    notification: it ran at least ``long_job`` seconds (0: never) and
    nobody waited for it with ``%fg``."""
    row = job_row(job)
    finished = row.state.finished
    summary = row.summary
    if row.state is JobState.FAILED and job.schedule is None:
        summary = clip(describe_exception(job.outcome[2]), SUMMARY_WIDTH)
    progress = None
    if row.progress is not None:
        progress = {"fraction": fraction(row.progress), "text": describe_progress(row.progress)}
    return {
        "id": job.id,
        "state": row.state.value,
        "kind": row.kind,
        "source": job.source,
        "elapsed": round(row.elapsed, 3),
        "progress": progress,
        "summary": summary,
        "origin": job.origin,
        "cell_id": cell_id,
        "waited": job.waited,
        "long": finished and not job.waited and 0 < long_job <= row.elapsed,
        "output": job.output.size,
    }


def output_items(job: Job) -> list[dict]:
    """A job's kept output as nbformat outputs (consecutive text as one
    ``stream``, each display as ``display_data``), for the page to render
    as a notebook does."""
    items: list[dict] = []
    for chunk in job.output.chunks():
        if isinstance(chunk, Display):
            items.append({"output_type": "display_data", "data": chunk.data, "metadata": chunk.metadata})
        elif items and items[-1]["output_type"] == "stream":
            items[-1]["text"] += chunk
        else:
            items.append({"output_type": "stream", "name": "stdout", "text": chunk})
    return items
