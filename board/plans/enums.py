"""Vocabularies of the consensus plan."""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    """A plan version is a draft until finalized; an amendment supersedes it."""

    DRAFT = "draft"
    FINALIZED = "finalized"
    SUPERSEDED = "superseded"


class PlanIntent(StrEnum):
    """Intent of the treatment plan."""

    CURATIVE = "curative"
    PALLIATIVE = "palliative"
    BEST_SUPPORTIVE_CARE = "best_supportive_care"


class PlanComponent(StrEnum):
    """Families of treatment the board can choose (from the seed document)."""

    SURGERY = "surgery"
    RADIATION = "radiation"
    SYSTEMIC = "systemic"
    PAIN = "pain"
    PHYSIOTHERAPY = "physiotherapy"
    SUPPORTIVE = "supportive"
    LONG_TERM = "long_term"
    FOLLOW_UP = "follow_up"
