"""Vocabularies of a case."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case stands in the board workflow; steps cannot be skipped."""

    PREPARING = "preparing"
    READY = "ready"
    DISCUSSED = "discussed"
    PLAN_FINALIZED = "plan_finalized"
    IN_FOLLOW_UP = "in_follow_up"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return self.value.replace("_", " ").capitalize()


class Urgency(StrEnum):
    """Urgency of a case: suspected cord compression is urgent."""

    URGENT = "urgent"
    ROUTINE = "routine"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            Urgency.URGENT: "Urgent: suspected cord compression",
            Urgency.ROUTINE: "Routine",
        }[self]


class Sex(StrEnum):
    """Administrative sex as recorded by the hospital."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return self.value.capitalize()


class NoteKind(StrEnum):
    """Kinds of append-only notes on a case."""

    PRE_MEETING = "pre_meeting"
    GENERAL = "general"
    MEETING = "meeting"
