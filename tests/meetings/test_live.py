"""The live meeting on every backend: the presented case in the database, followers.

"Several app servers" are modelled as separate ``Database`` objects (their own engines
and connection pools) on the same database URL: what one writes, the other reads.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import MeetingFollower, MeetingPresenting, utcnow
from board.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from board.meetings.enums import MeetingStatus
from board.meetings.live import (
    PRESENCE_WINDOW,
    followers,
    live_state,
    mark_following,
    present_item,
)
from board.meetings.service import add_to_agenda, remove_from_agenda, set_meeting_status
from board.plans.drafting import start_plan
from tests.meetings.helpers import Board, events

T0 = dt.datetime(2026, 12, 8, 16, 0, tzinfo=dt.UTC)


def _agenda(board: Board, cases: int = 3, *, start: bool = True) -> tuple[int, list[int]]:
    meeting = board.meeting(start=start)
    for _ in range(cases):
        meeting = add_to_agenda(board.db, board.coordinator, meeting.id, board.case())
    return meeting.id, [row.id for row in meeting.agenda]


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# ---------------------------------------------------------------------------
# The presented case
# ---------------------------------------------------------------------------


def test_nothing_is_presented_before_the_chair_moves(board: Board) -> None:
    meeting_id, _ = _agenda(board)
    state = live_state(board.db, board.physio, meeting_id)
    assert state.status is MeetingStatus.IN_PROGRESS
    assert (state.item_id, state.case_id, state.position, state.since) == (None, None, None, None)


def test_the_presenter_move_is_stored_and_audited_once(board: Board) -> None:
    meeting_id, items = _agenda(board)
    state = present_item(board.db, board.coordinator, meeting_id, items[1], now=T0)
    assert (state.item_id, state.position, state.since) == (items[1], 2, T0)
    assert state.case_id is not None and state.case_stamp is not None

    # Every clinical role reads the same state.
    for follower in (board.radiologist, board.physio, board.pathologist, board.palliative):
        assert live_state(board.db, follower, meeting_id).item_id == items[1]

    presented = events(board.db, "meeting.present")
    assert len(presented) == 1
    assert presented[0].case_id == state.case_id
    assert presented[0].actor_id == board.coordinator.user_id
    assert presented[0].after == {"agenda_item_id": items[1], "position": 2}

    # Presenting the same case again changes nothing and is not audited again.
    again = present_item(
        board.db, board.coordinator, meeting_id, items[1], now=T0 + dt.timedelta(seconds=5)
    )
    assert again.since == T0
    assert len(events(board.db, "meeting.present")) == 1

    moved = present_item(
        board.db, board.surgeon, meeting_id, items[2], now=T0 + dt.timedelta(minutes=4)
    )
    assert (moved.item_id, moved.position) == (items[2], 3)
    assert moved.since == T0 + dt.timedelta(minutes=4)
    assert moved.token != state.token
    last = events(board.db, "meeting.present")[-1]
    assert last.before == {"agenda_item_id": items[1]}
    assert _count(board.db, MeetingPresenting) == 1


def test_presenting_needs_the_right_to_run_the_meeting(board: Board) -> None:
    meeting_id, items = _agenda(board)
    with pytest.raises(PermissionDeniedError, match="run a meeting"):
        present_item(board.db, board.admin, meeting_id, items[0])
    assert _count(board.db, MeetingPresenting) == 0
    assert events(board.db, "meeting.present") == []


def test_only_an_item_of_this_open_meeting_can_be_presented(board: Board) -> None:
    meeting_id, items = _agenda(board)
    other_id, other_items = _agenda(board, 1)
    with pytest.raises(NotFoundError, match="no longer on this meeting's agenda"):
        present_item(board.db, board.coordinator, meeting_id, other_items[0])
    with pytest.raises(NotFoundError, match="does not exist"):
        present_item(board.db, board.coordinator, 9999, items[0])
    meeting = board.reload(other_id)
    set_meeting_status(board.db, board.coordinator, other_id, meeting.version, MeetingStatus.CLOSED)
    with pytest.raises(InvalidStateError, match="closed"):
        present_item(board.db, board.coordinator, other_id, other_items[0])
    assert _count(board.db, MeetingPresenting) == 0


def test_a_scheduled_meeting_can_be_presented_before_it_starts(board: Board) -> None:
    meeting_id, items = _agenda(board, 2, start=False)
    state = present_item(board.db, board.coordinator, meeting_id, items[1])
    assert state.status is MeetingStatus.SCHEDULED and state.position == 2


def test_the_stamp_changes_when_the_presented_case_changes(board: Board) -> None:
    meeting_id, items = _agenda(board)
    before = present_item(board.db, board.coordinator, meeting_id, items[0])
    assert live_state(board.db, board.physio, meeting_id).token == before.token
    start_plan(board.db, board.coordinator, before.case_id or 0, meeting_id)
    after = live_state(board.db, board.physio, meeting_id)
    assert after.item_id == before.item_id
    assert after.case_stamp is not None and after.case_stamp > (before.case_stamp or 0)
    assert after.token != before.token


def test_a_presented_case_taken_off_the_agenda_is_no_longer_presented(board: Board) -> None:
    meeting_id, items = _agenda(board)
    present_item(board.db, board.coordinator, meeting_id, items[0])
    item = board.reload(meeting_id).agenda[0]
    remove_from_agenda(board.db, board.coordinator, item.id, item.version)
    state = live_state(board.db, board.physio, meeting_id)
    assert (state.item_id, state.case_id, state.position, state.since) == (None, None, None, None)


def test_another_app_server_sees_the_move_at_once(board: Board, database_url: str) -> None:
    meeting_id, items = _agenda(board)
    other_server = Database.from_url(database_url)
    try:
        assert live_state(other_server, board.physio, meeting_id).item_id is None
        present_item(board.db, board.coordinator, meeting_id, items[2])
        assert live_state(other_server, board.physio, meeting_id).position == 3
        present_item(other_server, board.coordinator, meeting_id, items[0])
        assert live_state(board.db, board.physio, meeting_id).position == 1
    finally:
        other_server.dispose()


def test_live_state_of_a_missing_meeting(board: Board) -> None:
    with pytest.raises(NotFoundError):
        live_state(board.db, board.physio, 9999)


# ---------------------------------------------------------------------------
# Followers
# ---------------------------------------------------------------------------


def test_joining_is_audited_once_and_the_poll_refreshes_last_seen(board: Board) -> None:
    meeting_id, _ = _agenda(board)
    assert mark_following(board.db, board.physio, meeting_id, now=T0) is True
    for seconds in (1, 2, 10, 29):
        assert (
            mark_following(
                board.db, board.physio, meeting_id, now=T0 + dt.timedelta(seconds=seconds)
            )
            is False
        )
    joined = events(board.db, "meeting.follow")
    assert len(joined) == 1
    assert joined[0].actor_id == board.physio.user_id and joined[0].entity_id == str(meeting_id)
    now = T0 + dt.timedelta(seconds=30)
    (row,) = followers(board.db, board.coordinator, meeting_id, now=now)
    assert (row.name, row.role) == ("Phil Physio", Role.PHYSIOTHERAPIST)
    assert row.joined_at == T0 and row.last_seen_at == T0 + dt.timedelta(seconds=29)


def test_followers_are_those_seen_within_the_window(board: Board) -> None:
    meeting_id, _ = _agenda(board)
    mark_following(board.db, board.physio, meeting_id, now=T0)
    mark_following(board.db, board.radiologist, meeting_id, now=T0 + dt.timedelta(seconds=20))
    at = T0 + dt.timedelta(seconds=20)
    names = [f.name for f in followers(board.db, board.coordinator, meeting_id, now=at)]
    assert names == ["Phil Physio", "Dr Rad"]  # longest-following first
    later = T0 + dt.timedelta(seconds=35)  # the physiotherapist's view stopped polling
    assert [f.name for f in followers(board.db, board.coordinator, meeting_id, now=later)] == [
        "Dr Rad"
    ]
    gone = T0 + dt.timedelta(seconds=20) + PRESENCE_WINDOW + dt.timedelta(seconds=1)
    assert followers(board.db, board.coordinator, meeting_id, now=gone) == ()


def test_coming_back_after_the_window_is_a_new_join(board: Board) -> None:
    meeting_id, _ = _agenda(board)
    mark_following(board.db, board.physio, meeting_id, now=T0)
    back = T0 + PRESENCE_WINDOW + dt.timedelta(seconds=5)
    assert mark_following(board.db, board.physio, meeting_id, now=back) is True
    assert len(events(board.db, "meeting.follow")) == 2
    (row,) = followers(board.db, board.coordinator, meeting_id, now=back)
    assert row.joined_at == back
    assert _count(board.db, MeetingFollower) == 1


def test_every_role_may_follow_but_not_a_closed_meeting(board: Board) -> None:
    meeting_id, _ = _agenda(board)
    people = (
        board.coordinator,
        board.oncologist,
        board.radiologist,
        board.surgeon,
        board.radiotherapist,
        board.palliative,
        board.physio,
        board.pathologist,
    )
    for person in people:
        assert mark_following(board.db, person, meeting_id) is True
    assert len(followers(board.db, board.physio, meeting_id)) == len(people)
    meeting = board.reload(meeting_id)
    set_meeting_status(
        board.db, board.coordinator, meeting_id, meeting.version, MeetingStatus.CLOSED
    )
    with pytest.raises(InvalidStateError, match="nothing to follow"):
        mark_following(board.db, board.physio, meeting_id)
    with pytest.raises(NotFoundError):
        mark_following(board.db, board.physio, 9999)


def test_two_tabs_of_one_follower_join_once(board: Board, database_url: str) -> None:
    meeting_id, _ = _agenda(board)
    servers = [Database.from_url(database_url) for _ in range(2)]
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)
    now = utcnow()

    def poll(server: Database) -> None:
        try:
            barrier.wait()
            results.append(mark_following(server, board.physio, meeting_id, now=now))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(server,)) for server in servers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        for server in servers:
            server.dispose()
    assert errors == []
    assert sorted(results) == [False, True]
    assert len(events(board.db, "meeting.follow")) == 1
    assert _count(board.db, MeetingFollower) == 1
