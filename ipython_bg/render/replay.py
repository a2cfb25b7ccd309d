"""What ``%jobs -o`` and ``-l`` show of a job's kept output."""

from __future__ import annotations

import sys

from ipython_bg.model.labels import job_label
from ipython_bg.model.output import JobOutput

__all__ = ["DisplayReplay", "OutputReplay", "as_a_terminal_shows", "output_lines"]


def output_lines(output: JobOutput, lines: int = 3) -> list[str]:
    """The last few lines a job wrote, for ``%jobs -l``."""
    tail = output.tail(lines)
    if not tail:
        return []
    return ["output, last lines:", *(f"  {line}" for line in tail)]


def as_a_terminal_shows(text: str) -> str:
    """``text`` as a terminal would show it: of a line redrawn with
    carriage returns (a progress bar), its last state only."""
    if "\r" not in text:
        return text
    return "\n".join(line.rstrip("\r").rpartition("\r")[2] for line in text.split("\n"))


class OutputReplay:
    """What ``%jobs -o`` returns: jobs' kept output, each under its job's
    header, shown again as a terminal showed it (IPython puts several lines
    below its ``Out[n]:``)."""

    def __init__(self, jobs: list):
        self.jobs = jobs

    def _parts(self):
        for job in self.jobs:
            output = job.output
            # Each job under its header: what was kept says whose it is,
            # and starts on a line of its own, below IPython's ``Out[n]:``.
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
        joined = "".join(part if isinstance(part, str) else part.text() for part in self._parts())
        return as_a_terminal_shows(joined).rstrip("\n")

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())


class DisplayReplay(OutputReplay):
    """``%jobs -o`` in a notebook: displays shown again as their bundles
    (images, widgets), the text around them as it was printed."""

    def __init__(self, jobs: list, replay_display):
        super().__init__(jobs)
        self.replay_display = replay_display  # shows a kept bundle in the cell that asks

    def _ipython_display_(self):
        write, text = sys.stdout.write, []
        for part in self._parts():
            if isinstance(part, str):
                text.append(part)
                continue
            write(as_a_terminal_shows("".join(text)))
            text.clear()
            sys.stdout.flush()
            self.replay_display(part.data, part.metadata)
        write(as_a_terminal_shows("".join(text)))
        sys.stdout.flush()
