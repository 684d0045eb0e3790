"""The signed-in person on whose behalf a service function acts."""

from __future__ import annotations

from dataclasses import dataclass

from board.auth.roles import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: passed to every service function that reads or writes.

    Parameters
    ----------
    user_id:
        The user's id, or ``None`` for the system itself (demo loader, migrations).
    username:
        The sign-in name.
    display_name:
        The name shown in the audit trail and on notes.
    role:
        The role the user acts in.
    """

    user_id: int | None
    username: str
    display_name: str
    role: Role

    @classmethod
    def system(cls, purpose: str = "system") -> Actor:
        """The actor used by command-line set-up tasks (first administrator, demo)."""
        return cls(
            user_id=None, username=purpose, display_name=f"System ({purpose})", role=Role.ADMIN
        )
