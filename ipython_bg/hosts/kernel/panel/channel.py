"""The comm that the Jobs panel's pages open, and what this kernel says on it.

A page of JupyterLab or Notebook 7 with the panel opens a comm to
:data:`~ipython_bg.panel.protocol.TARGET`; the target exists only while
the extension is loaded, so elsewhere ipykernel refuses the comm as it
refuses any unknown one.  Nothing is sent to a kernel's clients but on
comms they opened: where no page listens (a classic client, VS Code,
nbclient, ``jupyter console``) the kernel says nothing it did not say
before.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from ipython_bg.hosts.kernel.panel.batching import ChangeBatcher
from ipython_bg.hosts.kernel.panel.protocol import (
    PROTOCOL,
    TARGET,
    BadRequest,
    Request,
    job_record,
    output_items,
    parse_request,
)
from ipython_bg.model.job import Job, NoSuchJob
from ipython_bg.model.tracebacks import describe_exception
from ipython_bg.process.changes import Change

__all__ = ["PanelChannel"]


class PanelChannel(Change):
    """The comms open to the panel's pages in one kernel, and the jobs
    of ``control`` they were told of."""

    why = "the Jobs panel of JupyterLab and Notebook 7 hears of jobs over a comm target that its pages open"

    #: Comms kept open at once; one opened beyond that closes the oldest
    #: (most are left by pages that were reloaded or closed: a page going
    #: away cannot be relied on to close its comm).
    most_pages = 64

    def __init__(self, shell, control, settings, comm_manager):
        self.shell = shell
        self.control = control
        self.settings = settings
        self.comm_manager = comm_manager
        self.comms: list = []  # open, oldest first
        self.cell_ids: dict[int, str] = {}  # job id -> the id of the notebook cell that started it
        self.known: set[int] = set()  # the job ids the pages were told of
        self.batcher = ChangeBatcher(control.home_loop, self._send_update)

    def install(self) -> None:
        self.comm_manager.register_target(TARGET, self._open)
        self.control.table.filed.append(self._filed)
        self.control.listeners.append(self._ended)
        self.shell.events.register("post_run_cell", self._after_cell)

    def uninstall(self) -> None:
        self.batcher.cancel()
        self.comm_manager.unregister_target(TARGET, self._open)
        self.control.table.filed.remove(self._filed)
        self.control.listeners.remove(self._ended)
        try:
            self.shell.events.unregister("post_run_cell", self._after_cell)
        except ValueError:
            pass  # already gone, e.g. removed by the user
        for comm in self.comms:
            comm.close({"reason": "unloaded"})
        self.comms.clear()

    # -- what the jobs do ------------------------------------------------------

    def _filed(self, job: Job) -> None:
        cell_id = self._cell_id()
        if cell_id is not None:
            self.cell_ids[job.id] = cell_id
        changed = self._marker(job.id)
        job.output.on_progress = changed
        if job.call is not None:
            job.call.on_start = changed
        if self.comms:
            self.batcher.mark((job.id,))

    def _cell_id(self) -> str | None:
        """JupyterLab's and Notebook 7's id of the cell that runs now: the
        ``cellId`` of the execute request's metadata (ipykernel's
        ``get_parent()`` is the request being handled)."""
        get_parent = getattr(self.shell, "get_parent", None)
        parent = get_parent() if get_parent is not None else None
        metadata = parent.get("metadata") if isinstance(parent, dict) else None
        cell_id = metadata.get("cellId") if isinstance(metadata, dict) else None
        return cell_id if isinstance(cell_id, str) else None

    def _marker(self, job_id: int):
        """What marks the job changed when its progress moves, or when a
        worker takes a call the pool held (pending until then); from the
        job's thread.  It holds the job's id, not the job: the output or
        call that keeps it would hold the job that holds them."""
        def changed(*_) -> None:
            if self.comms:
                self.batcher.mark((job_id,))

        return changed

    def _ended(self, job: Job) -> None:
        if self.comms:
            self.batcher.mark((job.id,))

    def _after_cell(self, result) -> None:
        """A cell may have forgotten jobs (``%jobs -c``, or history that a
        burst of ends trimmed): the pages are told."""
        ids = {job.id for job in self.control.table}
        if self.comms:
            self.batcher.mark(ids ^ self.known)
        if len(self.cell_ids) > 2 * len(ids) + 64:
            self.cell_ids = {job_id: cell for job_id, cell in self.cell_ids.items() if job_id in ids}

    # -- the comms -------------------------------------------------------------

    def _open(self, comm, message: dict) -> None:
        """A page opened a comm: it gets the jobs as they are now.  A page
        of another protocol version gets them too, with this side's version,
        and decides (docs/panel-protocol.rst)."""
        comm.on_msg(functools.partial(self._received, comm))
        comm.on_close(functools.partial(self._closed, comm))
        self.comms.append(comm)
        while len(self.comms) > self.most_pages:
            self.comms.pop(0).close({"reason": "too many pages"})
        comm.send(self._snapshot())

    def _closed(self, comm, message: dict) -> None:
        if comm in self.comms:
            self.comms.remove(comm)

    def _received(self, comm, message: dict) -> None:
        data = message.get("content", {}).get("data")
        try:
            request = parse_request(data)
        except BadRequest as exc:
            asked = data.get("request") if isinstance(data, dict) else None
            comm.send(_error(asked if isinstance(asked, str) else None, f"not understood: {exc}"))
            return
        try:
            reply = self._answer(comm, request)
        except Exception as exc:  # said to the page, never raised into ipykernel's handler
            reply = _error(request.request, f"{request.kind} failed: {describe_exception(exc)}")
        if reply is not None:
            comm.send(reply)

    def _answer(self, comm, request: Request) -> dict | None:
        table = self.control.table
        if request.kind == "snapshot":
            return self._snapshot()
        if request.kind == "forget":
            self.batcher.mark(job.id for job in table.forget_finished())
            return None
        if request.kind == "cancel":
            jobs = table.running() if request.every else [job for job in table if job.id in request.ids]
            for job in jobs:
                _cancel(job)
            missing = set(request.ids) - {job.id for job in jobs}
            return _error(request.request, f"no such jobs: {sorted(missing)}") if missing else None
        job_id = request.ids[0]
        try:
            job = table[job_id]
        except NoSuchJob as exc:
            return _error(request.request, str(exc))
        outputs = output_items(job)
        return _message("output", id=job_id, request=request.request, outputs=outputs, dropped=job.output.dropped)

    def _snapshot(self) -> dict:
        jobs = list(self.control.table)
        self.known = {job.id for job in jobs}
        return _message("snapshot", jobs=[self._record(job) for job in jobs])

    def _send_update(self, changed: list[int]) -> None:
        jobs = {job.id: job for job in self.control.table}
        records = [self._record(jobs[job_id]) for job_id in sorted(changed) if job_id in jobs]
        removed = sorted(self.known - jobs.keys())
        self.known = set(jobs)
        if (records or removed) and self.comms:
            # Once, on the newest comm: iopub takes it to every page, and each
            # page takes updates of this target from any comm (comms of pages
            # long gone would otherwise multiply every update).
            self.comms[-1].send(_message("update", target=TARGET, jobs=records, removed=removed))

    def _record(self, job: Job) -> dict:
        return job_record(job, self.cell_ids.get(job.id), self.settings.long_job)


def _message(kind: str, **fields: Any) -> dict:
    return {"type": kind, "protocol": PROTOCOL, **fields}


def _error(request: str | None, text: str) -> dict:
    return _message("error", request=request, message=text)


def _cancel(job: Job) -> None:
    """Cancel as ``%jobs -k`` does; from another thread than the loop's,
    the loop's own thread does it at its next turn."""
    if job.state.finished:
        return
    loop = job.get_loop()
    if loop.is_running() and threading.current_thread() is not threading.main_thread():
        job.cancel_requested = True
        loop.call_soon_threadsafe(job.cancel)
    else:
        job.cancel()
