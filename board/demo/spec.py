"""The demonstration board's people and patients: who works on it, and what each case is.

Every person and patient here is invented. The current cases are chosen so that the
board's decision support meets every NOMS branch (Laufer 2013): radiosensitive and
radioresistant histology, low- and high-grade epidural compression, stable, potentially
unstable and unstable spines, fit and frail patients; some are urgent (suspected cord
compression, or high-grade ESCC on the radiologist's grading) and one waits for a
biopsy. This module holds data only; :mod:`board.demo.current` and
:mod:`board.demo.history` write it through the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from board.assessments.forms import parse_form
from board.auth.roles import Role
from board.cases.enums import Sex
from board.scoring.primary import PrimarySite

#: Shared password of the fictional demo accounts; shown on the sign-in page in demo mode.
DEMO_PASSWORD = "tumorboard-demo"  # noqa: S105


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A fictional board member."""

    username: str
    display_name: str
    role: Role


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo.admin", "Sam Patel", Role.ADMIN),
    DemoUser("demo.coordinator", "Claire Dubois", Role.COORDINATOR),
    DemoUser("demo.oncologist", "Dr Maya Okafor", Role.MEDICAL_ONCOLOGIST),
    DemoUser("demo.radiologist", "Dr Lars Berg", Role.RADIOLOGIST),
    DemoUser("demo.surgeon", "Dr Sofia Marin", Role.SPINE_SURGEON),
    DemoUser("demo.radiotherapist", "Dr Tomasz Nowak", Role.RADIATION_ONCOLOGIST),
    DemoUser("demo.palliative", "Dr Aisha Rahman", Role.PAIN_PALLIATIVE),
    DemoUser("demo.physio", "Jonas Weber", Role.PHYSIOTHERAPIST),
    DemoUser("demo.pathologist", "Dr Elena Rossi", Role.PATHOLOGIST),
)


def demo_users() -> tuple[DemoUser, ...]:
    """The demo accounts (shown on the sign-in page in demo mode only)."""
    return DEMO_USERS


@dataclass(frozen=True, slots=True)
class DemoCase:
    """One fictional case and the facts the specialists recorded for it."""

    pseudonym: str
    site: str
    histology: str | None
    age: int
    sex: Sex
    levels: str
    question: str
    #: radiology findings per level: lesion type, collapse, alignment, posterolateral, ESCC
    lesions: dict[str, dict[str, str]]
    ecog: int
    karnofsky: int
    frankel: str
    mechanical_pain: bool
    pain_score: int
    pain_character: str
    extraspinal_bone_foci: int
    visceral: str  # none, removable, unremovable
    noms_branch: str
    symptoms: dict[str, bool] = field(default_factory=dict)
    submitted_roles: tuple[Role, ...] = (
        Role.RADIOLOGIST,
        Role.SPINE_SURGEON,
        Role.MEDICAL_ONCOLOGIST,
        Role.RADIATION_ONCOLOGIST,
    )
    mri_days_ago: int | None = 5
    biopsy_pending: bool = False
    notes: tuple[tuple[Role, str], ...] = ()
    #: daily opioid dose (oral morphine equivalent, mg) on the pain assessment
    omed: float | None = None
    #: extra fields of a role's form (anticoagulation, prior radiation, ...), merged over
    #: the form :func:`assessment_data` builds
    form_extras: dict[Role, dict[str, Any]] = field(default_factory=dict)
    #: NICE NG234 spinal pain features recorded at referral (None: not asked)
    pain_features: frozenset[str] | None = None


def lesion_findings(
    kind: str, collapse: str, alignment: str, posterolateral: str, escc: str
) -> dict[str, str]:
    return {
        "lesion_type": kind,
        "collapse": collapse,
        "alignment": alignment,
        "posterolateral": posterolateral,
        "escc": escc,
    }


