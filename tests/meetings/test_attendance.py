"""Invitees, "All invited present" and self check-in, on every backend."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from board.accounts.users import set_active
from board.auth.roles import Role
from board.db.models import Attendance
from board.errors import (
    ConflictError,
    InvalidStateError,
    PermissionDeniedError,
    ValidationError,
)
from board.meetings.enums import MeetingStatus
from board.meetings.service import (
    record_all_invited_present,
    record_attendance,
    set_meeting_status,
    update_meeting,
)
from tests.meetings.helpers import Board, events


def _ids(*actors: object) -> set[int]:
    return {a.user_id for a in actors}  # type: ignore[attr-defined]


def test_a_new_meeting_invites_the_required_specialties_and_the_chair(board: Board) -> None:
    meeting = board.meeting(
        required=(Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST), chair=board.oncologist
    )
    assert {p.id for p in meeting.invitees} == _ids(
        board.surgeon, board.radiotherapist, board.oncologist
    )
    (event,) = events(board.db, "meeting.schedule")
    assert event.after is not None
    assert set(event.after["invitee_ids"]) == _ids(
        board.surgeon, board.radiotherapist, board.oncologist
    )


def test_invitees_are_chosen_when_scheduling_and_changed_when_editing(board: Board) -> None:
    meeting = board.meeting()
    chosen = (board.surgeon.user_id or 0, board.physio.user_id or 0)
    changed = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        meeting.version,
        dataclasses.replace(meeting.as_input(), invitee_ids=chosen),
    )
    assert {p.id for p in changed.invitees} == set(chosen)
    assert changed.version == meeting.version + 1
    (event,) = events(board.db, "meeting.update")
    assert event.after == {"invitee_ids": sorted(chosen)}
    # ``None`` invites the default of the (new) required specialties again.
    again = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        changed.version,
        dataclasses.replace(
            changed.as_input(), required_roles=(Role.RADIOLOGIST,), invitee_ids=None
        ),
    )
    assert {p.id for p in again.invitees} == _ids(board.radiologist, board.surgeon)  # + chair
    with pytest.raises(ValidationError, match="administrator"):
        update_meeting(
            board.db,
            board.coordinator,
            meeting.id,
            again.version,
            dataclasses.replace(again.as_input(), invitee_ids=(board.admin.user_id or 0,)),
        )
    with pytest.raises(ValidationError, match="active members"):
        update_meeting(
            board.db,
            board.coordinator,
            meeting.id,
            again.version,
            dataclasses.replace(again.as_input(), invitee_ids=(99_999,)),
        )


def test_all_invited_present_records_each_invitee_in_their_own_role(board: Board) -> None:
    meeting = board.meeting()
    meeting = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        meeting.version,
        dataclasses.replace(
            meeting.as_input(),
            invitee_ids=tuple(
                a.user_id or 0
                for a in (board.surgeon, board.radiotherapist, board.physio, board.palliative)
            ),
        ),
    )
    # Apologies recorded beforehand stay; an already-present person is not recorded twice.
    record_attendance(
        board.db, board.coordinator, meeting.id, board.palliative.user_id or 0, present=False
    )
    record_attendance(board.db, board.surgeon, meeting.id, board.surgeon.user_id or 0)
    before = len(events(board.db))
    meeting = board.reload(meeting.id)

    detail = record_all_invited_present(board.db, board.coordinator, meeting.id, meeting.version)

    roles = {a.user_id: (a.role, a.present) for a in detail.attendance}
    assert roles == {
        board.surgeon.user_id: (Role.SPINE_SURGEON, True),
        board.radiotherapist.user_id: (Role.RADIATION_ONCOLOGIST, True),
        board.physio.user_id: (Role.PHYSIOTHERAPIST, True),
        board.palliative.user_id: (Role.PAIN_PALLIATIVE, False),
    }
    assert detail.quorum.met
    recorded = events(board.db, "attendance.record")[-2:]
    assert {e.after["user_id"] for e in recorded if e.after} == _ids(
        board.radiotherapist, board.physio
    )
    assert all(e.detail == "All invited present." for e in recorded)
    assert len(events(board.db)) == before + 2
    # Nothing left to record; a stale version is refused.
    with pytest.raises(InvalidStateError, match="already"):
        record_all_invited_present(board.db, board.coordinator, meeting.id, detail.version)
    with pytest.raises(ConflictError):
        record_all_invited_present(board.db, board.coordinator, meeting.id, meeting.version)


def test_all_invited_present_skips_inactive_people_and_needs_the_right(board: Board) -> None:
    meeting = board.meeting()
    set_active(board.db, board.admin, board.radiotherapist.user_id or 0, False)
    with pytest.raises(PermissionDeniedError):
        record_all_invited_present(board.db, board.admin, meeting.id, meeting.version)
    detail = record_all_invited_present(board.db, board.coordinator, meeting.id, meeting.version)
    assert {a.user_id for a in detail.attendance} == _ids(board.surgeon)
    assert not detail.quorum.met

    empty = board.meeting(days=9)
    empty = update_meeting(
        board.db,
        board.coordinator,
        empty.id,
        empty.version,
        dataclasses.replace(empty.as_input(), invitee_ids=()),
    )
    assert empty.invitees == ()
    with pytest.raises(InvalidStateError, match="Nobody is invited"):
        record_all_invited_present(board.db, board.coordinator, empty.id, empty.version)

    closed = set_meeting_status(
        board.db,
        board.coordinator,
        meeting.id,
        board.reload(meeting.id).version,
        MeetingStatus.CANCELLED,
    )
    with pytest.raises(InvalidStateError, match="cancelled"):
        record_all_invited_present(board.db, board.coordinator, closed.id, closed.version)


def test_self_check_in_only_in_ones_own_role(board: Board) -> None:
    meeting = board.meeting(required=(Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST))
    # A physiotherapist cannot fill the spine surgeon's place in the quorum themselves.
    with pytest.raises(PermissionDeniedError, match="your own role"):
        record_attendance(
            board.db,
            board.physio,
            meeting.id,
            board.physio.user_id or 0,
            role=Role.SPINE_SURGEON,
        )
    # Not even a specialist who may run meetings.
    with pytest.raises(PermissionDeniedError, match="your own role"):
        record_attendance(
            board.db,
            board.radiologist,
            meeting.id,
            board.radiologist.user_id or 0,
            role=Role.RADIATION_ONCOLOGIST,
        )
    with board.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert events(board.db, "attendance.record") == []

    detail = record_attendance(
        board.db, board.physio, meeting.id, board.physio.user_id or 0, role=Role.PHYSIOTHERAPIST
    )
    assert [(a.name, a.role) for a in detail.attendance] == [("Phil Physio", Role.PHYSIOTHERAPIST)]
    assert not detail.quorum.met


def test_recording_someone_else_needs_the_right_to_run_the_meeting(board: Board) -> None:
    meeting = board.meeting(required=(Role.SPINE_SURGEON,))
    with pytest.raises(PermissionDeniedError, match="only yourself"):
        record_attendance(board.db, board.admin, meeting.id, board.surgeon.user_id or 0)
    # The coordinator records a colleague covering another specialty (audited).
    detail = record_attendance(
        board.db,
        board.coordinator,
        meeting.id,
        board.oncologist.user_id or 0,
        role=Role.SPINE_SURGEON,
    )
    assert detail.quorum.met
    (event,) = events(board.db, "attendance.record")
    assert event.actor_name == "Cora Coordinator"
    assert event.after is not None and event.after["role"] == "spine_surgeon"
