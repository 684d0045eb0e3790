"""The safety prompts added from the clinical reference: bleeding, cement leakage,
corticosteroids, spinal precautions and exercise, bone-modifying agents and radiotherapy.
Every prompt, both sides of every condition, its source, and the unknown rule."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.errors import ValidationError
from board.scoring.radiotherapy import RadiationCourse, Technique
from board.scoring.safety import (
    BLEEDING_ITEMS,
    NG234_SOURCE,
    RT_SOURCE,
    SOURCE,
    PatientSafetyFlags,
    PlannedItem,
    SafetyWarning,
    Severity,
    safety_prompts,
)

P = PlannedItem
W, CHK = Severity.WARNING, Severity.CHECK
#: Everything recorded and nothing wrong: no prompt is about a fact.
CLEAR: dict[str, Any] = {
    "spinal_metastasis": True,
    "thrombocytopenia": False,
    "renal_impairment": False,
    "anticoagulation": False,
    "new_neurology": False,
    "lymphoma_suspected": False,
    "tissue_diagnosis": True,
    "sins_total": 5,
    "high_grade_escc": False,
    "posterior_wall_involvement": False,
    "prior_radiation": False,
    "planned_surgery": False,
}


def _flags(**changes: Any) -> PatientSafetyFlags:
    return PatientSafetyFlags(**{**CLEAR, **changes})


def _prompts(
    planned: list[PlannedItem | str], flags: PatientSafetyFlags, **kwargs: Any
) -> dict[str, SafetyWarning]:
    return {p.code: p for p in safety_prompts(planned, flags, **kwargs)}


def test_nothing_planned_and_all_clear_gives_nothing() -> None:
    assert safety_prompts([], _flags()) == ()


# Bleeding ------------------------------------------------------------------------------

BLEEDING_CASES = [
    ({"anticoagulation": True}, W, "for a patient on anticoagulation"),
    ({"thrombocytopenia": True}, W, "for a patient with low platelets (thrombocytopenia)"),
    ({"anticoagulation": True, "thrombocytopenia": True}, W,
     "on anticoagulation and with low platelets"),
    ({"anticoagulation": True, "thrombocytopenia": None}, W,
     "Not recorded: low platelets (thrombocytopenia)"),
    ({"anticoagulation": None}, CHK, "not recorded: anticoagulation"),
    ({"anticoagulation": None, "thrombocytopenia": None}, CHK,
     "not recorded: anticoagulation, low platelets (thrombocytopenia)"),
    ({}, None, None),
]  # fmt: skip


@pytest.mark.parametrize("item", BLEEDING_ITEMS)
@pytest.mark.parametrize(("changes", "severity", "needle"), BLEEDING_CASES)
def test_bleeding_prompt_for_every_procedure(
    item: PlannedItem, changes: dict[str, Any], severity: Severity | None, needle: str | None
) -> None:
    prompts = _prompts([item], _flags(**changes))
    code = f"bleeding-{item.value.replace('_', '-')}"
    if severity is None:
        assert code not in prompts
        return
    prompt = prompts[code]
    assert prompt.severity is severity and prompt.item is item
    assert needle is not None and needle in prompt.text
    assert item.label in prompt.text
    assert prompt.source == SOURCE
    assert prompt.needs_acknowledgement  # the oncologist's form records these facts


def test_bleeding_when_the_plan_starts_anticoagulant_prophylaxis() -> None:
    prompts = _prompts([P.SURGERY, P.ANTICOAGULANT_PROPHYLAXIS], _flags())
    prompt = prompts["bleeding-surgery"]
    assert prompt.severity is W
    assert "pharmacological VTE prophylaxis: time it around the procedure" in prompt.text
    # Prophylaxis alone (no procedure) prompts nothing.
    assert _prompts([P.ANTICOAGULANT_PROPHYLAXIS], _flags()) == {}


def test_bleeding_synonyms() -> None:
    flags = _flags(anticoagulation=True)
    codes = set(_prompts(["vertebroplasty", "Epidural", "nerve block", "kyphoplasty"], flags))
    assert codes == {
        "bleeding-cement-augmentation",
        "bleeding-epidural-injection",
        "bleeding-nerve-block",
    }


# Cement leakage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "severity", "needle", "ack"),
    [
        ({"high_grade_escc": True}, W, "high-grade epidural compression (ESCC 2-3)", True),
        ({"posterior_wall_involvement": True}, W, "posterior wall involvement", True),
        ({"high_grade_escc": True, "posterior_wall_involvement": True}, W,
         "ESCC 2-3) and posterior wall involvement", True),
        ({"high_grade_escc": True, "posterior_wall_involvement": None}, W,
         "Not recorded: posterior wall involvement", True),
        ({"posterior_wall_involvement": None}, CHK, "not recorded: posterior wall", False),
        ({"high_grade_escc": None, "posterior_wall_involvement": None}, CHK,
         "not recorded: high-grade epidural compression (ESCC 2-3), posterior wall", False),
        ({}, None, None, None),
    ],
)  # fmt: skip
def test_cement_leakage(
    changes: dict[str, Any], severity: Severity | None, needle: str | None, ack: bool | None
) -> None:
    prompts = _prompts([P.CEMENT_AUGMENTATION], _flags(**changes))
    if severity is None:
        assert "cement-leakage" not in prompts
        return
    prompt = prompts["cement-leakage"]
    assert prompt.severity is severity and needle is not None and needle in prompt.text
    assert "cement leakage into the spinal canal" in prompt.text
    assert prompt.needs_acknowledgement is ack
    # Only for cement augmentation.
    assert "cement-leakage" not in _prompts([P.SURGERY], _flags(**changes))


# Corticosteroids (NICE NG234) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "severity"),
    [
        ({"new_neurology": True}, W),
        ({"new_neurology": True, "high_grade_escc": True}, W),
        ({"new_neurology": None, "high_grade_escc": True}, CHK),
        ({"new_neurology": None, "high_grade_escc": None}, None),
        ({"new_neurology": None, "high_grade_escc": False}, None),
        ({"new_neurology": False, "high_grade_escc": True}, None),
        ({"new_neurology": False}, None),
    ],
)
def test_dexamethasone_prompt(changes: dict[str, Any], severity: Severity | None) -> None:
    prompts = _prompts([], _flags(**changes))
    if severity is None:
        assert "dexamethasone-mscc" not in prompts
        return
    prompt = prompts["dexamethasone-mscc"]
    assert prompt.severity is severity and prompt.item is P.CORTICOSTEROID
    assert "dexamethasone 16 mg as soon as possible" in prompt.text
    assert "gastric protection" in prompt.text and "blood glucose monitoring" in prompt.text
    assert "tapering plan" in prompt.text
    assert prompt.source == NG234_SOURCE and "NG234" in prompt.source
    assert prompt.needs_acknowledgement is (severity is W)


LYMPHOMA = [
    # steroids in play by new neurology (the dexamethasone prompt) or by a planned steroid
    ({"new_neurology": True, "lymphoma_suspected": True, "tissue_diagnosis": False}, [], W,
     "no tissue diagnosis exists"),
    ({"new_neurology": True, "lymphoma_suspected": True, "tissue_diagnosis": None}, [], W,
     "no tissue diagnosis is recorded"),
    ({"lymphoma_suspected": True, "tissue_diagnosis": False}, [P.CORTICOSTEROID], W,
     "discuss biopsy before corticosteroids"),
    ({"new_neurology": True, "lymphoma_suspected": True, "tissue_diagnosis": True}, [], None,
     None),
    ({"new_neurology": True, "lymphoma_suspected": False, "tissue_diagnosis": False}, [], None,
     None),
    ({"new_neurology": True, "lymphoma_suspected": None}, [], CHK,
     "whether lymphoma is suspected is not recorded"),
    ({"lymphoma_suspected": None}, ["dexamethasone"], CHK, "not recorded"),
    # no steroid in play: no caution
    ({"lymphoma_suspected": True, "tissue_diagnosis": False}, [], None, None),
    ({"new_neurology": None, "high_grade_escc": True, "lymphoma_suspected": True,
      "tissue_diagnosis": False}, [], None, None),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "planned", "severity", "needle"), LYMPHOMA)
def test_biopsy_before_steroids_when_lymphoma_is_suspected(
    changes: dict[str, Any],
    planned: list[PlannedItem | str],
    severity: Severity | None,
    needle: str | None,
) -> None:
    prompts = _prompts(planned, _flags(**changes))
    if severity is None:
        assert "steroids-lymphoma-biopsy" not in prompts
        return
    prompt = prompts["steroids-lymphoma-biopsy"]
    assert prompt.severity is severity and needle is not None and needle in prompt.text
    assert prompt.source == NG234_SOURCE
    assert prompt.needs_acknowledgement is (severity is W)


# Spinal precautions and exercise -------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "listed", "expected"),
    [
        ({"sins_total": 13}, False, "SINS 13"),
        ({"sins_total": 18}, False, "SINS 18"),
        ({"sins_total": 12}, False, None),
        ({"new_neurology": True}, False, "new neurological symptoms or signs"),
        ({"sins_total": 14, "new_neurology": True}, False,
         "SINS 14 and new neurological symptoms or signs"),
        ({"sins_total": 13}, True, None),  # already in the plan
        ({"sins_total": None, "new_neurology": None}, False, None),  # fires on what is recorded
    ],
)  # fmt: skip
def test_spinal_precautions(changes: dict[str, Any], listed: bool, expected: str | None) -> None:
    planned: list[PlannedItem | str] = [P.SPINAL_PRECAUTIONS] if listed else []
    prompts = _prompts(planned, _flags(**changes))
    if expected is None:
        assert "spinal-precautions" not in prompts
        return
    prompt = prompts["spinal-precautions"]
    assert f"Suspected mechanically unstable spine ({expected})" in prompt.text
    assert "spinal precautions until assessed" in prompt.text
    assert "no aerobic or loaded exercise until stabilised" in prompt.text
    assert prompt.severity is W and prompt.needs_acknowledgement


@pytest.mark.parametrize(
    ("changes", "severity"),
    [
        ({"sins_total": 13}, W),
        ({"sins_total": 12}, None),
        ({"new_neurology": True}, W),
        ({"sins_total": None}, CHK),
        ({"sins_total": 12, "new_neurology": None}, CHK),
        ({"sins_total": 12, "new_neurology": False}, None),
    ],
)
def test_aerobic_exercise_with_an_unstable_spine(
    changes: dict[str, Any], severity: Severity | None
) -> None:
    prompts = _prompts(["low impact aerobics"], _flags(**changes))
    if severity is None:
        assert "exercise-unstable-spine" not in prompts
        return
    prompt = prompts["exercise-unstable-spine"]
    assert prompt.severity is severity
    assert "no aerobic or loaded exercise until stabilised" in prompt.text
    assert prompt.needs_acknowledgement is (severity is W)


def test_unstable_spine_property_of_the_flags() -> None:
    assert _flags(sins_total=13).unstable_spine is True
    assert _flags(sins_total=12).unstable_spine is False
    assert _flags(sins_total=None).unstable_spine is None
    assert _flags(sins_total=None, new_neurology=True).unstable_spine is True
    assert _flags(sins_total=3, new_neurology=None).unstable_spine is None


# Bone-modifying agents -----------------------------------------------------------------


def test_denosumab() -> None:
    prompt = _prompts(["denosumab"], _flags())["bone-modifying-denosumab"]
    assert "dental review before starting (osteonecrosis of the jaw)" in prompt.text
    assert "calcium and vitamin D" in prompt.text and "renal" not in prompt.text
    assert prompt.severity is W and prompt.source == SOURCE


@pytest.mark.parametrize(
    ("renal", "needle"),
    [
        (True, "renal impairment is recorded (dose adjustment or an alternative)"),
        (None, "renal function is not recorded"),
        (False, "Check renal function before each dose."),
    ],
)
def test_zoledronic_acid(renal: bool | None, needle: str) -> None:
    prompt = _prompts(["zoledronate"], _flags(renal_impairment=renal))[
        "bone-modifying-zoledronic-acid"
    ]
    assert "dental review before starting" in prompt.text and "calcium and vitamin D" in prompt.text
    assert needle in prompt.text


# Radiotherapy --------------------------------------------------------------------------

CEBRT_8 = RadiationCourse(Technique.CEBRT, 8, 1, "L2")
SBRT_24 = RadiationCourse(Technique.SBRT, 24, 2, "T12")


@pytest.mark.parametrize(
    ("course", "code", "needle"),
    [
        (CEBRT_8, None, None),
        (SBRT_24, None, None),
        (RadiationCourse(Technique.SBRT, 26, 2), "rt-nonstandard-sbrt-26gy-2fx",
         "is not a standard regimen"),
        (RadiationCourse(Technique.CEBRT, 36, 12), "rt-nonstandard-cebrt-36gy-12fx",
         "is not a standard regimen"),
        # Stored before the plausibility check (the catalogue once took up to 80 Gy).
        (RadiationCourse(Technique.CEBRT, 80, 1), "rt-implausible-cebrt-80gy-1fx",
         "outside the plausible range"),
        (RadiationCourse(Technique.CEBRT, 30, 1), "rt-implausible-cebrt-30gy-1fx",
         "30 Gy per fraction is above 10 Gy"),
    ],
)  # fmt: skip
def test_regimen_prompts(course: RadiationCourse, code: str | None, needle: str | None) -> None:
    prompts = _prompts([], _flags(), courses=[course])
    if code is None:
        assert prompts == {}
        return
    prompt = prompts[code]
    assert needle is not None and needle in prompt.text
    assert prompt.severity is W and prompt.needs_acknowledgement
    assert prompt.source == RT_SOURCE and "alpha/beta" in prompt.source


def test_reirradiation_with_a_recorded_prior_course() -> None:
    flags = _flags(
        prior_radiation=True,
        prior_radiation_dose_gy=20,
        prior_radiation_fractions=5,
        prior_radiation_details="20 Gy in 5 to T11-L1, 2024",
    )
    prompt = _prompts([], flags, courses=[SBRT_24])["rt-reirradiation-sbrt-24gy-2fx-t12"]
    assert prompt.severity is W and prompt.item is P.SBRT
    assert "Prior course: 20 Gy in 5 fractions" in prompt.text
    assert "Cumulative EQD2 at alpha/beta 2 (spinal cord, late effects): 114 Gy" in prompt.text
    assert "(recorded: 20 Gy in 5 to T11-L1, 2024)" in prompt.text


def test_reirradiation_without_the_prior_dose_and_per_course() -> None:
    prompts = _prompts([], _flags(prior_radiation=True), courses=[CEBRT_8, SBRT_24])
    assert {"rt-reirradiation-cebrt-8gy-1fx-l2", "rt-reirradiation-sbrt-24gy-2fx-t12"} <= set(
        prompts
    )
    assert "cannot be computed" in prompts["rt-reirradiation-cebrt-8gy-1fx-l2"].text


def test_reirradiation_unknown_is_an_advisory_check_and_no_prior_is_silent() -> None:
    prompt = _prompts([], _flags(prior_radiation=None), courses=[CEBRT_8])["rt-reirradiation"]
    assert prompt.severity is CHK and not prompt.needs_acknowledgement
    assert "Prior radiation to the planned level is not recorded" in prompt.text
    assert "cEBRT 8 Gy in 1 fraction to L2" in prompt.text
    assert _prompts([], _flags(prior_radiation=False), courses=[CEBRT_8]) == {}
    # Without radiation in the plan, prior radiation prompts nothing.
    assert _prompts([], _flags(prior_radiation=True)) == {}


@pytest.mark.parametrize(
    ("open_surgery", "planned_surgery", "courses", "severity"),
    [
        (True, False, [SBRT_24], W),
        (False, True, [SBRT_24], W),
        (None, False, [SBRT_24], CHK),
        (None, True, [SBRT_24], W),
        (False, False, [SBRT_24], None),
        (False, None, [SBRT_24], None),
        (True, False, [CEBRT_8], None),  # only SBRT
    ],
)
def test_sbrt_close_to_open_surgery(
    open_surgery: bool | None,
    planned_surgery: bool | None,
    courses: list[RadiationCourse],
    severity: Severity | None,
) -> None:
    prompts = _prompts(
        [], _flags(planned_surgery=planned_surgery), courses=courses, open_surgery=open_surgery
    )
    if severity is None:
        assert "rt-sbrt-surgery-timing" not in prompts
        return
    prompt = prompts["rt-sbrt-surgery-timing"]
    assert prompt.severity is severity and prompt.needs_acknowledgement
    assert "wound healing" in prompt.text and "local protocol decides the interval" in prompt.text


# Flags, order and invariants -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sins_total": 19}, "sins_total"),
        ({"sins_total": -1}, "sins_total"),
        ({"prior_radiation_dose_gy": 0}, "prior_radiation_dose_gy"),
        ({"prior_radiation_dose_gy": True}, "prior_radiation_dose_gy"),
        ({"prior_radiation_fractions": 0}, "prior_radiation_fractions"),
        ({"prior_radiation_details": 5}, "prior_radiation_details"),
        ({"new_neurology": "yes"}, "new_neurology"),
    ],
)
def test_flags_are_validated(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        _flags(**changes)
    assert info.value.field == field


def test_prompt_order() -> None:
    flags = _flags(
        anticoagulation=True, high_grade_escc=True, new_neurology=True, lymphoma_suspected=True,
        tissue_diagnosis=False, prior_radiation=True,
    )  # fmt: skip
    prompts = safety_prompts(
        ["zoledronic acid", "low impact aerobics", "vertebroplasty", "surgery", "NSAIDs",
         "heat", "chiropractic"],
        flags,
        courses=[SBRT_24],
        open_surgery=True,
    )  # fmt: skip
    assert [p.code for p in prompts] == [
        "spinal-manipulation-metastasis", "heat-tumour-site", "nsaid-risk",
        "bleeding-surgery", "bleeding-cement-augmentation", "cement-leakage",
        "dexamethasone-mscc", "steroids-lymphoma-biopsy", "spinal-precautions",
        "exercise-unstable-spine", "bone-modifying-zoledronic-acid",
        "rt-reirradiation-sbrt-24gy-2fx-t12", "rt-sbrt-surgery-timing",
    ]  # fmt: skip
    assert all(p.source for p in prompts)


BOOL_FLAGS = [k for k, v in CLEAR.items() if isinstance(v, bool)]
TRI = st.sampled_from([True, False, None])
FLAGS = st.builds(
    PatientSafetyFlags,
    **{k: TRI for k in BOOL_FLAGS},  # type: ignore[arg-type]
    sins_total=st.one_of(st.none(), st.integers(0, 18)),
)
PLANNED = st.lists(st.sampled_from(list(PlannedItem)), max_size=8)
COURSES = st.lists(
    st.builds(
        RadiationCourse,
        st.sampled_from(list(Technique)),
        st.sampled_from([8, 20, 24, 26, 30, 80]),
        st.sampled_from([1, 2, 5, 10]),
    ),
    max_size=2,
)
OPEN = st.sampled_from([True, False, None])


@settings(max_examples=300, deadline=None)
@given(FLAGS, PLANNED, COURSES, OPEN, st.sampled_from(BOOL_FLAGS))
def test_an_unknown_fact_never_silences_a_prompt(
    flags: PatientSafetyFlags,
    planned: list[PlannedItem],
    courses: list[RadiationCourse],
    open_surgery: bool | None,
    key: str,
) -> None:
    if getattr(flags, key) is not False:
        return
    known = {
        p.code for p in safety_prompts(planned, flags, courses=courses, open_surgery=open_surgery)
    }
    unknown = dataclasses.replace(flags, **{key: None})
    after = {
        p.code for p in safety_prompts(planned, unknown, courses=courses, open_surgery=open_surgery)
    }
    assert known <= after


@settings(max_examples=200, deadline=None)
@given(FLAGS, PLANNED, COURSES, OPEN)
def test_every_prompt_names_its_source_and_warnings_need_acknowledgement(
    flags: PatientSafetyFlags,
    planned: list[PlannedItem],
    courses: list[RadiationCourse],
    open_surgery: bool | None,
) -> None:
    prompts = safety_prompts(planned, flags, courses=courses, open_surgery=open_surgery)
    assert len({p.code for p in prompts}) == len(prompts)
    for prompt in prompts:
        assert prompt.source and prompt.text and prompt.code
        if prompt.severity is W:
            assert prompt.needs_acknowledgement
