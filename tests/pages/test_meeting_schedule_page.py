"""The meetings page with AppTest: a meeting just scheduled is shown at once; a second
meeting at the same time and place needs confirmation; agenda status in plain words;
the meeting selector's labels are right-pluralised and current after agenda changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from board.auth.actor import Actor
from board.db.engine import Database
from board.db.models import AuditEvent, Meeting, User
from board.meetings.service import get_meeting, list_meetings
from tests.pages.helpers import plain, signed_in

SCHEDULE = "FormSubmitter:new_meeting-Schedule meeting"


def _actor(db: Database, username: str = "demo.coordinator") -> Actor:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor(user.id, user.username, user.display_name, user.role)


def _page(db: Database) -> Any:
    at = signed_in(db)
    at.switch_page("pages/meetings.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _meetings(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Meeting)) or 0)


def _fill(
    at: Any, db: Database, day: dt.date, time: dt.time, place: str, title: str = "Extra board"
) -> None:
    at.text_input(key="new_meeting_title").input(title)
    at.date_input(key="new_meeting_date").set_value(day)
    at.time_input(key="new_meeting_time").set_value(time)
    at.text_input(key="new_meeting_place").input(place)
    at.selectbox(key="new_meeting_chair").set_value(_actor(db, "demo.surgeon").user_id)


def _selected_label(at: Any) -> str:
    box = at.selectbox(key="meeting")
    return str(box.format_func(box.value))


def _texts(at: Any) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.header]
    return plain("\n".join(str(p) for p in parts))


def test_a_scheduled_meeting_is_shown_at_once(demo_db: Database) -> None:
    at = _page(demo_db)
    first = _selected_label(at)
    later = dt.date.today() + dt.timedelta(days=40)  # after the demo meeting: not first
    _fill(at, demo_db, later, dt.time(15, 30), "Room 9", title="Extra spine board")
    at.button(key=SCHEDULE).click().run()
    assert not at.exception, at.exception
    with demo_db.read() as session:
        new_id = session.scalars(
            select(Meeting.id).where(Meeting.title == "Extra spine board")
        ).one()
    assert at.selectbox(key="meeting").value == new_id
    assert at.query_params["meeting"] in (str(new_id), [str(new_id)])
    assert at.header[0].value == "Extra spine board"
    assert _selected_label(at) != first
    assert _selected_label(at).startswith(f"Extra spine board, {later.isoformat()} 15:30 UTC")
    assert "Meeting scheduled." in _texts(at)


def test_a_second_meeting_at_the_same_time_and_place_needs_confirmation(
    demo_db: Database,
) -> None:
    coordinator = _actor(demo_db)
    demo = get_meeting(demo_db, coordinator, 1)
    assert demo.location
    at = _page(demo_db)
    before = _meetings(demo_db)
    starts = demo.starts_at + dt.timedelta(minutes=30)
    _fill(
        at,
        demo_db,
        starts.date(),
        starts.time().replace(tzinfo=None),
        f"  {demo.location.upper()} ",
    )
    at.button(key=SCHEDULE).click().run()
    assert not at.exception, at.exception
    assert _meetings(demo_db) == before
    warning = "\n".join(plain(w.value) for w in at.warning)
    assert "Clash: 1 meeting is already scheduled at that time and place" in warning
    assert plain(demo.title) in _texts(at)
    at.button(key="meeting_schedule_anyway").click().run()
    assert not at.exception, at.exception
    assert _meetings(demo_db) == before + 1
    assert "Clash" not in "\n".join(plain(w.value) for w in at.warning)
    with demo_db.read() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "meeting.schedule")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None and event.detail is not None
        assert "same time and place" in event.detail


def test_another_place_at_the_same_time_is_scheduled_at_once(demo_db: Database) -> None:
    demo = get_meeting(demo_db, _actor(demo_db), 1)
    at = _page(demo_db)
    before = _meetings(demo_db)
    _fill(at, demo_db, demo.starts_at.date(), demo.starts_at.time().replace(tzinfo=None), "Room 99")
    at.button(key=SCHEDULE).click().run()
    assert _meetings(demo_db) == before + 1
    assert "Clash" not in "\n".join(plain(w.value) for w in at.warning)
    assert "Meeting scheduled." in _texts(at)


def test_agenda_status_reads_plainly(demo_db: Database) -> None:
    at = _page(demo_db)
    captions = [plain(c.value) for c in at.caption]
    assert not [c for c in captions if "; ready" in c or "Preparing; " in c], captions
    agenda = get_meeting(demo_db, _actor(demo_db), 1).agenda
    for row in agenda:
        assert row.status_text in captions


def test_meeting_labels_are_pluralised_and_current_after_agenda_changes(
    demo_db: Database,
) -> None:
    coordinator = _actor(demo_db)
    at = _page(demo_db)
    count = len(get_meeting(demo_db, coordinator, 1).agenda)
    assert _selected_label(at).endswith(f"(scheduled, {count} cases)")

    # An empty meeting: "0 cases"; one case: "1 case".
    later = dt.date.today() + dt.timedelta(days=60)
    _fill(at, demo_db, later, dt.time(9, 0), "Room 12", title="Small board")
    at.button(key=SCHEDULE).click().run()
    assert _selected_label(at).endswith("(scheduled, 0 cases)")
    assert at.selectbox(key="add_case").value is not None  # the first candidate
    next(b for b in at.button if b.label == "Add to agenda").click().run()
    assert not at.exception, at.exception
    assert _selected_label(at).endswith("(scheduled, 1 case)")
    small = next(m for m in list_meetings(demo_db, coordinator) if m.title == "Small board")
    assert small.agenda_count == 1

    (row,) = get_meeting(demo_db, coordinator, small.id).agenda
    next(b for b in at.button if b.key == f"remove_{row.id}").click().run()
    assert not at.exception, at.exception
    assert _selected_label(at).endswith("(scheduled, 0 cases)")
