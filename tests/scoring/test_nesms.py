"""NESMS (Ghori 2015; Schoenfeld 2016): every item, both sides of each cut-off, the
ceiling, the unknown rule and its invariants."""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board import scoring
from board.errors import ValidationError
from board.scoring import registry
from board.scoring.nesms_score import (
    ALGORITHM_ID,
    BAUER_PRIMARY,
    BAUER_PRIMARY_ROWS,
    MISSING_NAMES,
    NesmsInputs,
    SkeletalMetastases,
    albumin_g_per_l_to_g_per_dl,
    bauer_points,
    calculate_nesms,
    nesms_total,
    skeletal_metastases_from_counts,
    validate_albumin_g_per_dl,
)
from board.scoring.primary import PrimarySite, VisceralMetastases

SOL, MULT = SkeletalMetastases.SOLITARY, SkeletalMetastases.MULTIPLE
LUNG = {PrimarySite.LUNG_NSCLC, PrimarySite.LUNG_SCLC}
FAVOURABLE = {PrimarySite.BREAST, PrimarySite.KIDNEY, PrimarySite.LYMPHOMA, PrimarySite.MYELOMA}


def _inputs(**changes: object) -> NesmsInputs:
    """Best case (modified Bauer 4, ambulatory, albumin 4.0 g/dL) with changes."""
    data: dict[str, object] = {
        "visceral_metastases": False,
        "primary_site": PrimarySite.BREAST,
        "skeletal_metastases": SOL,
        "ambulatory": True,
        "albumin_g_per_dl": 4.0,
    }
    data.update(changes)
    return NesmsInputs(**data)  # type: ignore[arg-type]


# Inputs that give each modified Bauer score: (visceral present, primary, skeletal).
BAUER_INPUTS = {
    0: (True, PrimarySite.LUNG_NSCLC, MULT),
    1: (True, PrimarySite.PROSTATE, MULT),
    2: (False, PrimarySite.PROSTATE, MULT),
    3: (False, PrimarySite.PROSTATE, SOL),
    4: (False, PrimarySite.KIDNEY, SOL),
}


def test_algorithm_id_and_source() -> None:
    result = calculate_nesms(_inputs())
    assert result.algorithm_id == ALGORITHM_ID == "nesms@ghori2015"
    assert "Spine J 2015;15(11):2345-50" in result.source
    assert "Spine J 2016;16(4):482-90" in result.source


@pytest.mark.parametrize(
    ("change", "item", "points"),
    [
        ({"visceral_metastases": False}, "modified Bauer: no visceral metastases", 1),
        ({"visceral_metastases": True}, "modified Bauer: no visceral metastases", 0),
        ({"primary_site": PrimarySite.PROSTATE},
         "modified Bauer: primary tumour is not lung cancer", 1),
        ({"primary_site": PrimarySite.LUNG_NSCLC},
         "modified Bauer: primary tumour is not lung cancer", 0),
        ({"primary_site": PrimarySite.BREAST},
         "modified Bauer: primary is breast, kidney, lymphoma or myeloma", 1),
        ({"primary_site": PrimarySite.PROSTATE},
         "modified Bauer: primary is breast, kidney, lymphoma or myeloma", 0),
        ({"skeletal_metastases": SOL}, "modified Bauer: a single (solitary) skeletal metastasis",
         1),
        ({"skeletal_metastases": MULT},
         "modified Bauer: a single (solitary) skeletal metastasis", 0),
        ({"ambulatory": True}, "independent ambulation", 1),
        ({"ambulatory": False}, "independent ambulation", 0),
        ({"albumin_g_per_dl": 3.5}, "serum albumin 3.5 g/dL (35 g/L) or more", 1),
        ({"albumin_g_per_dl": 3.49}, "serum albumin 3.5 g/dL (35 g/L) or more", 0),
    ],
)  # fmt: skip
def test_every_item(change: dict[str, object], item: str, points: int) -> None:
    result = calculate_nesms(_inputs(**change))
    (line,) = [c for c in result.components if c.name == item]
    assert line.points == points