DEMO_CASES: tuple[DemoCase, ...] = (
    DemoCase(
        "TB-DEMO01",
        "breast",
        "Invasive ductal carcinoma, ER+/HER2-",
        58,
        Sex.FEMALE,
        "T8",
        "Painful T8 metastasis, no neurological deficit: radiotherapy alone?",
        {"T8": lesion_findings("blastic", "none", "normal", "none", "1a")},
        ecog=1,
        karnofsky=80,
        frankel="E",
        mechanical_pain=False,
        pain_score=4,
        pain_character="biological",
        extraspinal_bone_foci=2,
        visceral="none",
        noms_branch="radiosensitive, low-grade ESCC, stable, fit: cEBRT",
        notes=(
            (
                Role.MEDICAL_ONCOLOGIST,
                "On letrozole and ribociclib since 2024; bone-only disease on the last PET.",
            ),
        ),
    ),
    DemoCase(
        "TB-DEMO02",
        "prostate",
        "Adenocarcinoma, Gleason 4+4",
        71,
        Sex.MALE,
        "T10, T11",
        "New leg weakness and unsteady gait with T11 compression: surgery or radiotherapy?",
        {
            "T10": lesion_findings("blastic", "none", "normal", "none", "0"),
            "T11": lesion_findings("mixed", "lt50", "normal", "unilateral", "3"),
        },
        ecog=2,
        karnofsky=60,
        frankel="D",
        mechanical_pain=True,
        pain_score=8,
        pain_character="mechanical",
        extraspinal_bone_foci=5,
        visceral="none",
        noms_branch="radiosensitive, high-grade ESCC, potentially unstable with mechanical "
        "pain: cEBRT plus stabilisation",
        symptoms={"weakness": True, "gait_disturbance": True, "pain_new_or_worse": True},
        submitted_roles=(Role.RADIOLOGIST, Role.SPINE_SURGEON),
        mri_days_ago=0,
        notes=(
            (
                Role.SPINE_SURGEON,
                "Power 4/5 in both legs this morning; started dexamethasone 16 mg.",
            ),
        ),
    ),
    DemoCase(
        "TB-DEMO03",
        "kidney",
        "Clear cell renal cell carcinoma",
        63,
        Sex.MALE,
        "L3",
        "Solitary L3 metastasis after nephrectomy: stereotactic radiotherapy?",
        {"L3": lesion_findings("lytic", "none", "normal", "none", "1b")},
        ecog=0,
        karnofsky=90,
        frankel="E",
        mechanical_pain=False,
        pain_score=3,
        pain_character="biological",
        extraspinal_bone_foci=0,
        visceral="none",
        noms_branch="radioresistant, low-grade ESCC, stable, fit: SBRT",
    ),
    DemoCase(
        "TB-DEMO04",
        "lung",
        "Non-small-cell lung adenocarcinoma, EGFR exon 19",
        66,
        Sex.FEMALE,
        "T6",
        "High-grade T6 compression with partial collapse: separation surgery then SBRT?",
        {"T6": lesion_findings("lytic", "lt50", "deformity", "bilateral", "2")},
        ecog=1,
        karnofsky=80,
        frankel="E",
        mechanical_pain=True,
        pain_score=7,
        pain_character="mechanical",
        extraspinal_bone_foci=1,
        visceral="removable",
        noms_branch="radioresistant, high-grade ESCC, unstable, fit: separation surgery and "
        "stabilisation, then SBRT",
        mri_days_ago=60,
    ),
    DemoCase(
        "TB-DEMO05",
        "melanoma",
        "Metastatic melanoma, BRAF V600E",
        77,
        Sex.MALE,
        "C5",
        "C5 compression in a frail patient: is surgery reasonable?",
        {"C5": lesion_findings("lytic", "none", "normal", "unilateral", "3")},
        ecog=3,
        karnofsky=40,
        frankel="D",
        mechanical_pain=False,
        pain_score=6,
        pain_character="radicular",
        extraspinal_bone_foci=4,
        visceral="unremovable",
        noms_branch="radioresistant, high-grade ESCC, frail (cannot tolerate surgery): cEBRT",
        symptoms={"radicular_pain": True},
        submitted_roles=(Role.RADIOLOGIST, Role.MEDICAL_ONCOLOGIST),
    ),
    DemoCase(
        "TB-DEMO06",
        "myeloma",
        "IgG kappa multiple myeloma",
        69,
        Sex.FEMALE,
        "L1",
        "L1 collapse over 50% with kyphosis: cement augmentation or fixation?",
        {"L1": lesion_findings("lytic", "gt50", "deformity", "bilateral", "0")},
        ecog=1,
        karnofsky=70,
        frankel="E",
        mechanical_pain=True,
        pain_score=9,
        pain_character="mechanical",
        extraspinal_bone_foci=6,
        visceral="none",
        noms_branch="radiosensitive, low-grade ESCC, unstable: stabilisation plus cEBRT",
    ),
    DemoCase(
        "TB-DEMO07",
        "thyroid",
        "Follicular thyroid carcinoma",
        54,
        Sex.FEMALE,
        "T12",
        "Borderline T12 epidural disease: SBRT now or observe?",
        {"T12": lesion_findings("lytic", "involved_gt50", "normal", "none", "1c")},
        ecog=1,
        karnofsky=80,
        frankel="E",
        mechanical_pain=False,
        pain_score=2,
        pain_character="biological",
        extraspinal_bone_foci=1,
        visceral="none",
        noms_branch="radioresistant, borderline ESCC 1c, potentially unstable without "
        "mechanical pain: SBRT",
        submitted_roles=(Role.RADIOLOGIST, Role.SPINE_SURGEON, Role.MEDICAL_ONCOLOGIST),
    ),
    DemoCase(
        "TB-DEMO08",
        "lymphoma",
        "Diffuse large B-cell lymphoma",
        82,
        Sex.MALE,
        "T4",
        "T4 compression, bed-bound: radiotherapy and best supportive care?",
        {"T4": lesion_findings("mixed", "none", "normal", "none", "2")},
        ecog=4,
        karnofsky=20,
        frankel="C",
        mechanical_pain=False,
        pain_score=5,
        pain_character="biological",
        extraspinal_bone_foci=0,
        visceral="unremovable",
        noms_branch="radiosensitive, high-grade ESCC, frail: cEBRT",
    ),
    DemoCase(
        "TB-DEMO09",
        "unknown",
        None,
        60,
        Sex.FEMALE,
        "L4, L5",
        "Lytic L4-L5 lesions, primary unknown: biopsy result pending, work-up plan?",
        {
            "L4": lesion_findings("lytic", "lt50", "normal", "unilateral", "1a"),
            "L5": lesion_findings("lytic", "none", "normal", "none", "0"),
        },
        ecog=1,
        karnofsky=80,
        frankel="E",
        mechanical_pain=True,
        pain_score=6,
        pain_character="mechanical",
        extraspinal_bone_foci=2,
        visceral="none",
        noms_branch="histology unknown: NOMS incomplete until the biopsy is final",
        submitted_roles=(Role.RADIOLOGIST,),
        biopsy_pending=True,
    ),
)


