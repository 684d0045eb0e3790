"""Pure plan rules: the option catalogue, NOMS departures, safety prompts, sign-off state."""

from __future__ import annotations

from typing import Any

import pytest

from board.auth.roles import Role
from board.errors import ValidationError
from board.plans.catalogue import (
    CATALOGUE,
    COMPONENT_LABELS,
    describe_item,
    find_option,
    validate_details,
)
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.rules import (
    ItemFacts,
    blockers_to_sign,
    noms_departures,
    plan_safety_prompts,
    safety_items,
    signature_state,
    warning_key,
)
from board.scoring.noms import NomsInputs, calculate_noms
from board.scoring.safety import PatientSafetyFlags, PlannedItem, Severity

C = PlanComponent


def _item(component: PlanComponent, option: str, **details: Any) -> ItemFacts:
    return ItemFacts(component, option, details)


# ---------------------------------------------------------------------------
# Catalogue: the seed's options with their details
# ---------------------------------------------------------------------------


def test_catalogue_offers_the_seed_options() -> None:
    values = {c: {o.value for o in CATALOGUE[c]} for c in PlanComponent}
    assert values[C.SURGERY] >= {
        "decompression",
        "stabilisation",
        "separation_surgery",
        "vertebroplasty_kyphoplasty",
        "palliative_surgery",
    }
    assert values[C.RADIATION] == {"cebrt", "sbrt"}
    assert values[C.SYSTEMIC] >= {"chemotherapy", "targeted", "immunotherapy", "hormonal"}
    assert values[C.PAIN] >= {"analgesic_ladder", "adjuvant", "interventional"}
    assert values[C.PHYSIOTHERAPY] >= {"stretching", "low_impact_aerobics", "massage", "heat"}
    assert values[C.SUPPORTIVE] >= {
        "counselling",
        "support_groups",
        "nutrition",
        "caregiver_resources",
    }
    assert values[C.LONG_TERM] >= {
        "advance_care_planning",
        "survivorship_care_plan",
        "chronic_care_plan",
    }
    assert values[C.FOLLOW_UP] == {"visit", "imaging", "labs"}
    assert set(COMPONENT_LABELS) == set(PlanComponent)
    adjuvants = dict(find_option(C.PAIN, "adjuvant").fields[0].choices)
    assert {"antidepressant", "anticonvulsant"} <= set(adjuvants)
    procedures = dict(find_option(C.PAIN, "interventional").fields[0].choices)
    assert set(procedures) == {"nerve_block", "epidural", "intrathecal_pump"}
    documents = dict(find_option(C.LONG_TERM, "advance_care_planning").fields[0].choices)
    assert set(documents) == {"advance_directive", "healthcare_proxy"}
    for option in CATALOGUE[C.PHYSIOTHERAPY]:
        if option.value == "spinal_precautions":  # asks until when instead of goals
            assert any(f.key == "until" and f.required for f in option.fields)
            continue
        assert any(f.key == "goals" and f.required for f in option.fields)


def test_radiation_needs_dose_and_fractions_in_range() -> None:
    assert validate_details(C.RADIATION, "sbrt", {"dose_gy": "24", "fractions": 2.0}) == {
        "dose_gy": 24.0,
        "fractions": 2,
    }
    with pytest.raises(ValidationError, match="total dose is required") as caught:
        validate_details(C.RADIATION, "cebrt", {"fractions": 5})
    assert caught.value.field == "dose_gy"
    for bad, field in (
        ({"dose_gy": 0, "fractions": 1}, "dose_gy"),
        ({"dose_gy": 8, "fractions": 1.5}, "fractions"),
        ({"dose_gy": 8, "fractions": 0}, "fractions"),
        ({"dose_gy": "eight", "fractions": 1}, "dose_gy"),
        ({"dose_gy": float("nan"), "fractions": 1}, "dose_gy"),
        ({"dose_gy": True, "fractions": 1}, "dose_gy"),
    ):
        with pytest.raises(ValidationError) as caught:
            validate_details(C.RADIATION, "cebrt", bad)
        assert caught.value.field == field


