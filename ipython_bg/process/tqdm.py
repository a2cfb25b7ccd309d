"""tqdm's bars as jobs' progress: a bar that moves in a job's code is that
job's progress, read without changes to the user's code."""

from __future__ import annotations

from ipython_bg._internals import unwatch_tqdm, watch_tqdm
from ipython_bg.model.output import tqdm_moved
from ipython_bg.process.changes import Change

__all__ = ["TqdmProgress"]


class TqdmProgress(Change):
    """tqdm's bar class tells each move to the job whose code moved it."""

    why = "tqdm bars a job makes are its progress in %jobs (tqdm's bar class is watched)"

    def install(self) -> None:
        self.watch()

    def watch(self) -> None:
        """Watch tqdm's bars, once tqdm is imported."""
        watch_tqdm(tqdm_moved)

    def uninstall(self) -> None:
        unwatch_tqdm()
