"""The demonstration board: fictional users, cases, an upcoming meeting and a history.

Everything is written through the same services as the app, back-dated with ``now=``:
the accounts, the next meeting, two earlier meetings with their plans (signed,
finalized, with the stored report) and the follow-up since (:mod:`board.demo.history`),
then the current cases and the next meeting's agenda (:mod:`board.demo.current`). The
demo therefore holds exactly what production would: an audit event for every change,
the workflow's status history, the red-flag rule's urgency, the stored reports. The
people and patients are in :mod:`board.demo.spec` and :mod:`board.demo.history_spec`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from board.accounts.users import UserView, create_first_admin, create_user
from board.auth.roles import Role
from board.db.engine import Database
from board.demo.current import load_current, schedule_next_meeting
from board.demo.history import load_history
from board.demo.history_spec import HISTORY
from board.demo.material import Team
from board.demo.spec import DEMO_CASES, DEMO_PASSWORD, DEMO_USERS, DemoUser, demo_users
from board.errors import InvalidStateError
from board.installation import installation_state, set_demo_mode
from board.localtime import fmt_local
from board.wording import plural

#: The demo accounts exist this long before the reference time (before the history).
ACCOUNTS_BEFORE = dt.timedelta(weeks=30)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo loader created."""

    users: int
    cases: int
    meeting_starts_at: dt.datetime

    @property
    def message(self) -> str:
        """One line for the page or the terminal."""
        return (
            f"Demonstration board loaded: {plural(self.cases, 'fictional case')}, "
            f"{plural(self.users, 'user')}, next meeting {fmt_local(self.meeting_starts_at)}. "
            f"Sign in as any demo user with the password '{DEMO_PASSWORD}'."
        )


def _accounts(db: Database, now: dt.datetime) -> Team:
    """The first administrator creates the other demo accounts."""
    admin_spec, *others = DEMO_USERS
    admin = create_first_admin(
        db, admin_spec.username, admin_spec.display_name, DEMO_PASSWORD, now=now
    )
    users: dict[Role, UserView] = {Role.ADMIN: admin}
    for member in others:
        users[member.role] = create_user(
            db,
            admin.as_actor(),
            member.username,
            member.display_name,
            member.role,
            DEMO_PASSWORD,
            now=now,
        )
    return Team(db, users)


def load_demo(db: Database, now: dt.datetime | None = None) -> DemoSummary:
    """Load the demonstration board into an empty database.

    Parameters
    ----------
    db:
        The database (migrated).
    now:
        The reference time: the history lies before it, the next meeting after it. The
        current time by default.

    Returns
    -------
    DemoSummary
        Counts and the meeting time.

    Raises
    ------
    InvalidStateError
        If the database already holds users or cases.
    """
    now = now or dt.datetime.now(dt.UTC)
    state = installation_state(db)
    if state.user_count or state.case_count:
        raise InvalidStateError(
            "The demo board can only be loaded into an empty database: this one already "
            "holds users or cases."
        )
    team = _accounts(db, now - ACCOUNTS_BEFORE)
    # The next meeting is scheduled before the history is written so that it is the
    # board's first meeting record (id 1), as it was when the demo wrote rows by hand.
    meeting_id = schedule_next_meeting(team, now)
    history = load_history(team, now)
    current, starts_at = load_current(team, meeting_id, now)
    set_demo_mode(db, True, now=now)
    return DemoSummary(users=len(team.users), cases=current + history, meeting_starts_at=starts_at)


def demo_case_count() -> int:
    """How many cases the demo board holds (upcoming and history)."""
    return len(DEMO_CASES) + len(HISTORY)


__all__ = [
    "DEMO_CASES",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "HISTORY",
    "DemoSummary",
    "DemoUser",
    "demo_case_count",
    "demo_users",
    "load_demo",
]
