"""The job table: ids like a shell's, bounded history, bash's job specs."""

from __future__ import annotations

import collections
import itertools
import re
from typing import Callable, Iterable, Iterator

from ipython_bg.model.job import Job, NoSuchJob
from ipython_bg.model.labels import name_jobs

__all__ = ["JobTable", "is_job_spec"]

# Job specs, as bash has them: N, %N, %+ or %% (current), %- (previous),
# %name (description starts with name), %?text (description contains text).
_SPEC = re.compile(r"%?(?P<number>\d+)|%(?P<mark>[+%-])|%\?(?P<contains>.+)|%(?P<prefix>.+)")


def is_job_spec(word: str) -> bool:
    return _SPEC.fullmatch(word) is not None


class JobTable:
    """Jobs by id: every unfinished job (a strong reference, since the
    loop keeps only weak ones) and the ``history`` most recent finished ones.
    """

    def __init__(self, history: int = 1000):
        self.history = history
        self._jobs: dict[int, Job] = {}      # all, in id order
        self._running: dict[int, Job] = {}   # not yet marked finished, in id order
        self._finished: collections.deque[int] = collections.deque()  # in finish order
        self._ids = itertools.count(1)
        self.last_id = 0  # the highest id given
        self._before = 0  # ids up to this one were given before a reload
        self._removed = 0  # taken out of _running since it was last rebuilt
        self._forgot: set[str] = set()  # how jobs were forgotten: "history", "cleared"
        #: Called with the jobs the table forgets (its history full, or
        #: ``%jobs -c``), once each: their results can go too.
        self.on_forget: Callable[[list[Job]], object] | None = None
        self.filed: list[Callable[[Job], object]] = []  # each told of every job added, on the adding thread

    def __len__(self) -> int:
        return len(self._jobs)

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def __contains__(self, job) -> bool:
        return getattr(job, "id", None) is not None and self._jobs.get(job.id) is job

    def __getitem__(self, job_id: int) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise self.forgotten(job_id) from None

    def add(self, job: Job) -> Job:
        """Give ``job`` the next id and keep it; a finished job goes to history."""
        if job.id is None:
            job.id = self.last_id = next(self._ids)
        self._jobs[job.id] = self._running[job.id] = job
        for listener in self.filed:
            listener(job)
        if job.done():
            self.mark_finished([job])
        return job

    def mark_finished(self, jobs: Iterable[Job]) -> None:
        """Move jobs that ended into the bounded history, in that order.  A
        job counts once, and only while it is in the table: a forgotten job
        stays forgotten."""
        for job in jobs:
            if self._running.pop(job.id, None) is not None:
                self._finished.append(job.id)
                self._removed += 1
        self._compact()
        self._trim()

    def _compact(self) -> None:
        # A dict keeps the slots of removed keys until it next grows, and
        # reversed() walks over them: once the slots outnumber the jobs
        # left, the current job (%+) would cost a walk over every job that
        # ended since.  Rebuilding costs the jobs left, fewer than removed.
        if self._removed > 2 * len(self._running) + 8:
            self._running = dict(self._running)
            self._removed = 0

    def continue_after(self, last_id: int) -> None:
        """Number new jobs after ``last_id`` (a reloaded extension's jobs
        follow those of before, whose ``_bgN`` stay)."""
        if last_id > self.last_id:
            self._ids = itertools.count(last_id + 1)
            self.last_id = self._before = last_id

    def set_history(self, history: int) -> None:
        self.history = history
        self._trim()

    def _trim(self) -> None:
        forgotten = []
        while len(self._finished) > self.history:
            job = self._jobs.pop(self._finished.popleft(), None)
            if job is not None:
                forgotten.append(job)
            self._forgot.add("history")
        self._tell_forgotten(forgotten)

    def forget_finished(self) -> list[Job]:
        """Drop every finished job; returns them, in id order."""
        forgotten = sorted(
            (self._jobs.pop(job_id) for job_id in self._finished if job_id in self._jobs), key=lambda job: job.id
        )
        self._finished.clear()
        self._forgot.add("cleared")
        self._tell_forgotten(forgotten)
        return forgotten

    def _tell_forgotten(self, jobs: list[Job]) -> None:
        if jobs and self.on_forget is not None:
            self.on_forget(jobs)

    def forgotten(self, job_id: int) -> NoSuchJob:
        """What to say of a job id not in the table."""
        if not 0 < job_id <= self.last_id:
            return NoSuchJob(f"no job {job_id}")
        if job_id <= self._before:
            return NoSuchJob(f"job {job_id} was started before ipython_bg was reloaded: its table is gone")
        how = []
        if "history" in self._forgot:
            how.append(f"only the last {self.history} finished jobs are kept (BackgroundJobs.history)")
        if "cleared" in self._forgot:
            how.append("%jobs -c forgets finished ones")
        return NoSuchJob(f"job {job_id} has ended and was forgotten: {'; '.join(how)}")

    def running(self) -> list[Job]:
        return list(self._running.values())

    def is_running(self, job: Job) -> bool:
        return job.id in self._running

    def _ranked(self) -> Iterator[Job]:
        # Unfinished jobs newest first, then finished ones newest first: the
        # order in which bash picks its current (%+) and previous (%-) job.
        yield from reversed(self._running.values())
        for job in reversed(self._jobs.values()):
            if job.id not in self._running:
                yield job

    def markers(self) -> dict[int, str]:
        """``{id: '+' or '-'}`` for the current and previous job."""
        return {job.id: mark for job, mark in zip(self._ranked(), "+-")}

    def marker(self, job: Job) -> str:
        return self.markers().get(job.id, "")

    def current(self) -> Job:
        for job in self._ranked():
            return job
        raise NoSuchJob("no current job")

    def resolve(self, spec: str) -> Job:
        """The job a bash-style spec names; :class:`NoSuchJob` if none."""
        spec = spec.strip()
        match = _SPEC.fullmatch(spec)
        if match is None:
            raise NoSuchJob(f"{spec!r} is not a job spec (N, %N, %+, %-, %name, %?text)")
        if match["number"] is not None:
            job = self._jobs.get(int(match["number"]))
            if job is None:
                raise self.forgotten(int(match["number"]))
            return job
        if match["mark"] is not None:
            ranked = itertools.islice(self._ranked(), 2)
            wanted = 1 if match["mark"] == "-" else 0
            for position, job in enumerate(ranked):
                if position == wanted:
                    return job
            raise NoSuchJob("no previous job" if wanted else "no current job")
        if match["contains"] is not None:
            return self._unique(spec, lambda job: match["contains"] in job.source)
        return self._unique(spec, lambda job: job.source.startswith(match["prefix"]))

    def _unique(self, spec: str, predicate: Callable[[Job], bool]) -> Job:
        found = [job for job in self._ranked() if predicate(job)]
        if not found:
            raise NoSuchJob(f"no job matches {spec}")
        candidates = [job for job in found if job.id in self._running] or found
        if len(candidates) > 1:
            candidates.sort(key=lambda job: job.id)
            raise NoSuchJob(f"{spec} is ambiguous: it matches {name_jobs(candidates)}")
        return candidates[0]

    def resolve_all(self, specs: Iterable[str]) -> list[Job]:
        return [self.resolve(spec) for spec in specs]
