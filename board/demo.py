"""The demonstration board: fictional users, cases, an upcoming meeting and a history.

Every person and patient here is invented. The cases are chosen so that the board's
decision support meets every NOMS branch (Laufer 2013): radiosensitive and
radioresistant histology, low- and high-grade epidural compression, stable,
potentially unstable and unstable spines, fit and frail patients; one case is urgent
(suspected cord compression) and one waits for a biopsy. Eight more cases were
discussed at two earlier meetings and are in follow-up (:mod:`board.demo_history`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board.accounts.users import UserView, create_first_admin, create_user
from board.assessments.forms import parse_form
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import CaseStatus, Sex
from board.cases.service import add_note, create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    Assessment,
    Biopsy,
    Case,
    ImagingStudy,
    Meeting,
    User,
    utcnow,
)
from board.errors import InvalidStateError
from board.installation import set_demo_mode
from board.meetings.enums import AgendaTriage
from board.pathology.enums import BiopsyKind, BiopsyStatus
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


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo loader created."""

    users: int
    cases: int
    meeting_starts_at: dt.datetime

    @property
    def message(self) -> str:
        """One line for the page or the terminal."""
        return (
            f"Demonstration board loaded: {self.cases} fictional cases, {self.users} users, "
            f"next meeting {self.meeting_starts_at:%Y-%m-%d %H:%M} UTC. Sign in as any demo "
            f"user with the password '{DEMO_PASSWORD}'."
        )


def site_value(keyword: str) -> str:
    """The PrimarySite value for a keyword such as 'breast' or 'unknown'."""
    for site in PrimarySite:
        if site.value == keyword:
            return site.value
    for site in PrimarySite:
        if site.value.startswith(keyword) or keyword in site.value:
            return site.value
    raise KeyError(keyword)


def _next_meeting_time(now: dt.datetime) -> dt.datetime:
    day = now.date() + dt.timedelta(days=1)
    while day.weekday() != 1:  # the board meets on Tuesdays at 16:00 UTC
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(16, 0), tzinfo=dt.UTC)


