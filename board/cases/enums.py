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
    """Urgency of a case, the NICE NG234 triage tiers.

    ``URGENT`` is the immediate tier (suspected cord compression: MRI within 24 hours);
    ``WITHIN_A_WEEK`` is spinal pain suggesting metastases without neurology (MRI within
    7 days); otherwise ``ROUTINE``.
    """

    URGENT = "urgent"
    WITHIN_A_WEEK = "within_a_week"
    ROUTINE = "routine"

    @property
    def label(self) -> str:
        """Plain-English name with the target."""
        return {
            Urgency.URGENT: "Immediate (MRI within 24 h)",
            Urgency.WITHIN_A_WEEK: "Within a week (MRI within 7 days)",
            Urgency.ROUTINE: "Routine",
        }[self]

    @property
    def priority(self) -> int:
        """Sort key of the worklist: 2 immediate, 1 within a week, 0 routine."""
        return {Urgency.URGENT: 2, Urgency.WITHIN_A_WEEK: 1, Urgency.ROUTINE: 0}[self]

    @property
    def target_hours(self) -> int | None:
        """Hours to the MRI: 24, 168, or ``None`` when routine."""
        return {Urgency.URGENT: 24, Urgency.WITHIN_A_WEEK: 168}.get(self)


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
