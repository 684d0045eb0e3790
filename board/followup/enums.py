"""Vocabularies of follow-up after the board."""

from __future__ import annotations

from enum import StrEnum


class FollowUpKind(StrEnum):
    """What is scheduled (from the plan's follow-up items) or was recorded."""

    VISIT = "visit"
    IMAGING = "imaging"
    LABS = "labs"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {"visit": "Clinic visit", "imaging": "Imaging", "labs": "Laboratory tests"}[
            self.value
        ]


class FollowUpStatus(StrEnum):
    """Whether a scheduled follow-up took place."""

    SCHEDULED = "scheduled"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            "scheduled": "scheduled",
            "done": "done",
            "missed": "missed",
            "cancelled": "cancelled",
        }[self.value]


class Adherence(StrEnum):
    """Treatment given compared with the plan."""

    AS_PLANNED = "as_planned"
    MODIFIED = "modified"
    NOT_GIVEN = "not_given"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            "as_planned": "given as planned",
            "modified": "given, but modified",
            "not_given": "not given",
            "not_started": "not started yet",
        }[self.value]

    @property
    def is_deviation(self) -> bool:
        """``True`` when the treatment departs from the plan (a reason is required)."""
        return self in (Adherence.MODIFIED, Adherence.NOT_GIVEN)

    @property
    def assessed(self) -> bool:
        """``True`` when adherence can be judged (the treatment was due and given or not)."""
        return self is not Adherence.NOT_STARTED


class DueState(StrEnum):
    """Where a scheduled follow-up stands against today."""

    OVERDUE = "overdue"
    DUE = "due"
    UPCOMING = "upcoming"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {"overdue": "overdue", "due": "due soon", "upcoming": "upcoming"}[self.value]
