"""The one error hierarchy of the board package.

``BoardError`` is the root. ``UserError`` and its subclasses carry a message written
for the people using the app (plain clinical English, no internals); the UI maps
them to an error box in one place (:mod:`board.ui.errors`). Anything else is a bug
and is shown as a generic message while the details go to the server log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


class BoardError(Exception):
    """Root of every error raised on purpose by the board package."""


class ConfigurationError(BoardError):
    """Settings are missing or invalid; raised at start-up with a clear message."""


class UserError(BoardError):
    """An error whose message is meant for the person using the app.

    Parameters
    ----------
    message:
        Plain-English explanation saying what was expected.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(UserError, ValueError):
    """Input does not have the expected form (a malformed level, an out-of-range score).

    Also a ``ValueError``, so pure functions (the scores) can be called by other tools
    that expect the standard exception.

    Parameters
    ----------
    message:
        What was expected.
    field:
        The name of the offending field, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(UserError):
    """The requested record does not exist (or is not visible to this user)."""


class PermissionDeniedError(UserError):
    """The signed-in user's role may not perform this action."""


class AuthenticationError(UserError):
    """Sign-in failed. The message never says which part was wrong."""


class ConflictError(UserError):
    """Someone else changed the record since it was loaded; nothing was overwritten.

    Parameters
    ----------
    what:
        A human description of the record ("case TB-7F3K2").
    changed_by:
        Display name of whoever made the newer change, when known.
    changed_at:
        When the newer change was made, when known.
    """

    def __init__(
        self, what: str, changed_by: str | None = None, changed_at: datetime | None = None
    ) -> None:
        self.what = what
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(self.message_in(lambda at: f"{at:%Y-%m-%d %H:%M} UTC"))

    def message_in(self, fmt: Callable[[datetime], str]) -> str:
        """The message with the time of the newer change written by ``fmt``.

        Parameters
        ----------
        fmt:
            Writes a timestamp for people (the pages pass the hospital's time zone).

        Returns
        -------
        str
            The message; the default one (``str(error)``) states the time in UTC.
        """
        who = self.changed_by or "another user"
        when = f" at {fmt(self.changed_at)}" if self.changed_at else ""
        return (
            f"{self.what} was changed by {who}{when} after you opened it. "
            "Nothing was overwritten: reload to see the current version and apply "
            "your change again."
        )


class DatabaseUnavailableError(UserError):
    """The database could not be reached or failed during the action; nothing was saved.

    Raised for a connection that is refused or lost, a server that went away, a lock
    that could not be had in time: the transaction was rolled back as a whole.

    Parameters
    ----------
    message:
        What the person is told (the default says it all).
    """

    MESSAGE = "The database is unavailable; nothing was saved. Try again."

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


class InvalidStateError(UserError):
    """The action is not allowed in the record's current state (e.g. a finalized plan)."""
