"""Readable everywhere: History and Audit in words, counts in the right number, times in
the hospital's zone (AppTest on the demo board)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from board.db.engine import Database
from board.db.models import Meeting, User
from board.ui.case_tabs.follow_up import _start
from tests.pages.helpers import case_id_of as _case_id
from tests.pages.helpers import open_case, open_tab, plain, signed_in

BERLIN = ZoneInfo("Europe/Berlin")
CODE = re.compile(r"\b[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*\b")  # plan.item_add, case.create


def _texts(at: Any) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.text] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.header]
    return plain("\n".join(str(p) for p in parts))


def _run(at: Any) -> Any:
    at.run()
    assert not at.exception, at.exception
    return at


def _local(value: dt.datetime) -> str:
    local = value.astimezone(BERLIN)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def test_history_tab_speaks_in_labels_and_sentences(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    # TB-DEMO10 went through the board: plan components, signatures, follow-up.
    at = open_case(signed_in(demo_db), _case_id(demo_db, "TB-DEMO10"))
    open_tab(at, "History")  # only the chosen tab is drawn
    history = next(t for t in at.tabs if t.label == "History").dataframe[0].value
    actions = set(history["Action"])
    assert {"Case registered", "Plan component added", "Plan signed", "Plan finalized"} <= actions
    assert not any(CODE.search(a) for a in actions), actions
    roles = set(history["Role"])
    assert "Neurosurgeon / spine surgeon" in roles
    assert not roles & {"spine_surgeon", "coordinator", "medical_oncologist"}
    changes = " | ".join(history["Changes"])
    assert "Pain score: 6" in changes  # the case as registered
    assert "Status: Preparing -> Ready" in changes
    assert "Known cancer diagnosis: Yes" in changes
    assert "Radiation: " in changes and "pain_score" not in changes
    assert "True" not in changes and "False" not in changes
    assert all(re.search(r"\d{2}:\d{2} CES?T$", when) for when in history["When"])


def test_audit_page_speaks_in_labels_and_keeps_the_code(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    at = signed_in(demo_db, "demo.coordinator")
    at.switch_page("pages/audit.py")
    _run(at)
    table = at.dataframe[0].value
    assert "plan.item_add" in set(table["Code"])
    assert "Plan component added" in set(table["Action"])
    assert not any(CODE.search(a) for a in table["Action"])
    assert "Tumor board coordinator" in set(table["Role"]) and "coordinator" not in set(
        table["Role"]
    )
    assert "times in Europe/Berlin" in _texts(at)
    # exactly one event: the count reads in the singular
    at.text_input(key="audit_action").input("follow_up.missed")
    _run(at)
    assert len(at.dataframe[0].value) == 1
    assert "1 event, newest first" in _texts(at)
    assert "Status: scheduled -> missed" in at.dataframe[0].value["Changes"][0]


def test_one_case_is_a_case(demo_db: Database) -> None:
    at = signed_in(demo_db)
    at.text_input(key="wl_search").input("demo07")
    _run(at)
    assert len(at.dataframe[0].value) == 1
    text = _texts(at)
    assert "Page 1 of 1 (1 case)" in text
    assert "(1 cases)" not in text


def test_meeting_times_are_shown_in_the_hospital_zone(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    with demo_db.read() as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.starts_at.desc())).first()
        assert meeting is not None
        starts, meeting_id = meeting.starts_at, meeting.id
    at = signed_in(demo_db)
    at.switch_page("pages/meetings.py")
    at.query_params["meeting"] = str(meeting_id)
    _run(at)
    text = _texts(at)
    assert _local(starts) in text
    assert f"{starts.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" not in text
    label = at.selectbox(key="meeting").value
    assert label == meeting_id
    assert any(_local(starts) in option for option in at.selectbox(key="meeting").options)
    # and on the worklist's next-meeting column and filter
    at.switch_page("pages/worklist.py")
    _run(at)
    assert any(o.endswith(_local(starts)) for o in at.selectbox(key="wl_meeting").options)


@pytest.mark.parametrize(
    ("day", "stored"),
    [
        (dt.date(2027, 1, 12), dt.datetime(2027, 1, 12, 13, 0, tzinfo=dt.UTC)),  # CET
        (dt.date(2027, 7, 13), dt.datetime(2027, 7, 13, 12, 0, tzinfo=dt.UTC)),  # CEST
    ],
)
def test_a_meeting_scheduled_at_14_local_is_stored_in_utc(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, day: dt.date, stored: dt.datetime
) -> None:
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    at = signed_in(demo_db)
    at.switch_page("pages/meetings.py")
    _run(at)
    assert at.time_input(key="new_meeting_time").label == "Start time (Europe/Berlin)"
    with demo_db.read() as session:
        chair = session.scalars(select(User.id).where(User.username == "demo.surgeon")).one()
    at.text_input(key="new_meeting_title").input("Local time board")
    at.date_input(key="new_meeting_date").set_value(day)
    at.time_input(key="new_meeting_time").set_value(dt.time(14, 0))
    at.text_input(key="new_meeting_place").input("Room 5")
    at.selectbox(key="new_meeting_chair").set_value(chair)
    next(b for b in at.button if b.label == "Schedule meeting").click()
    _run(at)
    with demo_db.read() as session:
        meeting = session.scalars(select(Meeting).where(Meeting.title == "Local time board")).one()
        assert meeting.starts_at == stored
    # shown back as it was typed, with the zone
    local = f"{day:%Y-%m-%d} 14:00 {'CET' if day.month == 1 else 'CEST'}"
    assert any(local in str(label) for label in _meeting_labels(at))


def _meeting_labels(at: Any) -> list[str]:
    box = at.selectbox(key="meeting")
    return [str(option) for option in box.options]


def test_treatment_start_is_typed_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    started = _start(dt.date(2026, 7, 1), dt.time(9, 0))
    assert started == dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC)


DEFAULT_GRID = ["Case", "Urgency", "Status", "Readiness", "Next meeting", "Open"]


def test_worklist_shows_the_columns_that_fit_and_the_others_on_demand(
    demo_db: Database,
) -> None:
    at = signed_in(demo_db)
    assert list(at.dataframe[0].value.columns) == DEFAULT_GRID
    picker = at.multiselect(key="wl_columns")
    assert set(picker.options) == {
        "Urgency", "Primary cancer", "Levels", "Status", "Readiness", "Next meeting",
        "Open actions", "Follow-up",
    }  # fmt: skip
    picker.set_value([*picker.value, "Follow-up", "Levels"])
    _run(at)
    table = at.dataframe[0].value
    # in the grid's own order, whatever the order picked
    assert list(table.columns) == [
        "Case", "Urgency", "Levels", "Status", "Readiness", "Next meeting", "Follow-up", "Open",
    ]  # fmt: skip
    assert table[table["Case"] == "TB-DEMO09"].iloc[0]["Levels"] == "L4, L5"
    at.multiselect(key="wl_columns").unselect("Readiness")
    _run(at)
    assert "Readiness" not in at.dataframe[0].value.columns
    # the choice is kept for the session, across a visit to another page
    at.switch_page("pages/meetings.py")
    _run(at)
    at.switch_page("pages/worklist.py")
    _run(at)
    assert list(at.dataframe[0].value.columns) == [
        "Case", "Urgency", "Levels", "Status", "Next meeting", "Follow-up", "Open",
    ]  # fmt: skip
