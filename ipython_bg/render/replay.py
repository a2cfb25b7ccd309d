"""What ``%jobs -o`` and ``-l`` show of a job's kept output."""

from __future__ import annotations

import sys

from ipython_bg.model.labels import job_label
from ipython_bg.model.output import JobOutput

__all__ = ["OutputReplay", "output_lines"]


def output_lines(output: JobOutput, lines: int = 3) -> list[str]:
    """The last few lines a job wrote, for ``%jobs -l``."""
    tail = output.tail(lines)
    if not tail:
        return []
    return ["output, last lines:", *(f"  {line}" for line in tail)]


class OutputReplay:
    """What ``%jobs -o`` returns: jobs' kept output, shown again as it was
    (text as text; in a notebook, displays as their bundles)."""

    def __init__(self, jobs: list, replay_display=None):
        self.jobs = jobs
        self.replay_display = replay_display  # shows a kept bundle, where there is a publisher

    def _parts(self):
        for job in self.jobs:
            output = job.output
            if len(self.jobs) > 1:
                yield f"{job_label(job)}\n"
            if output.dropped:
                yield f"[{output.dropped} earlier characters of output dropped: output_limit is {output.limit}]\n"
            chunks = output.chunks()
            if not chunks:
                yield f"[job {job.id} wrote nothing]\n"
            yield from chunks
            if chunks and isinstance(chunks[-1], str) and not chunks[-1].endswith("\n"):
                yield "\n"

    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.text() for part in self._parts()).rstrip("\n")

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())

    def _ipython_display_(self):
        write = sys.stdout.write
        for part in self._parts():
            if isinstance(part, str):
                write(part)
            elif self.replay_display is not None:
                sys.stdout.flush()
                self.replay_display(part.data, part.metadata)
            else:
                write(part.text())
        sys.stdout.flush()
