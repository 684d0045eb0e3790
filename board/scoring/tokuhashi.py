"""Revised Tokuhashi score (survival estimate), 2005.

Source: Tokuhashi Y et al., "A revised scoring system for preoperative evaluation of
metastatic spine tumor prognosis", Spine 2005;30(19):2186-91.

Six parameters add up to 0-15: 0-8 predicted survival under 6 months; 9-11 six months
or more; 12-15 one year or more. The treatment the authors associated with each band is
reported as their suggestion, never as a decision.
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
    coerce_int,
    input_pairs,
)
from board.scoring.neuro import FrankelGrade, parse_frankel
from board.scoring.performance import karnofsky_band, validate_karnofsky
from board.scoring.primary import (
    TOKUHASHI_SOURCE,
    PrimarySite,
    TokuhashiPrimaryGroup,
    VisceralMetastases,
    tokuhashi_group,
)

ALGORITHM_ID = "tokuhashi@2005"
NAME = "Revised Tokuhashi score"
SOURCE = TOKUHASHI_SOURCE
MIN_TOTAL = 0
MAX_TOTAL = 15


class TokuhashiBand(StrEnum):
    """Survival band of the revised Tokuhashi score."""

    UNDER_6_MONTHS = "under_6_months"
    SIX_MONTHS_OR_MORE = "6_months_or_more"
    ONE_YEAR_OR_MORE = "1_year_or_more"

    @property
    def label(self) -> str:
        """Short plain-English name."""
        return {
            "under_6_months": "predicted survival under 6 months",
            "6_months_or_more": "predicted survival 6 months or more",
            "1_year_or_more": "predicted survival 1 year or more",
        }[self.value]

    @property
    def detail(self) -> str:
        """Plain-English meaning of the band, with the authors' suggested treatment."""
        return {
            "under_6_months": (
                "Total 0-8: predicted survival under 6 months; the authors suggested "
                "conservative or palliative treatment."
            ),
            "6_months_or_more": "Total 9-11: predicted survival 6 months or more.",
            "1_year_or_more": (
                "Total 12-15: predicted survival 1 year or more; the authors suggested "
                "excisional surgery may be considered."
            ),
        }[self.value]

    @property
    def rank(self) -> int:
        """0, 1 or 2 from the shortest to the longest predicted survival."""
        return {"under_6_months": 0, "6_months_or_more": 1, "1_year_or_more": 2}[self.value]


def tokuhashi_band(total: int) -> TokuhashiBand:
    """Band of a revised Tokuhashi total.

    Parameters
    ----------
    total:
        0-15.

    Returns
    -------
    TokuhashiBand
        0-8 under 6 months, 9-11 six months or more, 12-15 one year or more.

    Raises
    ------
    ValidationError
        If the total is outside 0-15.
    """
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= MAX_TOTAL:
        raise ValidationError(
            f"A revised Tokuhashi total runs from 0 to 15, not {total!r}.", field="total"
        )
    if total <= 8:
        return TokuhashiBand.UNDER_6_MONTHS
    if total <= 11:
        return TokuhashiBand.SIX_MONTHS_OR_MORE
    return TokuhashiBand.ONE_YEAR_OR_MORE


def extraspinal_bone_points(foci: int) -> int:
    """Points for the number of extraspinal bone metastatic foci.

    Parameters
    ----------
    foci:
        Number of foci, 0 or more.

    Returns
    -------
    int
        2 for none, 1 for 1-2, 0 for 3 or more.

    Raises
    ------
    ValidationError
        If the number is negative or not whole.
    """
    value = coerce_int(foci, "extraspinal_bone_metastases", "Extraspinal bone metastases", 0)
    assert value is not None
    if value == 0:
        return 2
    return 1 if value <= 2 else 0


def vertebral_body_points(count: int) -> int:
    """Points for the number of metastases in the vertebral bodies.

    Parameters
    ----------
    count:
        Number of vertebral bodies involved, 1 or more.

    Returns
    -------
    int
        2 for 1, 1 for 2, 0 for 3 or more.

    Raises
    ------
    ValidationError
        If the count is below 1 (the score is for spinal metastases) or not whole.
    """
    value = coerce_int(count, "vertebral_body_metastases", "Vertebral body metastases", 1)
    assert value is not None
    return {1: 2, 2: 1}.get(value, 0)


def visceral_points(visceral: VisceralMetastases) -> int:
    """Points for metastases to major internal organs.

    Parameters
    ----------
    visceral:
        None, removable (treatable) or unremovable (untreatable).

    Returns
    -------
    int
        2 for none, 1 for removable, 0 for unremovable.
    """
    return {
        VisceralMetastases.NONE: 2,
        VisceralMetastases.TREATABLE: 1,
        VisceralMetastases.UNTREATABLE: 0,
    }[visceral]