def test_details_are_checked_against_the_catalogue() -> None:
    with pytest.raises(ValidationError, match="Unknown plan component"):
        validate_details("magic", "x", {})
    with pytest.raises(ValidationError, match="Unknown radiation option"):
        validate_details(C.RADIATION, "protons", {})
    with pytest.raises(ValidationError, match="not a detail"):
        validate_details(C.SYSTEMIC, "hormonal", {"dose_gy": 3})
    with pytest.raises(ValidationError, match="goals is required"):
        validate_details(C.PHYSIOTHERAPY, "stretching", {"goals": "   "})
    with pytest.raises(ValidationError, match="not one of"):
        validate_details(C.PAIN, "analgesic_ladder", {"step": "4", "drugs": ["nsaid"]})
    with pytest.raises(ValidationError, match="not one of"):
        validate_details(C.PAIN, "analgesic_ladder", {"step": "1", "drugs": ["aspirin"]})
    with pytest.raises(ValidationError, match="too long"):
        validate_details(C.SYSTEMIC, "chemotherapy", {"regimen": "x" * 501})
    with pytest.raises(ValidationError, match="vertebral level"):
        validate_details(C.SURGERY, "decompression", {"levels": "T13"})
    cleaned = validate_details(
        C.SURGERY, "stabilisation", {"levels": "t12-L1", "approach": "", "notes": " "}
    )
    assert cleaned == {"levels": "T12, L1"}
    assert validate_details(
        C.PAIN, "analgesic_ladder", {"step": "1", "drugs": ["nsaid", "acetaminophen"]}
    ) == {"step": "1", "drugs": ["acetaminophen", "nsaid"]}


def test_describe_item_reads_like_a_plan() -> None:
    assert (
        describe_item(C.RADIATION, "sbrt", {"dose_gy": 24.0, "fractions": 2, "levels": "L3"})
        == "SBRT 24 Gy in 2 fractions (levels L3)"
    )
    assert describe_item(C.RADIATION, "cebrt", {"dose_gy": 8.0, "fractions": 1}) == (
        "cEBRT 8 Gy in 1 fraction"
    )
    assert describe_item(
        C.FOLLOW_UP, "imaging", {"interval_weeks": 12, "occurrences": 4, "modality": "MR"}
    ) == ("Imaging every 12 weeks, 4 times (modality MRI)")
    assert describe_item(C.SUPPORTIVE, "nutrition", {}) == "Nutrition plan"
    assert describe_item("unknown", "thing", {}) == "unknown: thing"


# ---------------------------------------------------------------------------
# NOMS departures
# ---------------------------------------------------------------------------


def _noms(**inputs: Any) -> Any:
    base: dict[str, Any] = {"frankel": "E", "mechanical_pain": False, "sins_total": 3}
    base.update(inputs)
    return calculate_noms(NomsInputs(**base))


def test_following_the_grid_has_no_departure() -> None:
    cebrt = [_item(C.RADIATION, "cebrt", dose_gy=8.0, fractions=1)]
    sbrt = [_item(C.RADIATION, "sbrt", dose_gy=24.0, fractions=2)]
    assert noms_departures(_noms(escc_grade="1a", histology="breast"), cebrt) == ()
    assert noms_departures(_noms(escc_grade="1b", histology="kidney"), sbrt) == ()
    assert noms_departures(None, []) == ()


def test_departing_from_the_grid_is_named() -> None:
    sbrt = [_item(C.RADIATION, "sbrt", dose_gy=24.0, fractions=2)]
    (line,) = noms_departures(_noms(escc_grade="1a", histology="breast"), sbrt)
    assert "suggests cEBRT" in line
    (line,) = noms_departures(_noms(escc_grade="1a", histology="kidney"), [])
    assert "suggests SBRT" in line


def test_high_grade_radioresistant_depends_on_tolerance_of_surgery() -> None:
    separation = [
        _item(C.SURGERY, "separation_surgery"),
        _item(C.RADIATION, "sbrt", dose_gy=27.0, fractions=3),
    ]
    cebrt = [_item(C.RADIATION, "cebrt", dose_gy=20.0, fractions=5)]
    fit = _noms(escc_grade="3", histology="kidney", tolerates_surgery=True)
    frail = _noms(escc_grade="3", histology="kidney", tolerates_surgery=False)
    unknown = _noms(escc_grade="3", histology="kidney")
    assert noms_departures(fit, separation) == ()
    assert "separation surgery" in noms_departures(fit, cebrt)[0]
    assert noms_departures(frail, cebrt) == ()
    assert "cannot tolerate" in noms_departures(frail, separation)[0]
    assert noms_departures(unknown, separation) == ()
    assert noms_departures(unknown, cebrt) == ()
    assert "neither" in noms_departures(unknown, [])[0]


