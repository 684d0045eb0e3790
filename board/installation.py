"""Installation-wide state kept in the database: demo mode and first-start status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from board.db.engine import Database
from board.db.models import AppSetting, Case, User, utcnow

DEMO_MODE_KEY = "demo_mode"


@dataclass(frozen=True, slots=True)
class InstallationState:
    """What the app needs to know before anyone signs in."""

    user_count: int
    case_count: int
    demo_mode: bool

    @property
    def first_start(self) -> bool:
        """No account exists yet: offer the demo board and the first administrator."""
        return self.user_count == 0


def installation_state(db: Database) -> InstallationState:
    """Read the installation state in one short read.

    Parameters
    ----------
    db:
        The database.

    Returns
    -------
    InstallationState
        Counts of users and cases and whether this is a demo installation.
    """
    with db.read() as session:
        users = int(session.scalar(select(func.count()).select_from(User)) or 0)
        cases = int(session.scalar(select(func.count()).select_from(Case)) or 0)
        setting = session.get(AppSetting, DEMO_MODE_KEY)
        return InstallationState(users, cases, bool(setting and setting.value))


def set_demo_mode(db: Database, enabled: bool, *, now: dt.datetime | None = None) -> None:
    """Mark (or unmark) the installation as a demonstration board (at ``now``)."""
    now = now or utcnow()
    with db.write() as session:
        setting = session.get(AppSetting, DEMO_MODE_KEY)
        if setting is None:
            session.add(AppSetting(key=DEMO_MODE_KEY, value=enabled, updated_at=now))
        else:
            setting.value = enabled
            setting.updated_at = now
