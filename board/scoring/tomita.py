"""Tomita score, 2001.

Source: Tomita K et al., "Surgical strategy for spinal metastases", Spine
2001;26(3):298-306.

Three parameters add up to 2-10: 2-3 wide or marginal excision (long-term local
control); 4-5 marginal or intralesional excision (middle-term control); 6-7 palliative
surgery (short-term palliation); 8-10 non-operative supportive care. These are the
authors' suggested strategies, shown as such: the board decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from board.errors import ValidationError
from board.scoring.common import (
    ScoreComponent,
    ScoreInputs,
    ScoreResult,
    coerce_enum,
    input_pairs,
)
from board.scoring.primary import (
    TOMITA_SOURCE,
    PrimarySite,
    TomitaGrowth,
    VisceralMetastases,
    tomita_growth,
)

ALGORITHM_ID = "tomita@2001"
NAME = "Tomita score"
SOURCE = TOMITA_SOURCE
MIN_TOTAL = 2
MAX_TOTAL = 10


class BoneMetastases(StrEnum):
    """Bone metastases, spinal included."""

    SOLITARY = "solitary"
    MULTIPLE = "multiple"

    @property
    def points(self) -> int:
        """Tomita points."""
        return {"solitary": 1, "multiple": 2}[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {"solitary": "solitary or isolated", "multiple": "multiple"}[self.value]


class TomitaBand(StrEnum):
    """Band of the Tomita total."""

    LONG_TERM = "long_term"
    MIDDLE_TERM = "middle_term"
    SHORT_TERM = "short_term"
    SUPPORTIVE = "supportive"

    @property
    def label(self) -> str:
        """Short plain-English name (the authors' treatment goal)."""
        return {
            "long_term": "long-term local control",
            "middle_term": "middle-term local control",
            "short_term": "short-term palliation",
            "supportive": "non-operative supportive care",
        }[self.value]

    @property
    def detail(self) -> str:
        """Plain-English meaning of the band, with the authors' suggested strategy."""
        return {
            "long_term": (
                "Total 2-3: the authors suggested wide or marginal excision "
                "(long-term local control)."
            ),
            "middle_term": (
                "Total 4-5: the authors suggested marginal or intralesional excision "
                "(middle-term local control)."
            ),
            "short_term": (
                "Total 6-7: the authors suggested palliative surgery (short-term palliation)."
            ),
            "supportive": "Total 8-10: the authors suggested non-operative supportive care.",
        }[self.value]

    @property
    def rank(self) -> int:
        """0-3 from the most to the least favourable band."""
        return {"long_term": 0, "middle_term": 1, "short_term": 2, "supportive": 3}[self.value]


def tomita_band(total: int) -> TomitaBand:
    """Band of a Tomita total.

    Parameters
    ----------
    total:
        2-10.

    Returns
    -------
    TomitaBand
        2-3, 4-5, 6-7 or 8-10.

    Raises
    ------
    ValidationError
        If the total is outside 2-10.
    """
    if isinstance(total, bool) or not isinstance(total, int) or not MIN_TOTAL <= total <= MAX_TOTAL:
        raise ValidationError(f"A Tomita total runs from 2 to 10, not {total!r}.", field="total")
    if total <= 3:
        return TomitaBand.LONG_TERM
    if total <= 5:
        return TomitaBand.MIDDLE_TERM
    if total <= 7:
        return TomitaBand.SHORT_TERM
    return TomitaBand.SUPPORTIVE


def tomita_visceral_points(visceral: VisceralMetastases) -> int:
    """Tomita points for visceral metastases.

    Parameters
    ----------
    visceral:
        None, treatable or untreatable.

    Returns
    -------
    int
        0, 2 or 4.
    """
    return {
        VisceralMetastases.NONE: 0,
        VisceralMetastases.TREATABLE: 2,
        VisceralMetastases.UNTREATABLE: 4,
    }[visceral]


@dataclass(frozen=True, slots=True)
class TomitaInputs(ScoreInputs):
    """Inputs of the Tomita score; ``None`` means unknown.

    Parameters
    ----------
    primary_site:
        Primary site; mapped to a growth group by
        :data:`board.scoring.primary.TOMITA_GROWTH_ROWS` when the paper names it.
    primary_growth:
        The board's explicit growth group; used instead of the mapping when given, and
        needed for sites the paper does not classify.
    visceral_metastases:
        None, treatable or untreatable.
    bone_metastases:
        Solitary/isolated or multiple (spinal included).

    Raises
    ------
    ValidationError
        If a value is not recognised.
    """

    primary_site: PrimarySite | None = None
    primary_growth: TomitaGrowth | None = None
    visceral_metastases: VisceralMetastases | None = None
    bone_metastases: BoneMetastases | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "primary_site",
            coerce_enum(self.primary_site, PrimarySite, "primary_site", "Primary site"),
        )
        set_(
            self,
            "primary_growth",
            coerce_enum(
                self.primary_growth, TomitaGrowth, "primary_growth", "Primary tumour growth"
            ),
        )
        set_(
            self,
            "visceral_metastases",
            coerce_enum(
                self.visceral_metastases,
                VisceralMetastases,
                "visceral_metastases",
                "Visceral metastases",
            ),
        )
        set_(
            self,
            "bone_metastases",
            coerce_enum(self.bone_metastases, BoneMetastases, "bone_metastases", "Bone metastases"),
        )


