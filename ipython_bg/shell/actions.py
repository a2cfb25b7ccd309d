"""Acting on jobs from ``%jobs``: cancel (``-k``), debug (``-d``), and show
again what they kept (``-o``)."""

from __future__ import annotations

from ipython_bg.model.job import Job, JobKind, JobState
from ipython_bg.model.labels import name_jobs
from ipython_bg.render.replay import DisplayReplay, OutputReplay
from ipython_bg.shell.errors import SessionError

__all__ = ["Actions"]


class Actions:
    """What ``%jobs`` does to one session's jobs."""

    def __init__(self, session):
        self.session = session

    def replay(self, jobs: list[Job]) -> OutputReplay:
        """``%jobs -o``: what the jobs kept, to show again."""
        displays = self.session.displays
        return OutputReplay(jobs) if displays is None else DisplayReplay(jobs, displays.replay)

    def cancel(self, jobs: list[Job]) -> list[Job]:
        """Cancel the unfinished ones of ``jobs``; returns those.  A job already
        over (a thread job whose call returned while the loop was not
        running, say) keeps the outcome %jobs showed."""
        targets = [job for job in jobs if not job.state.finished]
        for job in targets:
            if job.kind is JobKind.THREAD and job.state is JobState.RUNNING:
                self.session.host.note_once(
                    "thread-cancel",
                    "a cancelled thread job stops waiting at once, but Python cannot stop "
                    "its thread: the call runs on until it returns, and its result is dropped",
                )
            job.cancel_from_any_thread()
        return targets

    def cancel_line(self, specs: list[str]) -> str:
        """``%jobs -k SPEC ...`` or ``-k all``: cancel, and say what in one line."""
        table = self.session.control.table
        every = specs == ["all"]
        asked = table.running() if every else table.resolve_all(specs)
        cancelled = self.cancel(asked)
        if not cancelled:
            if every:
                return "no unfinished jobs: nothing cancelled"
            return f"nothing cancelled: {name_jobs(asked)} had ended"
        count = f"{len(cancelled)} jobs: " if len(cancelled) > 1 else ""
        return f"cancelled {count}{name_jobs(cancelled)}"

    def post_mortem(self, job: Job) -> None:
        """IPython's debugger on ``job``'s failure, in the user's frames (as
        ``%debug`` does for the last cell's error, which stays as it was)."""
        if job.state is not JobState.FAILED:
            raise SessionError(f"job {job.id} has not failed (it is {job.state.value})")
        tb = job.failure_traceback()
        if tb is None:
            raise SessionError(f"job {job.id} failed outside Python code of yours: there is no frame to debug")
        debugger = self.session.shell.debugger_cls()
        debugger.reset()
        debugger.interaction(None, tb)
