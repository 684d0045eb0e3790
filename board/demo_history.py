"""The demonstration board's history: cases discussed at two earlier meetings and followed up.

Eight fictional patients were discussed 24 and 10 weeks before the demo's reference
time. Their plans are finalized (with the baseline the follow-up measures against), the
follow-up schedule comes from each plan, and the contacts that have fallen due are
recorded through the follow-up service itself, so the pain responses, adherence,
deaths and due or overdue follow-ups are computed exactly as in use. Together they
give the analytics page something to show: decision-to-treatment times (two urgent
cases, one within 24 hours and one not), adherence with deviations, every pain
response category, and survival by Tokuhashi band.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from board.accounts.users import UserView
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import CaseStatus, Sex
from board.cases.read_model import load_case_read_model
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    Attendance,
    Case,
    FollowUp,
    Meeting,
    PlanItem,
    PlanVersion,
    SignOff,
)
from board.demo import (
    DEMO_FORM_ROLES,
    DemoCase,
    add_case_material,
    lesion_findings,
    register_case,
)
from board.followup.baseline import capture_baseline
from board.followup.enums import Adherence, FollowUpKind, FollowUpStatus
from board.followup.schedule import schedule_follow_ups
from board.followup.service import record_follow_up, set_follow_up_status
from board.followup.views import FollowUpInput
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.plans.catalogue import validate_details
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus

REQUIRED = (
    Role.MEDICAL_ONCOLOGIST,
    Role.RADIOLOGIST,
    Role.SPINE_SURGEON,
    Role.RADIATION_ONCOLOGIST,
)


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
    """What the board decided for a history case and what happened afterwards."""

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
    missing_at_discussion: tuple[str, ...] = ()


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
    """A history case: the demo's case facts (every role's form submitted) and its course."""
    named = {
        "mechanical_pain": named["pain_character"] == "mechanical",
        "noms_branch": "",
        "submitted_roles": DEMO_FORM_ROLES,
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
            "SBRT to T6 and continue endocrine therapy.",
            (
                _sbrt(24, 2, "T6"),
                (PlanComponent.SYSTEMIC, "hormonal", {"regimen": "letrozole"}),
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
        {"T12": _lesion("lytic", "lt50", "1c", "unilateral")},
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
            "Stabilisation T11-L1, then SBRT to T12; continue immunotherapy.",
            (
                (
                    PlanComponent.SURGERY,
                    "stabilisation",
                    {"levels": "T11-L1", "approach": "percutaneous"},
                ),
                _sbrt(24, 2, "T12"),
                _VISITS_6W,
                _MRI_12W,
            ),
            start_hours=6 * 24,
            treatment_given="Percutaneous stabilisation T11-L1; SBRT 24 Gy in 2 fractions",
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
            missed_first=False,
            mri_before_referral=True,
            missing_at_discussion=("Physiotherapist input",),
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
"""The history cases, in referral order."""


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
        for weeks in (24, 10)
    )


def load_history(
    db: Database,
    users: dict[Role, UserView],
    now: dt.datetime,
) -> int:
    """Add the history cases, their earlier meetings, plans and follow-up.

    Parameters
    ----------
    db:
        The database (the demo users already exist).
    users:
        The demo user of each role.
    now:
        The demo's reference time.

    Returns
    -------
    int
        How many cases were added.
    """
    coordinator = users[Role.COORDINATOR].as_actor()
    chair = users[Role.SPINE_SURGEON]
    starts = meeting_times(now)
    created: list[tuple[int, DemoCase, Course]] = []
    for spec, course in HISTORY:
        onset = (starts[course.meeting] - dt.timedelta(days=30)).date()
        created.append((register_case(db, coordinator, spec, onset), spec, course))

    plans: list[tuple[int, Course, dt.datetime]] = []
    with db.write() as session:
        meetings = []
        for starts_at in starts:
            meeting = Meeting(
                starts_at=starts_at,
                title="Spine tumor board",
                location="Seminar room 2 and video link",
                chair_id=chair.id,
                status=MeetingStatus.CLOSED,
                required_roles=[r.value for r in REQUIRED],
            )
            session.add(meeting)
            session.flush()
            for role in REQUIRED:
                session.add(
                    Attendance(
                        meeting_id=meeting.id,
                        user_id=users[role].id,
                        role=role,
                        present=True,
                        recorded_at=starts_at,
                    )
                )
            record(
                session,
                coordinator,
                "meeting.schedule",
                "meeting",
                meeting.id,
                after={"starts_at": starts_at, "title": meeting.title, "status": "closed"},
            )
            meetings.append(meeting)
        positions = [0, 0]
        for case_id, spec, course in created:
            meeting = meetings[course.meeting]
            referral = meeting.starts_at - dt.timedelta(days=9, hours=6)
            case = session.get(Case, case_id)
            assert case is not None
            case.created_at = referral
            case.updated_at = referral
            mri_day = referral.date() + dt.timedelta(days=-4 if course.mri_before_referral else 1)
            add_case_material(
                session,
                users,
                case_id,
                spec,
                mri_on=mri_day,
                biopsy_on=referral.date() - dt.timedelta(days=20),
                submitted_at=meeting.starts_at - dt.timedelta(days=1),
            )
            session.flush()
            positions[course.meeting] += 1
            discussed = meeting.starts_at + dt.timedelta(minutes=10 * positions[course.meeting])
            session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    case_id=case_id,
                    position=positions[course.meeting],
                    triage=AgendaTriage.FULL_DISCUSSION,
                    discussed_at=discussed,
                    discussion_seconds=480,
                    missing_at_discussion=list(course.missing_at_discussion),
                )
            )
            finalized_at = discussed + dt.timedelta(minutes=8)
            read = load_case_read_model(session, case_id, now=finalized_at)
            plan = PlanVersion(
                case_id=case_id,
                number=1,
                status=PlanStatus.FINALIZED,
                meeting_id=meeting.id,
                intent=course.intent,
                summary=course.summary,
                noms_suggestion={
                    **(read.noms.to_dict() if read.noms is not None else {}),
                    "departures": [],
                },
                acknowledged_warnings=[],
                revision=1,
                created_at=discussed,
                created_by_id=chair.id,
                finalized_at=finalized_at,
                finalized_by_id=chair.id,
                updated_at=finalized_at,
                updated_by_id=chair.id,
                baseline=capture_baseline(read).to_dict(),
            )
            session.add(plan)
            session.flush()
            for position, (component, option, details) in enumerate(course.items, start=1):
                session.add(
                    PlanItem(
                        plan_version_id=plan.id,
                        component=component,
                        option=option,
                        details=validate_details(component, option, details),
                        position=position,
                    )
                )
            for role in REQUIRED:
                session.add(
                    SignOff(
                        plan_version_id=plan.id,
                        user_id=users[role].id,
                        role=role,
                        signed_at=finalized_at - dt.timedelta(minutes=2),
                        plan_revision=1,
                    )
                )
            case.status = CaseStatus.PLAN_FINALIZED
            case.updated_by_id = chair.id
            session.flush()
            session.refresh(plan, attribute_names=["items"])
            record(
                session,
                chair.as_actor(),
                "plan.finalize",
                "plan_version",
                plan.id,
                case_id=case_id,
                after={"status": PlanStatus.FINALIZED, "number": 1, "meeting_id": meeting.id},
            )
            schedule_follow_ups(session, chair.as_actor(), plan)
            plans.append((case_id, course, finalized_at))

    for case_id, course, finalized_at in plans:
        _follow(db, users, case_id, course, finalized_at, now)
    # Entries were recorded just now by the loader; date them to their contacts.
    with db.write() as session:
        rows = session.scalars(
            select(FollowUp).where(
                FollowUp.case_id.in_([cid for cid, _, _ in created]),
                FollowUp.status == FollowUpStatus.DONE,
            )
        )
        for row in rows:
            if row.done_on is not None:
                row.recorded_at = dt.datetime.combine(row.done_on, dt.time(14, 0), tzinfo=dt.UTC)
        session.execute(
            update(Case)
            .where(Case.id.in_([cid for cid, _, _ in created]))
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(created)


def _follow(
    db: Database,
    users: dict[Role, UserView],
    case_id: int,
    course: Course,
    decided: dt.datetime,
    now: dt.datetime,
) -> None:
    """Record the contacts that have fallen due, through the follow-up service."""
    today = now.date()
    death = (
        None
        if course.died_after_days is None
        else decided.date() + dt.timedelta(days=course.died_after_days)
    )
    with db.read() as session:
        due = [
            (row.id, row.version, row.kind, row.due_on)
            for row in session.scalars(
                select(FollowUp)
                .where(
                    FollowUp.case_id == case_id,
                    FollowUp.status == FollowUpStatus.SCHEDULED,
                    FollowUp.due_on <= today,
                )
                .order_by(FollowUp.due_on, FollowUp.id)
            )
        ]
    visit_actor: Actor = users[Role.RADIATION_ONCOLOGIST].as_actor()
    imaging_actor: Actor = users[Role.RADIOLOGIST].as_actor()
    first = True
    visit_index = 0
    died_recorded = False
    for index, (fid, version, kind, due_on) in enumerate(due):
        if death is not None and due_on >= death:
            if kind is not FollowUpKind.VISIT:
                continue  # the visit on or after the death records it; this one is cancelled
            record_follow_up(
                db,
                visit_actor,
                case_id,
                FollowUpInput(
                    contact_on=due_on,
                    kind=FollowUpKind.VISIT,
                    died_on=death,
                    notes="Died at home under the palliative care team.",
                ),
                scheduled_id=fid,
                expected_version=version,
            )
            died_recorded = True
            break
        if course.leave_overdue and index == len(due) - 1 and kind is FollowUpKind.VISIT:
            continue
        if course.missed_first and first:
            set_follow_up_status(
                db,
                visit_actor,
                fid,
                version,
                FollowUpStatus.MISSED,
                "Did not attend; admitted elsewhere with a chest infection.",
            )
            first = False
            continue
        if kind is FollowUpKind.IMAGING:
            record_follow_up(
                db,
                imaging_actor,
                case_id,
                FollowUpInput(
                    contact_on=due_on,
                    kind=FollowUpKind.IMAGING,
                    imaging_findings=course.imaging_findings,
                ),
                scheduled_id=fid,
                expected_version=version,
            )
            continue
        contact = course.visits[min(visit_index, len(course.visits) - 1)]
        visit_index += 1
        started = decided + dt.timedelta(hours=course.start_hours) if visit_index == 1 else None
        record_follow_up(
            db,
            visit_actor,
            case_id,
            FollowUpInput(
                contact_on=due_on,
                kind=FollowUpKind.VISIT,
                pain_score=contact.pain,
                omed_mg=contact.omed,
                ecog=contact.ecog,
                karnofsky=contact.karnofsky,
                frankel=contact.frankel,
                asia=contact.frankel,
                ambulatory=contact.ambulatory,
                complications=contact.complications,
                treatment_given=course.treatment_given if visit_index == 1 else None,
                adherence=course.adherence if visit_index == 1 else None,
                deviation_reason=course.deviation if visit_index == 1 else None,
                treatment_started_at=started,
            ),
            scheduled_id=fid,
            expected_version=version,
        )
        first = False
    if death is not None and not died_recorded and death <= today:
        record_follow_up(
            db,
            visit_actor,
            case_id,
            FollowUpInput(
                contact_on=min(today, death + dt.timedelta(days=3)),
                kind=FollowUpKind.VISIT,
                died_on=death,
                notes="Died in hospital; the family informed the team.",
            ),
        )
