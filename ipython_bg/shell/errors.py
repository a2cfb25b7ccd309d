"""What the magics say as a one-line UsageError: what the user asked for
cannot be done, and why."""

from __future__ import annotations

from ipython_bg.model.job import NoSuchJob
from ipython_bg.shell.statements import StatementError

__all__ = ["DOMAIN_ERRORS", "SessionError"]


class SessionError(ValueError):
    """What the user asked for cannot be done; the message says why."""


#: The errors of the session and engine that a magic says as a one-line
#: UsageError.
DOMAIN_ERRORS = (SessionError, StatementError, NoSuchJob)