_MARKERS: dict[str, dict[str, str]] = {
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
    return parse_form(role, data).to_data()


def register_case(db: Database, coordinator: Actor, spec: DemoCase, onset: dt.date) -> int:
    """Register a demo case (its referral) as the coordinator; returns the case id."""
    symptoms = spec.symptoms
    detail = create_case(
        db,
        coordinator,
        CaseInput(
            primary_site=site_value(spec.site),
            levels=spec.levels,
            histology=spec.histology,
            age=spec.age,
            sex=spec.sex,
            pain_score=spec.pain_score,
            pain_character=spec.pain_character,
            pain_new_or_worse=symptoms.get("pain_new_or_worse"),
            weakness=symptoms.get("weakness", False),
            numbness=symptoms.get("numbness", False),
            gait_disturbance=symptoms.get("gait_disturbance", False),
            bladder_bowel_dysfunction=symptoms.get("bladder_bowel_dysfunction", False),
            radicular_pain=symptoms.get("radicular_pain", False),
            symptom_onset=onset,
            referral_question=spec.question,
            referred_by="Fictional referring clinic",
        ),
        pseudonym=spec.pseudonym,
    )
    return detail.id


def add_case_material(
    session: Session,
    users: dict[Role, UserView],
    case_id: int,
    spec: DemoCase,
    *,
    mri_on: dt.date | None,
    biopsy_on: dt.date,
    submitted_at: dt.datetime,
) -> None:
    """A demo case's MRI (when ``mri_on``), biopsy and every role's form, each audited.

    The roles in ``spec.submitted_roles`` have submitted their form at ``submitted_at``;
    the others keep theirs as a draft (readiness still shows their input as missing).
    """
    if mri_on is not None:
        study = ImagingStudy(
            case_id=case_id,
            source="manual",
            modality="MR",
            study_date=mri_on,
            description="MRI whole spine with contrast",
            body_region="whole_spine",
            report_text="Fictional report: findings as recorded by the radiologist.",
            created_by_id=users[Role.RADIOLOGIST].id,
        )
        session.add(study)
        session.flush()
        record(
            session,
            users[Role.RADIOLOGIST].as_actor(),
            "imaging.add_manual",
            "imaging_study",
            study.id,
            case_id=case_id,
            after={"modality": "MR", "study_date": study.study_date},
        )
    level = spec.levels.split(",")[0].strip()
    biopsy = Biopsy(
        case_id=case_id,
        kind=BiopsyKind.CORE_NEEDLE,
        status=BiopsyStatus.PENDING if spec.biopsy_pending else BiopsyStatus.FINAL,
        performed_on=biopsy_on,
        site=f"{level} vertebral body",
        level=level,
        histology=None if spec.biopsy_pending else spec.histology,
        markers={} if spec.biopsy_pending else dict(_MARKERS.get(spec.site, {})),
        report_text=None
        if spec.biopsy_pending
        else "Fictional report: core biopsy of the vertebral lesion.",
        pathologist=users[Role.PATHOLOGIST].display_name,
        version=1,
    )
    session.add(biopsy)
    session.flush()
    record(
        session,
        users[Role.PATHOLOGIST].as_actor(),
        "biopsy.add",
        "biopsy",
        biopsy.id,
        case_id=case_id,
        after={"status": biopsy.status, "histology": biopsy.histology},
    )
    for role in DEMO_FORM_ROLES:
        submitted = role in spec.submitted_roles
        assessment = Assessment(
            case_id=case_id,
            role=role,
            data=assessment_data(spec, role),
            submitted_at=submitted_at if submitted else None,
            updated_by_id=users[role].id,
        )
        session.add(assessment)
        session.flush()
        record(
            session,
            users[role].as_actor(),
            "assessment.submit" if submitted else "assessment.create",
            "assessment",
            assessment.id,
            case_id=case_id,
            after={"role": role, **assessment.data},
        )


def load_demo(db: Database, now: dt.datetime | None = None) -> DemoSummary:
    """Load the demonstration board into an empty database.

    Parameters
    ----------
    db:
        The database (migrated).
    now:
        The reference time (for meeting and imaging dates); the current time by default.

    Returns
    -------
    DemoSummary
        Counts and the meeting time.

    Raises
    ------
    InvalidStateError
        If the database already holds users or cases.
    """
    now = now or utcnow()
    with db.read() as session:
        if session.scalar(select(func.count()).select_from(User)) or session.scalar(
            select(func.count()).select_from(Case)
        ):
            raise InvalidStateError(
                "The demo board can only be loaded into an empty database: this one already "
                "holds users or cases."
            )
    admin_spec, *others = DEMO_USERS
    admin = create_first_admin(db, admin_spec.username, admin_spec.display_name, DEMO_PASSWORD)
    admin_actor = admin.as_actor()
    users: dict[Role, UserView] = {Role.ADMIN: admin}
    for member in others:
        users[member.role] = create_user(
            db, admin_actor, member.username, member.display_name, member.role, DEMO_PASSWORD
        )
    coordinator = users[Role.COORDINATOR].as_actor()

    case_ids: list[tuple[int, DemoCase]] = []
    for spec in DEMO_CASES:
        case_id = register_case(db, coordinator, spec, (now - dt.timedelta(days=21)).date())
        case_ids.append((case_id, spec))
        for role, text in spec.notes:
            add_note(db, users[role].as_actor(), case_id, text)

    starts_at = _next_meeting_time(now)
    with db.write() as session:
        meeting = Meeting(
            starts_at=starts_at,
            title="Spine tumor board",
            location="Seminar room 2 and video link",
            chair_id=users[Role.SPINE_SURGEON].id,
            required_roles=[
                Role.MEDICAL_ONCOLOGIST.value,
                Role.RADIOLOGIST.value,
                Role.SPINE_SURGEON.value,
                Role.RADIATION_ONCOLOGIST.value,
            ],
        )
        session.add(meeting)
        session.flush()
        record(
            session,
            coordinator,
            "meeting.schedule",
            "meeting",
            meeting.id,
            after={"starts_at": starts_at, "title": meeting.title},
        )
        agenda: list[tuple[int, int]] = []
        for case_id, spec in case_ids:
            case = session.get(Case, case_id)
            assert case is not None
            add_case_material(
                session,
                users,
                case_id,
                spec,
                mri_on=None
                if spec.mri_days_ago is None
                else (now - dt.timedelta(days=spec.mri_days_ago)).date(),
                biopsy_on=(now - dt.timedelta(days=10)).date(),
                submitted_at=now - dt.timedelta(hours=6),
            )
            ready = (
                len(spec.submitted_roles) == 4
                and not spec.biopsy_pending
                and (spec.mri_days_ago is not None and spec.mri_days_ago <= 42)
            )
            if ready:
                case.status = CaseStatus.READY
                case.updated_by_id = coordinator.user_id
                record(
                    session,
                    coordinator,
                    "case.status",
                    "case",
                    case_id,
                    case_id=case_id,
                    before={"status": CaseStatus.PREPARING},
                    after={"status": CaseStatus.READY},
                )
            if ready or case.priority:
                agenda.append((case_id, case.priority))
        # Urgent cases first on the agenda, then the ready ones in referral order.
        agenda.sort(key=lambda entry: -entry[1])
        for position, (case_id, _priority) in enumerate(agenda, start=1):
            item = AgendaItem(
                meeting_id=meeting.id,
                case_id=case_id,
                position=position,
                triage=AgendaTriage.FULL_DISCUSSION,
            )
            session.add(item)
            session.flush()
            record(
                session,
                coordinator,
                "agenda.add",
                "agenda_item",
                item.id,
                case_id=case_id,
                after={"meeting_id": meeting.id, "position": position},
            )
    # Imported here: the history is built from this module's cases and helpers.
    from board.demo_history import load_history

    history = load_history(db, users, now)
    set_demo_mode(db, True)
    return DemoSummary(users=len(users), cases=len(case_ids) + history, meeting_starts_at=starts_at)


__all__ = [
    "DEMO_CASES",
    "DEMO_PASSWORD",
    "DemoSummary",
    "demo_case_count",
    "demo_users",
    "load_demo",
]


def demo_case_count() -> int:
    """How many cases the demo board holds (upcoming and history)."""
    from board.demo_history import HISTORY

    return len(DEMO_CASES) + len(HISTORY)
