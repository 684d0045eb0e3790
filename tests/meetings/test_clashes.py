"""A second meeting at the same time and place: found before scheduling, confirmed in
the audit trail; every backend."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from board.errors import PermissionDeniedError, ValidationError
from board.meetings.enums import MeetingStatus
from board.meetings.service import (
    CLASH_WINDOW,
    meeting_clashes,
    schedule_meeting,
    set_meeting_status,
    update_meeting,
)
from board.meetings.views import MeetingInput
from tests.meetings.helpers import Board, events


def _input(existing: MeetingInput, **changes: object) -> MeetingInput:
    return dataclasses.replace(existing, title="Second board", **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("shift", "location", "link", "clash"),
    [
        (dt.timedelta(0), "Room 2", None, True),
        (dt.timedelta(minutes=59), "  room   2 ", None, True),
        (-dt.timedelta(minutes=59), "ROOM 2", None, True),
        (CLASH_WINDOW, "Room 2", None, False),
        (dt.timedelta(0), "Room 3", None, False),
        (dt.timedelta(0), None, "https://video.example.org/board", True),
        (dt.timedelta(0), "Room 3", "https://video.example.org/other", False),
    ],
    ids=["same-time-same-room", "59-min-later-spaces-and-case", "59-min-earlier",
         "an-hour-apart", "other-room", "same-video-link", "other-room-and-link"],
)  # fmt: skip
def test_same_time_and_place_clashes(
    board: Board, shift: dt.timedelta, location: str | None, link: str | None, clash: bool
) -> None:
    first = board.meeting(days=5)
    first_input = dataclasses.replace(
        first.as_input(), video_link="https://video.example.org/board"
    )
    update_meeting(board.db, board.coordinator, first.id, first.version, first_input)
    data = _input(
        first_input, starts_at=first.starts_at + shift, location=location, video_link=link
    )
    found = meeting_clashes(board.db, board.coordinator, data)
    assert [m.id for m in found] == ([first.id] if clash else [])
    if clash:
        assert found[0].title == "Spine board" and found[0].status is MeetingStatus.SCHEDULED


def test_closed_and_cancelled_meetings_do_not_clash(board: Board) -> None:
    first = board.meeting(days=5)
    set_meeting_status(
        board.db, board.coordinator, first.id, first.version, MeetingStatus.CANCELLED
    )
    assert meeting_clashes(board.db, board.coordinator, _input(first.as_input())) == ()


def test_an_edited_meeting_does_not_clash_with_itself(board: Board) -> None:
    first = board.meeting(days=5)
    data = first.as_input()
    assert meeting_clashes(board.db, board.coordinator, data, exclude_id=first.id) == ()
    assert [m.id for m in meeting_clashes(board.db, board.coordinator, data)] == [first.id]


def test_scheduling_anyway_names_the_confirmed_clash_in_the_audit_event(board: Board) -> None:
    first = board.meeting(days=5)
    second = schedule_meeting(
        board.db,
        board.coordinator,
        _input(first.as_input()),
        confirmed_clashes=(first.id,),
    )
    third = schedule_meeting(
        board.db, board.coordinator, _input(first.as_input(), location="Room 7")
    )
    by_meeting = {e.entity_id: e for e in events(board.db, "meeting.schedule")}
    detail = by_meeting[str(second.id)].detail
    assert detail is not None
    assert detail.startswith("Scheduled after confirming a clash with Spine board (")
    assert detail.endswith(") at the same time and place.")
    assert by_meeting[str(third.id)].detail is None
    assert by_meeting[str(first.id)].detail is None


def test_input_and_permission_are_checked_first(board: Board) -> None:
    first = board.meeting(days=5)
    with pytest.raises(ValidationError, match="place, a video link"):
        meeting_clashes(board.db, board.coordinator, _input(first.as_input(), location=None))
    with pytest.raises(PermissionDeniedError):
        meeting_clashes(board.db, board.surgeon, first.as_input())
