"""Spinal Instability Neoplastic Score (SINS), scored per lesion.

Source: Fisher CG et al., "A novel classification system for spinal instability in
neoplastic disease", Spine 2010;35(22):E1221-9.

Six components (location, pain, bone lesion, radiographic alignment, vertebral body
collapse, posterolateral involvement) add up to 0-18: 0-6 stable, 7-12 potentially
unstable (indeterminate), 13-18 unstable. A total of 7 or more warrants a surgical
consultation. Location comes from the vertebral level (C1..S5; the coccyx is outside
the score). The most unstable lesion drives the case (:func:`most_unstable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from board.cases.levels import ALL_LEVELS, VertebralLevel
from board.errors import ValidationError
from board.scoring.common import (
    JsonScalar,
    ScoreComponent,
    ScoreInputs,
    ScoreResult,
    coerce_enum,
    input_pairs,
)

ALGORITHM_ID = "sins@fisher2010"
NAME = "Spinal Instability Neoplastic Score (SINS)"
SOURCE = (
    'Fisher CG et al., "A novel classification system for spinal instability in '
    'neoplastic disease", Spine 2010;35(22):E1221-9.'
)
MIN_TOTAL = 0
MAX_TOTAL = 18
SURGICAL_CONSULTATION_THRESHOLD = 7


class SinsLocation(StrEnum):
    """Location of the lesion, derived from its vertebral level."""

    JUNCTIONAL = "junctional"
    MOBILE = "mobile"
    SEMI_RIGID = "semi_rigid"
    RIGID = "rigid"

    @property
    def points(self) -> int:
        """SINS points."""
        return {"junctional": 3, "mobile": 2, "semi_rigid": 1, "rigid": 0}[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {
            "junctional": "junctional (occiput-C2, C7-T2, T11-L1, L5-S1)",
            "mobile": "mobile spine (C3-C6, L2-L4)",
            "semi_rigid": "semi-rigid (T3-T10)",
            "rigid": "rigid (S2-S5)",
        }[self.value]


class SinsPain(StrEnum):
    """Pain attributed to the lesion."""

    MECHANICAL = "mechanical"
    OCCASIONAL = "occasional"
    PAIN_FREE = "pain_free"

    @property
    def points(self) -> int:
        """SINS points."""
        return {"mechanical": 3, "occasional": 1, "pain_free": 0}[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {
            "mechanical": (
                "mechanical pain (relief when recumbent, and/or pain with movement or "
                "loading of the spine)"
            ),
            "occasional": "occasional pain, not mechanical",
            "pain_free": "pain-free lesion",
        }[self.value]


class BoneLesion(StrEnum):
    """Bone lesion quality."""

    LYTIC = "lytic"
    MIXED = "mixed"
    BLASTIC = "blastic"

    @property
    def points(self) -> int:
        """SINS points."""
        return {"lytic": 2, "mixed": 1, "blastic": 0}[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {"lytic": "lytic", "mixed": "mixed lytic/blastic", "blastic": "blastic"}[self.value]


class Alignment(StrEnum):
    """Radiographic spinal alignment."""

    SUBLUXATION_TRANSLATION = "subluxation_translation"
    DE_NOVO_DEFORMITY = "de_novo_deformity"
    NORMAL = "normal"

    @property
    def points(self) -> int:
        """SINS points."""
        return {"subluxation_translation": 4, "de_novo_deformity": 2, "normal": 0}[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {
            "subluxation_translation": "subluxation or translation present",
            "de_novo_deformity": "de novo deformity (kyphosis or scoliosis)",
            "normal": "normal alignment",
        }[self.value]


class Collapse(StrEnum):
    """Vertebral body collapse."""

    OVER_50 = "over_50"
    UNDER_50 = "under_50"
    NO_COLLAPSE_OVER_50_INVOLVED = "no_collapse_over_50_involved"
    NONE = "none"

    @property
    def points(self) -> int:
        """SINS points."""
        return {
            "over_50": 3,
            "under_50": 2,
            "no_collapse_over_50_involved": 1,
            "none": 0,
        }[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {
            "over_50": "more than 50% collapse",
            "under_50": "less than 50% collapse",
            "no_collapse_over_50_involved": "no collapse with more than 50% of the body involved",
            "none": "none of the above",
        }[self.value]


class Posterolateral(StrEnum):
    """Posterolateral involvement (facet, pedicle or costovertebral joint fracture or
    replacement with tumour)."""

    BILATERAL = "bilateral"
    UNILATERAL = "unilateral"
    NONE = "none"

    @property
    def points(self) -> int:
        """SINS points."""
        return {"bilateral": 3, "unilateral": 1, "none": 0}[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {"bilateral": "bilateral", "unilateral": "unilateral", "none": "none"}[self.value]


class SinsCategory(StrEnum):
    """SINS band."""

    STABLE = "stable"
    POTENTIALLY_UNSTABLE = "potentially_unstable"
    UNSTABLE = "unstable"

    @property
    def label(self) -> str:
        """Short plain-English name."""
        return {
            "stable": "stable",
            "potentially_unstable": "potentially unstable (indeterminate)",
            "unstable": "unstable",
        }[self.value]

    @property
    def detail(self) -> str:
        """Plain-English meaning of the band."""
        return {
            "stable": "SINS 0-6: stable lesion.",
            "potentially_unstable": (
                "SINS 7-12: potentially unstable (indeterminate); a surgical consultation "
                "is warranted."
            ),
            "unstable": "SINS 13-18: unstable lesion; a surgical consultation is warranted.",
        }[self.value]

    @property
    def rank(self) -> int:
        """0 (stable), 1 (potentially unstable) or 2 (unstable), for ordering."""
        return {"stable": 0, "potentially_unstable": 1, "unstable": 2}[self.value]


LEVEL_LOCATIONS: tuple[tuple[str, SinsLocation], ...] = (
    ("C1", SinsLocation.JUNCTIONAL),
    ("C2", SinsLocation.JUNCTIONAL),
    ("C3", SinsLocation.MOBILE),
    ("C4", SinsLocation.MOBILE),
    ("C5", SinsLocation.MOBILE),
    ("C6", SinsLocation.MOBILE),
    ("C7", SinsLocation.JUNCTIONAL),
    ("T1", SinsLocation.JUNCTIONAL),
    ("T2", SinsLocation.JUNCTIONAL),
    ("T3", SinsLocation.SEMI_RIGID),
    ("T4", SinsLocation.SEMI_RIGID),
    ("T5", SinsLocation.SEMI_RIGID),
    ("T6", SinsLocation.SEMI_RIGID),
    ("T7", SinsLocation.SEMI_RIGID),
    ("T8", SinsLocation.SEMI_RIGID),
    ("T9", SinsLocation.SEMI_RIGID),
    ("T10", SinsLocation.SEMI_RIGID),
    ("T11", SinsLocation.JUNCTIONAL),
    ("T12", SinsLocation.JUNCTIONAL),
    ("L1", SinsLocation.JUNCTIONAL),
    ("L2", SinsLocation.MOBILE),
    ("L3", SinsLocation.MOBILE),
    ("L4", SinsLocation.MOBILE),
    ("L5", SinsLocation.JUNCTIONAL),
    ("S1", SinsLocation.JUNCTIONAL),
    ("S2", SinsLocation.RIGID),
    ("S3", SinsLocation.RIGID),
    ("S4", SinsLocation.RIGID),
    ("S5", SinsLocation.RIGID),
)
"""(level, location) for the 29 levels C1..S5 (occiput-C2 junctional: C1 and C2)."""

assert tuple(name for name, _ in LEVEL_LOCATIONS) == tuple(str(lv) for lv in ALL_LEVELS)
_LOCATION_BY_LEVEL = dict(LEVEL_LOCATIONS)


def parse_level(level: VertebralLevel | str) -> VertebralLevel:
    """Validate a level given as a value object or as text.

    Parameters
    ----------
    level:
        ``VertebralLevel`` or text such as ``"T7"``.

    Returns
    -------
    VertebralLevel
        The validated level.

    Raises
    ------
    ValidationError
        If the level is not C1..S5 (the coccyx and anything else are rejected).
    """
    if isinstance(level, VertebralLevel):
        return level
    if isinstance(level, str):
        if level.strip().casefold().startswith(("co", "cx")):
            raise ValidationError(
                f"'{level}' is a coccygeal level: the coccyx is outside the SINS; "
                "expected C1-C7, T1-T12, L1-L5 or S1-S5.",
                field="level",
            )
        return VertebralLevel.parse(level)
    raise ValidationError(
        f"{level!r} is not a vertebral level: expected C1-C7, T1-T12, L1-L5 or S1-S5.",
        field="level",
    )


def location_for_level(level: VertebralLevel | str) -> SinsLocation:
    """SINS location of a vertebral level.

    Parameters
    ----------
    level:
        A level C1..S5, as a value object or as text.

    Returns
    -------
    SinsLocation
        Junctional (C1-C2, C7-T2, T11-L1, L5-S1), mobile (C3-C6, L2-L4), semi-rigid
        (T3-T10) or rigid (S2-S5).

    Raises
    ------
    ValidationError
        If the level is not C1..S5.
    """
    return _LOCATION_BY_LEVEL[str(parse_level(level))]


def sins_category(total: int) -> SinsCategory:
    """Band of a SINS total.

    Parameters
    ----------
    total:
        A total from 0 to 18.

    Returns
    -------
    SinsCategory
        Stable (0-6), potentially unstable (7-12) or unstable (13-18).

    Raises
    ------
    ValidationError
        If the total is outside 0-18.
    """
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= MAX_TOTAL:
        raise ValidationError(f"A SINS total runs from 0 to 18, not {total!r}.", field="total")
    if total <= 6:
        return SinsCategory.STABLE
    if total <= 12:
        return SinsCategory.POTENTIALLY_UNSTABLE
    return SinsCategory.UNSTABLE


@dataclass(frozen=True, slots=True)
class SinsInputs(ScoreInputs):
    """Findings for one lesion; ``None`` means unknown.

    Parameters
    ----------
    level:
        Vertebral level of the lesion (a ``VertebralLevel`` or text such as ``"T7"``).
    pain, bone_lesion, alignment, collapse, posterolateral:
        The findings, as enum members or their values.

    Raises
    ------
    ValidationError
        If the level or a finding is not recognised.
    """

    level: VertebralLevel | None = None
    pain: SinsPain | None = None
    bone_lesion: BoneLesion | None = None
    alignment: Alignment | None = None
    collapse: Collapse | None = None
    posterolateral: Posterolateral | None = None

    def __post_init__(self) -> None:
        if self.level is not None:
            object.__setattr__(self, "level", parse_level(self.level))
        for key, enum_cls, what in _FINDINGS:
            object.__setattr__(
                self, key, coerce_enum(getattr(self, key), enum_cls, key, f"SINS {what}")
            )


_FINDINGS: tuple[tuple[str, type[StrEnum], str], ...] = (
    ("pain", SinsPain, "pain"),
    ("bone_lesion", BoneLesion, "bone lesion"),
    ("alignment", Alignment, "radiographic alignment"),
    ("collapse", Collapse, "vertebral body collapse"),
    ("posterolateral", Posterolateral, "posterolateral involvement"),
)

MISSING_NAMES: dict[str, str] = {
    "level": "location (vertebral level)",
    "pain": "pain",
    "bone_lesion": "bone lesion",
    "alignment": "radiographic alignment",
    "collapse": "vertebral body collapse",
    "posterolateral": "posterolateral involvement",
}
"""Plain-English name of each input, as listed in ``missing``."""


@dataclass(frozen=True, slots=True)
class SinsResult(ScoreResult):
    """A SINS result for one lesion.

    Parameters
    ----------
    level:
        The lesion's level as text, or ``None`` when unknown.
    surgical_consultation_advised:
        ``True`` when the total is 7 or more, or, while incomplete, when the points
        already known reach 7 (more findings can only add points); ``False`` when the
        complete total is under 7; ``None`` when it cannot be known yet.
    """

    level: str | None = None
    surgical_consultation_advised: bool | None = None

    def extra(self) -> dict[str, JsonScalar]:
        """SINS-specific result fields."""
        category = None
        if self.total is not None:
            category = sins_category(self.total).value
        return {
            "level": self.level,
            "surgical_consultation_advised": self.surgical_consultation_advised,
            "category_code": category,
        }

    @property
    def category_enum(self) -> SinsCategory | None:
        """The band as an enum, or ``None`` when incomplete."""
        return None if self.total is None else sins_category(self.total)


def calculate_sins(inputs: SinsInputs) -> SinsResult:
    """Score one lesion.

    Parameters
    ----------
    inputs:
        The lesion's findings; any may be unknown.

    Returns
    -------
    SinsResult
        Complete with total, category and the consultation flag, or incomplete naming
        the missing inputs (total and category ``None``).
    """
    location = None if inputs.level is None else location_for_level(inputs.level)
    components = [
        ScoreComponent(
            "location",
            None if location is None else f"{inputs.level}: {location.label}",
            None if location is None else location.points,
            "level",
        )
    ]
    for key, _, what in _FINDINGS:
        finding = getattr(inputs, key)
        components.append(
            ScoreComponent(
                what,
                None if finding is None else finding.label,
                None if finding is None else finding.points,
                key,
            )
        )
    missing = tuple(MISSING_NAMES[c.input_key] for c in components if c.points is None)
    known = sum(c.points for c in components if c.points is not None)
    complete = not missing
    total = known if complete else None
    category = sins_category(known) if complete else None
    if complete:
        consult: bool | None = known >= SURGICAL_CONSULTATION_THRESHOLD
    else:
        consult = True if known >= SURGICAL_CONSULTATION_THRESHOLD else None
    return SinsResult(
        algorithm_id=ALGORITHM_ID,
        name=NAME,
        source=SOURCE,
        components=tuple(components),
        total=total,
        category=None if category is None else category.label,
        category_detail=None if category is None else category.detail,
        complete=complete,
        missing=missing,
        inputs=input_pairs(inputs),
        level=None if inputs.level is None else str(inputs.level),
        surgical_consultation_advised=consult,
    )


@dataclass(frozen=True, slots=True)
class CaseSins:
    """The case-level SINS: the most unstable lesion drives the case.

    Parameters
    ----------
    driving:
        The complete lesion result with the highest total (ties: the most cranial
        level, then the first given), or ``None`` when no lesion is complete.
    complete:
        ``True`` when every lesion is complete, so no unscored finding could raise
        the case above ``driving``.
    incomplete_lesions:
        The incomplete lesion results.
    total, category:
        The driving total and band when ``complete``; ``None`` otherwise.
    surgical_consultation_advised:
        ``True`` if any lesion advises it; ``False`` when complete and none does;
        ``None`` otherwise.
    """

    driving: SinsResult | None
    complete: bool
    incomplete_lesions: tuple[SinsResult, ...]
    total: int | None
    category: str | None
    surgical_consultation_advised: bool | None

    def summary(self) -> str:
        """One line: the driving lesion, or what is missing.

        Returns
        -------
        str
            ``"T7 SINS 9: potentially unstable (indeterminate)"`` when complete, or
            ``"incomplete: missing ..."`` naming the lesions and inputs still unknown.
        """
        if self.complete and self.driving is not None:
            return f"{self.driving.level} SINS {self.driving.summary()}"
        parts = [
            f"{lesion.level or 'unknown level'} ({', '.join(lesion.missing)})"
            for lesion in self.incomplete_lesions
        ]
        if not parts:
            parts = ["no lesion scored"]
        return "incomplete: missing " + "; ".join(parts)


def most_unstable(results: Sequence[SinsResult]) -> CaseSins:
    """Pick the lesion that drives the case.

    Parameters
    ----------
    results:
        One SINS result per lesion.

    Returns
    -------
    CaseSins
        The driving lesion and whether the case-level value is final.
    """
    complete = [r for r in results if r.complete and r.total is not None]
    incomplete = tuple(r for r in results if not r.complete)

    def order(item: tuple[int, SinsResult]) -> tuple[int, int, int]:
        position, result = item
        level_index = 99 if result.level is None else VertebralLevel.parse(result.level).index
        return (-(result.total or 0), level_index, position)

    driving = min(enumerate(complete), key=order)[1] if complete else None
    is_complete = bool(results) and not incomplete
    flags = [r.surgical_consultation_advised for r in results]
    if any(flag is True for flag in flags):
        consult: bool | None = True
    elif is_complete:
        consult = False
    else:
        consult = None
    return CaseSins(
        driving=driving,
        complete=is_complete,
        incomplete_lesions=incomplete,
        total=driving.total if is_complete and driving else None,
        category=driving.category if is_complete and driving else None,
        surgical_consultation_advised=consult,
    )
