"""The public scoring API (board.scoring): every row and cut-off through the facade."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board import scoring
from board.cases.levels import ALL_LEVELS
from board.scoring.escc import EsccGrade
from board.scoring.sins import SinsPain

SETTINGS = settings(max_examples=60)

LEVEL_POINTS = {
    "C1": 3, "C2": 3, "C3": 2, "C4": 2, "C5": 2, "C6": 2, "C7": 3, "T1": 3, "T2": 3,
    "T3": 1, "T4": 1, "T5": 1, "T6": 1, "T7": 1, "T8": 1, "T9": 1, "T10": 1,
    "T11": 3, "T12": 3, "L1": 3, "L2": 2, "L3": 2, "L4": 2, "L5": 3, "S1": 3,
    "S2": 0, "S3": 0, "S4": 0, "S5": 0,
}  # fmt: skip

# zero-point lesion apart from the component under test (S3 is rigid: 0 points)
ZERO = {
    "level": "S3",
    "pain": "none",
    "lesion": "blastic",
    "alignment": "normal",
    "collapse": "none",
    "posterolateral": "none",
}

SINS_ROWS = [
    ("pain", "mechanical", 3),
    ("pain", "occasional", 1),
    ("pain", "none", 0),
    ("lesion", "lytic", 2),
    ("lesion", "mixed", 1),
    ("lesion", "blastic", 0),
    ("alignment", "subluxation", 4),
    ("alignment", "deformity", 2),
    ("alignment", "normal", 0),
    ("collapse", "gt50", 3),
    ("collapse", "lt50", 2),
    ("collapse", "involved_gt50", 1),
    ("collapse", "none", 0),
    ("posterolateral", "bilateral", 3),
    ("posterolateral", "unilateral", 1),
    ("posterolateral", "none", 0),
]

PARAMS = ("level", "pain", "lesion", "alignment", "collapse", "posterolateral")
CHOICES = {
    "pain": ["mechanical", "occasional", "none"],
    "lesion": ["lytic", "mixed", "blastic"],
    "alignment": ["subluxation", "deformity", "normal"],
    "collapse": ["gt50", "lt50", "involved_gt50", "none"],
    "posterolateral": ["bilateral", "unilateral", "none"],
}
POINTS = {(field, value): pts for field, value, pts in SINS_ROWS}


def _sins(**overrides: object) -> scoring.Score:
    values = {**ZERO, **overrides}
    return scoring.sins(*(values[p] for p in PARAMS))


@pytest.mark.parametrize(("field", "value", "points"), SINS_ROWS)
def test_sins_every_row(field: str, value: str, points: int) -> None:
    result = _sins(**{field: value})
    assert result.total == points
    assert result.algorithm == "sins@fisher2010"
    (line,) = [c for c in result.components if c.input_key == field]
    assert line.points == points


@pytest.mark.parametrize("level", [str(lv) for lv in ALL_LEVELS])
def test_sins_all_29_levels(level: str) -> None:
    assert len(LEVEL_POINTS) == 29
    assert _sins(level=level).total == LEVEL_POINTS[level]


@pytest.mark.parametrize(
    ("overrides", "total", "code", "consult"),
    [
        # 6 | 7
        ({"level": "T7", "pain": "mechanical", "alignment": "deformity"}, 6, "stable", False),
        (
            {"level": "T7", "pain": "mechanical", "alignment": "deformity", "lesion": "mixed"},
            7,
            "potentially_unstable",
            True,
        ),
        # 12 | 13
        (
            {"level": "T12", "pain": "mechanical", "alignment": "subluxation", "lesion": "lytic"},
            12,
            "potentially_unstable",
            True,
        ),
        (
            {
                "level": "T12",
                "pain": "mechanical",
                "alignment": "subluxation",
                "lesion": "lytic",
                "posterolateral": "unilateral",
            },
            13,
            "unstable",
            True,
        ),
    ],
)
def test_sins_cut_offs(overrides: dict[str, str], total: int, code: str, consult: bool) -> None:
    result = _sins(**overrides)
    assert (result.total, result.category_code) == (total, code)
    assert result.result.surgical_consultation_advised is consult  # type: ignore[union-attr]


def test_sins_accepts_enum_members_and_unknown() -> None:
    assert _sins(pain=SinsPain.MECHANICAL).total == 3
    result = _sins(pain="unknown", collapse=None)
    assert result.total is None and result.category is None
    assert result.missing == ("pain", "collapse")
    assert result.summary() == "incomplete: missing pain, collapse"


@pytest.mark.parametrize("field", PARAMS)
def test_sins_bad_value_names_field_and_choices(field: str) -> None:
    with pytest.raises(ValueError, match=field) as info:
        _sins(**{field: "bogus"})
    if field != "level":
        for choice in CHOICES[field]:
            assert f"'{choice}'" in str(info.value)
        assert "'unknown'" in str(info.value)


def test_sins_rejects_coccyx() -> None:
    with pytest.raises(ValueError, match="coccyx"):
        _sins(level="Co1")


def test_result_is_frozen() -> None:
    result = _sins()
    with pytest.raises(AttributeError):
        result.total = 5  # type: ignore[misc]


@SETTINGS
@given(
    level=st.sampled_from([str(lv) for lv in ALL_LEVELS] + ["unknown"]),
    values=st.fixed_dictionaries({k: st.sampled_from([*v, "unknown"]) for k, v in CHOICES.items()}),
)
def test_sins_property_bounds_and_unknown(level: str, values: dict[str, str]) -> None:
    result = scoring.sins(level, **values)
    unknown = [p for p in PARAMS if ({"level": level} | values)[p] == "unknown"]
    assert list(result.missing) == unknown
    if unknown:
        assert result.total is None and result.category is None
    else:
        expected = LEVEL_POINTS[level] + sum(POINTS[(k, v)] for k, v in values.items())
        assert result.total == expected and 0 <= expected <= 18


@SETTINGS
@given(
    values=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CHOICES.items()}),
    field=st.sampled_from(sorted(CHOICES)),
)
def test_sins_property_monotone(values: dict[str, str], field: str) -> None:
    """A worse finding (earlier in the list) never lowers the total."""
    totals = [scoring.sins("T7", **{**values, field: choice}).total for choice in CHOICES[field]]
    assert totals == sorted(totals, reverse=True)  # type: ignore[type-var]


# ---------------------------------------------------------------------------
# ESCC
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "code"),
    [("0", "low"), ("1a", "low"), ("1b", "low"), ("1c", "borderline"), ("2", "high"),
     ("3", "high")],
)  # fmt: skip
def test_escc_every_grade(grade: str, code: str) -> None:
    result = scoring.escc(grade)
    assert result.category_code == code and result.total is None and not result.missing
    assert result.algorithm == "escc@bilsky2010"
    assert scoring.escc(EsccGrade(grade)).category_code == code


def test_escc_cut_offs_1b_1c_2() -> None:
    assert [scoring.escc(g).category_code for g in ("1b", "1c", "2")] == [
        "low",
        "borderline",
        "high",
    ]
    assert scoring.escc(3).category_code == "high" and scoring.escc("1C").category_code


def test_escc_of_several_levels() -> None:
    high = scoring.escc({"T8": "3", "T10": "unknown"})
    assert high.category == "high grade at T8 (ESCC 3)" and high.missing == ()
    assert high.category_code == "high" and high.complete
    assert high.algorithm == "escc-case@bilsky2010"
    assert high.result.ungraded_levels == ("T10",)  # type: ignore[union-attr]
    low = scoring.escc({"T8": "1c", "T10": None})
    assert low.category is None and low.missing == ("T10",) and not low.complete
    assert scoring.escc({"T8": 2, "T9": "1a"}).category == "high grade at T8 (ESCC 2)"
    assert scoring.escc({}).missing == ("grade",)
    with pytest.raises(ValueError, match=r"grade: .*'1a'"):
        scoring.escc({"T8": "4"})
    with pytest.raises(ValueError, match=r"grade: .*twice"):
        scoring.escc({"T8": "2", "t8": "3"})


def test_escc_unknown_and_bad() -> None:
    assert scoring.escc("unknown").missing == ("grade",)
    assert scoring.escc(None).category is None
    with pytest.raises(ValueError, match=r"grade: .*'1a'.*'unknown'"):
        scoring.escc("4")


# ---------------------------------------------------------------------------
# Tokuhashi
# ---------------------------------------------------------------------------

TOKU_ZERO = {
    "karnofsky": 10,
    "extraspinal_bone_foci": 3,
    "vertebral_metastases": 3,
    "visceral": "unremovable",
    "primary": "lung",
    "frankel": "A",
}
TOKU_PARAMS = tuple(TOKU_ZERO)
TOKU_ROWS = [
    ("karnofsky", 10, 0), ("karnofsky", 40, 0), ("karnofsky", 50, 1), ("karnofsky", 70, 1),
    ("karnofsky", 80, 2), ("karnofsky", 100, 2),
    ("extraspinal_bone_foci", 5, 0), ("extraspinal_bone_foci", 3, 0),
    ("extraspinal_bone_foci", 2, 1), ("extraspinal_bone_foci", 1, 1),
    ("extraspinal_bone_foci", 0, 2),
    ("vertebral_metastases", 4, 0), ("vertebral_metastases", 3, 0),
    ("vertebral_metastases", 2, 1), ("vertebral_metastases", 1, 2),
    ("visceral", "unremovable", 0), ("visceral", "removable", 1), ("visceral", "none", 2),
    ("primary", "lung", 0), ("primary", "osteosarcoma", 0), ("primary", "stomach", 0),
    ("primary", "bladder", 0), ("primary", "oesophagus", 0), ("primary", "pancreas", 0),
    ("primary", "liver", 1), ("primary", "gallbladder", 1), ("primary", "unidentified", 1),
    ("primary", "others", 2), ("primary", "kidney", 3), ("primary", "uterus", 3),
    ("primary", "rectum", 4), ("primary", "thyroid", 5), ("primary", "breast", 5),
    ("primary", "prostate", 5), ("primary", "carcinoid tumour", 5),
    ("frankel", "A", 0), ("frankel", "B", 0), ("frankel", "C", 1), ("frankel", "D", 1),
    ("frankel", "E", 2),
]  # fmt: skip


def _toku(**overrides: object) -> scoring.Score:
    values = {**TOKU_ZERO, **overrides}
    return scoring.tokuhashi(*(values[p] for p in TOKU_PARAMS))


@pytest.mark.parametrize(("field", "value", "points"), TOKU_ROWS)
def test_tokuhashi_every_row(field: str, value: object, points: int) -> None:
    result = _toku(**{field: value})
    assert result.total == points and result.algorithm == "tokuhashi@2005"


@pytest.mark.parametrize(
    ("overrides", "total", "code"),
    [
        ({"karnofsky": 80, "extraspinal_bone_foci": 0, "vertebral_metastases": 1,
          "visceral": "none"}, 8, "under_6_months"),
        ({"karnofsky": 80, "extraspinal_bone_foci": 0, "vertebral_metastases": 1,
          "visceral": "none", "frankel": "C"}, 9, "6_months_or_more"),
        ({"karnofsky": 80, "extraspinal_bone_foci": 0, "vertebral_metastases": 1,
          "visceral": "none", "primary": "kidney"}, 11, "6_months_or_more"),
        ({"karnofsky": 80, "extraspinal_bone_foci": 0, "vertebral_metastases": 1,
          "visceral": "none", "primary": "rectum"}, 12, "1_year_or_more"),
    ],
)  # fmt: skip
def test_tokuhashi_cut_offs(overrides: dict[str, object], total: int, code: str) -> None:
    result = _toku(**overrides)
    assert (result.total, result.category_code) == (total, code)


def test_tokuhashi_karnofsky_40_50_70_80() -> None:
    points = [_toku(karnofsky=k).total for k in (40, 50, 70, 80)]
    assert points == [0, 1, 1, 2]


def test_tokuhashi_unknown_and_bad_values() -> None:
    result = _toku(karnofsky="unknown", primary=None)
    assert result.missing == ("karnofsky", "primary") and result.total is None
    for field, bad in [
        ("karnofsky", 55),
        ("karnofsky", 0),
        ("extraspinal_bone_foci", -1),
        ("vertebral_metastases", 0),
        ("visceral", "treatable-ish"),
        ("primary", "moon"),
        ("frankel", "F"),
    ]:
        with pytest.raises(ValueError, match=field):
            _toku(**{field: bad})


@SETTINGS
@given(
    k=st.sampled_from([*range(10, 101, 10), "unknown"]),
    foci=st.one_of(st.integers(0, 20), st.just("unknown")),
    vert=st.one_of(st.integers(1, 20), st.just("unknown")),
    visceral=st.sampled_from(["unremovable", "removable", "none", "unknown"]),
    primary=st.sampled_from(["lung", "liver", "others", "kidney", "rectum", "breast", "unknown"]),
    frankel=st.sampled_from(["A", "B", "C", "D", "E", "unknown"]),
)
def test_tokuhashi_property(
    k: object, foci: object, vert: object, visceral: str, primary: str, frankel: str
) -> None:
    args = (k, foci, vert, visceral, primary, frankel)
    result = scoring.tokuhashi(*args)  # type: ignore[arg-type]
    unknown = [p for p, a in zip(TOKU_PARAMS, args, strict=True) if a == "unknown"]
    assert list(result.missing) == unknown
    if unknown:
        assert result.total is None
    else:
        assert result.total is not None and 0 <= result.total <= 15
        if isinstance(k, int) and k < 100:
            better = scoring.tokuhashi(k + 10, foci, vert, visceral, primary, frankel)  # type: ignore[arg-type]
            assert better.total is not None and better.total >= result.total


# ---------------------------------------------------------------------------
# Tomita
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("growth", "visceral", "bone", "total", "code"),
    [
        ("slow", "none", "solitary", 2, "long_term"),
        ("slow", "none", "multiple", 3, "long_term"),
        ("moderate", "none", "multiple", 4, "middle_term"),
        ("slow", "treatable", "multiple", 5, "middle_term"),
        ("rapid", "none", "multiple", 6, "short_term"),
        ("rapid", "treatable", "solitary", 7, "short_term"),
        ("rapid", "treatable", "multiple", 8, "supportive"),
        ("rapid", "untreatable", "multiple", 10, "supportive"),
        ("moderate", "untreatable", "solitary", 7, "short_term"),
    ],
)
def test_tomita_rows_and_cut_offs(
    growth: str, visceral: str, bone: str, total: int, code: str
) -> None:
    result = scoring.tomita(growth, visceral, bone)
    assert (result.total, result.category_code) == (total, code)
    assert result.algorithm == "tomita@2001"


@pytest.mark.parametrize(
    ("field", "value", "points"),
    [
        ("primary_growth", "slow", 1), ("primary_growth", "moderate", 2),
        ("primary_growth", "rapid", 4), ("visceral", "none", 0), ("visceral", "treatable", 2),
        ("visceral", "untreatable", 4), ("bone", "solitary", 1), ("bone", "multiple", 2),
    ],
)  # fmt: skip
def test_tomita_every_row(field: str, value: str, points: int) -> None:
    base = {"primary_growth": "slow", "visceral": "none", "bone": "solitary"}
    result = scoring.tomita(**{**base, field: value})
    (line,) = [c for c in result.components if c.input_key == field]
    assert line.points == points


def test_tomita_unknown_and_bad() -> None:
    assert scoring.tomita("unknown", "none", None).missing == ("primary_growth", "bone")
    with pytest.raises(ValueError, match=r"visceral: .*'treatable'"):
        scoring.tomita("slow", "removable", "solitary")


@SETTINGS
@given(
    growth=st.sampled_from(["slow", "moderate", "rapid", "unknown"]),
    visceral=st.sampled_from(["none", "treatable", "untreatable", "unknown"]),
    bone=st.sampled_from(["solitary", "multiple", "unknown"]),
)
def test_tomita_property(growth: str, visceral: str, bone: str) -> None:
    result = scoring.tomita(growth, visceral, bone)
    if "unknown" in (growth, visceral, bone):
        assert result.total is None and result.missing
    else:
        assert result.total is not None and 2 <= result.total <= 10


# ---------------------------------------------------------------------------
# NOMS
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("1a", True, 3, False, True), "cebrt", "cEBRT"),
        (("1c", True, 3, False, True), "cebrt", "cEBRT"),
        (("1b", False, 3, False, True), "sbrt", "SBRT"),
        (("1c", False, 3, False, True), "sbrt", "SBRT"),
        (("2", True, 3, False, True), "cebrt", "cEBRT"),
        (("3", "radiosensitive", 3, "no", "yes"), "cebrt", "cEBRT"),
        (("2", False, 3, False, True), "separation_surgery_then_sbrt", "separation surgery"),
        (("3", "radioresistant", 3, False, False), "separation_surgery_then_sbrt",
         "cannot tolerate"),
        (("0", True, 13, False, True), "cebrt", "stabilisation"),
        (("0", True, 9, True, True), "cebrt", "stabilisation"),
    ],
)  # fmt: skip
def test_noms_grid_and_modifiers(args: tuple[object, ...], code: str, needle: str) -> None:
    result = scoring.noms(*args)  # type: ignore[arg-type]
    assert result.category_code == code and not result.missing
    assert needle in (result.category or "")
    assert result.algorithm == "noms@laufer2013" and result.total is None


def test_noms_sins_7_12_without_mechanical_pain_no_stabilisation() -> None:
    result = scoring.noms("0", True, 9, False, True)
    assert result.category == "cEBRT"
    assert scoring.noms("0", True, 6, "unknown", True).missing == ()
    assert scoring.noms("0", True, 7, "unknown", True).missing == ("mechanical_pain",)


def test_noms_with_several_levels() -> None:
    result = scoring.noms({"T8": "3", "T10": "unknown"}, False, 3, False, True)
    assert result.missing == () and result.category_code == "separation_surgery_then_sbrt"
    (neuro,) = [c for c in result.components if c.input_key == "escc_grade"]
    assert neuro.finding_label == "ESCC 3 at T8: high grade"
    waiting = scoring.noms({"T8": "1a", "T10": "unknown"}, False, 3, False, True)
    assert waiting.missing == ("escc_grade",) and waiting.category is None
    assert "ESCC grade at T10" in waiting.result.missing


def test_noms_missing_and_bad() -> None:
    result = scoring.noms("unknown", None, None, None, None)
    assert result.missing == ("escc_grade", "radiosensitive", "sins_total", "can_tolerate_surgery")
    assert result.category is None and result.summary().startswith("incomplete: missing")
    with pytest.raises(ValueError, match="sins_total"):
        scoring.noms("0", True, 19, False, True)
    with pytest.raises(ValueError, match="radiosensitive"):
        scoring.noms("0", "maybe", 3, False, True)


@SETTINGS
@given(
    grade=st.sampled_from(["0", "1a", "1b", "1c", "2", "3", "unknown"]),
    sensitive=st.sampled_from([True, False, "unknown"]),
    total=st.one_of(st.integers(0, 18), st.just("unknown")),
    mechanical=st.sampled_from([True, False, "unknown"]),
    tolerates=st.sampled_from([True, False, "unknown"]),
)
def test_noms_property_unknown_propagates(
    grade: str, sensitive: object, total: object, mechanical: object, tolerates: object
) -> None:
    result = scoring.noms(grade, sensitive, total, mechanical, tolerates)  # type: ignore[arg-type]
    if result.missing:
        assert result.category is None
    else:
        assert result.category
        if isinstance(total, int) and total >= 13:
            assert "stabilisation" in result.category
