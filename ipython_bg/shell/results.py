"""What happens when a job ends: its result assigned (``%bg NAME = EXPR``
and ``_bgN``), and its notice handed to the host.

``_bgN`` are bounded as IPython bounds ``Out``: when the job table forgets
a job (its history full, or ``%jobs -c``), its ``_bgN`` goes too, if it
still holds that job's result.  Names the user gave (``%bg x = ...``) stay
the user's.
"""

from __future__ import annotations

import types

from ipython_bg.model.job import Job, JobState
from ipython_bg.model.labels import job_label, one_line
from ipython_bg.model.tracebacks import describe_exception
from ipython_bg.shell.errors import SessionError

__all__ = ["Results"]


class Results:
    """The ends of one session's jobs."""

    def __init__(self, session):
        self.session = session
        self.assigners: dict[int, tuple[str, types.FunctionType]] = {}
        self.result_names: dict[int, str] = {}  # job id -> the _bgN its result went to
        session.control.table.on_forget = self.forget

    def assign_later(self, job: Job, target: str, assign) -> None:
        """When ``job`` succeeds, ``target = result`` (``assign`` does it)."""
        self.assigners[job.id] = (target, assign)

    def assign(self, target: str, assign, value) -> None:
        """``target = value`` in the user namespace, or SessionError saying why not."""
        try:
            assign(value)
        except Exception as exc:
            from ipython_bg.render.text import short_repr

            raise SessionError(
                f"the result {short_repr(value)} could not be assigned to {target}: {describe_exception(exc)}"
            ) from None

    def job_finished(self, job: Job) -> None:
        """A job of the table ended (told by the engine, in the job's context)."""
        from ipython_bg.render.notices import end_note, notice  # imported on first use: loading stays quick

        session = self.session
        target, assign = self.assigners.pop(job.id, (None, None))
        names, note = [], ""
        if not job.cancelled() and job.exception() is None:
            result = job.result()
            if assign is not None:
                try:
                    assign(result)
                    names.append(target)
                except Exception as exc:
                    note = f"not assigned to {target}: {describe_exception(exc)}"
            result_name = session.settings.result_name
            # A job the table forgot as it ended (a burst past the history) keeps no _bgN.
            if result_name and result is not None and not job.adopted and job in session.control.table:
                name = result_name.format(id=job.id)
                session.shell.user_ns[name] = result
                self.result_names[job.id] = name
                names.append(name)
        note = end_note(job, note, in_kernel=session.host.in_kernel)
        if not job.waited:
            session.host.notify(notice(job, job.end_marker, tuple(names), note), state=job.state, origin=job.origin)

    def forget(self, jobs: list[Job]) -> None:
        """The table forgot ``jobs``: their ``_bgN`` are released, where
        they still hold what the job gave."""
        user_ns = self.session.shell.user_ns
        for job in jobs:
            name = self.result_names.pop(job.id, None)
            if name is not None and name in user_ns and not job.cancelled() and job.exception() is None:
                if user_ns[name] is job.result():
                    del user_ns[name]

    def run_failed(self, job: Job, run: int, exc: BaseException) -> None:
        """A periodic job's run failed and the job goes on: said like an end."""
        line = f"{job_label(job, says=f'run {run} failed', kind=True)}  {one_line(describe_exception(exc))}"
        self.session.host.notify(f"{line}  (it goes on)", state=JobState.FAILED)

    def stopped_for_input(self, job: Job) -> None:
        """A thread job called ``input()`` with nobody waiting for it (in
        the job's thread: the notice is the loop's business)."""
        loop = self.session.control.home_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._say_stopped, job)

    def _say_stopped(self, job: Job) -> None:
        from ipython_bg.render.notices import notice

        if job.tty_stopped and not job.waited:
            marker = self.session.control.table.marker(job) if job.id is not None else ""
            self.session.host.notify(notice(job, marker), state=job.state)