@pytest.mark.parametrize("row", BAUER_PRIMARY_ROWS, ids=lambda r: r.site.value)
def test_every_primary_row(row: object) -> None:
    site = row.site  # type: ignore[attr-defined]
    assert row.lung is (site in LUNG)  # type: ignore[attr-defined]
    assert row.favourable is (site in FAVOURABLE)  # type: ignore[attr-defined]
    result = calculate_nesms(_inputs(primary_site=site, visceral_metastases=True))
    expected = (0 if site in LUNG else 1) + (1 if site in FAVOURABLE else 0) + 1
    assert result.modified_bauer == expected


def test_primary_table_covers_every_site_once() -> None:
    assert [r.site for r in BAUER_PRIMARY_ROWS].count(PrimarySite.BREAST) == 1
    assert set(BAUER_PRIMARY) == set(PrimarySite)
    assert len(BAUER_PRIMARY_ROWS) == len(PrimarySite)
    unknown = BAUER_PRIMARY[PrimarySite.UNKNOWN_PRIMARY]
    assert not unknown.lung and "not identified" in unknown.note


@pytest.mark.parametrize(("bauer", "points"), [(0, 0), (1, 0), (2, 0), (3, 2), (4, 2)])
def test_bauer_cut_off_2_3(bauer: int, points: int) -> None:
    assert bauer_points(bauer) == points
    visceral, site, skeletal = BAUER_INPUTS[bauer]
    result = calculate_nesms(
        _inputs(visceral_metastases=visceral, primary_site=site, skeletal_metastases=skeletal,
                ambulatory=False, albumin_g_per_dl=3.0)
    )  # fmt: skip
    assert result.modified_bauer == bauer
    assert result.total == points
    (line,) = [c for c in result.components if c.input_key == "modified_bauer"]
    assert line.points == points and line.finding_label == f"{bauer} of 4"


@pytest.mark.parametrize("bad", [-1, 5, True, 2.0])
def test_bauer_points_rejects(bad: object) -> None:
    with pytest.raises(ValidationError):
        bauer_points(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bauer", "ambulatory", "albumin"),
    list(itertools.product(range(5), (False, True), (3.49, 3.5))),
)
def test_every_combination(bauer: int, ambulatory: bool, albumin: float) -> None:
    visceral, site, skeletal = BAUER_INPUTS[bauer]
    result = calculate_nesms(
        _inputs(visceral_metastases=visceral, primary_site=site, skeletal_metastases=skeletal,
                ambulatory=ambulatory, albumin_g_per_dl=albumin)
    )  # fmt: skip
    uncapped = (2 if bauer >= 3 else 0) + int(ambulatory) + int(albumin >= 3.5)
    assert result.uncapped_total == uncapped
    assert result.total == min(uncapped, 3)
    assert result.complete and result.missing == ()
    assert result.category == f"{result.total} of 3 (higher scores predict longer survival)"
    assert result.summary() == f"{result.total}: {result.category}"
    assert result.category_detail is not None
    assert f"Modified Bauer {bauer} of 4" in result.category_detail
    assert ("capped at 3" in result.category_detail) is (uncapped == 4)


@pytest.mark.parametrize(("uncapped", "total"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 3)])
def test_ceiling_of_3(uncapped: int, total: int) -> None:
    assert nesms_total(uncapped) == total


def test_best_case_is_capped_at_3() -> None:
    result = calculate_nesms(_inputs())
    assert result.modified_bauer == 4 and result.uncapped_total == 4 and result.total == 3
    assert "2 + 1 + 1 = 4, capped at 3" in (result.category_detail or "")


# Albumin units -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("g_per_l", "g_per_dl", "point"),
    [(35, 3.5, 1), (35.0, 3.5, 1), (34.9, 3.49, 0), (40, 4.0, 1), (0, 0.0, 0), (None, None, None)],
)
def test_albumin_conversion_and_cut_off(
    g_per_l: float | None, g_per_dl: float | None, point: int | None
) -> None:
    converted = albumin_g_per_l_to_g_per_dl(g_per_l)
    assert converted == pytest.approx(g_per_dl) if g_per_dl is not None else converted is None
    result = calculate_nesms(_inputs(albumin_g_per_dl=converted))
    (line,) = [c for c in result.components if c.input_key == "albumin_g_per_dl"]
    assert line.points == point