#: The specialties every demo meeting requires (quorum and sign-off).
REQUIRED_ROLES: tuple[Role, ...] = (
    Role.MEDICAL_ONCOLOGIST,
    Role.RADIOLOGIST,
    Role.SPINE_SURGEON,
    Role.RADIATION_ONCOLOGIST,
)
MEETING_TITLE = "Spine tumor board"
MEETING_PLACE = "Seminar room 2 and video link"
REFERRING_CLINIC = "Fictional referring clinic"


def site_value(keyword: str) -> str:
    """The PrimarySite value for a keyword such as 'breast' or 'unknown'."""
    for site in PrimarySite:
        if site.value == keyword:
            return site.value
    for site in PrimarySite:
        if site.value.startswith(keyword) or keyword in site.value:
            return site.value
    raise KeyError(keyword)


#: The markers a final biopsy reports, by primary site keyword.
MARKERS: dict[str, dict[str, str]] = {
    "breast": {"ER": "positive (90%)", "PR": "positive (40%)", "HER2": "0"},
    "prostate": {"PSA": "positive"},
    "lung": {"EGFR": "exon 19 deletion", "ALK": "negative", "PD-L1": "10%"},
    "melanoma": {"BRAF": "V600E"},
}
#: Cases whose patient the surgeon judges unable to tolerate surgery (frail).
_FRAIL = ("TB-DEMO05", "TB-DEMO08")
#: The oncologist's Tomita growth choice for sites the paper does not classify.
_GROWTH: dict[str, str] = {"melanoma": "rapid", "myeloma": "moderate", "lymphoma": "moderate"}
_SYSTEMIC: dict[str, tuple[str, ...]] = {
    "breast": ("hormonal", "targeted", "bone_targeted"),
    "prostate": ("hormonal", "bone_targeted"),
    "kidney": ("immunotherapy", "targeted"),
    "lung_nsclc": ("targeted",),
    "melanoma": ("immunotherapy", "targeted"),
    "myeloma": ("chemotherapy", "bone_targeted"),
    "thyroid": ("targeted",),
    "lymphoma": ("chemotherapy",),
}


