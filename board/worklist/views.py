"""What the worklist service takes from the page and gives back: frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from board.auth.roles import Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.views import NextMeeting
from board.followup.due import DueFollowUp


@dataclass(frozen=True, slots=True)
class WorklistFilter:
    """Worklist filters; ``None`` means "any"."""

    statuses: tuple[CaseStatus, ...] | None = None
    urgency: Urgency | None = None
    meeting_id: int | None = None
    missing_role: Role | None = None
    search: str | None = None
    #: only cases with a scheduled follow-up due within a week or overdue
    follow_up_due: bool = False


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """One row of the worklist."""

    id: int
    pseudonym: str
    hospital_number: str | None
    primary_site_label: str
    histology: str | None
    levels: tuple[str, ...]
    status: CaseStatus
    urgency: Urgency
    urgency_reasons: tuple[str, ...]
    missing: tuple[str, ...]
    missing_roles: tuple[Role, ...]
    next_meeting: NextMeeting | None
    open_action_items: int
    created_at: dt.datetime
    #: the most pressing scheduled follow-up, when one is due within a week or overdue
    follow_up: DueFollowUp | None = None
    rediscussion_requested: bool = False
    died_on: dt.date | None = None

    @property
    def follow_up_text(self) -> str:
        """Re-discussion request, death and the due or overdue follow-up, in one line."""
        parts = []
        if self.died_on is not None:
            parts.append(f"Died {self.died_on:%Y-%m-%d}")
        if self.rediscussion_requested:
            parts.append("Re-discussion requested")
        if self.follow_up is not None:
            parts.append(self.follow_up.text)
        return "; ".join(parts)

    @property
    def ready(self) -> bool:
        """True when nothing is missing."""
        return not self.missing


@dataclass(frozen=True, slots=True)
class WorklistPage:
    """One page of the worklist."""

    rows: tuple[WorklistRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True)
class MeetingOption:
    """A meeting to filter the worklist by."""

    id: int
    starts_at: dt.datetime
    title: str
