"""Meeting services on every backend: schedule, agenda order, triage, quorum, timers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select, update

from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.service import get_case
from board.db.models import AgendaItem, ImagingStudy, utcnow
from board.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.meetings.service import (
    add_to_agenda,
    agenda_candidates,
    build_agenda,
    get_meeting,
    list_meetings,
    move_agenda_item,
    people,
    record_attendance,
    remove_attendance,
    remove_from_agenda,
    run_timer,
    schedule_meeting,
    set_meeting_status,
    set_triage,
    sort_agenda,
    update_meeting,
)
from board.meetings.views import MeetingInput
from tests.meetings.helpers import Board, events, urgent_symptoms


def _input(board: Board, **overrides: object) -> MeetingInput:
    values: dict[str, object] = {
        "starts_at": utcnow() + dt.timedelta(days=2),
        "title": "Spine tumor board",
        "location": "Seminar room 2",
        "video_link": "https://video.example.org/board",
        "chair_id": board.surgeon.user_id,
        "required_roles": REQUIRED_ROLES,
    }
    values.update(overrides)
    return MeetingInput(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Scheduling
# ---------------------------------------------------------------------------


def test_schedule_meeting_stores_it_and_audits(board: Board) -> None:
    meeting = schedule_meeting(board.db, board.coordinator, _input(board))

    assert meeting.status is MeetingStatus.SCHEDULED
    assert meeting.chair_name == "Dr Spine"
    assert meeting.required_roles == REQUIRED_ROLES
    assert meeting.video_link == "https://video.example.org/board"
    assert meeting.agenda == ()
    assert not meeting.quorum.met
    assert [m.id for m in list_meetings(board.db, board.coordinator)] == [meeting.id]
    (event,) = events(board.db, "meeting.schedule")
    assert event.actor_name == "Cora Coordinator"
    assert event.after is not None and event.after["title"] == "Spine tumor board"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"location": None, "video_link": None}, "location"),
        ({"video_link": "javascript:alert(1)"}, "video_link"),
        ({"video_link": "ftp://files.example.org"}, "video_link"),
        ({"chair_id": None}, "chair_id"),
        ({"required_roles": ()}, "required_roles"),
        ({"required_roles": (Role.COORDINATOR,)}, "required_roles"),
        ({"starts_at": utcnow() - dt.timedelta(days=2)}, "starts_at"),
        ({"starts_at": dt.datetime(2030, 1, 1, 16, 0)}, "starts_at"),  # no time zone
    ],
)
def test_schedule_meeting_validates(board: Board, overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        schedule_meeting(board.db, board.coordinator, _input(board, **overrides))
    assert caught.value.field == field
    assert list_meetings(board.db, board.coordinator) == []


def test_chair_must_be_an_active_specialist(board: Board) -> None:
    with pytest.raises(ValidationError, match="chair"):
        schedule_meeting(
            board.db, board.coordinator, _input(board, chair_id=board.coordinator.user_id)
        )


@pytest.mark.parametrize("who", ["oncologist", "physio", "pathologist"])
def test_only_coordinators_and_admins_schedule(board: Board, who: str) -> None:
    with pytest.raises(PermissionDeniedError):
        schedule_meeting(board.db, getattr(board, who), _input(board))
    schedule_meeting(board.db, board.admin, _input(board))


def test_update_meeting_audits_changes_and_refuses_stale_edits(board: Board) -> None:
    meeting = board.meeting()
    changed = update_meeting(
        board.db,
        board.coordinator,
        meeting.id,
        meeting.version,
        dataclasses.replace(meeting.as_input(), required_roles=(Role.SPINE_SURGEON,)),
    )
    assert changed.required_roles == (Role.SPINE_SURGEON,)
    (event,) = events(board.db, "meeting.update")
    assert event.before == {"required_roles": ["spine_surgeon", "radiation_oncologist"]}
    assert event.after == {"required_roles": ["spine_surgeon"]}

    with pytest.raises(ConflictError, match="Cora Coordinator"):
        update_meeting(
            board.db,
            board.admin,
            meeting.id,
            meeting.version,  # stale
            dataclasses.replace(meeting.as_input(), title="Other"),
        )
    assert board.reload(meeting.id).title == "Spine board"


def test_meeting_status_moves(board: Board) -> None:
    meeting = board.meeting()
    with pytest.raises(InvalidStateError):
        set_meeting_status(
            board.db, board.coordinator, meeting.id, meeting.version, MeetingStatus.CLOSED
        )
    started = set_meeting_status(
        board.db, board.surgeon, meeting.id, meeting.version, MeetingStatus.IN_PROGRESS
    )
    with pytest.raises(PermissionDeniedError):
        set_meeting_status(
            board.db, board.surgeon, meeting.id, started.version, MeetingStatus.CANCELLED
        )
    closed = set_meeting_status(
        board.db, board.coordinator, meeting.id, started.version, MeetingStatus.CLOSED
    )
    for target in (MeetingStatus.IN_PROGRESS, MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED):
        with pytest.raises(InvalidStateError):
            set_meeting_status(board.db, board.coordinator, meeting.id, closed.version, target)
    statuses = [(e.before, e.after) for e in events(board.db, "meeting.status")]
    assert statuses == [
        ({"status": "scheduled"}, {"status": "in_progress"}),
        ({"status": "in_progress"}, {"status": "closed"}),
    ]
    # A closed meeting's agenda and attendance are frozen.
    case_id = board.case()
    with pytest.raises(InvalidStateError):
        add_to_agenda(board.db, board.coordinator, meeting.id, case_id)
    with pytest.raises(InvalidStateError):
        record_attendance(board.db, board.coordinator, meeting.id, board.surgeon.user_id or 0)


def test_unknown_meeting_is_not_found(board: Board) -> None:
    with pytest.raises(NotFoundError):
        get_meeting(board.db, board.coordinator, 999)


# ---------------------------------------------------------------------------
# Agenda
# ---------------------------------------------------------------------------


def test_agenda_is_built_urgent_first_then_by_readiness(board: Board) -> None:
    old_ready = board.case(levels="T4")
    new_ready = board.case(levels="T5")
    urgent = board.case(ready=False, levels="T6", **urgent_symptoms())
    preparing = board.case(ready=False, levels="T7")
    assert get_case(board.db, board.coordinator, urgent).urgency is Urgency.URGENT
    meeting = board.meeting()

    candidates = agenda_candidates(board.db, board.coordinator, meeting.id)
    assert next(c.case_id for c in candidates) == urgent
    assert {c.case_id for c in candidates} == {old_ready, new_ready, urgent, preparing}

    built = build_agenda(board.db, board.coordinator, meeting.id)
    order = [row.case_id for row in built.agenda]
    # Urgent first; the ready ones by age; the routine case still preparing is left out.
    assert order == [urgent, old_ready, new_ready]
    assert [row.position for row in built.agenda] == [1, 2, 3]
    assert all(row.triage is AgendaTriage.FULL_DISCUSSION for row in built.agenda)
    assert [c.case_id for c in agenda_candidates(board.db, board.coordinator, meeting.id)] == [
        preparing
    ]
    assert len(events(board.db, "agenda.add")) == 3
    (build,) = events(board.db, "agenda.build")
    assert build.after == {"added_case_ids": [urgent, old_ready, new_ready]}


def test_readiness_orders_cases_with_equal_urgency(board: Board) -> None:
    older_missing_more = board.case(ready=False, levels="T4")
    newer_missing_less = board.case(ready=False, levels="T5")
    with board.db.write() as session:  # a recent spine MRI: one item fewer missing
        session.add(
            ImagingStudy(
                case_id=newer_missing_less,
                source="manual",
                modality="MR",
                study_date=utcnow().date(),
                body_region="whole_spine",
            )
        )
    meeting = board.meeting()
    candidates = agenda_candidates(board.db, board.coordinator, meeting.id)
    assert [c.case_id for c in candidates] == [newer_missing_less, older_missing_more]
    assert len(candidates[0].missing) < len(candidates[1].missing)

    add_to_agenda(board.db, board.coordinator, meeting.id, older_missing_more)
    added = add_to_agenda(board.db, board.coordinator, meeting.id, newer_missing_less)
    assert [r.case_id for r in added.agenda] == [older_missing_more, newer_missing_less]
    sorted_ = sort_agenda(board.db, board.coordinator, meeting.id, added.version)
    assert [r.case_id for r in sorted_.agenda] == [newer_missing_less, older_missing_more]
    (event,) = events(board.db, "agenda.sort")
    assert event.after == {"order": [newer_missing_less, older_missing_more]}


def test_reorder_triage_and_remove(board: Board) -> None:
    a, b, c = (board.case(levels=level) for level in ("T4", "T5", "T6"))
    meeting = board.meeting()
    for case_id in (a, b, c):
        detail = add_to_agenda(board.db, board.coordinator, meeting.id, case_id)
    first, _second, third = detail.agenda

    moved = move_agenda_item(board.db, board.coordinator, third.id, third.version, -1)
    assert [r.case_id for r in moved.agenda] == [a, c, b]
    with pytest.raises(InvalidStateError, match="already first"):
        move_agenda_item(board.db, board.coordinator, first.id, first.version, -1)
    with pytest.raises(ValidationError):
        move_agenda_item(board.db, board.coordinator, first.id, first.version, 2)
    # The moved items changed: an edit from the old screen is refused.
    with pytest.raises(ConflictError):
        move_agenda_item(board.db, board.coordinator, third.id, third.version, -1)

    row_c = next(r for r in moved.agenda if r.case_id == c)
    triaged = set_triage(
        board.db, board.coordinator, row_c.id, row_c.version, AgendaTriage.LIST_ONLY
    )
    assert next(r for r in triaged.agenda if r.case_id == c).triage is AgendaTriage.LIST_ONLY
    (event,) = events(board.db, "agenda.triage")
    assert event.after == {"triage": "list_only"}

    row_a = triaged.agenda[0]
    removed = remove_from_agenda(board.db, board.coordinator, row_a.id, row_a.version)
    assert [r.case_id for r in removed.agenda] == [c, b]
    assert [r.position for r in removed.agenda] == [1, 2]
    assert len(events(board.db, "agenda.remove")) == 1

    with pytest.raises(InvalidStateError, match="already on this agenda"):
        add_to_agenda(board.db, board.coordinator, meeting.id, c)
    with pytest.raises(PermissionDeniedError):
        add_to_agenda(board.db, board.oncologist, meeting.id, a)


def test_a_discussed_case_stays_on_the_agenda(board: Board) -> None:
    from board.plans.drafting import start_plan

    case_id = board.case()
    meeting = board.meeting(start=True)
    detail = add_to_agenda(board.db, board.coordinator, meeting.id, case_id)
    start_plan(board.db, board.coordinator, case_id, meeting.id)
    row = board.reload(meeting.id).agenda[0]
    assert row.discussed_at is not None and row.case_status is CaseStatus.DISCUSSED
    with pytest.raises(InvalidStateError, match="discussed"):
        remove_from_agenda(board.db, board.coordinator, row.id, row.version)
    assert detail.agenda[0].plan_status is None
    assert row.plan_status is not None


def test_finished_cases_cannot_go_on_an_agenda(board: Board) -> None:
    from board.cases.workflow import set_case_status

    case_id = board.case()
    meeting = board.meeting()
    with board.db.write() as session:
        from board.db.models import Case

        case = session.get(Case, case_id)
        assert case is not None
        case.status = CaseStatus.IN_FOLLOW_UP
    with pytest.raises(InvalidStateError, match="still to be discussed"):
        add_to_agenda(board.db, board.coordinator, meeting.id, case_id)
    set_case_status(board.db, board.coordinator, case_id, CaseStatus.CLOSED)
    assert agenda_candidates(board.db, board.coordinator, meeting.id) == []


# ---------------------------------------------------------------------------
# Attendance and quorum
# ---------------------------------------------------------------------------


def test_quorum_warns_about_each_absent_required_specialty(board: Board) -> None:
    meeting = board.meeting(required=REQUIRED_ROLES)
    assert meeting.quorum.missing_roles == REQUIRED_ROLES
    warning = meeting.quorum.warning()
    assert warning is not None and "Radiologist" in warning and "Medical oncologist" in warning

    detail = meeting
    for actor in (board.oncologist, board.radiologist, board.surgeon):
        detail = record_attendance(board.db, board.coordinator, meeting.id, actor.user_id or 0)
    assert detail.quorum.missing_roles == (Role.RADIATION_ONCOLOGIST,)
    assert detail.quorum.warning() == (
        "No quorum: absent required specialty: Radiation oncologist."
    )
    # Someone attending in another role does not fill the gap ...
    detail = record_attendance(
        board.db, board.coordinator, meeting.id, board.palliative.user_id or 0
    )
    assert not detail.quorum.met
    # ... but marking the radiation oncologist present does; leaving breaks it again.
    detail = record_attendance(
        board.db, board.coordinator, meeting.id, board.radiotherapist.user_id or 0
    )
    assert detail.quorum.met and detail.quorum.warning() is None
    detail = record_attendance(
        board.db, board.coordinator, meeting.id, board.radiotherapist.user_id or 0, present=False
    )
    assert detail.quorum.missing_roles == (Role.RADIATION_ONCOLOGIST,)
    assert len(detail.attendance) == 5
    assert len(events(board.db, "attendance.record")) == 6


def test_required_roles_are_configurable_per_meeting(board: Board) -> None:
    meeting = board.meeting(required=(Role.SPINE_SURGEON,))
    detail = record_attendance(board.db, board.coordinator, meeting.id, board.surgeon.user_id or 0)
    assert detail.quorum.met
    other = board.meeting(required=REQUIRED_ROLES, days=10)
    assert not other.quorum.met


def test_attendance_role_defaults_to_the_users_role_and_can_be_removed(board: Board) -> None:
    meeting = board.meeting()
    # Anyone may check themselves in; recording others needs the right to run meetings.
    detail = record_attendance(
        board.db, board.pathologist, meeting.id, board.pathologist.user_id or 0
    )
    (row,) = detail.attendance
    assert row.role is Role.PATHOLOGIST and row.name == "Dr Path"
    with pytest.raises(PermissionDeniedError):
        record_attendance(board.db, board.admin, meeting.id, board.surgeon.user_id or 0)
    with pytest.raises(ValidationError):
        record_attendance(board.db, board.coordinator, meeting.id, 9999)
    detail = remove_attendance(board.db, board.coordinator, row.id)
    assert detail.attendance == ()
    assert len(events(board.db, "attendance.remove")) == 1


def test_people_lists_active_users_without_admins(board: Board) -> None:
    everyone = people(board.db, board.coordinator)
    assert Role.ADMIN not in {p.role for p in everyone}
    specialists = people(board.db, board.coordinator, specialists_only=True)
    assert Role.COORDINATOR not in {p.role for p in specialists}
    assert {p.name for p in specialists} >= {"Dr Spine", "Dr Beam", "Dr Path"}


# ---------------------------------------------------------------------------
# Per-case timer
# ---------------------------------------------------------------------------


def _rewind_timer(board: Board, item_id: int, seconds: int) -> None:
    with board.db.write() as session:
        session.execute(
            update(AgendaItem)
            .where(AgendaItem.id == item_id)
            .values(timer_started_at=utcnow() - dt.timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )


def test_timer_counts_discussion_time_per_case(board: Board) -> None:
    a, b = board.case(levels="T4"), board.case(levels="T5")
    meeting = board.meeting()
    add_to_agenda(board.db, board.coordinator, meeting.id, a)
    detail = add_to_agenda(board.db, board.coordinator, meeting.id, b)
    first, second = detail.agenda
    with pytest.raises(InvalidStateError, match="Start the meeting"):
        run_timer(board.db, board.coordinator, first.id, True)
    set_meeting_status(
        board.db, board.coordinator, meeting.id, detail.version, MeetingStatus.IN_PROGRESS
    )

    running = run_timer(board.db, board.surgeon, first.id, True)
    assert running.agenda[0].timer_started_at is not None
    _rewind_timer(board, first.id, 90)
    # Starting the next case pauses the first and keeps its time.
    switched = run_timer(board.db, board.surgeon, second.id, True)
    one, two = switched.agenda
    assert one.timer_started_at is None and 90 <= one.discussion_seconds <= 95
    assert two.timer_started_at is not None
    assert two.elapsed_seconds(utcnow() + dt.timedelta(seconds=30)) >= 30
    paused = run_timer(board.db, board.surgeon, second.id, False)
    assert paused.agenda[1].timer_started_at is None
    # Closing the meeting pauses whatever runs.
    run_timer(board.db, board.surgeon, first.id, True)
    closed = set_meeting_status(
        board.db,
        board.coordinator,
        meeting.id,
        board.reload(meeting.id).version,
        MeetingStatus.CLOSED,
    )
    assert all(row.timer_started_at is None for row in closed.agenda)
    assert len(events(board.db, "agenda.timer_start")) == 3
    with pytest.raises(PermissionDeniedError):
        run_timer(board.db, board.admin, first.id, True)


def test_stale_agenda_item_edit_is_refused_naming_the_editor(board: Board) -> None:
    case_id = board.case()
    meeting = board.meeting()
    (row,) = add_to_agenda(board.db, board.coordinator, meeting.id, case_id).agenda
    set_triage(board.db, board.admin, row.id, row.version, AgendaTriage.LIST_ONLY)
    with pytest.raises(ConflictError) as caught:
        set_triage(board.db, board.coordinator, row.id, row.version, AgendaTriage.FULL_DISCUSSION)
    assert "Ada Admin" in str(caught.value)
    with board.db.read() as session:
        stored = session.scalars(select(AgendaItem)).one()
        assert stored.triage is AgendaTriage.LIST_ONLY
