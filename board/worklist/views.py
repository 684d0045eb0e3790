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


@dataclass(frozen=True, slots=True)
class GridColumn:
    """One column of the worklist grid on the page.

    Parameters
    ----------
    heading:
        The column's heading (also its name in the column picker).
    width:
        Its width in pixels.
    default:
        Shown until the person chooses otherwise.
    fixed:
        Always shown (not offered in the picker).
    """

    heading: str
    width: int
    default: bool
    fixed: bool = False


#: The worklist grid's columns, in display order. With the sidebar open, a 1440-pixel
#: browser window gives the grid about 980 pixels: the default columns (and the
#: row-selection column, about 35) take :func:`default_grid_width` and leave room for a
#: classic vertical scroll bar, so the grid never scrolls sideways. The others are
#: added with the page's column picker.
GRID_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("Case", 105, default=True, fixed=True),
    GridColumn("Urgency", 200, default=True),
    GridColumn("Primary cancer", 280, default=False),
    GridColumn("Levels", 90, default=False),
    GridColumn("Status", 115, default=True),
    GridColumn("Readiness", 270, default=True),
    GridColumn("Next meeting", 165, default=True),
    GridColumn("Open actions", 100, default=False),
    GridColumn("Follow-up", 240, default=False),
    GridColumn("Open", 60, default=True, fixed=True),
)

#: The grid's width budget for the default columns, selection column included: the
#: grid's 980 pixels less its border and a classic (17-pixel) vertical scroll bar.
GRID_BUDGET_PX = 960
_SELECTION_PX = 35


def default_grid_width() -> int:
    """The width in pixels of the default grid, the row-selection column included.

    Returns
    -------
    int
        The sum of the default columns' widths and the selection column.
    """
    return _SELECTION_PX + sum(c.width for c in GRID_COLUMNS if c.default)


def grid_columns(chosen: tuple[str, ...] | list[str] | None) -> tuple[GridColumn, ...]:
    """The columns to show, in display order: the fixed ones and those chosen.

    Parameters
    ----------
    chosen:
        Headings picked by the person (unknown ones are ignored); ``None``: the defaults.

    Returns
    -------
    tuple[GridColumn, ...]
        The columns in :data:`GRID_COLUMNS` order.
    """
    wanted = {c.heading for c in GRID_COLUMNS if c.default} if chosen is None else set(chosen)
    return tuple(c for c in GRID_COLUMNS if c.fixed or c.heading in wanted)
