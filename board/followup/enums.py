"""Vocabularies of follow-up after the board."""

from __future__ import annotations

from enum import StrEnum


class FollowUpKind(StrEnum):
    """What is scheduled."""

    VISIT = "visit"
    IMAGING = "imaging"
    LABS = "labs"


class FollowUpStatus(StrEnum):
    """Whether a scheduled follow-up took place."""

    SCHEDULED = "scheduled"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"