@pytest.mark.parametrize("bad", [-1, 101, float("nan"), True, "35"])
def test_albumin_g_per_l_rejects(bad: object) -> None:
    with pytest.raises(ValidationError) as info:
        albumin_g_per_l_to_g_per_dl(bad)  # type: ignore[arg-type]
    assert info.value.field == "albumin"


def test_albumin_in_g_per_l_given_as_g_per_dl_is_refused_with_the_conversion() -> None:
    with pytest.raises(ValidationError, match=r"35 g/L is 3\.5 g/dL") as info:
        NesmsInputs(albumin_g_per_dl=35)
    assert info.value.field == "albumin_g_per_dl"
    assert validate_albumin_g_per_dl(10) == 10.0
    for bad in (10.01, -0.1, float("inf"), False):
        with pytest.raises(ValidationError):
            validate_albumin_g_per_dl(bad)


# Skeletal metastases from counts -------------------------------------------------------


@pytest.mark.parametrize(
    ("extraspinal", "vertebral", "expected"),
    [
        (0, 1, SOL), (1, 0, SOL), (0, 2, MULT), (2, 0, MULT), (1, 1, MULT), (0, 0, None),
        (None, 1, None), (0, None, None), (1, None, None), (None, None, None),
        (None, 2, MULT), (3, None, MULT),
    ],
)  # fmt: skip
def test_skeletal_metastases_from_counts(
    extraspinal: int | None, vertebral: int | None, expected: SkeletalMetastases | None
) -> None:
    assert skeletal_metastases_from_counts(extraspinal, vertebral) is expected


def test_skeletal_counts_are_validated() -> None:
    with pytest.raises(ValidationError) as info:
        skeletal_metastases_from_counts(-1, 1)
    assert info.value.field == "extraspinal_bone_foci"


# Unknowns ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(MISSING_NAMES))
def test_each_unknown_input_makes_it_incomplete(key: str) -> None:
    result = calculate_nesms(_inputs(**{key: None}))
    assert not result.complete
    assert result.missing == (MISSING_NAMES[key],)
    assert result.total is None and result.category is None and result.uncapped_total is None
    assert result.summary() == f"incomplete: missing {MISSING_NAMES[key]}"


def test_everything_unknown() -> None:
    result = calculate_nesms(NesmsInputs())
    assert result.missing == (
        "visceral metastases",
        "primary tumour",
        "skeletal metastases (solitary or multiple)",
        "independent ambulation",
        "serum albumin",
    )
    assert all(c.points is None and c.finding_label is None for c in result.components)


def test_visceral_accepts_the_shared_vocabulary() -> None:
    assert NesmsInputs(visceral_metastases=VisceralMetastases.NONE).visceral_metastases is False
    assert NesmsInputs(visceral_metastases="treatable").visceral_metastases is True  # type: ignore[arg-type]
    assert NesmsInputs(visceral_metastases="untreatable").visceral_metastases is True  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        NesmsInputs(visceral_metastases="maybe")  # type: ignore[arg-type]


def test_stored_form_and_recompute() -> None:
    result = calculate_nesms(_inputs(albumin_g_per_dl=3.2, ambulatory=False))
    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["algorithm_id"] == "nesms@ghori2015"
    assert stored["inputs"] == {
        "visceral_metastases": False,
        "primary_site": "breast",
        "skeletal_metastases": "solitary",
        "ambulatory": False,
        "albumin_g_per_dl": 3.2,
    }
    assert stored["result"]["modified_bauer"] == 4 and stored["result"]["total"] == 2
    again = registry.recompute(ALGORITHM_ID, stored["inputs"])
    assert again.summary() == result.summary()


