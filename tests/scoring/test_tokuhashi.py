"""Revised Tokuhashi score (2005): every row of the table and both sides of each cut-off."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.errors import ValidationError
from board.scoring.neuro import FrankelGrade
from board.scoring.primary import (
    TOKUHASHI_PRIMARY_ROWS,
    PrimarySite,
    TokuhashiPrimaryGroup,
    VisceralMetastases,
)
from board.scoring.tokuhashi import (
    TokuhashiBand,
    TokuhashiInputs,
    calculate_tokuhashi,
    tokuhashi_band,
)

# Every parameter at 0 points.
ZERO = {
    "karnofsky": 10,
    "extraspinal_bone_metastases": 3,
    "vertebral_body_metastases": 3,
    "visceral_metastases": VisceralMetastases.UNTREATABLE,
    "primary_site": PrimarySite.LUNG_NSCLC,
    "frankel": FrankelGrade.A,
}
MISSING = {
    "karnofsky": "general condition (Karnofsky)",
    "extraspinal_bone_metastases": "extraspinal bone metastases",
    "vertebral_body_metastases": "metastases in the vertebral body",
    "visceral_metastases": "metastases to major internal organs",
    "primary_site": "primary site",
    "frankel": "palsy (Frankel)",
}

# Expected points for every primary site, from the paper's groups.
SITE_POINTS = {
    PrimarySite.LUNG_NSCLC: 0, PrimarySite.LUNG_SCLC: 0, PrimarySite.OSTEOSARCOMA: 0,
    PrimarySite.STOMACH: 0, PrimarySite.BLADDER: 0, PrimarySite.OESOPHAGUS: 0,
    PrimarySite.PANCREAS: 0,
    PrimarySite.LIVER: 1, PrimarySite.GALLBLADDER: 1, PrimarySite.UNKNOWN_PRIMARY: 1,
    PrimarySite.COLON: 2, PrimarySite.OVARY: 2, PrimarySite.MELANOMA: 2,
    PrimarySite.SARCOMA: 2, PrimarySite.LYMPHOMA: 2, PrimarySite.MYELOMA: 2,
    PrimarySite.SEMINOMA: 2, PrimarySite.HEAD_AND_NECK: 2, PrimarySite.OTHER: 2,
    PrimarySite.KIDNEY: 3, PrimarySite.UTERUS: 3, PrimarySite.CERVIX: 3,
    PrimarySite.RECTUM: 4,
    PrimarySite.THYROID: 5, PrimarySite.BREAST: 5, PrimarySite.PROSTATE: 5,
    PrimarySite.NEUROENDOCRINE: 5,
}  # fmt: skip

ROWS = [
    # (input key, value, points): every row of the REFERENCE.md table
    ("karnofsky", 10, 0), ("karnofsky", 20, 0), ("karnofsky", 30, 0), ("karnofsky", 40, 0),
    ("karnofsky", 50, 1), ("karnofsky", 60, 1), ("karnofsky", 70, 1),
    ("karnofsky", 80, 2), ("karnofsky", 90, 2), ("karnofsky", 100, 2),
    ("extraspinal_bone_metastases", 3, 0), ("extraspinal_bone_metastases", 7, 0),
    ("extraspinal_bone_metastases", 1, 1), ("extraspinal_bone_metastases", 2, 1),
    ("extraspinal_bone_metastases", 0, 2),
    ("vertebral_body_metastases", 3, 0), ("vertebral_body_metastases", 9, 0),
    ("vertebral_body_metastases", 2, 1), ("vertebral_body_metastases", 1, 2),
    ("visceral_metastases", VisceralMetastases.UNTREATABLE, 0),
    ("visceral_metastases", VisceralMetastases.TREATABLE, 1),
    ("visceral_metastases", VisceralMetastases.NONE, 2),
    ("frankel", FrankelGrade.A, 0), ("frankel", FrankelGrade.B, 0),
    ("frankel", FrankelGrade.C, 1), ("frankel", FrankelGrade.D, 1),
    ("frankel", FrankelGrade.E, 2),
]  # fmt: skip


def inputs(**changes: object) -> TokuhashiInputs:
    data = dict(ZERO)
    data.update(changes)
    return TokuhashiInputs(**data)  # type: ignore[arg-type]


def test_zero() -> None:
    result = calculate_tokuhashi(inputs())
    assert result.complete and result.total == 0


@pytest.mark.parametrize(("key", "value", "points"), ROWS)
def test_every_row(key: str, value: object, points: int) -> None:
    result = calculate_tokuhashi(inputs(**{key: value}))
    assert result.total == points
    component = next(c for c in result.components if c.input_key == key)
    assert component.points == points
    assert component.finding_label


def test_site_table_covers_every_site() -> None:
    assert set(SITE_POINTS) == set(PrimarySite)
    assert [row[0] for row in TOKUHASHI_PRIMARY_ROWS].count(PrimarySite.BREAST) == 1
    assert {row[0] for row in TOKUHASHI_PRIMARY_ROWS} == set(PrimarySite)


@pytest.mark.parametrize(("site", "points"), list(SITE_POINTS.items()))
def test_every_primary_site(site: PrimarySite, points: int) -> None:
    result = calculate_tokuhashi(inputs(primary_site=site))
    assert result.total == points
    assert result.components[4].finding_label is not None
    assert result.components[4].finding_label.startswith(site.label)


@pytest.mark.parametrize(
    ("group", "points", "label"),
    [(TokuhashiPrimaryGroup.LUNG_OSTEOSARCOMA_STOMACH_BLADDER_OESOPHAGUS_PANCREAS, 0,
      "lung, osteosarcoma, stomach, bladder, oesophagus, pancreas"),
     (TokuhashiPrimaryGroup.LIVER_GALLBLADDER_UNIDENTIFIED, 1,
      "liver, gallbladder, unidentified"),
     (TokuhashiPrimaryGroup.OTHERS, 2, "others"),
     (TokuhashiPrimaryGroup.KIDNEY_UTERUS, 3, "kidney, uterus"),
     (TokuhashiPrimaryGroup.RECTUM, 4, "rectum"),
     (TokuhashiPrimaryGroup.THYROID_BREAST_PROSTATE_CARCINOID, 5,
      "thyroid, breast, prostate, carcinoid tumour")],
)  # fmt: skip
def test_primary_groups_and_board_override(
    group: TokuhashiPrimaryGroup, points: int, label: str
) -> None:
    assert group.points == points and group.label == label
    # the board's explicit group wins over the site mapping (breast would be 5)
    result = calculate_tokuhashi(inputs(primary_site=PrimarySite.BREAST, primary_group=group))
    assert result.total == points
    # and is enough on its own
    assert calculate_tokuhashi(inputs(primary_site=None, primary_group=group)).total == points


CUTOFFS = [
    (0, {}, TokuhashiBand.UNDER_6_MONTHS),
    (8, {"karnofsky": 80, "extraspinal_bone_metastases": 0, "vertebral_body_metastases": 1,
         "visceral_metastases": VisceralMetastases.NONE}, TokuhashiBand.UNDER_6_MONTHS),
    (9, {"karnofsky": 80, "extraspinal_bone_metastases": 0, "vertebral_body_metastases": 1,
         "visceral_metastases": VisceralMetastases.NONE, "frankel": FrankelGrade.C},
     TokuhashiBand.SIX_MONTHS_OR_MORE),
    (11, {"karnofsky": 50, "extraspinal_bone_metastases": 0, "vertebral_body_metastases": 2,
          "visceral_metastases": VisceralMetastases.TREATABLE,
          "primary_site": PrimarySite.BREAST, "frankel": FrankelGrade.D},
     TokuhashiBand.SIX_MONTHS_OR_MORE),
    (12, {"karnofsky": 80, "extraspinal_bone_metastases": 1, "vertebral_body_metastases": 1,
          "visceral_metastases": VisceralMetastases.NONE,
          "primary_site": PrimarySite.KIDNEY, "frankel": FrankelGrade.E},
     TokuhashiBand.ONE_YEAR_OR_MORE),
    (15, {"karnofsky": 100, "extraspinal_bone_metastases": 0, "vertebral_body_metastases": 1,
          "visceral_metastases": VisceralMetastases.NONE,
          "primary_site": PrimarySite.PROSTATE, "frankel": FrankelGrade.E},
     TokuhashiBand.ONE_YEAR_OR_MORE),
]  # fmt: skip


@pytest.mark.parametrize(("total", "changes", "band"), CUTOFFS)
def test_cutoffs(total: int, changes: dict[str, object], band: TokuhashiBand) -> None:
    result = calculate_tokuhashi(inputs(**changes))
    assert result.total == total
    assert result.category == band.label
    assert result.category_detail == band.detail
    assert tokuhashi_band(total) is band


def test_band_texts() -> None:
    assert tokuhashi_band(8).label == "predicted survival under 6 months"
    assert "conservative or palliative" in tokuhashi_band(8).detail
    assert tokuhashi_band(9).label == "predicted survival 6 months or more"
    assert tokuhashi_band(12).label == "predicted survival 1 year or more"
    assert "excisional surgery may be considered" in tokuhashi_band(12).detail


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, 0), (8, 0), (9, 1), (11, 1), (12, 2), (15, 2)],
)
def test_band_edges(total: int, band: int) -> None:
    assert tokuhashi_band(total).rank == band


@pytest.mark.parametrize("total", [-1, 16, True, "9"])
def test_band_rejects_out_of_range(total: object) -> None:
    with pytest.raises(ValidationError):
        tokuhashi_band(total)  # type: ignore[arg-type]


def test_karnofsky_zero_rejected() -> None:
    with pytest.raises(ValidationError, match="died") as info:
        inputs(karnofsky=0)
    assert info.value.field == "karnofsky"


@pytest.mark.parametrize(
    ("key", "value"),
    [("karnofsky", 55), ("karnofsky", 110), ("extraspinal_bone_metastases", -1),
     ("extraspinal_bone_metastases", 1.5), ("vertebral_body_metastases", 0),
     ("vertebral_body_metastases", True), ("visceral_metastases", "some"),
     ("primary_site", "spleen"), ("frankel", "F")],
)  # fmt: skip
def test_rejects_invalid_inputs(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        inputs(**{key: value})
    assert info.value.field == key


@pytest.mark.parametrize("key", list(MISSING))
def test_each_unknown_input(key: str) -> None:
    result = calculate_tokuhashi(inputs(**{key: None}))
    assert not result.complete
    assert result.total is None and result.category is None
    assert result.missing == (MISSING[key],)
    assert result.summary() == f"incomplete: missing {MISSING[key]}"


def test_all_unknown() -> None:
    result = calculate_tokuhashi(TokuhashiInputs())
    assert result.missing == tuple(MISSING.values())


def test_stored_form() -> None:
    result = calculate_tokuhashi(inputs(primary_site="breast", frankel="e"))
    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["algorithm_id"] == "tokuhashi@2005"
    assert stored["inputs"]["primary_site"] == "breast"
    assert stored["inputs"]["frankel"] == "E"
    assert stored["result"]["total"] == 7
    assert TokuhashiInputs.from_dict(stored["inputs"]) == result_inputs(result.inputs)


def result_inputs(pairs: tuple[tuple[str, object], ...]) -> TokuhashiInputs:
    return TokuhashiInputs.from_dict(dict(pairs))


tokuhashi_inputs = st.builds(
    TokuhashiInputs,
    karnofsky=st.sampled_from([None, *range(10, 101, 10)]),
    extraspinal_bone_metastases=st.none() | st.integers(0, 40),
    vertebral_body_metastases=st.none() | st.integers(1, 24),
    visceral_metastases=st.sampled_from([None, *VisceralMetastases]),
    primary_site=st.sampled_from([None, *PrimarySite]),
    primary_group=st.sampled_from([None, *TokuhashiPrimaryGroup]),
    frankel=st.sampled_from([None, *FrankelGrade]),
)


@given(tokuhashi_inputs)
def test_property_range_sum_and_completeness(data: TokuhashiInputs) -> None:
    result = calculate_tokuhashi(data)
    unknown = [
        data.karnofsky, data.extraspinal_bone_metastases, data.vertebral_body_metastases,
        data.visceral_metastases, data.primary_site or data.primary_group, data.frankel,
    ]  # fmt: skip
    n_unknown = sum(v is None for v in unknown)
    assert result.complete is (n_unknown == 0)
    assert len(result.missing) == n_unknown
    if result.complete:
        assert result.total is not None and 0 <= result.total <= 15
        assert result.total == sum(c.points for c in result.components if c.points is not None)
    else:
        assert result.total is None and result.category is None


@given(st.integers(0, 15), st.integers(0, 15))
def test_property_band_monotonic(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert tokuhashi_band(low).rank <= tokuhashi_band(high).rank
