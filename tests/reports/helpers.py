"""Set-up for report tests (and bench/report.py): a demo case with a finalized plan."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import add_note
from board.db.engine import Database
from board.db.models import (
    Biopsy,
    Case,
    ImagingSeries,
    ImagingStudy,
    Meeting,
    Patient,
    PlanVersion,
    User,
)
from board.meetings.enums import MeetingStatus
from board.meetings.service import get_meeting, record_attendance, set_meeting_status
from board.plans.action_items import add_action_item
from board.plans.dissent import add_dissent
from board.plans.drafting import add_plan_item, start_plan, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import finalize_plan, sign_plan
from board.plans.views import ActionItemInput, PlanHeaderInput, PlanItemInput
from board.reports.model import BoardReport, ReportHeader

ROOT = Path(__file__).resolve().parents[2]
RICH_PSEUDONYM = "TB-DEMO01"
STUDY_UID = "1.2.826.0.1.3680043.8.498.1234567890"
HOSTILE = (
    "<script>alert('x')</script> <b>bold</b> <img src=x onerror=alert(1)> "
    "[click me](http://evil.example/steal) ≥ 5 µg, Zoë Ångström-Müller, שלום עולם"
)


@dataclass(frozen=True)
class DemoPlan:
    """The demo case with a plan, and who is who."""

    case_id: int
    plan_id: int
    chair: Actor
    coordinator: Actor
    actors: dict[Role, Actor]


def actors(db: Database) -> dict[Role, Actor]:
    """One demo actor per role."""
    with db.read() as session:
        return {
            u.role: Actor(u.id, u.username, u.display_name, u.role)
            for u in session.scalars(select(User).order_by(User.id))
        }


def thumbnail_png(colour: int = 120) -> bytes:
    """A small grey PNG."""
    buffer = io.BytesIO()
    Image.new("L", (64, 64), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def case_id_of(db: Database, pseudonym: str = RICH_PSEUDONYM) -> int:
    """The case id of a demo pseudonym."""
    with db.read() as session:
        case_id = session.scalar(
            select(Case.id)
            .join(Patient, Patient.id == Case.patient_id)
            .where(Patient.pseudonym == pseudonym)
        )
        assert case_id is not None
        return case_id


def enrich(db: Database, case_id: int, *, hostile: bool = False) -> None:
    """Give the case's study a UID and a series with a thumbnail (hostile text if asked)."""
    with db.write() as session:
        study = session.scalars(select(ImagingStudy).where(ImagingStudy.case_id == case_id)).first()
        if study is None:
            study = ImagingStudy(case_id=case_id, source="manual", modality="MR")
            session.add(study)
            session.flush()
        study.study_uid = STUDY_UID
        if hostile:
            study.description = HOSTILE[:200]
        session.add(
            ImagingSeries(
                study_id=study.id,
                series_uid=STUDY_UID + ".1",
                modality="MR",
                series_number=3,
                description=(HOSTILE[:200] if hostile else "Sag T2"),
                instance_count=20,
                thumbnail_png=thumbnail_png(),
            )
        )
        biopsy = session.scalars(select(Biopsy).where(Biopsy.case_id == case_id)).first()
        if biopsy is not None:
            biopsy.markers = {"ER": "positive", "HER2": "negative"}
            biopsy.grade = "G2"


def plan_demo_case(
    db: Database,
    case_id: int | None = None,
    *,
    finalize: bool = True,
    text: str = "Dose agreed at the board.",
) -> DemoPlan:
    """Start the demo meeting, record attendance and make a plan for a demo case.

    The plan has an intent, a radiation and a physiotherapy component, a dissent, an
    action item, four signatures; it is finalized by the chair unless ``finalize`` is
    False.
    """
    case_id = case_id or case_id_of(db)
    people = actors(db)
    coordinator = people[Role.COORDINATOR]
    with db.read() as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.id)).first()
        assert meeting is not None
        meeting_id = meeting.id
    detail = get_meeting(db, coordinator, meeting_id)
    if detail.status is not MeetingStatus.IN_PROGRESS:
        set_meeting_status(db, coordinator, meeting_id, detail.version, MeetingStatus.IN_PROGRESS)
    signers = (
        Role.MEDICAL_ONCOLOGIST,
        Role.RADIOLOGIST,
        Role.SPINE_SURGEON,
        Role.RADIATION_ONCOLOGIST,
    )
    for role in signers:
        record_attendance(db, coordinator, meeting_id, people[role].user_id or 0)
    plan = start_plan(db, coordinator, case_id, meeting_id)
    plan = update_plan_header(
        db,
        coordinator,
        plan.id,
        plan.version,
        PlanHeaderInput(PlanIntent.PALLIATIVE, f"Palliative radiotherapy. {text}"),
    )
    plan = add_plan_item(
        db,
        coordinator,
        plan.id,
        plan.version,
        PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1}),
    )
    plan = add_plan_item(
        db,
        coordinator,
        plan.id,
        plan.version,
        PlanItemInput(PlanComponent.PHYSIOTHERAPY, "stretching", {"goals": "keep mobile"}),
    )
    plan = add_plan_item(
        db,
        coordinator,
        plan.id,
        plan.version,
        PlanItemInput(PlanComponent.FOLLOW_UP, "visit", {"interval_weeks": 6, "occurrences": 2}),
    )
    plan = add_dissent(db, people[Role.RADIOLOGIST], plan.id, f"Would prefer SBRT. {text}")
    plan = add_action_item(
        db,
        coordinator,
        plan.id,
        ActionItemInput(
            f"Book radiotherapy planning CT. {text}",
            dt.date(2030, 1, 15),
            owner_role=Role.RADIATION_ONCOLOGIST,
        ),
    )
    for role in signers:
        plan = sign_plan(db, people[role], plan.id, plan.version)
    chair = people[Role.SPINE_SURGEON]
    if finalize:
        plan = finalize_plan(db, chair, plan.id, plan.version)
    return DemoPlan(case_id, plan.id, chair, coordinator, people)


def add_notes(db: Database, case_id: int, count: int, author: Actor, words: int = 60) -> None:
    """Append ``count`` long notes to a case."""
    for i in range(count):
        body = f"Note {i + 1}: " + " ".join(f"word{j}" for j in range(words))
        add_note(db, author, case_id, body)


def stored_report(db: Database, plan_id: int) -> tuple[bytes | None, str | None]:
    """The PDF and HTML stored on a plan version."""
    with db.read() as session:
        plan = session.get(PlanVersion, plan_id)
        assert plan is not None
        return plan.report_pdf, plan.report_html


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF (pdftotext when installed, else pypdf)."""
    try:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return done.stdout.decode("utf-8")
    except FileNotFoundError:
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def minimal_report(**changes: Any) -> BoardReport:
    """A report model built without a database: a case with no plan, nothing recorded.

    Keyword arguments replace fields of :class:`BoardReport` (e.g. ``scores=...``).
    """
    head = ReportHeader(
        1,
        "TB-X",
        None,
        None,
        "Unknown",
        "Breast",
        None,
        ("T1",),
        None,
        None,
        None,
        "No plan yet",
        None,
        True,
    )
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    report = BoardReport(
        head, "q", (), (), False, (), (), (), (), "n", (), None, None, "", None,
        (), (), (), (), (), (), (), at,
    )  # fmt: skip
    return replace(report, **changes)


def pypdf_text(pdf: bytes) -> str:
    """The text of a PDF as pypdf reads it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
