"""Each specialty's input field by field, in words (the projector): labels, no codes, no cuts."""

from __future__ import annotations

import pytest

from board.assessments.forms import FORM_CLASSES, LESION_SPECS, FieldKind, parse_form
from board.auth.roles import Role
from board.cases.inputs import InputField, choice_words, clip_words, input_fields
from board.scoring.escc import EsccGrade
from board.scoring.neuro import FrankelGrade


def _fields(role: Role, data: dict[str, object]) -> list[tuple[str, str]]:
    return [(f.label, f.value) for f in input_fields(parse_form(role, data))]


def test_radiology_findings_per_level_in_words() -> None:
    fields = _fields(
        Role.RADIOLOGIST,
        {
            "lesions": [
                {
                    "level": "T11",
                    "lesion_type": "mixed",
                    "collapse": "lt50",
                    "alignment": "deformity",
                    "posterolateral": "unilateral",
                    "escc": "2",
                },
                {"level": "T12", "lesion_type": "lytic"},
            ],
            "extraspinal_bone_metastases_seen": True,
            "extraspinal_bone_foci": 5,
            "visceral_metastases_seen": None,
        },
    )
    assert fields == [
        (
            "T11",
            "Lesion: mixed lytic/blastic; Collapse: less than 50% collapse; Alignment: de novo "
            "deformity (kyphosis/scoliosis); Posterolateral: unilateral; ESCC: 2: spinal cord "
            "compression, CSF visible around the cord",
        ),
        ("T12", "Lesion: lytic"),
        ("Extraspinal bone metastases seen", "yes"),
        ("Extraspinal bone metastases (foci)", "5"),
    ]


def test_surgeon_oncologist_pain_and_physio_in_words() -> None:
    assert _fields(
        Role.SPINE_SURGEON,
        {"frankel": "D", "mechanical_pain": False, "surgical_options": ["cement_augmentation"]},
    ) == [
        ("Frankel grade", "D: motor useful"),
        ("Mechanical pain", "no"),
        ("Surgical options", "cement augmentation (vertebro-/kyphoplasty)"),
    ]
    assert _fields(
        Role.MEDICAL_ONCOLOGIST,
        {"ecog": "1", "karnofsky": 80, "systemic_options": [], "albumin": 34.0},
    ) == [
        ("ECOG", "1: restricted in strenuous activity, ambulatory, light work"),
        ("Karnofsky (%)", "80"),
        ("Systemic options", "none"),
        ("Albumin (g/L)", "34"),
    ]
    assert _fields(Role.PAIN_PALLIATIVE, {"nrs": 6, "opioid_ome_mg": 45.5}) == [
        ("Pain (NRS 0-10)", "6"),
        ("Opioid dose (oral morphine equivalent, mg/day)", "45.5"),
    ]
    physio = {"mobility": "walking_aid", "goals": "  Walk \n 50 m "}
    assert _fields(Role.PHYSIOTHERAPIST, physio) == [
        ("Mobility", "walks with an aid"),
        ("Goals", "Walk 50 m"),
    ]
    assert _fields(Role.RADIATION_ONCOLOGIST, {"cebrt_dose_gy": 8.0, "cebrt_fractions": 1}) == [
        ("cEBRT total dose (Gy)", "8"),
        ("cEBRT fractions", "1"),
    ]
    assert input_fields(parse_form(Role.PHYSIOTHERAPIST, {})) == ()


@pytest.mark.parametrize("role", list(FORM_CLASSES))
def test_no_stored_code_reaches_the_words(role: Role) -> None:
    """Every choice of every form, chosen at once: no value shows its stored code."""
    cls = FORM_CLASSES[role]
    data: dict[str, object] = {}
    for spec in cls.SPECS:
        if spec.kind is FieldKind.CHOICE and spec.choices is not None:
            data[spec.key] = next(iter(spec.choices)).value
        elif spec.kind is FieldKind.MULTI and spec.choices is not None:
            data[spec.key] = [m.value for m in spec.choices]
    if role is Role.RADIOLOGIST:
        data["lesions"] = [
            {"level": "L1"}
            | {s.key: next(iter(s.choices)).value for s in LESION_SPECS if s.choices is not None}
        ]
    words = " ".join(f.value for f in input_fields(parse_form(role, data)))
    for spec in (*cls.SPECS, *LESION_SPECS):
        for member in spec.choices or ():
            code = str(member.value)
            if "_" in code or code in ("gt50", "lt50"):
                assert code not in words, (spec.key, code)


def test_grades_keep_their_code_and_words_replace_the_rest() -> None:
    assert choice_words(FrankelGrade.C) == "C: motor present but useless"
    assert choice_words(EsccGrade("1a")).startswith("1a: epidural impingement")
    assert InputField("Levels", "T7").value == "T7"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short note", 40, "short note"),
        ("Power 4/5 in both legs this morning", 20, "Power 4/5 in both…"),
        ("Power 4/5 in both legs this morning", 18, "Power 4/5 in both…"),
        ("Power 4/5 in both legs, this morning", 24, "Power 4/5 in both legs…"),
        ("  spaced\n  out  text ", 40, "spaced out text"),
    ],
)
def test_a_long_note_is_cut_at_a_word(text: str, limit: int, expected: str) -> None:
    clipped = clip_words(text, limit)
    assert clipped == expected
    assert len(clipped) <= limit
