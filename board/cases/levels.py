"""Vertebral levels C1..S5 as a validated value object.

The 29 levels of the mobile and sacral spine are C1-C7, T1-T12, L1-L5 and S1-S5.
The coccyx is outside every spine score used here and is rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering

from board.errors import ValidationError


class SpineRegion(StrEnum):
    """Anatomical region of the spine."""

    CERVICAL = "cervical"
    THORACIC = "thoracic"
    LUMBAR = "lumbar"
    SACRAL = "sacral"


_COUNTS: dict[str, tuple[SpineRegion, int]] = {
    "C": (SpineRegion.CERVICAL, 7),
    "T": (SpineRegion.THORACIC, 12),
    "L": (SpineRegion.LUMBAR, 5),
    "S": (SpineRegion.SACRAL, 5),
}
_ORDER = "CTLS"
_PATTERN = re.compile(r"^\s*([CTLSctls])\s*-?\s*(\d{1,2})\s*$")


@total_ordering
@dataclass(frozen=True, slots=True)
class VertebralLevel:
    """One vertebral level, e.g. ``VertebralLevel.parse("T7")``.

    Parameters
    ----------
    letter:
        ``C``, ``T``, ``L`` or ``S``.
    number:
        1-based number within the region (C1-C7, T1-T12, L1-L5, S1-S5).

    Raises
    ------
    ValidationError
        If the letter or number is outside C1..S5.
    """

    letter: str
    number: int

    def __post_init__(self) -> None:
        if self.letter not in _COUNTS:
            raise ValidationError(
                f"Unknown vertebral level '{self.letter}{self.number}': expected C1-C7, "
                "T1-T12, L1-L5 or S1-S5.",
                field="level",
            )
        _, count = _COUNTS[self.letter]
        if not 1 <= self.number <= count:
            raise ValidationError(
                f"Unknown vertebral level '{self.letter}{self.number}': "
                f"{_COUNTS[self.letter][0].value} levels run from {self.letter}1 to "
                f"{self.letter}{count}.",
                field="level",
            )

    @classmethod
    def parse(cls, text: str) -> VertebralLevel:
        """Parse a level such as ``"T7"``, ``"t 7"`` or ``"L-1"``.

        Parameters
        ----------
        text:
            The level as typed.

        Returns
        -------
        VertebralLevel
            The validated level.

        Raises
        ------
        ValidationError
            If the text is not a level between C1 and S5 (the coccyx is rejected).
        """
        match = _PATTERN.match(text or "")
        if not match:
            raise ValidationError(
                f"'{text}' is not a vertebral level: expected C1-C7, T1-T12, L1-L5 or S1-S5.",
                field="level",
            )
        return cls(match.group(1).upper(), int(match.group(2)))

    @property
    def region(self) -> SpineRegion:
        """The spine region this level belongs to."""
        return _COUNTS[self.letter][0]

    @property
    def index(self) -> int:
        """0-based position from C1 (0) to S5 (28)."""
        offset = 0
        for letter in _ORDER:
            if letter == self.letter:
                return offset + self.number - 1
            offset += _COUNTS[letter][1]
        raise AssertionError("unreachable")

    def __str__(self) -> str:
        return f"{self.letter}{self.number}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, VertebralLevel):
            return NotImplemented
        return self.index < other.index


ALL_LEVELS: tuple[VertebralLevel, ...] = tuple(
    VertebralLevel(letter, n) for letter in _ORDER for n in range(1, _COUNTS[letter][1] + 1)
)


def parse_levels(text: str | list[str] | tuple[str, ...]) -> tuple[VertebralLevel, ...]:
    """Parse a list of levels, or a comma/space separated string with ranges (``"T4-T6, L1"``).

    Parameters
    ----------
    text:
        Levels as typed, or a sequence of level strings.

    Returns
    -------
    tuple[VertebralLevel, ...]
        Distinct levels in anatomical order.

    Raises
    ------
    ValidationError
        Naming the first token that is not a level or a valid range.
    """
    tokens: list[str]
    if isinstance(text, str):
        tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    else:
        tokens = list(text)
    levels: set[VertebralLevel] = set()
    for token in tokens:
        if "-" in token.strip("-") and not _PATTERN.match(token):
            start_text, _, end_text = token.partition("-")
            start = VertebralLevel.parse(start_text)
            end = VertebralLevel.parse(end_text)
            if end < start:
                start, end = end, start
            levels.update(ALL_LEVELS[start.index : end.index + 1])
        else:
            levels.add(VertebralLevel.parse(token))
    return tuple(sorted(levels))
