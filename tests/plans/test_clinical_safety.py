"""The catalogue additions and the radiotherapy and safety rules of a plan (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from board.errors import ValidationError
from board.plans.catalogue import (
    RADIATION_BOUNDS,
    describe_item,
    find_option,
    validate_details,
)
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.rules import (
    ItemFacts,
    blockers_to_sign,
    open_surgery,
    plan_safety_prompts,
    radiation_courses,
    radiation_dose_lines,
    safety_items,
    validate_item,
    warning_key,
)
from board.scoring.radiotherapy import PLAUSIBLE_RANGES, Technique
from board.scoring.safety import PatientSafetyFlags, PlannedItem, Severity

C = PlanComponent
REASON = "Informed choice after discussion; gentle mobilisation away from T7."


def _item(component: PlanComponent, option: str, **details: Any) -> ItemFacts:
    return ItemFacts(component, option, details)


# ---------------------------------------------------------------------------
# Catalogue additions
# ---------------------------------------------------------------------------

ADDITIONS = [
    (C.SYSTEMIC, "bone_modifying_agent", {"agent": "denosumab"}, "agent"),
    (C.SYSTEMIC, "bone_modifying_agent", {"agent": "zoledronic_acid", "schedule": "q4w"},
     "agent"),
    (C.SYSTEMIC, "radiopharmaceutical", {"agent": "radium_223"}, "agent"),
    (C.PHYSIOTHERAPY, "bracing", {"goals": "walk safely", "brace": "TLSO"}, "goals"),
    (C.PHYSIOTHERAPY, "gait_transfer_training", {"goals": "transfer bed to chair"}, "goals"),
    (C.PHYSIOTHERAPY, "spinal_precautions", {"until": "assessed by the spine surgeon"},
     "until"),
    (C.PAIN, "interventional", {"procedure": "intrathecal_pump", "levels": "L1"}, "procedure"),
    (C.SURGERY, "ablation", {"modality": "cryoablation", "levels": "L3"}, "modality"),
    (C.SUPPORTIVE, "vte_prophylaxis", {"method": "pharmacological"}, "method"),
    (C.SUPPORTIVE, "bladder_bowel_pressure_care", {"covers": ["pressure_areas", "bladder"]},
     "covers"),
    (C.LONG_TERM, "hospice_end_of_life", {"setting": "home"}, None),
]  # fmt: skip


@pytest.mark.parametrize(("component", "option", "details", "required"), ADDITIONS)
def test_catalogue_additions(
    component: PlanComponent, option: str, details: dict[str, Any], required: str | None
) -> None:
    cleaned = validate_details(component, option, details)
    assert set(cleaned) == set(details)
    assert describe_item(component, option, cleaned).startswith(
        find_option(component, option).short_label
    )
    if required is not None:
        with pytest.raises(ValidationError) as info:
            validate_details(component, option, {k: v for k, v in details.items() if k != required})
        assert info.value.field == required
    else:
        assert validate_details(component, option, {}) == {}


def test_bladder_bowel_and_pressure_care_in_catalogue_order() -> None:
    cleaned = validate_details(
        C.SUPPORTIVE, "bladder_bowel_pressure_care", {"covers": ["pressure_areas", "bowel"]}
    )
    assert cleaned == {"covers": ["bowel", "pressure_areas"]}


@pytest.mark.parametrize(
    ("details", "error"),
    [
        ({"therapy": "chiropractic"}, "written reason to proceed"),
        ({"therapy": "chiropractic", "reason_to_proceed": "   "}, "written reason to proceed"),
        ({"therapy": "chiropractic", "reason_to_proceed": "wanted"}, "at least 10 characters"),
        ({"therapy": "chiropractic", "reason_to_proceed": REASON}, None),
        ({"therapy": "acupuncture"}, None),
    ],
)
def test_spinal_manipulation_needs_a_written_reason(
    details: dict[str, Any], error: str | None
) -> None:
    if error is None:
        assert validate_details(C.PAIN, "complementary", details)["therapy"] == details["therapy"]
        return
    with pytest.raises(ValidationError, match=error) as info:
        validate_details(C.PAIN, "complementary", details)
    assert info.value.field == "reason_to_proceed"
    assert "fracture and cord injury" in info.value.message or "characters" in info.value.message


@pytest.mark.parametrize("option", ["cebrt", "sbrt"])
def test_catalogue_radiation_bounds_are_the_plausibility_ranges(option: str) -> None:
    rng = PLAUSIBLE_RANGES[Technique(option)]
    assert RADIATION_BOUNDS[option] == (
        rng.min_total_gy,
        rng.max_total_gy,
        rng.min_fractions,
        rng.max_fractions,
    )


@pytest.mark.parametrize(
    ("option", "details", "field"),
    [
        ("cebrt", {"dose_gy": 4, "fractions": 1}, None),
        ("cebrt", {"dose_gy": 3.9, "fractions": 1}, "dose_gy"),
        ("cebrt", {"dose_gy": 50, "fractions": 25}, None),
        ("cebrt", {"dose_gy": 50.1, "fractions": 25}, "dose_gy"),
        ("cebrt", {"dose_gy": 45, "fractions": 26}, "fractions"),
        ("cebrt", {"dose_gy": 80, "fractions": 1}, "dose_gy"),
        ("sbrt", {"dose_gy": 12, "fractions": 1}, None),
        ("sbrt", {"dose_gy": 11.9, "fractions": 1}, "dose_gy"),
        ("sbrt", {"dose_gy": 45, "fractions": 5}, None),
        ("sbrt", {"dose_gy": 45.5, "fractions": 5}, "dose_gy"),
        ("sbrt", {"dose_gy": 36, "fractions": 6}, "fractions"),
        ("sbrt", {"dose_gy": 80, "fractions": 1}, "dose_gy"),
    ],
)
def test_catalogue_refuses_totals_and_fractions_outside_the_ranges(
    option: str, details: dict[str, Any], field: str | None
) -> None:
    if field is None:
        validate_details(C.RADIATION, option, details)
        return
    with pytest.raises(ValidationError, match="must be between") as info:
        validate_details(C.RADIATION, option, details)
    assert info.value.field == field


# ---------------------------------------------------------------------------
# validate_item: the dose per fraction too
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "dose", "fractions", "problem"),
    [
        ("cebrt", 30, 1, "30 Gy per fraction is above 10 Gy"),
        ("cebrt", 10, 1, None),
        ("cebrt", 37.25, 25, "1.5 Gy per fraction is below 1.5 Gy"),
        ("sbrt", 24.9, 5, "5 Gy per fraction is below 5 Gy"),
        ("sbrt", 25, 5, None),
        ("sbrt", 24.1, 1, "24.1 Gy per fraction is above 24 Gy"),
        ("cebrt", 80, 1, "must be between 4-50 Gy, not 80"),
    ],
)
def test_validate_item_checks_the_dose_per_fraction(
    option: str, dose: float, fractions: int, problem: str | None
) -> None:
    details = {"dose_gy": dose, "fractions": fractions}
    if problem is None:
        assert validate_item(C.RADIATION, option, details)["fractions"] == fractions
        return
    with pytest.raises(ValidationError, match=problem.replace(".", r"\.")) as info:
        validate_item(C.RADIATION, option, details)
    assert info.value.field == "dose_gy"


def test_validate_item_passes_other_items_to_the_catalogue() -> None:
    assert validate_item(C.SUPPORTIVE, "nutrition", {}) == {}
    with pytest.raises(ValidationError, match="written reason"):
        validate_item(C.PAIN, "complementary", {"therapy": "chiropractic"})


# ---------------------------------------------------------------------------
# Reading the plan: safety items, courses, surgery approach, dose lines
# ---------------------------------------------------------------------------


def test_safety_items_of_the_additions() -> None:
    items = [
        _item(C.SURGERY, "stabilisation", approach="open"),
        _item(C.SURGERY, "vertebroplasty_kyphoplasty"),
        _item(C.SURGERY, "ablation", modality="radiofrequency"),
        _item(C.PAIN, "interventional", procedure="epidural"),
        _item(C.PAIN, "interventional", procedure="nerve_block"),
        _item(C.PAIN, "interventional", procedure="intrathecal_pump"),
        _item(C.PAIN, "adjuvant", kind=["corticosteroid"]),
        _item(C.PHYSIOTHERAPY, "low_impact_aerobics", goals="x"),
        _item(C.PHYSIOTHERAPY, "spinal_precautions", until="assessed"),
        _item(C.SYSTEMIC, "bone_modifying_agent", agent="denosumab"),
        _item(C.SYSTEMIC, "bone_modifying_agent", agent="zoledronic_acid"),
        _item(C.SUPPORTIVE, "vte_prophylaxis", method="both"),
        _item(C.SUPPORTIVE, "vte_prophylaxis", method="mechanical"),
        _item(C.RADIATION, "sbrt", dose_gy=24.0, fractions=2),
    ]
    assert safety_items(items) == (
        PlannedItem.SURGERY,
        PlannedItem.CEMENT_AUGMENTATION,
        PlannedItem.ABLATION,
        PlannedItem.EPIDURAL_INJECTION,
        PlannedItem.NERVE_BLOCK,
        PlannedItem.INTRATHECAL_PUMP,
        PlannedItem.CORTICOSTEROID,
        PlannedItem.AEROBIC_EXERCISE,
        PlannedItem.SPINAL_PRECAUTIONS,
        PlannedItem.DENOSUMAB,
        PlannedItem.ZOLEDRONIC_ACID,
        PlannedItem.ANTICOAGULANT_PROPHYLAXIS,
    )


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], False),
        ([_item(C.SURGERY, "stabilisation", approach="percutaneous")], False),
        ([_item(C.SURGERY, "vertebroplasty_kyphoplasty")], False),
        ([_item(C.SURGERY, "decompression")], None),
        ([_item(C.SURGERY, "decompression"), _item(C.SURGERY, "excision", approach="open")],
         True),
        ([_item(C.SURGERY, "separation_surgery", approach="open")], True),
    ],
)  # fmt: skip
def test_open_surgery(items: list[ItemFacts], expected: bool | None) -> None:
    assert open_surgery(items) is expected


def test_radiation_courses_and_dose_lines() -> None:
    items = [
        _item(C.RADIATION, "cebrt", dose_gy=8.0, fractions=1, levels="L2"),
        _item(C.RADIATION, "sbrt", dose_gy=26.0, fractions=2.0),
        _item(C.RADIATION, "cebrt", dose_gy=80.0, fractions=1),  # stored before the check
        _item(C.RADIATION, "sbrt", fractions=2),  # no dose: not a course
        _item(C.SYSTEMIC, "hormonal"),
    ]
    courses = radiation_courses(items)
    assert [c.label for c in courses] == [
        "cEBRT 8 Gy in 1 fraction to L2",
        "SBRT 26 Gy in 2 fractions",
        "cEBRT 80 Gy in 1 fraction",
    ]
    lines = radiation_dose_lines(items)
    assert lines[0] == (
        "cEBRT 8 Gy in 1 fraction to L2 (standard regimen): 8 Gy in 1 fraction (8 Gy per "
        "fraction): BED 14.4 Gy, EQD2 12 Gy at alpha/beta 10 (tumour); BED 40 Gy, EQD2 20 Gy "
        "at alpha/beta 2 (spinal cord, late effects)"
    )
    assert lines[1].startswith("SBRT 26 Gy in 2 fractions (not a standard regimen): ")
    assert "outside the plausible range" in lines[2]


# ---------------------------------------------------------------------------
# Plan prompts end to end, and what blocks signing
# ---------------------------------------------------------------------------

ALL_KNOWN = PatientSafetyFlags(
    spinal_metastasis=True,
    thrombocytopenia=False,
    renal_impairment=False,
    anticoagulation=False,
    new_neurology=False,
    lymphoma_suspected=False,
    tissue_diagnosis=True,
    sins_total=4,
    high_grade_escc=False,
    posterior_wall_involvement=False,
    prior_radiation=False,
    planned_surgery=False,
)


def test_a_standard_plan_with_everything_recorded_has_no_prompt() -> None:
    items = [
        _item(C.RADIATION, "cebrt", dose_gy=20.0, fractions=5, levels="T4-T7"),
        _item(C.SURGERY, "stabilisation", approach="percutaneous"),
        _item(C.RADIATION, "sbrt", dose_gy=24.0, fractions=2),
    ]
    assert plan_safety_prompts(items, ALL_KNOWN) == ()


def test_plan_prompts_for_sbrt_after_open_surgery_and_reirradiation() -> None:
    flags = PatientSafetyFlags(
        **{**_known(), "prior_radiation": True, "prior_radiation_dose_gy": 8.0,
           "prior_radiation_fractions": 1}
    )  # fmt: skip
    items = [
        _item(C.SURGERY, "separation_surgery", approach="open", levels="T8"),
        _item(C.RADIATION, "sbrt", dose_gy=27.0, fractions=3, levels="T8"),
    ]
    codes = [p.code for p in plan_safety_prompts(items, flags)]
    assert codes == ["rt-reirradiation-sbrt-27gy-3fx-t8", "rt-sbrt-surgery-timing"]


def _known() -> dict[str, Any]:
    return {
        key: getattr(ALL_KNOWN, key)
        for key in (
            "spinal_metastasis", "thrombocytopenia", "renal_impairment", "anticoagulation",
            "new_neurology", "lymphoma_suspected", "tissue_diagnosis", "sins_total",
            "high_grade_escc", "posterior_wall_involvement", "prior_radiation",
            "planned_surgery",
        )
    }  # fmt: skip


def test_advisory_checks_do_not_block_signing() -> None:
    # The case record does not gather prior radiation yet: the check is shown, not blocking.
    items = [_item(C.RADIATION, "cebrt", dose_gy=8.0, fractions=1)]
    (prompt,) = plan_safety_prompts(items, PatientSafetyFlags(True, False, False, False))
    assert prompt.severity is Severity.CHECK and not prompt.needs_acknowledgement
    assert (
        blockers_to_sign(
            intent=PlanIntent.PALLIATIVE,
            items=items,
            departures=(),
            deviation_reason=None,
            prompts=(prompt,),
            acknowledged=(),
        )
        == ()
    )
    # A blocking check (surgery with anticoagulation not recorded) must be acknowledged.
    surgery = [_item(C.SURGERY, "decompression", approach="open")]
    (bleeding,) = plan_safety_prompts(surgery, PatientSafetyFlags(True, False, False, None))
    assert bleeding.severity is Severity.CHECK and bleeding.needs_acknowledgement
    blockers = blockers_to_sign(
        intent=PlanIntent.PALLIATIVE,
        items=surgery,
        departures=(),
        deviation_reason=None,
        prompts=(bleeding,),
        acknowledged=(),
    )
    assert blockers == ("Acknowledge the safety prompt: surgery.",)
    assert warning_key(bleeding) == "bleeding-surgery:check"
