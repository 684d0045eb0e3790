"""New England Spinal Metastasis Score (NESMS).

Sources: Ghori AK et al., "Modeling 1-year survival after surgery on the metastatic
spine", Spine J 2015;15(11):2345-50; validated by Schoenfeld AJ et al., Spine J
2016;16(4):482-90.

- Modified Bauer score (0-4), one point each: no visceral metastases; the primary tumour
  is not lung cancer; the primary is breast, kidney, lymphoma or myeloma; a single
  (solitary) skeletal metastasis. A modified Bauer score of 3 or 4 gives **2 points**,
  0-2 gives 0.
- Independent ambulation: 1 point.
- Serum albumin of 3.5 g/dL (35 g/L) or more: 1 point.
- Total: the sum with a ceiling of 3 (2 + 1 + 1 scores 3), so 0-3; higher is better
  (longer expected survival). Any unknown input makes the result incomplete.

This module is not named ``nesms`` because the public API binds ``board.scoring.nesms``
to the function of :mod:`board.scoring.api`.

Inputs
------
- ``visceral_metastases``: whether visceral metastases are present (a
  :class:`~board.scoring.primary.VisceralMetastases` value is accepted: "none" is no,
  "treatable" and "untreatable" are yes).
- ``primary_site``: a :class:`~board.scoring.primary.PrimarySite`; the two primary items
  come from :data:`BAUER_PRIMARY_ROWS` (kept as data, with a note per row).
- ``skeletal_metastases``: :class:`SkeletalMetastases` (solitary or multiple, spinal and
  extraspinal together); :func:`skeletal_metastases_from_counts` derives it from counts.
- ``ambulatory``: independent ambulation (yes/no).
- ``albumin_g_per_dl``: serum albumin in g/dL; :func:`albumin_g_per_l_to_g_per_dl`
  converts the g/L the oncologist's form records.

Scores advise; the board decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from board.errors import ValidationError
from board.scoring.common import (
    JsonScalar,
    ScoreComponent,
    ScoreInputs,
    ScoreResult,
    coerce_bool,
    coerce_enum,
    input_pairs,
)
from board.scoring.primary import PrimarySite, VisceralMetastases

ALGORITHM_ID = "nesms@ghori2015"
NAME = "New England Spinal Metastasis Score (NESMS)"
SOURCE = (
    'Ghori AK et al., "Modeling 1-year survival after surgery on the metastatic spine", '
    "Spine J 2015;15(11):2345-50; validated by Schoenfeld AJ et al., Spine J "
    "2016;16(4):482-90."
)
MIN_TOTAL = 0
MAX_TOTAL = 3
BAUER_THRESHOLD = 3
"""A modified Bauer score of 3 or more gives :data:`BAUER_POINTS`."""
BAUER_POINTS = 2
ALBUMIN_CUT_OFF_G_PER_DL = 3.5
MAX_ALBUMIN_G_PER_DL = 10.0
"""Above this a value is taken for a unit mistake (g/L given as g/dL) and refused."""
MAX_ALBUMIN_G_PER_L = 100.0


class SkeletalMetastases(StrEnum):
    """Skeletal metastases, spinal and extraspinal together."""

    SOLITARY = "solitary"
    MULTIPLE = "multiple"

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {
            "solitary": "a single (solitary) skeletal metastasis",
            "multiple": "multiple skeletal metastases",
        }[self.value]


@dataclass(frozen=True, slots=True)
class BauerPrimaryRow:
    """How the modified Bauer score reads one primary site.

    Parameters
    ----------
    site:
        The primary site.
    lung:
        Whether it is lung cancer (no "not lung" point).
    favourable:
        Whether it is breast, kidney, lymphoma or myeloma (one point).
    note:
        Why, when it is not plain from the score's wording.
    """

    site: PrimarySite
    lung: bool
    favourable: bool
    note: str = ""


_P = PrimarySite
BAUER_PRIMARY_ROWS: tuple[BauerPrimaryRow, ...] = (
    BauerPrimaryRow(_P.BREAST, lung=False, favourable=True),
    BauerPrimaryRow(_P.KIDNEY, lung=False, favourable=True, note="renal cell"),
    BauerPrimaryRow(_P.LYMPHOMA, lung=False, favourable=True),
    BauerPrimaryRow(_P.MYELOMA, lung=False, favourable=True, note="myeloma / plasmacytoma"),
    BauerPrimaryRow(_P.LUNG_NSCLC, lung=True, favourable=False, note="lung cancer"),
    BauerPrimaryRow(_P.LUNG_SCLC, lung=True, favourable=False, note="lung cancer"),
    *(
        BauerPrimaryRow(site, lung=False, favourable=False)
        for site in PrimarySite
        if site
        not in (
            _P.BREAST,
            _P.KIDNEY,
            _P.LYMPHOMA,
            _P.MYELOMA,
            _P.LUNG_NSCLC,
            _P.LUNG_SCLC,
            _P.UNKNOWN_PRIMARY,
        )
    ),
    BauerPrimaryRow(
        _P.UNKNOWN_PRIMARY,
        lung=False,
        favourable=False,
        note="primary not identified: not a diagnosed lung cancer (read literally)",
    ),
)
"""One row per :class:`PrimarySite`: is it lung cancer, is it breast, kidney, lymphoma or
myeloma."""

BAUER_PRIMARY: MappingProxyType[PrimarySite, BauerPrimaryRow] = MappingProxyType(
    {row.site: row for row in BAUER_PRIMARY_ROWS}
)


def albumin_g_per_l_to_g_per_dl(albumin_g_per_l: float | None) -> float | None:
    """Convert serum albumin from g/L (as the oncologist's form records it) to g/dL.

    Parameters
    ----------
    albumin_g_per_l:
        Serum albumin in g/L, or ``None`` when unknown.

    Returns
    -------
    float | None
        The value in g/dL (g/L divided by 10; 35 g/L is 3.5 g/dL), or ``None``.

    Raises
    ------
    ValidationError
        If the value is not a number from 0 to 100 g/L.
    """
    if albumin_g_per_l is None:
        return None
    if (
        isinstance(albumin_g_per_l, bool)
        or not isinstance(albumin_g_per_l, int | float)
        or not math.isfinite(albumin_g_per_l)
        or not 0 <= albumin_g_per_l <= MAX_ALBUMIN_G_PER_L
    ):
        raise ValidationError(
            f"Serum albumin in g/L is a number from 0 to {MAX_ALBUMIN_G_PER_L:g}; "
            f"{albumin_g_per_l!r} is not.",
            field="albumin",
        )
    return albumin_g_per_l / 10


def validate_albumin_g_per_dl(value: object) -> float | None:
    """Check a serum albumin in g/dL (``None`` means unknown).

    Parameters
    ----------
    value:
        The value as given.

    Returns
    -------
    float | None
        The value.

    Raises
    ------
    ValidationError
        If it is not a number from 0 to 10 g/dL; the message suggests the conversion
        when the value looks like g/L.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(
            f"Serum albumin is a number in g/dL; {value!r} is not.", field="albumin_g_per_dl"
        )
    if not 0 <= value <= MAX_ALBUMIN_G_PER_DL:
        hint = ""
        if MAX_ALBUMIN_G_PER_DL < value <= MAX_ALBUMIN_G_PER_L:
            hint = f"; if it was measured in g/L, {value:g} g/L is {value / 10:g} g/dL"
        raise ValidationError(
            f"Serum albumin {value:g} g/dL is not plausible (expected 0 to "
            f"{MAX_ALBUMIN_G_PER_DL:g} g/dL){hint}.",
            field="albumin_g_per_dl",
        )
    return float(value)


def skeletal_metastases_from_counts(
    extraspinal_bone_foci: int | None, vertebral_metastases: int | None
) -> SkeletalMetastases | None:
    """Solitary or multiple skeletal metastases from the radiologist's counts.

    Parameters
    ----------
    extraspinal_bone_foci:
        Number of extraspinal bone metastatic foci (0 or more), or ``None`` when unknown.
    vertebral_metastases:
        Number of vertebral bodies with metastases (0 or more), or ``None`` when unknown.

    Returns
    -------
    SkeletalMetastases | None
        Multiple when either count is 2 or more, or both are known and add up to 2 or
        more; solitary when both are known and add up to exactly 1; otherwise ``None``
        (unknown, or no skeletal metastasis at all: the board decides).

    Raises
    ------
    ValidationError
        If a count is not a whole number of 0 or more.
    """
    counts = []
    for value, field in (
        (extraspinal_bone_foci, "extraspinal_bone_foci"),
        (vertebral_metastases, "vertebral_metastases"),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ValidationError(
                f"{field} is a whole number, 0 or more; {value!r} is not.", field=field
            )
        counts.append(value)
    if any(c is not None and c >= 2 for c in counts):
        return SkeletalMetastases.MULTIPLE
    if any(c is None for c in counts):
        return None
    total = sum(c for c in counts if c is not None)
    if total >= 2:
        return SkeletalMetastases.MULTIPLE
    return SkeletalMetastases.SOLITARY if total == 1 else None


def _visceral(value: object) -> bool | None:
    if isinstance(value, VisceralMetastases) or (
        isinstance(value, str) and value.strip().casefold() in {v.value for v in VisceralMetastases}
    ):
        member = coerce_enum(
            value, VisceralMetastases, "visceral_metastases", "Visceral metastases"
        )
        return member is not VisceralMetastases.NONE
    return coerce_bool(value, "visceral_metastases", "Visceral metastases")


@dataclass(frozen=True, slots=True)
class NesmsInputs(ScoreInputs):
    """Inputs of the NESMS; ``None`` means unknown.

    Parameters
    ----------
    visceral_metastases:
        Whether visceral metastases are present (a :class:`VisceralMetastases` value is
        read as present unless "none").
    primary_site:
        The primary site.
    skeletal_metastases:
        Solitary or multiple skeletal metastases.
    ambulatory:
        Independent ambulation.
    albumin_g_per_dl:
        Serum albumin in g/dL (0-10).

    Raises
    ------
    ValidationError
        If a value is not recognised or out of range.
    """

    visceral_metastases: bool | None = None
    primary_site: PrimarySite | None = None
    skeletal_metastases: SkeletalMetastases | None = None
    ambulatory: bool | None = None
    albumin_g_per_dl: float | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "visceral_metastases", _visceral(self.visceral_metastases))
        set_(
            self,
            "primary_site",
            coerce_enum(self.primary_site, PrimarySite, "primary_site", "Primary site"),
        )
        set_(
            self,
            "skeletal_metastases",
            coerce_enum(
                self.skeletal_metastases,
                SkeletalMetastases,
                "skeletal_metastases",
                "Skeletal metastases",
            ),
        )
        set_(self, "ambulatory", coerce_bool(self.ambulatory, "ambulatory", "Ambulatory"))
        set_(self, "albumin_g_per_dl", validate_albumin_g_per_dl(self.albumin_g_per_dl))


MISSING_NAMES: dict[str, str] = {
    "visceral_metastases": "visceral metastases",
    "primary_site": "primary tumour",
    "skeletal_metastases": "skeletal metastases (solitary or multiple)",
    "ambulatory": "independent ambulation",
    "albumin_g_per_dl": "serum albumin",
}
"""Plain-English name of each input, as listed in ``missing`` (in input order)."""


@dataclass(frozen=True, slots=True)
class NesmsResult(ScoreResult):
    """A NESMS result with its intermediate sums.

    Parameters
    ----------
    modified_bauer:
        The modified Bauer score 0-4, or ``None`` when one of its inputs is unknown.
    uncapped_total:
        The sum before the ceiling of 3 (0-4), or ``None`` when incomplete.
    """

    modified_bauer: int | None = None
    uncapped_total: int | None = None

    def extra(self) -> dict[str, JsonScalar]:
        """NESMS-specific result fields."""
        return {"modified_bauer": self.modified_bauer, "uncapped_total": self.uncapped_total}


def bauer_points(modified_bauer: int) -> int:
    """NESMS points of a modified Bauer score.

    Parameters
    ----------
    modified_bauer:
        0-4.

    Returns
    -------
    int
        2 for 3 or 4, 0 for 0-2.

    Raises
    ------
    ValidationError
        If the score is outside 0-4.
    """
    if (
        isinstance(modified_bauer, bool)
        or not isinstance(modified_bauer, int)
        or not (0 <= modified_bauer <= 4)
    ):
        raise ValidationError(
            f"A modified Bauer score runs from 0 to 4, not {modified_bauer!r}.",
            field="modified_bauer",
        )
    return BAUER_POINTS if modified_bauer >= BAUER_THRESHOLD else 0


def nesms_total(uncapped: int) -> int:
    """The NESMS total: the sum with a ceiling of 3.

    Parameters
    ----------
    uncapped:
        Modified Bauer points (0 or 2) + ambulation (0 or 1) + albumin (0 or 1), 0-4.

    Returns
    -------
    int
        0-3.
    """
    return min(uncapped, MAX_TOTAL)


def _component(
    name: str, known: bool, finding: str | None, points: int | None, key: str
) -> ScoreComponent:
    return ScoreComponent(name, finding if known else None, points if known else None, key)


def calculate_nesms(inputs: NesmsInputs) -> NesmsResult:
    """Compute the NESMS.

    Parameters
    ----------
    inputs:
        The five inputs; any may be unknown.

    Returns
    -------
    NesmsResult
        Total 0-3 with the arithmetic in ``category_detail``, or incomplete naming every
        unknown input. Components: the four modified Bauer items (1 point each), the
        modified Bauer score's NESMS points (2 for 3-4), independent ambulation and serum
        albumin (1 point each).
    """
    visceral = inputs.visceral_metastases
    site = inputs.primary_site
    row = None if site is None else BAUER_PRIMARY[site]
    skeletal = inputs.skeletal_metastases
    ambulatory = inputs.ambulatory
    albumin = inputs.albumin_g_per_dl

    items: list[ScoreComponent] = [
        _component(
            "modified Bauer: no visceral metastases",
            visceral is not None,
            "visceral metastases present" if visceral else "no visceral metastases",
            0 if visceral else 1,
            "visceral_metastases",
        ),
        _component(
            "modified Bauer: primary tumour is not lung cancer",
            row is not None,
            None if row is None else _primary_finding(row, lung_item=True),
            None if row is None else (0 if row.lung else 1),
            "primary_site",
        ),
        _component(
            "modified Bauer: primary is breast, kidney, lymphoma or myeloma",
            row is not None,
            None if row is None else _primary_finding(row, lung_item=False),
            None if row is None else (1 if row.favourable else 0),
            "primary_site",
        ),
        _component(
            "modified Bauer: a single (solitary) skeletal metastasis",
            skeletal is not None,
            None if skeletal is None else skeletal.label,
            1 if skeletal is SkeletalMetastases.SOLITARY else 0,
            "skeletal_metastases",
        ),
    ]
    bauer: int | None = None
    if all(c.points is not None for c in items):
        bauer = sum(c.points for c in items if c.points is not None)
    components = (
        *items,
        ScoreComponent(
            "modified Bauer score (3-4: 2 points, 0-2: 0)",
            None if bauer is None else f"{bauer} of 4",
            None if bauer is None else bauer_points(bauer),
            "modified_bauer",
        ),
        _component(
            "independent ambulation",
            ambulatory is not None,
            "ambulates independently" if ambulatory else "does not ambulate independently",
            1 if ambulatory else 0,
            "ambulatory",
        ),
        _component(
            "serum albumin 3.5 g/dL (35 g/L) or more",
            albumin is not None,
            None if albumin is None else _albumin_finding(albumin),
            1 if albumin is not None and albumin >= ALBUMIN_CUT_OFF_G_PER_DL else 0,
            "albumin_g_per_dl",
        ),
    )
    missing = tuple(name for key, name in MISSING_NAMES.items() if getattr(inputs, key) is None)
    if missing:
        return NesmsResult(
            algorithm_id=ALGORITHM_ID,
            name=NAME,
            source=SOURCE,
            components=components,
            total=None,
            category=None,
            category_detail=None,
            complete=False,
            missing=missing,
            inputs=input_pairs(inputs),
            modified_bauer=bauer,
        )
    assert bauer is not None and albumin is not None
    b_points = bauer_points(bauer)
    a_point = 1 if ambulatory else 0
    alb_point = 1 if albumin >= ALBUMIN_CUT_OFF_G_PER_DL else 0
    uncapped = b_points + a_point + alb_point
    total = nesms_total(uncapped)
    arithmetic = f"{b_points} + {a_point} + {alb_point} = {uncapped}"
    if uncapped > MAX_TOTAL:
        arithmetic += f", capped at {MAX_TOTAL}"
    detail = (
        f"Modified Bauer {bauer} of 4 gives {b_points} points; independent ambulation "
        f"{a_point}; albumin {albumin:g} g/dL gives {alb_point}: {arithmetic}. NESMS runs "
        "from 0 to 3; higher scores were associated with longer survival."
    )
    return NesmsResult(
        algorithm_id=ALGORITHM_ID,
        name=NAME,
        source=SOURCE,
        components=components,
        total=total,
        category=f"{total} of 3 (higher scores predict longer survival)",
        category_detail=detail,
        complete=True,
        missing=(),
        inputs=input_pairs(inputs),
        modified_bauer=bauer,
        uncapped_total=uncapped,
    )


def _primary_finding(row: BauerPrimaryRow, *, lung_item: bool) -> str:
    site = row.site.label
    if lung_item:
        text = f"{site}: lung cancer" if row.lung else f"{site}: not lung cancer"
    else:
        text = (
            f"{site}: breast, kidney, lymphoma or myeloma"
            if row.favourable
            else f"{site}: not breast, kidney, lymphoma or myeloma"
        )
    if lung_item and row.site is PrimarySite.UNKNOWN_PRIMARY:
        text += f" ({row.note})"
    return text


def _albumin_finding(albumin: float) -> str:
    side = "at or above" if albumin >= ALBUMIN_CUT_OFF_G_PER_DL else "below"
    return f"{albumin:g} g/dL ({side} 3.5 g/dL)"
