"""Vocabularies of the reminders."""

from __future__ import annotations

from enum import StrEnum


class ReminderKind(StrEnum):
    """Why a reminder e-mail is sent."""

    MEETING_INPUT = "meeting_input"
    ACTION_DUE = "action_due"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"
    MSCC_IMMEDIATE = "mscc_immediate"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            ReminderKind.MEETING_INPUT: "Input missing the day before the meeting",
            ReminderKind.ACTION_DUE: "Action item due or overdue",
            ReminderKind.FOLLOW_UP_OVERDUE: "Follow-up overdue",
            ReminderKind.MSCC_IMMEDIATE: "Case in the immediate tier (suspected MSCC)",
        }[self]