def test_instability_calls_for_stabilisation() -> None:
    unstable = _noms(escc_grade="0", histology="myeloma", sins_total=15)
    cebrt = _item(C.RADIATION, "cebrt", dose_gy=8.0, fractions=1)
    (line,) = noms_departures(unstable, [cebrt])
    assert "stabilisation" in line
    for option in ("stabilisation", "vertebroplasty_kyphoplasty", "separation_surgery"):
        assert noms_departures(unstable, [cebrt, _item(C.SURGERY, option)]) == ()
    # Incomplete NOMS (histology unknown) still checks the mechanical part.
    partial = _noms(escc_grade="0", sins_total=15)
    assert not partial.complete
    assert len(noms_departures(partial, [])) == 1


# ---------------------------------------------------------------------------
# Safety prompts (REFERENCE.md, "Safety notes")
# ---------------------------------------------------------------------------


def test_safety_items_are_found_in_the_plan() -> None:
    items = [
        _item(C.PAIN, "complementary", therapy="chiropractic"),
        _item(C.PAIN, "complementary", therapy="acupuncture"),
        _item(C.PAIN, "analgesic_ladder", step="1", drugs=["acetaminophen", "nsaid"]),
        _item(C.PHYSIOTHERAPY, "massage", goals="relax", depth="deep"),
        _item(C.PHYSIOTHERAPY, "massage", goals="relax", depth="gentle"),
        _item(C.PHYSIOTHERAPY, "heat", goals="ease stiffness"),
        _item(C.RADIATION, "cebrt", dose_gy=8.0, fractions=1),
    ]
    assert safety_items(items) == (
        PlannedItem.SPINAL_MANIPULATION,
        PlannedItem.NSAID,
        PlannedItem.DEEP_MASSAGE,
        PlannedItem.HEAT,
    )
    assert safety_items([_item(C.PHYSIOTHERAPY, "massage", goals="x", depth="gentle")]) == ()


def test_spinal_manipulation_with_spinal_metastasis_is_a_warning() -> None:
    items = [_item(C.PAIN, "complementary", therapy="chiropractic")]
    (prompt,) = plan_safety_prompts(items, PatientSafetyFlags(spinal_metastasis=True))
    assert prompt.severity is Severity.WARNING
    assert "fracture and cord injury" in prompt.text
    assert warning_key(prompt) == "spinal-manipulation-metastasis:warning"


def test_nsaids_ask_for_a_check_when_risks_are_not_recorded() -> None:
    items = [_item(C.PAIN, "analgesic_ladder", step="1", drugs=["nsaid"])]
    (check,) = plan_safety_prompts(items, PatientSafetyFlags(spinal_metastasis=True))
    assert check.severity is Severity.CHECK
    (warning,) = plan_safety_prompts(
        items,
        PatientSafetyFlags(
            True, thrombocytopenia=True, renal_impairment=False, anticoagulation=False
        ),
    )
    assert warning.severity is Severity.WARNING and "thrombocytopenia" in warning.text
    assert warning_key(check) != warning_key(warning)
    assert plan_safety_prompts(items, PatientSafetyFlags(True, False, False, False)) == ()


# ---------------------------------------------------------------------------
# Readiness to sign
# ---------------------------------------------------------------------------


def test_blockers_to_sign() -> None:
    heat = [_item(C.PHYSIOTHERAPY, "heat", goals="x")]
    prompts = plan_safety_prompts(heat, PatientSafetyFlags(spinal_metastasis=True))
    blockers = blockers_to_sign(
        intent=None,
        items=[],
        departures=("NOMS suggests cEBRT",),
        deviation_reason="  ",
        prompts=prompts,
        acknowledged=(),
    )
    assert blockers == (
        "Choose the intent of the plan.",
        "Add at least one component to the plan.",
        "The plan departs from the NOMS suggestion: record why.",
        "Acknowledge the safety prompt: heat therapy.",
    )
    assert (
        blockers_to_sign(
            intent=PlanIntent.PALLIATIVE,
            items=heat,
            departures=("NOMS suggests cEBRT",),
            deviation_reason="Patient declined radiotherapy.",
            prompts=prompts,
            acknowledged=[warning_key(p) for p in prompts],
        )
        == ()
    )


def test_signature_state() -> None:
    required = (Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST)
    state = signature_state(required, [Role.SPINE_SURGEON, Role.PAIN_PALLIATIVE])
    assert state.missing_roles == (Role.RADIATION_ONCOLOGIST,)
    assert not state.complete
    assert signature_state(required, [Role.RADIATION_ONCOLOGIST, Role.SPINE_SURGEON]).complete
