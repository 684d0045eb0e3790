"""The demonstration board's history, as data: eight cases discussed at two earlier
meetings, what the board decided for each and what happened afterwards.

:mod:`board.demo.history` writes it through the services: the meetings are run, the
plans signed and finalized, and the contacts recorded as the course below says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from board.auth.roles import Role
from board.cases.enums import Sex
from board.demo.spec import DEMO_FORM_ROLES, DemoCase, lesion_findings
from board.followup.enums import Adherence
from board.plans.enums import PlanComponent, PlanIntent


@dataclass(frozen=True, slots=True)
class Contact:
    """What a follow-up visit found (``None``: not assessed)."""

    pain: int | None
    omed: float | None
    ecog: int | None
    karnofsky: int | None
    frankel: str | None
    ambulatory: bool | None
    complications: str | None = None


@dataclass(frozen=True, slots=True)
class Course:
    """What the board decided for a history case and what happened afterwards.

    ``departure_reason`` is the board's reason for departing from the NOMS suggestion
    (asked for only when the plan departs from it). ``drafts_at_discussion`` are the
    roles whose input was still a draft when the board took the case up; the coordinator
    then marks it ready with ``ready_reason``.
    """

    meeting: int  # 0: the meeting 24 weeks ago, 1: the one 10 weeks ago
    intent: PlanIntent
    summary: str
    items: tuple[tuple[PlanComponent, str, dict[str, Any]], ...]
    start_hours: float
    treatment_given: str
    adherence: Adherence
    deviation: str | None
    visits: tuple[Contact, ...]
    imaging_findings: str = "MRI: treated lesion stable, no new epidural disease."
    died_after_days: int | None = None
    leave_overdue: bool = False
    missed_first: bool = False
    mri_before_referral: bool = False
    drafts_at_discussion: tuple[Role, ...] = ()
    ready_reason: str | None = None
    departure_reason: str | None = None


_VISITS_6W = (PlanComponent.FOLLOW_UP, "visit", {"interval_weeks": 6, "occurrences": 4})
_MRI_12W = (
    PlanComponent.FOLLOW_UP,
    "imaging",
    {"interval_weeks": 12, "occurrences": 2, "modality": "MR"},
)


def _cebrt(gy: float, fractions: int, levels: str) -> tuple[PlanComponent, str, dict[str, Any]]:
    return (
        PlanComponent.RADIATION,
        "cebrt",
        {"dose_gy": gy, "fractions": fractions, "levels": levels},
    )


def _sbrt(gy: float, fractions: int, levels: str) -> tuple[PlanComponent, str, dict[str, Any]]:
    return (
        PlanComponent.RADIATION,
        "sbrt",
        {"dose_gy": gy, "fractions": fractions, "levels": levels},
    )


def _lesion(kind: str, collapse: str, escc: str, posterolateral: str = "none") -> dict[str, str]:
    return lesion_findings(kind, collapse, "normal", posterolateral, escc)


def _history(*facts: Any, course: Course, **named: Any) -> tuple[DemoCase, Course]:
    """A history case: the demo's case facts (every role's form submitted by the meeting,
    but those the course keeps as drafts) and its course."""
    named = {
        "mechanical_pain": named["pain_character"] == "mechanical",
        "noms_branch": "",
        "submitted_roles": tuple(
            role for role in DEMO_FORM_ROLES if role not in course.drafts_at_discussion
        ),
        **named,
    }
    spec = DemoCase(*facts, **named)
    return spec, course


HISTORY: tuple[tuple[DemoCase, Course], ...] = (
    _history(
        "TB-DEMO10",
        "breast",
        "Invasive lobular carcinoma, ER+/HER2-",
        52,
        Sex.FEMALE,
        "T6",
        "Solitary painful T6 metastasis on letrozole: SBRT?",
        {"T6": _lesion("blastic", "none", "0")},
        ecog=0,
        karnofsky=90,
        frankel="E",
        pain_score=6,
        pain_character="biological",
        omed=20,
        extraspinal_bone_foci=0,
        visceral="none",
        course=Course(
            0,
            PlanIntent.PALLIATIVE,
            "SBRT to T6, continue endocrine therapy and start denosumab.",
            (
                _sbrt(24, 2, "T6"),
                (PlanComponent.SYSTEMIC, "hormonal", {"regimen": "letrozole"}),
                (PlanComponent.SYSTEMIC, "bone_modifying_agent", {"agent": "denosumab"}),
                _VISITS_6W,
                _MRI_12W,
            ),
            start_hours=9 * 24,
            treatment_given="SBRT 24 Gy in 2 fractions to T6",
            adherence=Adherence.AS_PLANNED,
            deviation=None,
            visits=(
                Contact(2, 10, 0, 90, "E", True),
                Contact(0, 0, 0, 90, "E", True),
                Contact(0, 0, 0, 100, "E", True),
            ),
            departure_reason=(
                "Solitary metastasis in a fit patient on endocrine therapy: SBRT for "
                "durable local control."
            ),
        ),
    ),
    _history(
        "TB-DEMO11",
        "prostate",
        "Adenocarcinoma, Gleason 4+3",
        68,
        Sex.MALE,
        "L2",
        "Painful L2 metastasis, hormone-sensitive: radiotherapy and systemic therapy?",
        {"L2": _lesion("blastic", "none", "0")},
        ecog=1,
        karnofsky=80,
        frankel="E",
        pain_score=5,
        pain_character="biological",
        omed=0,
        extraspinal_bone_foci=1,
        visceral="none",
        # NG234's second tier: suggestive spinal pain without neurology (MRI within a week)
        pain_features=frozenset({"progressive_lumbar", "night_pain"}),
        course=Course(
            1,
            PlanIntent.PALLIATIVE,
            "cEBRT 8 Gy single fraction to L2; androgen deprivation.",
            (
                _cebrt(8, 1, "L2"),
                (PlanComponent.SYSTEMIC, "hormonal", {"regimen": "ADT"}),
                _VISITS_6W,
            ),
            start_hours=4 * 24,
            treatment_given="cEBRT 8 Gy in 1 fraction to L2",
            adherence=Adherence.AS_PLANNED,
            deviation=None,
            visits=(Contact(5, 60, 1, 80, "E", True, "Constipation on opioids."),),
            leave_overdue=True,
        ),
    ),
    _history(
        "TB-DEMO12",
        "kidney",
        "Clear cell renal cell carcinoma",
        63,
        Sex.MALE,
        "T12",
        "T12 metastasis with epidural extension, radioresistant: surgery and SBRT?",
        # posterior wall involved: cement augmentation below draws the leakage warning
        {
            "T12": {
                **_lesion("lytic", "lt50", "1c", "unilateral"),
                "posterior_wall_involvement": True,
            }
        },
        ecog=1,
        karnofsky=80,
        frankel="E",
        pain_score=7,
        pain_character="mechanical",
        omed=40,
        extraspinal_bone_foci=1,
        visceral="removable",
        course=Course(
            0,
            PlanIntent.PALLIATIVE,
            "Stabilisation T11-L1 with T12 cement augmentation, then SBRT to T12; continue "
            "immunotherapy.",
            (
                (
                    PlanComponent.SURGERY,
                    "stabilisation",
                    {"levels": "T11-L1", "approach": "percutaneous"},
                ),
                (
                    PlanComponent.SURGERY,
                    "vertebroplasty_kyphoplasty",
                    {"levels": "T12", "approach": "percutaneous"},
                ),
                _sbrt(24, 2, "T12"),
                _VISITS_6W,
                _MRI_12W,
            ),
            start_hours=6 * 24,
            treatment_given=(
                "Percutaneous stabilisation T11-L1 with T12 cement augmentation; SBRT 24 Gy "
                "in 2 fractions"
            ),
            adherence=Adherence.AS_PLANNED,
            deviation=None,
            visits=(
                Contact(3, 20, 1, 80, "E", True),
                Contact(4, 30, 2, 60, "E", True),
                Contact(6, 90, 3, 40, "D", False, "Lung metastases progressing."),
            ),
            imaging_findings="MRI: T12 controlled; new L3 lesion without compression.",
            died_after_days=150,
        ),
    ),
    _history(
        "TB-DEMO13",
        "lymphoma",
        "Diffuse large B-cell lymphoma",
        57,
        Sex.FEMALE,
        "T9, T10",
        "Lymphoma of T9-T10 without cord compression: chemotherapy first?",
        {"T9": _lesion("lytic", "none", "0"), "T10": _lesion("lytic", "none", "1a")},
        ecog=1,
        karnofsky=80,
        frankel="E",
        pain_score=6,
        pain_character="biological",
        omed=30,
        extraspinal_bone_foci=1,
        visceral="none",
        course=Course(
            1,
            PlanIntent.CURATIVE,
            "R-CHOP chemotherapy; consolidation radiotherapy if residual disease.",
            ((PlanComponent.SYSTEMIC, "chemotherapy", {"regimen": "R-CHOP"}), _VISITS_6W),
            start_hours=3 * 24,
            treatment_given="R-CHOP started",
            adherence=Adherence.MODIFIED,
            deviation="Dose reduced by 20% from cycle 2 for neutropenia.",
            visits=(Contact(2, 10, 1, 80, "E", True, "Febrile neutropenia after cycle 1."),),
            mri_before_referral=True,
            drafts_at_discussion=(Role.RADIATION_ONCOLOGIST,),
            ready_reason="Chemotherapy is decided first; the radiotherapy input follows at "
            "restaging.",
            departure_reason=(
                "Lymphoma is treated with chemotherapy first; radiotherapy is kept for "
                "residual disease."
            ),
        ),
    ),
    _history(
        "TB-DEMO14",
        "lung_nsclc",
        "Adenocarcinoma, EGFR wild type",
        66,
        Sex.MALE,
        "T4, T5, T7",
        "Back pain with new leg weakness, multiple thoracic metastases: urgent radiotherapy?",
        {
            "T4": _lesion("lytic", "none", "0"),
            "T5": _lesion("lytic", "lt50", "2", "unilateral"),
            "T7": _lesion("lytic", "none", "1a"),
        },
        ecog=2,
        karnofsky=60,
        frankel="D",
        pain_score=8,
        pain_character="mechanical",
        omed=60,
        extraspinal_bone_foci=4,
        visceral="unremovable",
        symptoms={"weakness": True, "pain_new_or_worse": True},
        course=Course(
            0,
            PlanIntent.PALLIATIVE,
            "Urgent cEBRT 20 Gy in 5 fractions T4-T7; dexamethasone; best supportive care.",
            (_cebrt(20, 5, "T4-T7"), _VISITS_6W),
            start_hours=18,
            treatment_given="cEBRT 20 Gy in 5 fractions to T4-T7",
            adherence=Adherence.AS_PLANNED,
            deviation=None,
            visits=(Contact(4, 60, 3, 40, "D", True),),
            died_after_days=55,
            departure_reason=(
                "Several levels, unremovable visceral disease and declining performance "
                "status: urgent palliative cEBRT, surgery not in the patient's interest."
            ),
        ),
    ),
    _history(
        "TB-DEMO15",
        "melanoma",
        "Melanoma, BRAF V600E",
        49,
        Sex.FEMALE,
        "L1, L3",
        "Progressive melanoma with painful L1 and L3 metastases: SBRT or cEBRT?",
        {"L1": _lesion("lytic", "none", "1b"), "L3": _lesion("lytic", "none", "0")},
        ecog=2,
        karnofsky=60,
        frankel="E",
        pain_score=7,
        pain_character="biological",
        omed=45,
        extraspinal_bone_foci=3,
        visceral="unremovable",
        course=Course(
            0,
            PlanIntent.PALLIATIVE,
            "SBRT to L1 and L3 with targeted therapy.",
            (
                _sbrt(24, 2, "L1, L3"),
                (PlanComponent.SYSTEMIC, "targeted", {"regimen": "dabrafenib and trametinib"}),
                _VISITS_6W,
            ),
            start_hours=12 * 24,
            treatment_given="cEBRT 20 Gy in 5 fractions to L1 and L3",
            adherence=Adherence.MODIFIED,
            deviation="No SBRT slot within three weeks; cEBRT given instead to avoid delay.",
            visits=(Contact(8, 120, 3, 40, "E", False),),
            died_after_days=100,
        ),
    ),
    _history(
        "TB-DEMO16",
        "lung_nsclc",
        "Squamous cell carcinoma",
        74,
        Sex.MALE,
        "C7, T1",
        "Neck pain and arm weakness, C7-T1 compression: surgery possible?",
        {"C7": _lesion("lytic", "gt50", "2", "bilateral"), "T1": _lesion("lytic", "none", "1a")},
        ecog=2,
        karnofsky=50,
        frankel="D",
        pain_score=9,
        pain_character="mechanical",
        omed=90,
        extraspinal_bone_foci=3,
        visceral="unremovable",
        symptoms={"weakness": True, "pain_new_or_worse": True, "radicular_pain": True},
        form_extras={
            Role.MEDICAL_ONCOLOGIST: {"anticoagulation": True},
            Role.RADIATION_ONCOLOGIST: {
                "prior_radiation": True,
                "prior_radiation_details": "8 Gy in 1 fraction to C7 in 2023",
                "prior_dose_gy": 8,
                "prior_fractions": 1,
            },
        },
        course=Course(
            1,
            PlanIntent.PALLIATIVE,
            "Posterior decompression and stabilisation C6-T2, then cEBRT.",
            (
                (PlanComponent.SURGERY, "decompression", {"levels": "C6-T2", "approach": "open"}),
                _cebrt(20, 5, "C7-T1"),
                _VISITS_6W,
            ),
            start_hours=30,
            treatment_given="cEBRT 20 Gy in 5 fractions to C7-T1 (no surgery)",
            adherence=Adherence.MODIFIED,
            deviation="Patient declined surgery after discussion with the family; "
            "radiotherapy alone.",
            visits=(Contact(6, 60, 3, 40, "C", False),),
            died_after_days=50,
            departure_reason=(
                "Posterior decompression with fixation C6-T2 is the stabilisation; "
                "conventional radiotherapy afterwards rather than SBRT at the "
                "cervicothoracic junction."
            ),
        ),
    ),
    _history(
        "TB-DEMO17",
        "kidney",
        "Papillary renal cell carcinoma",
        60,
        Sex.FEMALE,
        "L4",
        "Painful L4 metastasis after nephrectomy: SBRT?",
        {"L4": _lesion("lytic", "none", "0")},
        ecog=1,
        karnofsky=70,
        frankel="E",
        pain_score=6,
        pain_character="biological",
        omed=15,
        extraspinal_bone_foci=1,
        visceral="removable",
        course=Course(
            1,
            PlanIntent.PALLIATIVE,
            "SBRT 24 Gy in 2 fractions to L4; continue targeted therapy.",
            (
                _sbrt(24, 2, "L4"),
                (PlanComponent.SYSTEMIC, "targeted", {"regimen": "cabozantinib"}),
                _VISITS_6W,
            ),
            start_hours=10 * 24,
            treatment_given="SBRT 24 Gy in 2 fractions to L4",
            adherence=Adherence.AS_PLANNED,
            deviation=None,
            visits=(Contact(6, 30, 1, 70, "E", True),),
            missed_first=True,
        ),
    ),
)
"""The history cases with their course."""


MEETING_WEEKS_AGO = (24, 10)


def _tuesday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - 1) % 7)


def meeting_times(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start times of the two earlier meetings (Tuesdays at 16:00 UTC)."""
    return tuple(  # type: ignore[return-value]
        dt.datetime.combine(
            _tuesday_on_or_before((now - dt.timedelta(weeks=weeks)).date()),
            dt.time(16, 0),
            tzinfo=dt.UTC,
        )
        for weeks in MEETING_WEEKS_AGO
    )
