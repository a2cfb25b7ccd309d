"""The notices of ended jobs, said in batches so that many are summed up.

Each host says notices its own way (the terminal above its prompt, with a
bell for a long job; a kernel in the cell that started each job); what is
common is here: when a batch is said, and what waits for the next prompt.

A batch opens with the first notice and is said once the notice window
after the last notices said has passed and the engine has reported every
end of the burst (thousands are reported slice by slice).  A batch too big
to say a line each waits, too, until ends have stopped coming for a moment:
thousands of jobs ending together over a few loop iterations make one
summary line, not one per iteration.  At an idle
prompt (or in a kernel, where there is always one) it is said then;
during a cell, the notices wait for the prompt after it.  Notices are
grouped by what the host says they belong to (a kernel: the cell that
started the job), each group said in the context of its first notice.
"""

from __future__ import annotations

import contextvars
import math
import time
from typing import Hashable

from ipython_bg.model.job import JobState

__all__ = ["NoticeBatcher"]


class NoticeBatcher:
    """The notices of one host.  ``host`` says whether notices can be said
    now (:meth:`says_now`), how they group (:meth:`notice_group`) and says
    them (:meth:`say`); its ``settings`` give ``notify`` and
    ``notice_limit``, its ``control`` the loop and the engine's reports."""

    #: Notices that come this soon (seconds) after the last ones said wait
    #: and are said together: jobs ending one after another, each in a
    #: loop iteration of its own, are summed up too.
    window = 0.2
    #: How long a batch past ``notice_limit`` must go without a new notice
    #: before it is said: the rest of a burst, ending over a few loop
    #: iterations, joins it.
    settle = 0.05

    def __init__(self, host):
        self.host = host
        self._batch: dict | None = None  # group -> (context, Notices), to say after the window
        self._later: dict = {}  # group -> (context, Notices), for the next prompt
        self._said_at = -math.inf
        self._added_at = -math.inf  # when the last notice came

    def add(self, text: str, state: JobState, origin: str | None = None) -> None:
        """One job's notice; ``origin`` is the cell that started it."""
        host = self.host
        if host.settings.notify == "off" or (state is JobState.CANCELLED and host.exiting):
            return
        group = host.notice_group(origin)
        self._added_at = time.monotonic()
        if host.says_now():
            if self._batch is None:
                # The engine reports the ends of one burst in one callback
                # (or slice by slice): its notices are said together once
                # it is over and the window has passed.
                self._batch = {}
                wait = self._said_at + self.window - time.monotonic()
                host.control.loop().call_later(max(wait, 0.0), self._say_batch)
            _notices_of(self._batch, group).add(text, state, host.settings.notice_limit)
        else:
            _notices_of(self._later, group).add(text, state, host.settings.notice_limit)

    def _say_batch(self) -> None:
        host = self.host
        if self._batch is not None and host.control.reporting:
            # The rest of the burst comes in the next slices: one line for all.
            host.control.loop().call_soon(self._say_batch)
            return
        quiet_for = time.monotonic() - self._added_at
        if self._batch and quiet_for < self.settle and self._total(self._batch) > host.settings.notice_limit:
            # Summed up anyway: the rest of the burst joins it.
            host.control.loop().call_later(self.settle - quiet_for, self._say_batch)
            return
        batch, self._batch = self._batch, None
        if not batch:
            return  # flushed already
        if host.says_now():
            self._say(batch)
            self._said_at = time.monotonic()
        else:  # a cell started before the burst was over: after the cell, then
            limit = host.settings.notice_limit
            for group, (context, notices) in batch.items():
                _notices_of(self._later, group, context).extend(notices, limit)

    def flush(self) -> None:
        """Say every notice now: the prompt comes back (or the host leaves)."""
        self.host.control.finish_reports()
        batch, self._batch, later, self._later = self._batch or {}, None, self._later, {}
        for groups in (batch, later):
            self._say(groups)

    def _say(self, groups: dict) -> None:
        limit = self.host.settings.notice_limit
        for context, notices in groups.values():
            lines = notices.render(limit)
            if lines:
                context.run(self.host.say, lines)

    @staticmethod
    def _total(groups: dict) -> int:
        return sum(notices.total for _, notices in groups.values())

    @property
    def waiting(self) -> bool:
        """Whether notices wait to be said."""
        return bool(self._batch) or bool(self._later)


def _notices_of(groups: dict, group: Hashable, context=None):
    if group not in groups:
        from ipython_bg.render.notices import Notices  # on first use: loading stays quick

        groups[group] = (context or contextvars.copy_context(), Notices())
    return groups[group][1]
