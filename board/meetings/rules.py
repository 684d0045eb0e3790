"""Pure meeting rules: agenda order, quorum, meeting status moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from types import MappingProxyType

from board.auth.roles import Role
from board.cases.enums import Urgency
from board.errors import InvalidStateError
from board.meetings.enums import MeetingStatus
from board.meetings.views import Quorum


def agenda_order_key(
    urgency: Urgency, missing_count: int, created_at: dt.datetime, case_id: int
) -> tuple[int, int, dt.datetime, int]:
    """Sort key of the suggested agenda: urgent first, then by readiness.

    Parameters
    ----------
    urgency:
        The case's urgency (immediate first, then within a week, then routine).
    missing_count:
        How many readiness items are still missing (0 = ready).
    created_at:
        When the case was registered (older referrals first among equals).
    case_id:
        Tie-breaker.

    Returns
    -------
    tuple
        Sorts ascending into the suggested order.
    """
    return (-urgency.priority, missing_count, created_at, case_id)


def quorum(required: Sequence[Role], present: Iterable[Role]) -> Quorum:
    """Which required specialties are present and which are absent.

    Parameters
    ----------
    required:
        The meeting's required roles.
    present:
        Roles of the attendees recorded present.

    Returns
    -------
    Quorum
        Present and missing required roles, in the order of ``required``.
    """
    have = set(present)
    return Quorum(
        required_roles=tuple(required),
        present_roles=tuple(r for r in required if r in have),
        missing_roles=tuple(r for r in required if r not in have),
    )


MEETING_MOVES: MappingProxyType[MeetingStatus, frozenset[MeetingStatus]] = MappingProxyType(
    {
        MeetingStatus.SCHEDULED: frozenset({MeetingStatus.IN_PROGRESS, MeetingStatus.CANCELLED}),
        MeetingStatus.IN_PROGRESS: frozenset({MeetingStatus.CLOSED}),
        MeetingStatus.CLOSED: frozenset(),
        MeetingStatus.CANCELLED: frozenset(),
    }
)


def check_meeting_move(current: MeetingStatus, target: MeetingStatus) -> None:
    """Refuse a meeting status move that is not allowed.

    Parameters
    ----------
    current, target:
        The statuses.

    Raises
    ------
    InvalidStateError
        Unless scheduled -> in progress or cancelled, or in progress -> closed.
    """
    if target not in MEETING_MOVES[current]:
        raise InvalidStateError(
            f"A {current.value.replace('_', ' ')} meeting cannot become "
            f"{target.value.replace('_', ' ')}."
        )
