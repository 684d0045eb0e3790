"""Vocabularies of biopsies and pathology."""

from __future__ import annotations

from enum import StrEnum


class BiopsyKind(StrEnum):
    """How the tissue was obtained."""

    CORE_NEEDLE = "core_needle"
    FINE_NEEDLE = "fine_needle"
    OPEN = "open"


class BiopsyStatus(StrEnum):
    """A pending biopsy counts as missing in readiness."""

    PENDING = "pending"
    FINAL = "final"
