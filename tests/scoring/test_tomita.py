"""Tomita score (2001): every row, every combination, both sides of each cut-off."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.errors import ValidationError
from board.scoring.primary import TOMITA_GROWTH_ROWS, PrimarySite, TomitaGrowth, VisceralMetastases
from board.scoring.tomita import (
    BoneMetastases,
    TomitaBand,
    TomitaInputs,
    calculate_tomita,
    tomita_band,
)

GROWTH_POINTS = {TomitaGrowth.SLOW: 1, TomitaGrowth.MODERATE: 2, TomitaGrowth.RAPID: 4}
VISCERAL_POINTS = {
    VisceralMetastases.NONE: 0,
    VisceralMetastases.TREATABLE: 2,
    VisceralMetastases.UNTREATABLE: 4,
}
BONE_POINTS = {BoneMetastases.SOLITARY: 1, BoneMetastases.MULTIPLE: 2}
BAND_BY_TOTAL = {
    2: "long_term", 3: "long_term", 4: "middle_term", 5: "middle_term",
    6: "short_term", 7: "short_term", 8: "supportive", 9: "supportive", 10: "supportive",
}  # fmt: skip
# Sites the paper names (REFERENCE.md), plus lung subtypes and the cervix uteri.
SITE_GROWTH = {
    PrimarySite.BREAST: TomitaGrowth.SLOW,
    PrimarySite.THYROID: TomitaGrowth.SLOW,
    PrimarySite.PROSTATE: TomitaGrowth.SLOW,
    PrimarySite.KIDNEY: TomitaGrowth.MODERATE,
    PrimarySite.UTERUS: TomitaGrowth.MODERATE,
    PrimarySite.CERVIX: TomitaGrowth.MODERATE,
    PrimarySite.LUNG_NSCLC: TomitaGrowth.RAPID,
    PrimarySite.LUNG_SCLC: TomitaGrowth.RAPID,
    PrimarySite.LIVER: TomitaGrowth.RAPID,
    PrimarySite.STOMACH: TomitaGrowth.RAPID,
    PrimarySite.COLON: TomitaGrowth.RAPID,
    PrimarySite.UNKNOWN_PRIMARY: TomitaGrowth.RAPID,
}


@pytest.mark.parametrize(
    ("growth", "visceral", "bone"),
    list(itertools.product(TomitaGrowth, VisceralMetastases, BoneMetastases)),
)
def test_every_combination(
    growth: TomitaGrowth, visceral: VisceralMetastases, bone: BoneMetastases
) -> None:
    result = calculate_tomita(
        TomitaInputs(primary_growth=growth, visceral_metastases=visceral, bone_metastases=bone)
    )
    expected = GROWTH_POINTS[growth] + VISCERAL_POINTS[visceral] + BONE_POINTS[bone]
    assert result.complete
    assert result.total == expected
    assert [c.points for c in result.components] == [
        GROWTH_POINTS[growth], VISCERAL_POINTS[visceral], BONE_POINTS[bone]
    ]  # fmt: skip
    assert result.category == TomitaBand(BAND_BY_TOTAL[expected]).label


@pytest.mark.parametrize(("site", "growth"), list(SITE_GROWTH.items()))
def test_named_sites(site: PrimarySite, growth: TomitaGrowth) -> None:
    result = calculate_tomita(
        TomitaInputs(
            primary_site=site,
            visceral_metastases=VisceralMetastases.NONE,
            bone_metastases=BoneMetastases.SOLITARY,
        )
    )
    assert result.total == GROWTH_POINTS[growth] + 1
    assert result.components[0].finding_label == f"{site.label}: {growth.label}"


def test_mapping_table_matches() -> None:
    assert {site: growth for site, growth, _ in TOMITA_GROWTH_ROWS} == SITE_GROWTH


@pytest.mark.parametrize("site", [s for s in PrimarySite if s not in SITE_GROWTH])
def test_unclassified_sites_need_the_board(site: PrimarySite) -> None:
    partial = TomitaInputs(
        primary_site=site,
        visceral_metastases=VisceralMetastases.NONE,
        bone_metastases=BoneMetastases.SOLITARY,
    )
    result = calculate_tomita(partial)
    assert not result.complete and result.total is None
    assert len(result.missing) == 1
    assert site.label in result.missing[0]
    assert "choose slow, moderate or rapid" in result.missing[0]
    chosen = calculate_tomita(
        TomitaInputs(
            primary_site=site,
            primary_growth=TomitaGrowth.MODERATE,
            visceral_metastases=VisceralMetastases.NONE,
            bone_metastases=BoneMetastases.SOLITARY,
        )
    )
    assert chosen.total == 3


def test_board_growth_overrides_the_site_mapping() -> None:
    result = calculate_tomita(
        TomitaInputs(
            primary_site=PrimarySite.BREAST,
            primary_growth=TomitaGrowth.RAPID,
            visceral_metastases=VisceralMetastases.NONE,
            bone_metastases=BoneMetastases.SOLITARY,
        )
    )
    assert result.total == 5


@pytest.mark.parametrize(
    ("total", "band", "detail_part"),
    [(2, "long_term", "wide or marginal excision"), (3, "long_term", "wide or marginal"),
     (4, "middle_term", "marginal or intralesional excision"),
     (5, "middle_term", "middle-term"), (6, "short_term", "palliative surgery"),
     (7, "short_term", "short-term palliation"),
     (8, "supportive", "non-operative supportive care"), (10, "supportive", "supportive")],
)  # fmt: skip
def test_cutoffs(total: int, band: str, detail_part: str) -> None:
    assert tomita_band(total) is TomitaBand(band)
    assert detail_part in TomitaBand(band).detail


@pytest.mark.parametrize("total", [0, 1, 11, True, "5"])
def test_band_rejects_out_of_range(total: object) -> None:
    with pytest.raises(ValidationError):
        tomita_band(total)  # type: ignore[arg-type]


def test_band_monotonic_over_every_total() -> None:
    ranks = [tomita_band(t).rank for t in range(2, 11)]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == 3


MISSING_CASES = [
    ({"visceral_metastases": None}, ("visceral metastases",)),
    ({"bone_metastases": None}, ("bone metastases",)),
    ({"primary_site": None}, ("primary tumour",)),
    ({"primary_site": None, "visceral_metastases": None, "bone_metastases": None},
     ("primary tumour", "visceral metastases", "bone metastases")),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "missing"), MISSING_CASES)
def test_unknown_inputs(changes: dict[str, object], missing: tuple[str, ...]) -> None:
    data: dict[str, object] = {
        "primary_site": PrimarySite.KIDNEY,
        "visceral_metastases": VisceralMetastases.TREATABLE,
        "bone_metastases": BoneMetastases.MULTIPLE,
    }
    data.update(changes)
    result = calculate_tomita(TomitaInputs(**data))  # type: ignore[arg-type]
    assert not result.complete
    assert result.total is None and result.category is None
    assert result.missing == missing
    assert result.summary() == "incomplete: missing " + ", ".join(missing)


@pytest.mark.parametrize(
    ("key", "value"),
    [("primary_site", "spleen"), ("primary_growth", "fast"), ("visceral_metastases", 1),
     ("bone_metastases", "two")],
)  # fmt: skip
def test_rejects_unknown_values(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        TomitaInputs(**{key: value})  # type: ignore[arg-type]
    assert info.value.field == key


def test_stored_form() -> None:
    inputs = TomitaInputs("kidney", None, "treatable", "multiple")  # type: ignore[arg-type]
    stored = json.loads(json.dumps(calculate_tomita(inputs).to_dict()))
    assert stored["algorithm_id"] == "tomita@2001"
    assert stored["result"]["total"] == 6
    assert stored["result"]["category"] == "short-term palliation"
    assert TomitaInputs.from_dict(stored["inputs"]) == inputs


tomita_inputs = st.builds(
    TomitaInputs,
    primary_site=st.sampled_from([None, *PrimarySite]),
    primary_growth=st.sampled_from([None, *TomitaGrowth]),
    visceral_metastases=st.sampled_from([None, *VisceralMetastases]),
    bone_metastases=st.sampled_from([None, *BoneMetastases]),
)


@given(tomita_inputs)
def test_property_range_and_completeness(data: TomitaInputs) -> None:
    result = calculate_tomita(data)
    growth_known = data.primary_growth is not None or (
        data.primary_site is not None and data.primary_site in SITE_GROWTH
    )
    complete = (
        growth_known and data.visceral_metastases is not None and (data.bone_metastases is not None)
    )
    assert result.complete is complete
    if complete:
        assert result.total is not None and 2 <= result.total <= 10
        assert result.total == sum(c.points for c in result.components if c.points is not None)
    else:
        assert result.total is None and result.category is None and result.missing


@given(st.integers(2, 10), st.integers(2, 10))
def test_property_band_monotonic(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert tomita_band(low).rank <= tomita_band(high).rank
