"""Shared set-up for meeting and plan service tests: a board of people, cases, a meeting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.cases.workflow import set_case_status
from board.db.engine import Database
from board.db.models import AuditEvent, Case, Lesion, utcnow
from board.meetings.enums import MeetingStatus
from board.meetings.service import (
    add_to_agenda,
    get_meeting,
    record_attendance,
    schedule_meeting,
    set_meeting_status,
)
from board.meetings.views import MeetingDetail, MeetingInput


@dataclass(frozen=True)
class Board:
    """One person per role, and helpers to make cases and meetings."""

    db: Database
    admin: Actor
    coordinator: Actor
    oncologist: Actor
    radiologist: Actor
    surgeon: Actor
    radiotherapist: Actor
    palliative: Actor
    physio: Actor
    pathologist: Actor
    new_case: Callable[..., CaseInput]

    def case(self, *, ready: bool = True, **overrides: Any) -> int:
        """A new case (marked ready with a reason unless ``ready`` is False)."""
        detail = create_case(self.db, self.coordinator, self.new_case(**overrides))
        if ready:
            set_case_status(
                self.db, self.coordinator, detail.id, CaseStatus.READY, reason="test set-up"
            )
        return detail.id

    def meeting(
        self,
        *,
        required: tuple[Role, ...] = (Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST),
        chair: Actor | None = None,
        start: bool = False,
        days: int = 3,
    ) -> MeetingDetail:
        """A scheduled meeting (started when ``start``)."""
        chair = chair or self.surgeon
        meeting = schedule_meeting(
            self.db,
            self.coordinator,
            MeetingInput(
                starts_at=utcnow() + dt.timedelta(days=days),
                title="Spine board",
                location="Room 2",
                video_link=None,
                chair_id=chair.user_id,
                required_roles=required,
            ),
        )
        if start:
            meeting = set_meeting_status(
                self.db, self.coordinator, meeting.id, meeting.version, MeetingStatus.IN_PROGRESS
            )
        return meeting

    def reload(self, meeting_id: int) -> MeetingDetail:
        """The meeting as stored now."""
        return get_meeting(self.db, self.coordinator, meeting_id)


def make_board(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> Board:
    """Create one user per role."""
    return Board(
        db=db,
        admin=admin,
        coordinator=make_user(Role.COORDINATOR, display_name="Cora Coordinator"),
        oncologist=make_user(Role.MEDICAL_ONCOLOGIST, display_name="Dr Onco"),
        radiologist=make_user(Role.RADIOLOGIST, display_name="Dr Rad"),
        surgeon=make_user(Role.SPINE_SURGEON, display_name="Dr Spine"),
        radiotherapist=make_user(Role.RADIATION_ONCOLOGIST, display_name="Dr Beam"),
        palliative=make_user(Role.PAIN_PALLIATIVE, display_name="Dr Comfort"),
        physio=make_user(Role.PHYSIOTHERAPIST, display_name="Phil Physio"),
        pathologist=make_user(Role.PATHOLOGIST, display_name="Dr Path"),
        new_case=new_case,
    )


def events(db: Database, action: str | None = None) -> list[AuditEvent]:
    """Audit events (optionally one action), oldest first."""
    with db.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def set_findings(db: Database, case_id: int, **findings: str) -> None:
    """Give every lesion of a case the same radiology findings."""
    with db.write() as session:
        for lesion in session.scalars(select(Lesion).where(Lesion.case_id == case_id)):
            lesion.findings = dict(findings)


def at_running_meeting(board: Board, *, days: int = 3) -> tuple[int, MeetingDetail]:
    """A ready case with a breast low-grade, stable lesion (NOMS suggests cEBRT) on the
    agenda of a meeting in progress, with the surgeon, radiation oncologist and medical
    oncologist present; returns the case id and the meeting."""
    case_id = board.case()
    set_findings(
        board.db,
        case_id,
        lesion_type="blastic",
        collapse="none",
        alignment="normal",
        posterolateral="none",
        escc="1a",
        pain="occasional",
    )
    meeting = board.meeting(start=True, days=days)
    add_to_agenda(board.db, board.coordinator, meeting.id, case_id)
    for actor in (board.surgeon, board.radiotherapist, board.oncologist):
        record_attendance(board.db, board.coordinator, meeting.id, actor.user_id or 0)
    return case_id, board.reload(meeting.id)


def case_status(db: Database, case_id: int) -> CaseStatus:
    """The stored status of a case."""
    with db.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.status


def urgent_symptoms() -> dict[str, Any]:
    """Symptoms that make a case urgent (suspected cord compression)."""
    return {"pain_new_or_worse": True, "weakness": True, "pain_score": 7}
