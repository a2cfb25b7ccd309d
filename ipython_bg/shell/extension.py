"""Loading and unloading the extension in a shell."""

from __future__ import annotations

from IPython.core.error import UsageError
from traitlets import TraitError

from ipython_bg._internals import unregister_magics
from ipython_bg.hosts.base import UnsupportedShell
from ipython_bg.model.labels import job_label
from ipython_bg.shell.magics import BackgroundJobs

__all__ = ["load", "unload"]

# Loaded extensions, by shell.  Not in the user namespace: %reset clears that.
_loaded: dict[int, BackgroundJobs] = {}
# The last job id each shell's extension gave, kept when it unloads.
_last_ids: dict[int, int] = {}


def load(shell) -> BackgroundJobs:
    if id(shell) in _loaded:
        return _loaded[id(shell)]
    try:
        magics = BackgroundJobs(shell)  # also enters shell.configurables
    except UnsupportedShell as exc:
        raise UsageError(f"ipython_bg cannot load here: {exc}") from None
    except TraitError as exc:
        # A value %config refused stays in the shell's config, where loading
        # meets it again: say which, and leave nothing half made behind.
        shell.configurables[:] = [c for c in shell.configurables if type(c) is not BackgroundJobs]
        raise UsageError(f"ipython_bg cannot load: {exc}; set a valid value with %config") from None
    # After a reload, jobs are numbered on from the last one: no _bgN of
    # before is overwritten by a new job's result.
    magics.session.control.table.continue_after(_last_ids.get(id(shell), 0))
    magics.session.install()
    shell.register_magics(magics)
    _loaded[id(shell)] = magics
    return magics


def unload(shell) -> None:
    magics = _loaded.pop(id(shell), None)
    if magics is None:
        return
    _last_ids[id(shell)] = magics.session.control.table.last_id
    cancelled = magics.session.uninstall()
    if cancelled:
        names = ", ".join(job_label(job) for job in cancelled)
        print(f"ipython_bg: cancelled {len(cancelled)} running job(s): {names}")
    unregister_magics(shell, magics)
    while magics in shell.configurables:
        shell.configurables.remove(magics)