DEMO_FORM_ROLES = (
    Role.RADIOLOGIST,
    Role.SPINE_SURGEON,
    Role.MEDICAL_ONCOLOGIST,
    Role.RADIATION_ONCOLOGIST,
    Role.PAIN_PALLIATIVE,
    Role.PHYSIOTHERAPIST,
)


def assessment_data(spec: DemoCase, role: Role) -> dict[str, Any]:
    """A role's structured form for a demo case (validated by :func:`parse_form`)."""
    site = site_value(spec.site)
    frail = spec.pseudonym in _FRAIL
    data: dict[str, Any] = {}
    if role is Role.RADIOLOGIST:
        data = {
            "lesions": [{"level": level, **f} for level, f in spec.lesions.items()],
            "extraspinal_bone_metastases_seen": spec.extraspinal_bone_foci > 0,
            "extraspinal_bone_foci": spec.extraspinal_bone_foci,
            "visceral_metastases_seen": spec.visceral != "none",
        }
    elif role is Role.SPINE_SURGEON:
        data = {
            "frankel": spec.frankel,
            "asia": spec.frankel,
            "myelopathy": spec.frankel in ("A", "B", "C", "D"),
            "radiculopathy": spec.pain_character == "radicular",
            "mechanical_pain": spec.mechanical_pain,
            "candidacy": "not_candidate" if frail else "candidate",
            "tolerates_surgery": not frail,
            "surgical_options": ["no_surgery"] if frail else ["separation_surgery"],
        }
    elif role is Role.MEDICAL_ONCOLOGIST:
        data = {
            "primary_site": site,
            "histology": spec.histology,
            "ecog": str(spec.ecog),
            "karnofsky": spec.karnofsky,
            "extraspinal_bone_foci": spec.extraspinal_bone_foci,
            "visceral_metastases": spec.visceral,
            "brain_metastases": False,
            "systemic_options": list(_SYSTEMIC.get(site, ())),
            "primary_growth": _GROWTH.get(site),
        }
    elif role is Role.RADIATION_ONCOLOGIST:
        data = {
            "prior_radiation": False,
            "cebrt_option": True,
            "cebrt_dose_gy": 8,
            "cebrt_fractions": 1,
            "sbrt_option": not frail,
            "sbrt_dose_gy": None if frail else 24,
            "sbrt_fractions": None if frail else 2,
        }
    elif role is Role.PAIN_PALLIATIVE:
        data = {"nrs": spec.pain_score, "character": spec.pain_character}
        if spec.omed is not None:
            data["opioid_ome_mg"] = spec.omed
    elif role is Role.PHYSIOTHERAPIST:
        data = {"mobility": "walking_aid" if spec.ecog >= 2 else "independent"}
    data.update(spec.form_extras.get(role, {}))
    return parse_form(role, data).to_data()
