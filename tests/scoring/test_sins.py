"""SINS (Fisher 2010): every row of the table, all 29 levels, both sides of each cut-off."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.cases.levels import ALL_LEVELS, VertebralLevel
from board.errors import ValidationError
from board.scoring.common import ScoreResult
from board.scoring.sins import (
    Alignment,
    BoneLesion,
    Collapse,
    Posterolateral,
    SinsCategory,
    SinsInputs,
    SinsLocation,
    SinsPain,
    calculate_sins,
    location_for_level,
    most_unstable,
    sins_category,
)

# Written out from REFERENCE.md, independently of the implementation's table.
EXPECTED_LEVEL_POINTS: dict[str, int] = {
    "C1": 3, "C2": 3,
    "C3": 2, "C4": 2, "C5": 2, "C6": 2,
    "C7": 3, "T1": 3, "T2": 3,
    "T3": 1, "T4": 1, "T5": 1, "T6": 1, "T7": 1, "T8": 1, "T9": 1, "T10": 1,
    "T11": 3, "T12": 3, "L1": 3,
    "L2": 2, "L3": 2, "L4": 2,
    "L5": 3, "S1": 3,
    "S2": 0, "S3": 0, "S4": 0, "S5": 0,
}  # fmt: skip
POINTS_TO_LOCATION = {
    3: SinsLocation.JUNCTIONAL,
    2: SinsLocation.MOBILE,
    1: SinsLocation.SEMI_RIGID,
    0: SinsLocation.RIGID,
}

# A zero-point lesion: rigid sacrum, pain-free, blastic, normal, no collapse, no
# posterolateral involvement.
ZERO = {
    "level": "S3",
    "pain": SinsPain.PAIN_FREE,
    "bone_lesion": BoneLesion.BLASTIC,
    "alignment": Alignment.NORMAL,
    "collapse": Collapse.NONE,
    "posterolateral": Posterolateral.NONE,
}

COMPONENT_ROWS = [
    ("pain", SinsPain.MECHANICAL, 3),
    ("pain", SinsPain.OCCASIONAL, 1),
    ("pain", SinsPain.PAIN_FREE, 0),
    ("bone_lesion", BoneLesion.LYTIC, 2),
    ("bone_lesion", BoneLesion.MIXED, 1),
    ("bone_lesion", BoneLesion.BLASTIC, 0),
    ("alignment", Alignment.SUBLUXATION_TRANSLATION, 4),
    ("alignment", Alignment.DE_NOVO_DEFORMITY, 2),
    ("alignment", Alignment.NORMAL, 0),
    ("collapse", Collapse.OVER_50, 3),
    ("collapse", Collapse.UNDER_50, 2),
    ("collapse", Collapse.NO_COLLAPSE_OVER_50_INVOLVED, 1),
    ("collapse", Collapse.NONE, 0),
    ("posterolateral", Posterolateral.BILATERAL, 3),
    ("posterolateral", Posterolateral.UNILATERAL, 1),
    ("posterolateral", Posterolateral.NONE, 0),
]

MISSING = {
    "level": "location (vertebral level)",
    "pain": "pain",
    "bone_lesion": "bone lesion",
    "alignment": "radiographic alignment",
    "collapse": "vertebral body collapse",
    "posterolateral": "posterolateral involvement",
}


def lesion(**changes: object) -> SinsInputs:
    data = dict(ZERO)
    data.update(changes)
    return SinsInputs(**data)  # type: ignore[arg-type]


def test_level_table_covers_all_29_levels() -> None:
    assert len(EXPECTED_LEVEL_POINTS) == 29
    assert [str(level) for level in ALL_LEVELS] == list(EXPECTED_LEVEL_POINTS)


@pytest.mark.parametrize(("level", "points"), list(EXPECTED_LEVEL_POINTS.items()))
def test_location_of_every_level(level: str, points: int) -> None:
    assert location_for_level(level) is POINTS_TO_LOCATION[points]
    assert location_for_level(VertebralLevel.parse(level)) is POINTS_TO_LOCATION[points]
    result = calculate_sins(lesion(level=level))
    assert result.total == points
    assert result.components[0].points == points
    assert result.components[0].finding_label is not None
    assert result.components[0].finding_label.startswith(level + ":")
    assert result.level == level


@pytest.mark.parametrize(
    "text",
    ["Co1", "co2", "coccyx", "Cx1", "C0", "C8", "T0", "T13", "L0", "L6", "S0", "S6", "X1", "",
     "T", "7", "T7.5", "T-", "spine"],
)  # fmt: skip
def test_rejects_coccyx_and_garbage(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        location_for_level(text)
    assert info.value.field == "level"
    assert info.value.message
    with pytest.raises(ValidationError):
        SinsInputs(level=text)  # type: ignore[arg-type]


def test_coccyx_message_names_the_coccyx() -> None:
    with pytest.raises(ValidationError, match="coccyx"):
        location_for_level("Co1")


def test_rejects_non_text_level() -> None:
    with pytest.raises(ValidationError):
        SinsInputs(level=7)  # type: ignore[arg-type]


def test_zero_lesion_is_zero() -> None:
    result = calculate_sins(lesion())
    assert result.total == 0
    assert result.complete


@pytest.mark.parametrize(("key", "value", "points"), COMPONENT_ROWS)
def test_every_component_row(key: str, value: object, points: int) -> None:
    result = calculate_sins(lesion(**{key: value}))
    assert result.complete
    assert result.total == points
    component = next(c for c in result.components if c.input_key == key)
    assert component.points == points
    assert component.finding_label == value.label  # type: ignore[attr-defined]


@pytest.mark.parametrize(("key", "value", "points"), COMPONENT_ROWS)
def test_component_rows_accept_stored_values(key: str, value: object, points: int) -> None:
    raw = value.value  # type: ignore[attr-defined]
    assert calculate_sins(lesion(**{key: raw})).total == points
    assert calculate_sins(lesion(**{key: raw.upper()})).total == points


def test_reference_labels() -> None:
    assert SinsPain.MECHANICAL.label.startswith("mechanical pain (relief when recumbent")
    assert SinsPain.OCCASIONAL.label == "occasional pain, not mechanical"
    assert Collapse.NO_COLLAPSE_OVER_50_INVOLVED.label == (
        "no collapse with more than 50% of the body involved"
    )
    assert Alignment.DE_NOVO_DEFORMITY.label == "de novo deformity (kyphosis or scoliosis)"


@pytest.mark.parametrize(
    ("key", "value"),
    [("pain", "sometimes"), ("bone_lesion", "sclerotic"), ("alignment", "bad"),
     ("collapse", "60%"), ("posterolateral", "both"), ("pain", 3)],
)  # fmt: skip
def test_rejects_unknown_findings(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        lesion(**{key: value})
    assert info.value.field == key


# Cut-offs: explicit lesions with known totals.
CUTOFF_CASES = [
    # total, inputs, category, consultation advised
    (0, {}, SinsCategory.STABLE, False),
    (6, {"level": "T7", "pain": SinsPain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC},
     SinsCategory.STABLE, False),
    (7, {"level": "L3", "pain": SinsPain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC},
     SinsCategory.POTENTIALLY_UNSTABLE, True),
    (12, {"level": "T12", "pain": SinsPain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC,
          "alignment": Alignment.DE_NOVO_DEFORMITY, "collapse": Collapse.UNDER_50},
     SinsCategory.POTENTIALLY_UNSTABLE, True),
    (13, {"level": "T12", "pain": SinsPain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC,
          "alignment": Alignment.DE_NOVO_DEFORMITY, "collapse": Collapse.OVER_50},
     SinsCategory.UNSTABLE, True),
    (18, {"level": "C2", "pain": SinsPain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC,
          "alignment": Alignment.SUBLUXATION_TRANSLATION, "collapse": Collapse.OVER_50,
          "posterolateral": Posterolateral.BILATERAL},
     SinsCategory.UNSTABLE, True),
]  # fmt: skip


@pytest.mark.parametrize(("total", "changes", "category", "consult"), CUTOFF_CASES)
def test_cutoffs(
    total: int, changes: dict[str, object], category: SinsCategory, consult: bool
) -> None:
    result = calculate_sins(lesion(**changes))
    assert result.total == total
    assert result.category == category.label
    assert result.category_detail == category.detail
    assert result.category_enum is category
    assert result.surgical_consultation_advised is consult
    assert result.summary() == f"{total}: {category.label}"


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, "stable"), (6, "stable"), (7, "potentially_unstable"), (12, "potentially_unstable"),
     (13, "unstable"), (18, "unstable")],
)  # fmt: skip
def test_category_bands(total: int, expected: str) -> None:
    assert sins_category(total).value == expected


def test_category_texts() -> None:
    assert sins_category(6).label == "stable"
    assert sins_category(7).label == "potentially unstable (indeterminate)"
    assert sins_category(13).label == "unstable"


@pytest.mark.parametrize("total", [-1, 19, True, 7.0, "7"])
def test_category_rejects_out_of_range(total: object) -> None:
    with pytest.raises(ValidationError):
        sins_category(total)  # type: ignore[arg-type]


def test_category_monotonic_over_every_total() -> None:
    ranks = [sins_category(t).rank for t in range(19)]
    assert ranks == sorted(ranks)
    assert ranks.count(0) == 7 and ranks.count(1) == 6 and ranks.count(2) == 6


@pytest.mark.parametrize("key", list(MISSING))
def test_one_unknown_input_makes_it_incomplete(key: str) -> None:
    result = calculate_sins(lesion(**{key: None}))
    assert not result.complete
    assert result.total is None
    assert result.category is None
    assert result.category_detail is None
    assert result.missing == (MISSING[key],)
    assert result.summary() == f"incomplete: missing {MISSING[key]}"


def test_all_unknown_names_everything_in_order() -> None:
    result = calculate_sins(SinsInputs())
    assert result.missing == tuple(MISSING.values())
    assert result.total is None
    assert result.surgical_consultation_advised is None
    assert result.summary() == "incomplete: missing " + ", ".join(MISSING.values())


def test_incomplete_lesion_advises_consultation_once_known_points_reach_7() -> None:
    # junctional 3 + subluxation 4 = 7 already; the unknown findings can only add.
    result = calculate_sins(SinsInputs(level="T12", alignment=Alignment.SUBLUXATION_TRANSLATION))
    assert not result.complete and result.total is None
    assert result.surgical_consultation_advised is True
    six = calculate_sins(SinsInputs(level="T7", alignment=Alignment.SUBLUXATION_TRANSLATION,
                                    bone_lesion=BoneLesion.MIXED))  # fmt: skip
    assert six.surgical_consultation_advised is None


def test_storage_round_trip() -> None:
    inputs = lesion(level="L1", pain=SinsPain.MECHANICAL, collapse=Collapse.OVER_50)
    result = calculate_sins(inputs)
    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["algorithm_id"] == "sins@fisher2010"
    assert stored["inputs"] == {
        "level": "L1",
        "pain": "mechanical",
        "bone_lesion": "blastic",
        "alignment": "normal",
        "collapse": "over_50",
        "posterolateral": "none",
    }
    assert stored["result"]["total"] == 9
    assert stored["result"]["surgical_consultation_advised"] is True
    assert stored["result"]["category_code"] == "potentially_unstable"
    assert SinsInputs.from_dict(stored["inputs"]) == inputs
    back = ScoreResult.from_dict(stored)
    assert back.total == 9
    assert back.components == result.components
    assert back.summary() == result.summary()
    assert "Spine 2010;35(22):E1221-9" in back.source


# Case level --------------------------------------------------------------------------


def test_most_unstable_lesion_drives_the_case() -> None:
    t7 = calculate_sins(lesion(level="T7", pain=SinsPain.MECHANICAL))  # 4
    l1 = calculate_sins(lesion(level="L1", bone_lesion=BoneLesion.LYTIC,
                               collapse=Collapse.OVER_50))  # 8  # fmt: skip
    s2 = calculate_sins(lesion(level="S2"))  # 0
    case = most_unstable([t7, l1, s2])
    assert case.driving is l1
    assert case.complete
    assert case.total == 8
    assert case.category == "potentially unstable (indeterminate)"
    assert case.surgical_consultation_advised is True
    assert case.summary() == "L1 SINS 8: potentially unstable (indeterminate)"


def test_ties_go_to_the_most_cranial_level() -> None:
    l3 = calculate_sins(lesion(level="L3"))  # 2
    c4 = calculate_sins(lesion(level="C4"))  # 2
    assert most_unstable([l3, c4]).driving is c4
    assert most_unstable([c4, l3]).driving is c4


def test_stable_case_does_not_advise_consultation() -> None:
    case = most_unstable([calculate_sins(lesion(level="T5"))])
    assert case.complete and case.total == 1 and case.surgical_consultation_advised is False


def test_incomplete_lesion_keeps_the_case_incomplete() -> None:
    scored = calculate_sins(lesion(level="T7"))
    unscored = calculate_sins(SinsInputs(level="T12", pain=SinsPain.MECHANICAL))
    case = most_unstable([scored, unscored])
    assert not case.complete
    assert case.total is None and case.category is None
    assert case.driving is scored
    assert case.incomplete_lesions == (unscored,)
    assert case.summary().startswith("incomplete: missing T12 (bone lesion")
    assert case.surgical_consultation_advised is None


def test_no_lesion() -> None:
    case = most_unstable([])
    assert case.driving is None and not case.complete and case.total is None
    assert case.summary() == "incomplete: missing no lesion scored"


# Properties --------------------------------------------------------------------------

levels = st.sampled_from([*ALL_LEVELS, None])
pains = st.sampled_from([*SinsPain, None])
bones = st.sampled_from([*BoneLesion, None])
alignments = st.sampled_from([*Alignment, None])
collapses = st.sampled_from([*Collapse, None])
posteriors = st.sampled_from([*Posterolateral, None])
sins_inputs = st.builds(
    SinsInputs,
    level=levels,
    pain=pains,
    bone_lesion=bones,
    alignment=alignments,
    collapse=collapses,
    posterolateral=posteriors,
)


@given(sins_inputs)
def test_property_total_range_sum_and_completeness(inputs: SinsInputs) -> None:
    result = calculate_sins(inputs)
    values = [inputs.level, inputs.pain, inputs.bone_lesion, inputs.alignment, inputs.collapse,
              inputs.posterolateral]  # fmt: skip
    unknown = sum(v is None for v in values)
    assert result.complete is (unknown == 0)
    assert len(result.missing) == unknown
    if unknown:
        assert result.total is None and result.category is None
        assert result.summary().startswith("incomplete: missing ")
    else:
        assert result.total is not None
        assert 0 <= result.total <= 18
        assert result.total == sum(c.points for c in result.components if c.points is not None)
        assert result.surgical_consultation_advised is (result.total >= 7)
        assert result.category == sins_category(result.total).label


@given(st.integers(0, 18), st.integers(0, 18))
def test_property_category_monotonic(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert sins_category(low).rank <= sins_category(high).rank


@given(st.lists(sins_inputs, min_size=1, max_size=6))
def test_property_case_driver_has_the_highest_complete_total(lesions: list[SinsInputs]) -> None:
    results = [calculate_sins(x) for x in lesions]
    case = most_unstable(results)
    totals = [r.total for r in results if r.total is not None]
    if totals:
        assert case.driving is not None and case.driving.total == max(totals)
    else:
        assert case.driving is None
    assert case.complete is all(r.complete for r in results)