MISSING_NAMES: dict[str, str] = {
    "primary_growth": "primary tumour growth",
    "visceral_metastases": "visceral metastases",
    "bone_metastases": "bone metastases",
}
"""Plain-English name of each input, as listed in ``missing``."""


def _primary_component(inputs: TomitaInputs) -> tuple[ScoreComponent, str | None]:
    growth = inputs.primary_growth
    if growth is not None:
        return (
            ScoreComponent(
                "primary tumour",
                f"{growth.label} (chosen by the board)",
                growth.points,
                "primary_growth",
            ),
            None,
        )
    if inputs.primary_site is None:
        return ScoreComponent("primary tumour", None, None, "primary_growth"), "primary tumour"
    growth = tomita_growth(inputs.primary_site)
    if growth is None:
        return (
            ScoreComponent("primary tumour", None, None, "primary_growth"),
            f"primary tumour growth ({inputs.primary_site.label} is not classified by "
            "Tomita: choose slow, moderate or rapid)",
        )
    return (
        ScoreComponent(
            "primary tumour",
            f"{inputs.primary_site.label}: {growth.label}",
            growth.points,
            "primary_site",
        ),
        None,
    )


def calculate_tomita(inputs: TomitaInputs) -> ScoreResult:
    """Compute the Tomita score.

    Parameters
    ----------
    inputs:
        The three parameters; any may be unknown.

    Returns
    -------
    ScoreResult
        Total 2-10 with the authors' band, or incomplete naming the missing inputs.
    """
    primary, primary_missing = _primary_component(inputs)
    visceral = inputs.visceral_metastases
    bone = inputs.bone_metastases
    components = (
        primary,
        ScoreComponent(
            "visceral metastases",
            None if visceral is None else visceral.label,
            None if visceral is None else tomita_visceral_points(visceral),
            "visceral_metastases",
        ),
        ScoreComponent(
            "bone metastases (spinal included)",
            None if bone is None else bone.label,
            None if bone is None else bone.points,
            "bone_metastases",
        ),
    )
    missing_list = [] if primary_missing is None else [primary_missing]
    missing_list += [MISSING_NAMES[c.input_key] for c in components[1:] if c.points is None]
    missing = tuple(missing_list)
    complete = not missing
    total = sum(c.points for c in components if c.points is not None) if complete else None
    band = None if total is None else tomita_band(total)
    return ScoreResult(
        algorithm_id=ALGORITHM_ID,
        name=NAME,
        source=SOURCE,
        components=components,
        total=total,
        category=None if band is None else band.label,
        category_detail=None if band is None else band.detail,
        complete=complete,
        missing=missing,
        inputs=input_pairs(inputs),
    )
