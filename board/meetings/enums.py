"""Vocabularies of board meetings."""

from __future__ import annotations

from enum import StrEnum


class MeetingStatus(StrEnum):
    """Lifecycle of a meeting."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """Plain-English name ("In progress")."""
        return self.value.replace("_", " ").capitalize()


class AgendaTriage(StrEnum):
    """How much of the meeting a case needs."""

    FULL_DISCUSSION = "full_discussion"
    LIST_ONLY = "list_only"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            AgendaTriage.FULL_DISCUSSION: "Full discussion",
            AgendaTriage.LIST_ONLY: "Standard of care, list only",
        }[self]