# Invariants ----------------------------------------------------------------------------

INPUTS = st.builds(
    NesmsInputs,
    visceral_metastases=st.sampled_from([None, True, False]),
    primary_site=st.sampled_from([None, *PrimarySite]),
    skeletal_metastases=st.sampled_from([None, *SkeletalMetastases]),
    ambulatory=st.sampled_from([None, True, False]),
    albumin_g_per_dl=st.one_of(st.none(), st.floats(0, 10, allow_nan=False)),
)
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(INPUTS)
def test_total_in_0_3_and_incomplete_iff_any_unknown(inputs: NesmsInputs) -> None:
    result = calculate_nesms(inputs)
    unknown = [k for k in MISSING_NAMES if getattr(inputs, k) is None]
    assert result.complete is (not unknown)
    assert len(result.missing) == len(unknown)
    if result.complete:
        assert result.total is not None and 0 <= result.total <= 3
    else:
        assert result.total is None and result.category is None


IMPROVEMENTS = [
    ("visceral_metastases", True, False),
    ("skeletal_metastases", MULT, SOL),
    ("ambulatory", False, True),
]


@SETTINGS
@given(INPUTS, st.sampled_from(IMPROVEMENTS), st.floats(0, 10, allow_nan=False))
def test_a_better_finding_never_lowers_the_total(
    inputs: NesmsInputs, improvement: tuple[str, object, object], higher: float
) -> None:
    key, worse, better = improvement
    if any(getattr(inputs, k) is None for k in MISSING_NAMES if k != key):
        return
    low = calculate_nesms(dataclasses.replace(inputs, **{key: worse}))
    high = calculate_nesms(dataclasses.replace(inputs, **{key: better}))
    assert low.total is not None and high.total is not None and high.total >= low.total
    full = dataclasses.replace(inputs, **{key: better})
    assert full.albumin_g_per_dl is not None
    more = calculate_nesms(
        dataclasses.replace(full, albumin_g_per_dl=max(full.albumin_g_per_dl, higher))
    )
    base = calculate_nesms(full)
    assert more.total is not None and base.total is not None and more.total >= base.total


# The public function -------------------------------------------------------------------


def test_public_function() -> None:
    best = scoring.nesms("no", "breast", "solitary", "yes", 3.5)
    assert best.total == 3 and best.category_code == "3" and best.algorithm == "nesms@ghori2015"
    worst = scoring.nesms(True, "lung", "multiple", False, "2.9")
    assert worst.total == 0 and worst.category_code == "0"
    assert scoring.nesms("none", "kidney", 1, True, 3.0).total == 3
    assert scoring.nesms("untreatable", "prostate", 2, True, 3.5).total == 2
    assert scoring.nesms(VisceralMetastases.NONE, PrimarySite.MYELOMA, SOL, "no", 3.4).total == 2
    unknown = scoring.nesms("unknown", None, "unknown", None, "")
    assert unknown.missing == (
        "visceral_metastases", "primary", "skeletal_metastases", "ambulatory", "albumin_g_per_dl",
    )  # fmt: skip
    assert unknown.total is None and unknown.summary().startswith("incomplete: missing")
    (line,) = [c for c in best.components if c.input_key == "primary" and "lung" in c.name]
    assert line.points == 1


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("maybe", "breast", "solitary", True, 3.5), "visceral_metastases"),
        (("no", "mars", "solitary", True, 3.5), "primary"),
        (("no", "breast", "few", True, 3.5), "skeletal_metastases"),
        (("no", "breast", 0, True, 3.5), "skeletal_metastases"),
        (("no", "breast", "solitary", "often", 3.5), "ambulatory"),
        (("no", "breast", "solitary", True, "low"), "albumin_g_per_dl"),
        (("no", "breast", "solitary", True, 35), "albumin_g_per_dl"),
    ],
)
def test_public_function_bad_values(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(ValueError, match=field) as info:
        scoring.nesms(*args)  # type: ignore[arg-type]
    assert info.value.field == field  # type: ignore[attr-defined]
