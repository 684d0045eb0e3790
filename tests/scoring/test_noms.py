"""NOMS (Laufer 2013): the grid, the mechanical and systemic modifiers, the histology data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.errors import ValidationError
from board.scoring.escc import EsccGrade, EsccGroup, calculate_case_escc
from board.scoring.noms import (
    HISTOLOGY_TABLES,
    LAUFER_2013_RADIOSENSITIVITY,
    SC24_RADIOSENSITIVITY,
    HistologyRow,
    NomsGridCell,
    NomsInputs,
    Radiosensitivity,
    calculate_noms,
    escc_inputs_from_case,
    grid_cell,
    lookup_histology,
    mechanical_from_sins,
    stabilisation_indicated,
)
from board.scoring.primary import PrimarySite
from board.scoring.sins import (
    Alignment,
    BoneLesion,
    Collapse,
    Posterolateral,
    SinsInputs,
    SinsPain,
    calculate_sins,
)

S = Radiosensitivity.RADIOSENSITIVE
R = Radiosensitivity.RADIORESISTANT

# The grid of REFERENCE.md, every ESCC grade x both columns.
GRID = [
    ("0", S, "cebrt"), ("1a", S, "cebrt"), ("1b", S, "cebrt"), ("1c", S, "cebrt"),
    ("2", S, "cebrt"), ("3", S, "cebrt"),
    ("0", R, "sbrt"), ("1a", R, "sbrt"), ("1b", R, "sbrt"), ("1c", R, "sbrt"),
    ("2", R, "separation_surgery_then_sbrt"), ("3", R, "separation_surgery_then_sbrt"),
]  # fmt: skip

# Laufer 2013 as listed in REFERENCE.md.
LAUFER_SENSITIVE = ["lymphoma", "myeloma", "seminoma", "breast", "prostate", "ovary",
                    "neuroendocrine"]  # fmt: skip
LAUFER_RESISTANT = ["kidney", "thyroid", "liver", "colon", "lung_nsclc", "sarcoma", "melanoma"]


def complete_inputs(**changes: object) -> NomsInputs:
    data: dict[str, object] = {
        "escc_grade": EsccGrade.G0,
        "myelopathy": False,
        "radiosensitivity": S,
        "sins_total": 3,
        "mechanical_pain": False,
        "tolerates_surgery": True,
    }
    data.update(changes)
    return NomsInputs(**data)  # type: ignore[arg-type]


@pytest.mark.parametrize(("grade", "sensitivity", "cell"), GRID)
def test_grid(grade: str, sensitivity: Radiosensitivity, cell: str) -> None:
    assert grid_cell(EsccGrade(grade), sensitivity) is NomsGridCell(cell)
    result = calculate_noms(complete_inputs(escc_grade=grade, radiosensitivity=sensitivity))
    assert result.complete and result.missing == ()
    assert result.grid is NomsGridCell(cell)
    assert result.stabilisation is False


def test_grid_labels() -> None:
    assert NomsGridCell.CEBRT.label == "cEBRT"
    assert NomsGridCell.SBRT.label == "SBRT"
    assert NomsGridCell.SEPARATION_SURGERY_THEN_SBRT.label == (
        "separation surgery, then SBRT; cEBRT if the patient cannot tolerate surgery"
    )


@pytest.mark.parametrize(
    ("tolerates", "suggestion", "complete"),
    [(True, "separation surgery, then SBRT", True),
     (False, "cEBRT (the patient cannot tolerate separation surgery)", True),
     (None, "separation surgery, then SBRT; cEBRT if the patient cannot tolerate surgery",
      False)],
)  # fmt: skip
def test_systemic_modifies_high_grade_radioresistant(
    tolerates: bool | None, suggestion: str, complete: bool
) -> None:
    result = calculate_noms(
        complete_inputs(escc_grade="3", radiosensitivity=R, tolerates_surgery=tolerates)
    )
    assert result.suggestions == (suggestion,)
    assert result.complete is complete
    if not complete:
        assert result.missing == ("whether the patient can tolerate surgery (systemic)",)
        assert result.systemic is None
        assert result.summary().startswith("incomplete: missing ")
    else:
        assert result.summary() == suggestion


def test_1c_grouped_low_but_said_borderline() -> None:
    result = calculate_noms(complete_inputs(escc_grade="1c", radiosensitivity=R))
    assert result.grid is NomsGridCell.SBRT
    assert result.escc_group is EsccGroup.BORDERLINE
    assert any("borderline" in line for line in result.reasoning)
    assert any("low-grade ESCC" in line for line in result.reasoning)
    not_1c = calculate_noms(complete_inputs(escc_grade="1b", radiosensitivity=R))
    assert not any("borderline" in line for line in not_1c.reasoning)


# Mechanical: SINS 13-18, or 7-12 with mechanical pain -> stabilisation.
MECHANICAL = (
    [(t, True, False) for t in range(0, 7)] + [(t, False, False) for t in range(0, 7)]
    + [(t, True, True) for t in range(7, 13)] + [(t, False, False) for t in range(7, 13)]
    + [(t, True, True) for t in range(13, 19)] + [(t, False, True) for t in range(13, 19)]
)  # fmt: skip


@pytest.mark.parametrize(("total", "mechanical", "stabilise"), MECHANICAL)
def test_mechanical_modifier(total: int, mechanical: bool, stabilise: bool) -> None:
    assert stabilisation_indicated(total, mechanical) is stabilise
    for sensitivity in (S, R):  # whatever the histology
        result = calculate_noms(
            complete_inputs(sins_total=total, mechanical_pain=mechanical,
                            radiosensitivity=sensitivity)
        )  # fmt: skip
        assert result.stabilisation is stabilise
        assert result.suggestions[0].startswith("stabilisation") is stabilise


@pytest.mark.parametrize(("total", "known"), [(6, False), (7, None), (12, None), (13, True)])
def test_mechanical_pain_only_needed_for_7_to_12(total: int, known: bool | None) -> None:
    result = calculate_noms(complete_inputs(sins_total=total, mechanical_pain=None))
    assert result.stabilisation is known
    assert ("mechanical pain" in result.missing) is (known is None)
    assert result.complete is (known is not None)


def test_sins_7_to_12_without_mechanical_pain_still_mentions_consultation() -> None:
    result = calculate_noms(complete_inputs(sins_total=9, mechanical_pain=False))
    assert any("surgical consultation" in line for line in result.reasoning)


def test_stabilisation_when_surgery_not_tolerated_is_a_prompt() -> None:
    result = calculate_noms(complete_inputs(sins_total=15, tolerates_surgery=False))
    assert result.stabilisation is True
    assert "cannot tolerate surgery" in result.suggestions[0]
    assert "cement augmentation" in result.suggestions[0]


@pytest.mark.parametrize("total", [-1, 19, True])
def test_rejects_bad_sins_total(total: object) -> None:
    with pytest.raises(ValidationError):
        complete_inputs(sins_total=total)


# Histology tables ---------------------------------------------------------------------


@pytest.mark.parametrize("key", LAUFER_SENSITIVE)
def test_laufer_radiosensitive(key: str) -> None:
    row = lookup_histology(key)
    assert row is not None and row.radiosensitivity is S
    result = calculate_noms(complete_inputs(radiosensitivity=None, histology=key))
    assert result.radiosensitivity is S
    assert result.radiosensitivity_source is not None
    assert "Oncologist 2013" in result.radiosensitivity_source


@pytest.mark.parametrize("key", LAUFER_RESISTANT)
def test_laufer_radioresistant(key: str) -> None:
    row = lookup_histology(PrimarySite(key))
    assert row is not None and row.radiosensitivity is R
    result = calculate_noms(complete_inputs(radiosensitivity=None, histology=key, escc_grade="2"))
    assert result.grid is NomsGridCell.SEPARATION_SURGERY_THEN_SBRT


def test_laufer_table_lists_exactly_the_reference() -> None:
    keys = {row.key for row in LAUFER_2013_RADIOSENSITIVITY}
    assert keys == set(LAUFER_SENSITIVE) | set(LAUFER_RESISTANT) | {"osteosarcoma"}


@pytest.mark.parametrize(
    "key", ["lung_sclc", "rectum", "stomach", "bladder", "unknown_primary", "other"]
)
def test_unlisted_histology_is_missing(key: str) -> None:
    result = calculate_noms(complete_inputs(radiosensitivity=None, histology=key))
    assert not result.complete
    assert result.radiosensitivity is None and result.grid is None
    assert len(result.missing) == 1 and "not in the histology table" in result.missing[0]
    # the board's explicit radiosensitivity fills the gap
    chosen = calculate_noms(complete_inputs(radiosensitivity=R, histology=key))
    assert chosen.complete and chosen.radiosensitivity_source == "set by the board"


def test_board_radiosensitivity_overrides_the_table() -> None:
    result = calculate_noms(complete_inputs(radiosensitivity=S, histology="kidney"))
    assert result.radiosensitivity is S


@pytest.mark.parametrize(
    ("key", "expected"),
    [("colon", R), ("rectum", R), ("stomach", R), ("oesophagus", R), ("pancreas", R),
     ("liver", R), ("sarcoma", R), ("melanoma", R), ("kidney", R), ("thyroid", S),
     ("lung_nsclc", S), ("breast", S), ("lymphoma", S)],
)  # fmt: skip
def test_sc24_alternative(key: str, expected: Radiosensitivity) -> None:
    result = calculate_noms(
        complete_inputs(radiosensitivity=None, histology=key, histology_table="sc24")
    )
    assert result.radiosensitivity is expected
    assert result.radiosensitivity_source is not None
    assert "SC.24" in result.radiosensitivity_source


def test_tables_are_well_formed_data() -> None:
    site_values = {s.value for s in PrimarySite}
    for name, rows in HISTOLOGY_TABLES.items():
        keys = [row.key for row in rows]
        assert len(keys) == len(set(keys)), name
        assert set(keys) <= site_values, name
        assert all(row.source and row.label for row in rows)
    assert HISTOLOGY_TABLES["sc24"] is SC24_RADIOSENSITIVITY


def test_edited_table_can_be_passed() -> None:
    edited = {"laufer2013": (HistologyRow("rectum", "rectal", R, "local policy"),)}
    result = calculate_noms(
        complete_inputs(radiosensitivity=None, histology="rectum"), tables=edited
    )
    assert result.radiosensitivity is R and result.radiosensitivity_source == "local policy"


def test_unknown_table_key_raises() -> None:
    with pytest.raises(ValidationError) as info:
        calculate_noms(complete_inputs(radiosensitivity=None, histology="breast",
                                       histology_table="nope"))  # fmt: skip
    assert info.value.field == "histology_table"


# Unknowns -----------------------------------------------------------------------------


def test_everything_unknown() -> None:
    result = calculate_noms(NomsInputs())
    assert not result.complete
    assert result.missing == (
        "ESCC grade",
        "neurologic status (myelopathy, Frankel or ASIA grade)",
        "histology (radiation sensitivity)",
        "SINS total",
        "whether the patient can tolerate surgery (systemic)",
    )
    assert result.grid is None and result.stabilisation is None and result.suggestions == ()
    assert result.reasoning[-1] == "Decision support only: the board decides."


@pytest.mark.parametrize(
    "neuro", [{"myelopathy": True}, {"frankel": "C"}, {"asia": "D"}, {"myelopathy": False}]
)
def test_any_neurologic_finding_is_enough(neuro: dict[str, object]) -> None:
    result = calculate_noms(complete_inputs(**{"myelopathy": None, **neuro}))
    assert result.complete


def test_neurologic_findings_in_reasoning() -> None:
    result = calculate_noms(
        complete_inputs(myelopathy=True, radiculopathy=True, frankel="D", asia="D", ecog=2)
    )
    text = " ".join(result.reasoning)
    assert "myelopathy present" in text and "functional radiculopathy present" in text
    assert "Frankel D" in text and "ASIA D" in text and "ECOG 2" in text


def test_no_neurologic_status_is_missing() -> None:
    result = calculate_noms(complete_inputs(myelopathy=None, radiculopathy=True))
    assert result.missing == ("neurologic status (myelopathy, Frankel or ASIA grade)",)


# Several levels ------------------------------------------------------------------------


def test_known_high_grade_level_decides_even_if_another_is_unknown() -> None:
    case = calculate_case_escc([("T8", "3"), ("T10", None)])
    escc = escc_inputs_from_case(case)
    assert escc == {"escc_grade": EsccGrade.G3, "escc_level": "T8", "escc_ungraded_levels": "T10"}
    result = calculate_noms(complete_inputs(**escc, radiosensitivity=R))
    assert result.complete and result.missing == ()
    assert result.grid is NomsGridCell.SEPARATION_SURGERY_THEN_SBRT
    text = " ".join(result.reasoning)
    assert "ESCC 3 at T8" in text
    assert "not yet graded at T10; a known level is already high grade" in text


def test_low_grade_with_an_ungraded_level_is_incomplete() -> None:
    case = calculate_case_escc([("T8", "1c"), ("T10", None)])
    escc = escc_inputs_from_case(case)
    assert escc == {"escc_grade": None, "escc_level": None, "escc_ungraded_levels": "T10"}
    result = calculate_noms(complete_inputs(**escc))
    assert result.missing == ("ESCC grade at T10",)
    assert result.grid is None
    # Given the low grade directly with the level still ungraded: still incomplete.
    direct = calculate_noms(complete_inputs(escc_grade="1c", escc_ungraded_levels="T10"))
    assert direct.missing == ("ESCC grade at T10",)
    assert "it could be higher" in " ".join(direct.reasoning)


def test_every_level_graded_names_the_level() -> None:
    escc = escc_inputs_from_case(calculate_case_escc([("T8", "1a"), ("T10", "2")]))
    result = calculate_noms(complete_inputs(**escc))
    assert result.complete
    assert "ESCC 2 at T10" in result.reasoning[0]
    assert escc["escc_ungraded_levels"] is None


def test_level_inputs_are_text() -> None:
    with pytest.raises(ValidationError) as info:
        complete_inputs(escc_level=8)
    assert info.value.field == "escc_level"
    assert complete_inputs(escc_level="  ").escc_level is None


def test_mechanical_inputs_from_sins() -> None:
    findings = SinsInputs(
        "T12", SinsPain.MECHANICAL, BoneLesion.LYTIC, Alignment.NORMAL, Collapse.NONE,
        Posterolateral.NONE,
    )  # fmt: skip
    sins = calculate_sins(findings)
    assert mechanical_from_sins(sins) == (8, True)
    partial = calculate_sins(SinsInputs("T12", SinsPain.OCCASIONAL))
    assert mechanical_from_sins(partial) == (None, False)
    assert mechanical_from_sins(calculate_sins(SinsInputs())) == (None, None)


def test_stored_form() -> None:
    result = calculate_noms(complete_inputs(escc_grade="2", radiosensitivity=None,
                                            histology="melanoma"))  # fmt: skip
    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["algorithm_id"] == "noms@laufer2013"
    assert stored["inputs"]["histology"] == "melanoma"
    assert stored["inputs"]["histology_table"] == "laufer2013"
    assert stored["result"]["grid"] == "separation_surgery_then_sbrt"
    assert NomsInputs.from_dict(stored["inputs"]) == result_inputs(stored["inputs"])


def result_inputs(data: dict[str, object]) -> NomsInputs:
    return NomsInputs(**data)  # type: ignore[arg-type]


noms_inputs = st.builds(
    NomsInputs,
    escc_grade=st.sampled_from([None, *EsccGrade]),
    myelopathy=st.sampled_from([None, True, False]),
    histology=st.sampled_from([None, *PrimarySite]),
    radiosensitivity=st.sampled_from([None, *Radiosensitivity]),
    sins_total=st.none() | st.integers(0, 18),
    mechanical_pain=st.sampled_from([None, True, False]),
    tolerates_surgery=st.sampled_from([None, True, False]),
)


@given(noms_inputs)
def test_property_noms_invariants(inputs: NomsInputs) -> None:
    result = calculate_noms(inputs)
    assert result.complete is (not result.missing)
    if inputs.sins_total is not None and inputs.sins_total >= 13:
        assert result.stabilisation is True
    if inputs.sins_total is not None and inputs.sins_total <= 6:
        assert result.stabilisation is False
    if result.radiosensitivity is S:
        assert result.grid in (None, NomsGridCell.CEBRT)
        assert result.grid is NomsGridCell.CEBRT or inputs.escc_grade is None
    if inputs.escc_grade is None or inputs.tolerates_surgery is None:
        assert not result.complete
    if result.complete:
        assert result.grid is not None and result.suggestions