@dataclass(frozen=True, slots=True)
class TokuhashiInputs(ScoreInputs):
    """Inputs of the revised Tokuhashi score; ``None`` means unknown.

    Parameters
    ----------
    karnofsky:
        Karnofsky performance status, 10-100 in steps of 10 (0 is rejected: the patient
        has died).
    extraspinal_bone_metastases:
        Number of extraspinal bone metastatic foci (0 or more).
    vertebral_body_metastases:
        Number of vertebral bodies with metastases (1 or more).
    visceral_metastases:
        Metastases to major internal organs: none, removable or unremovable.
    primary_site:
        Primary site; mapped to its group by
        :data:`board.scoring.primary.TOKUHASHI_PRIMARY_ROWS`.
    primary_group:
        The board's explicit choice of group; when given it is used instead of the
        mapping of ``primary_site``.
    frankel:
        Palsy as a Frankel grade.

    Raises
    ------
    ValidationError
        If any value is out of range or not recognised.
    """

    karnofsky: int | None = None
    extraspinal_bone_metastases: int | None = None
    vertebral_body_metastases: int | None = None
    visceral_metastases: VisceralMetastases | None = None
    primary_site: PrimarySite | None = None
    primary_group: TokuhashiPrimaryGroup | None = None
    frankel: FrankelGrade | None = None

    def __post_init__(self) -> None:
        if self.karnofsky is not None:
            karnofsky_band(validate_karnofsky(self.karnofsky))
        set_ = object.__setattr__
        set_(
            self,
            "extraspinal_bone_metastases",
            coerce_int(
                self.extraspinal_bone_metastases,
                "extraspinal_bone_metastases",
                "Number of extraspinal bone metastases",
                minimum=0,
            ),
        )
        set_(
            self,
            "vertebral_body_metastases",
            coerce_int(
                self.vertebral_body_metastases,
                "vertebral_body_metastases",
                "Number of vertebral body metastases",
                minimum=1,
            ),
        )
        set_(
            self,
            "visceral_metastases",
            coerce_enum(
                self.visceral_metastases,
                VisceralMetastases,
                "visceral_metastases",
                "Metastases to major internal organs",
            ),
        )
        set_(
            self,
            "primary_site",
            coerce_enum(self.primary_site, PrimarySite, "primary_site", "Primary site"),
        )
        set_(
            self,
            "primary_group",
            coerce_enum(
                self.primary_group,
                TokuhashiPrimaryGroup,
                "primary_group",
                "Tokuhashi primary group",
            ),
        )
        set_(self, "frankel", parse_frankel(self.frankel))


MISSING_NAMES: dict[str, str] = {
    "karnofsky": "general condition (Karnofsky)",
    "extraspinal_bone_metastases": "extraspinal bone metastases",
    "vertebral_body_metastases": "metastases in the vertebral body",
    "visceral_metastases": "metastases to major internal organs",
    "primary_site": "primary site",
    "frankel": "palsy (Frankel)",
}
"""Plain-English name of each input, as listed in ``missing``."""


def _primary_component(inputs: TokuhashiInputs) -> ScoreComponent:
    group = inputs.primary_group
    if group is not None:
        finding = f"{group.label} (chosen by the board)"
    elif inputs.primary_site is not None:
        group = tokuhashi_group(inputs.primary_site)
        finding = f"{inputs.primary_site.label}: {group.label}"
    else:
        return ScoreComponent("primary site", None, None, "primary_site")
    return ScoreComponent("primary site", finding, group.points, "primary_site")


def calculate_tokuhashi(inputs: TokuhashiInputs) -> ScoreResult:
    """Compute the revised Tokuhashi score.

    Parameters
    ----------
    inputs:
        The six parameters; any may be unknown.

    Returns
    -------
    ScoreResult
        Total 0-15 with its survival band, or incomplete naming the missing inputs.
    """
    components: list[ScoreComponent] = []
    if inputs.karnofsky is None:
        components.append(ScoreComponent("general condition", None, None, "karnofsky"))
    else:
        band = karnofsky_band(inputs.karnofsky)
        components.append(
            ScoreComponent(
                "general condition",
                f"Karnofsky {inputs.karnofsky}%: {band.label}",
                band.points,
                "karnofsky",
            )
        )
    foci = inputs.extraspinal_bone_metastases
    components.append(
        ScoreComponent(
            "extraspinal bone metastases",
            None if foci is None else f"{foci} foci",
            None if foci is None else extraspinal_bone_points(foci),
            "extraspinal_bone_metastases",
        )
    )
    bodies = inputs.vertebral_body_metastases
    components.append(
        ScoreComponent(
            "metastases in the vertebral body",
            None if bodies is None else f"{bodies} vertebral bodies",
            None if bodies is None else vertebral_body_points(bodies),
            "vertebral_body_metastases",
        )
    )
    visceral = inputs.visceral_metastases
    components.append(
        ScoreComponent(
            "metastases to major internal organs",
            None if visceral is None else visceral.label,
            None if visceral is None else visceral_points(visceral),
            "visceral_metastases",
        )
    )
    components.append(_primary_component(inputs))
    frankel = inputs.frankel
    components.append(
        ScoreComponent(
            "palsy",
            None
            if frankel is None
            else f"Frankel {frankel.value}: {frankel.tokuhashi_palsy_label}",
            None if frankel is None else frankel.tokuhashi_palsy_points,
            "frankel",
        )
    )
    missing = tuple(MISSING_NAMES[c.input_key] for c in components if c.points is None)
    complete = not missing
    total = sum(c.points for c in components if c.points is not None) if complete else None
    band_ = None if total is None else tokuhashi_band(total)
    return ScoreResult(
        algorithm_id=ALGORITHM_ID,
        name=NAME,
        source=SOURCE,
        components=tuple(components),
        total=total,
        category=None if band_ is None else band_.label,
        category_detail=None if band_ is None else band_.detail,
        complete=complete,
        missing=missing,
        inputs=input_pairs(inputs),
    )
