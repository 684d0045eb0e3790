"""Calendar invitations: read back with icalendar, updates keep the UID and raise the
SEQUENCE, cancellations cancel, user text stays literal, exports are audited."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import select

from board.accounts.users import set_email
from board.auth.permissions import PERMISSIONS, Action
from board.db.models import Case, Patient
from board.errors import NotFoundError, PermissionDeniedError
from board.meetings.calendar import MEETING_MINUTES, export_calendar, meeting_uid
from board.meetings.enums import MeetingStatus
from board.meetings.service import add_to_agenda, set_meeting_status, update_meeting
from tests.meetings.helpers import Board, events

SECRET = "s" * 40


def _event(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    found = calendar.walk("VEVENT")
    assert len(found) == 1
    return calendar, found[0]


def _pseudonym(board: Board, case_id: int) -> str:
    with board.db.read() as session:
        value = session.scalar(
            select(Patient.pseudonym)
            .join(Case, Case.patient_id == Patient.id)
            .where(Case.id == case_id)
        )
        assert value is not None
        return value


def test_the_invitation_names_time_place_link_and_agenda_pseudonyms(board: Board) -> None:
    meeting = board.meeting()
    meeting = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        meeting.version,
        dataclasses.replace(
            meeting.as_input(),
            location="Room 2; west wing, level 3",
            video_link="https://video.example/board?id=7",
        ),
    )
    first, second = board.case(), board.case()
    add_to_agenda(board.db, board.coordinator, meeting.id, first)
    add_to_agenda(board.db, board.coordinator, meeting.id, second)
    set_email(board.db, board.admin, board.surgeon.user_id or 0, "spine@hospital.example")
    file = export_calendar(
        board.db,
        board.oncologist,
        meeting.id,
        secret_key=SECRET,
        organizer="board@hospital.example",
        app_url="https://board.hospital.example",
    )
    calendar, event = _event(file.data)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == meeting_uid(meeting.id, SECRET) == file.uid
    start = event.decoded("dtstart")
    assert start == meeting.starts_at.astimezone(dt.UTC).replace(microsecond=0) or (
        abs((start - meeting.starts_at).total_seconds()) < 1
    )
    assert event.decoded("dtend") - start == dt.timedelta(minutes=MEETING_MINUTES)
    assert str(event["location"]) == "Room 2; west wing, level 3"
    assert str(event["summary"]) == meeting.title
    description = str(event["description"])
    assert "Video link: https://video.example/board?id=7" in description
    assert f"{_pseudonym(board, first)}, {_pseudonym(board, second)}" in description
    assert f"https://board.hospital.example/meetings?meeting={meeting.id}" in description
    assert str(event["organizer"]) == "mailto:board@hospital.example"
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:spine@hospital.example"]
    assert int(event["sequence"]) == 1  # the place and link were changed once
    exported = events(board.db, "calendar.export")
    assert len(exported) == 1 and exported[0].actor_id == board.oncologist.user_id
    assert exported[0].after["method"] == "REQUEST"


def test_a_moved_meeting_keeps_its_uid_with_a_higher_sequence_and_a_cancelled_one_cancels(
    board: Board,
) -> None:
    meeting = board.meeting()
    before = export_calendar(board.db, board.coordinator, meeting.id, secret_key=SECRET)
    # An edit a calendar does not show (the required roles) changes nothing.
    meeting = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        meeting.version,
        dataclasses.replace(meeting.as_input(), invitee_ids=()),
    )
    assert export_calendar(board.db, board.coordinator, meeting.id, secret_key=SECRET).sequence == 0
    moved_to = meeting.starts_at + dt.timedelta(days=1)
    meeting = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        meeting.version,
        dataclasses.replace(meeting.as_input(), starts_at=moved_to),
    )
    after = export_calendar(board.db, board.coordinator, meeting.id, secret_key=SECRET)
    _, event = _event(after.data)
    assert after.uid == before.uid and str(event["uid"]) == before.uid
    assert int(event["sequence"]) == 1 > before.sequence
    assert abs((event.decoded("dtstart") - moved_to).total_seconds()) < 1
    meeting = set_meeting_status(
        board.db, board.coordinator, meeting.id, meeting.version, MeetingStatus.CANCELLED
    )
    cancelled = export_calendar(board.db, board.coordinator, meeting.id, secret_key=SECRET)
    calendar, event = _event(cancelled.data)
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == before.uid and int(event["sequence"]) == 2
    assert cancelled.filename.endswith("-cancelled.ics")
    # Another installation (another secret) never reuses the UID.
    assert meeting_uid(meeting.id, "t" * 40) != before.uid


def test_user_text_cannot_add_properties_and_the_export_is_checked(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = board.meeting()
    hostile = "Board\r\nATTENDEE:mailto:spy@evil.example\nEND:VEVENT"
    meeting = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        meeting.version,
        dataclasses.replace(meeting.as_input(), location=hostile[:200]),
    )
    file = export_calendar(board.db, board.coordinator, meeting.id, secret_key=SECRET)
    _, event = _event(file.data)
    assert "spy@evil.example" in str(event["location"])
    assert event.get("attendee") is None
    assert b"\r\nATTENDEE:mailto:spy" not in file.data
    with pytest.raises(NotFoundError):
        export_calendar(board.db, board.coordinator, 999_999, secret_key=SECRET)
    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset())
    with pytest.raises(PermissionDeniedError):
        export_calendar(board.db, board.coordinator, meeting.id, secret_key=SECRET)
    assert len(events(board.db, "calendar.export")) == 1
