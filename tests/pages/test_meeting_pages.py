"""AppTest tests of the meeting page, the presenter view, the scribe view and the plan screens."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.db.engine import Database
from board.db.models import Attendance, Case, Meeting, PlanItem, PlanVersion, User
from board.followup.service import record_follow_up
from board.followup.views import FollowUpInput
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.meetings.live import present_item
from board.meetings.service import (
    get_meeting,
    record_attendance,
    set_meeting_status,
    update_meeting,
)
from board.plans.dissent import add_dissent
from board.plans.drafting import add_plan_item, start_plan, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus
from board.plans.lifecycle import finalize_plan, sign_plan
from board.plans.views import PlanHeaderInput, PlanItemInput
from tests.pages.helpers import case_id_of as _case_id
from tests.pages.helpers import open_case, plain, signed_in


def _actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor(user.id, user.username, user.display_name, user.role)


def _texts(at: Any) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.text] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.title]
    parts += [str(e.value) for e in at.header] + [str(e.value) for e in at.toast]
    # Drop the app's own bold markers (escaped ones, from people, stay).
    return plain(re.sub(r"(?<!\\)\*\*", "", "\n".join(str(p) for p in parts)))


def _button(at: Any, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _run_ok(at: Any) -> Any:
    at.run()
    assert not at.exception, at.exception
    return at


def _meetings_page(db: Database, username: str = "demo.coordinator") -> Any:
    at = signed_in(db, username)
    at.switch_page("pages/meetings.py")
    return _run_ok(at)


def _presenter(db: Database, username: str, item: int) -> Any:
    at = signed_in(db, username)
    at.switch_page("pages/presenter.py")
    at.query_params["meeting"] = "1"
    at.query_params["item"] = str(item)
    return _run_ok(at)


def _scribe(db: Database, username: str, item: int) -> Any:
    """The scribe view of the demo meeting, pinned to agenda position ``item``."""
    at = signed_in(db, username)
    at.switch_page("pages/scribe.py")
    at.query_params["meeting"] = "1"
    at.query_params["item"] = str(item)
    return _run_ok(at)


def _follower(db: Database, username: str) -> Any:
    """The follow view of the demo meeting."""
    at = signed_in(db, username)
    at.switch_page("pages/presenter.py")
    at.query_params["meeting"] = "1"
    at.query_params["follow"] = "1"
    return _run_ok(at)


def _position(db: Database, pseudonym: str) -> int:
    """A case's position on the demo meeting's agenda (the presenter's ``item``)."""
    agenda = get_meeting(db, _actor(db, "demo.coordinator"), 1).agenda
    return next(row.position for row in agenda if row.pseudonym == pseudonym)


def _item_id(db: Database, pseudonym: str) -> int:
    """A case's agenda item on the demo meeting."""
    agenda = get_meeting(db, _actor(db, "demo.coordinator"), 1).agenda
    return next(row.id for row in agenda if row.pseudonym == pseudonym)


def _running_meeting(db: Database, required: tuple[Role, ...], present: tuple[str, ...]) -> None:
    coordinator = _actor(db, "demo.coordinator")
    meeting = get_meeting(db, coordinator, 1)
    meeting = update_meeting(
        db,
        coordinator,
        1,
        meeting.version,
        dataclasses.replace(meeting.as_input(), required_roles=required),
    )
    set_meeting_status(db, coordinator, 1, meeting.version, MeetingStatus.IN_PROGRESS)
    for username in present:
        record_attendance(db, coordinator, 1, _actor(db, username).user_id or 0)


# ---------------------------------------------------------------------------
# Meeting page
# ---------------------------------------------------------------------------


def test_meeting_page_shows_agenda_quorum_and_controls(demo_db: Database) -> None:
    at = _meetings_page(demo_db)
    assert at.title[0].value == "Meetings"
    assert at.header[0].value == "Spine tumor board"
    text = _texts(at)
    assert "No quorum: absent required specialties" in text
    assert f"{_position(demo_db, 'TB-DEMO02')}. TB-DEMO02" in text and "URGENT" in text
    assert "missing: Medical oncologist input" in text
    labels = {b.label for b in at.button}
    assert {"Start meeting", "Build agenda from ready cases", "Record attendance"} <= labels
    assert "Cancel meeting" in labels
    assert [t.label for t in at.tabs] == [
        "Agenda",
        "Attendance and quorum",
        "Plans and sign-off",
        "Meeting details",
    ]


def test_a_specialist_cannot_schedule_or_reorder(demo_db: Database) -> None:
    at = _meetings_page(demo_db, "demo.physio")
    labels = {b.label for b in at.button}
    assert "Schedule meeting" not in labels
    assert "Build agenda from ready cases" not in labels
    assert "Start meeting" in labels  # every board member may run the meeting
    assert "I am here (as Physiotherapist)" in labels


def test_schedule_a_meeting(demo_db: Database) -> None:
    with demo_db.read() as session:
        before = session.scalar(select(func.count()).select_from(Meeting))
    at = _meetings_page(demo_db)
    at.text_input(key="new_meeting_title").input("Extra spine board")
    at.date_input(key="new_meeting_date").set_value(dt.date.today() + dt.timedelta(days=9))
    at.text_input(key="new_meeting_place").input("Room 5")
    at.text_input(key="new_meeting_link").input("not a link")
    at.selectbox(key="new_meeting_chair").set_value(_actor(demo_db, "demo.surgeon").user_id)
    next(b for b in at.button if b.label == "Schedule meeting").click()
    _run_ok(at)
    assert "video link must be a web address" in _texts(at)
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == before

    at.text_input(key="new_meeting_link").input("https://video.example.org/extra")
    next(b for b in at.button if b.label == "Schedule meeting").click()
    _run_ok(at)
    assert "Meeting scheduled." in _texts(at)
    with demo_db.read() as session:
        stored = session.scalars(select(Meeting).where(Meeting.title == "Extra spine board")).one()
        assert stored.location == "Room 5" and stored.status is MeetingStatus.SCHEDULED


def test_attendance_quorum_and_starting_the_meeting(demo_db: Database) -> None:
    at = _meetings_page(demo_db)
    for username in ("demo.oncologist", "demo.radiologist", "demo.surgeon", "demo.radiotherapist"):
        at.selectbox(key="att_person").set_value(_actor(demo_db, username).user_id)
        _run_ok(at)
        _button(at, "Record attendance").click()
        _run_ok(at)
    assert "Quorum: every required specialty is present." in _texts(at)
    with demo_db.read() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Attendance).where(Attendance.meeting_id == 1)
            )
            == 4
        )
    _button(at, "Start meeting").click()
    _run_ok(at)
    assert "Meeting started." in _texts(at)
    assert {"Close meeting"} <= {b.label for b in at.button}
    with demo_db.read() as session:
        assert session.get(Meeting, 1).status is MeetingStatus.IN_PROGRESS  # type: ignore[union-attr]


def test_agenda_reorder_and_triage(demo_db: Database) -> None:
    at = _meetings_page(demo_db)
    rows = get_meeting(demo_db, _actor(demo_db, "demo.coordinator"), 1).agenda
    second = rows[1]
    next(b for b in at.button if b.key == f"up_{second.id}").click()
    _run_ok(at)
    after = get_meeting(demo_db, _actor(demo_db, "demo.coordinator"), 1).agenda
    assert [r.case_id for r in after[:2]] == [rows[1].case_id, rows[0].case_id]
    triage = next(s for s in at.selectbox if s.key and s.key.startswith(f"triage_{after[2].id}_"))
    triage.set_value(AgendaTriage.LIST_ONLY)
    _run_ok(at)
    assert "Triage changed." in _texts(at)


# ---------------------------------------------------------------------------
# Presenter view
# ---------------------------------------------------------------------------


def test_presenter_shows_one_case_in_large_type_and_navigates(demo_db: Database) -> None:
    total = len(get_meeting(demo_db, _actor(demo_db, "demo.coordinator"), 1).agenda)
    position = _position(demo_db, "TB-DEMO02")
    at = _presenter(demo_db, "demo.coordinator", position)
    assert "TB-DEMO02" in plain(at.title[0].value)
    assert f"case {position} of {total}" in at.title[0].value
    text = _texts(at)
    for expected in (
        "Presenting problem",
        "Red flags",
        "Levels: T10, T11",
        "Histology: Adenocarcinoma, Gleason 4+4",
        "SINS T11: 10",
        "potentially unstable",
        "ESCC 3",
        "NOMS suggestion",
        "Specialist input",
        "Radiologist",
        "Scores advise; the board decides.",
    ):
        assert expected in text, expected
    # The projector style: large type, no sidebar (a fixed style sheet, no user text).
    assert any('data-testid="stSidebar"' in m.value for m in at.markdown)
    labels = [b.label for b in at.button]
    assert {"Previous case", "Next case", "Start meeting"} <= set(labels)

    at = _presenter(demo_db, "demo.coordinator", 1)
    assert "case 1 of" in at.title[0].value
    assert _button(at, "Previous case").disabled
    _button(at, "Next case").click()
    _run_ok(at)
    assert at.query_params["item"] == ["2"] or at.query_params["item"] == "2"
    assert f"case 2 of {total}" in at.title[0].value

    _button(at, "Start meeting").click()
    _run_ok(at)
    meeting = get_meeting(demo_db, _actor(demo_db, "demo.coordinator"), 1)
    assert meeting.status is MeetingStatus.IN_PROGRESS
    assert meeting.agenda[1].timer_started_at is not None
    assert "Pause timer" in {b.label for b in at.button}
    _button(at, "Pause timer").click()
    _run_ok(at)
    assert (
        get_meeting(demo_db, _actor(demo_db, "demo.coordinator"), 1).agenda[1].timer_started_at
        is None
    )


def test_scribe_marks_an_urgent_case_ready_with_a_reason(demo_db: Database) -> None:
    _running_meeting(demo_db, (Role.SPINE_SURGEON,), ())
    at = _scribe(demo_db, "demo.coordinator", _position(demo_db, "TB-DEMO02"))
    assert "still being prepared" in _texts(at)
    _button(at, "Mark ready for discussion").click()
    _run_ok(at)
    assert "not ready yet" in _texts(at)
    reason = next(t for t in at.text_input if t.label.startswith("Reason"))
    reason.input("Urgent: cord compression, oncology input to follow")
    _run_ok(at)
    _button(at, "Mark ready for discussion").click()
    _run_ok(at)
    assert _status(demo_db, "TB-DEMO02") is CaseStatus.READY
    assert "Start the plan" in {b.label for b in at.button}


def _status(db: Database, pseudonym: str) -> CaseStatus:
    with db.read() as session:
        case = session.get(Case, _case_id(db, pseudonym))
        assert case is not None
        return case.status


def test_plan_is_captured_signed_and_finalized_in_the_scribe_view(demo_db: Database) -> None:
    _running_meeting(
        demo_db,
        (Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST),
        ("demo.surgeon", "demo.radiotherapist"),
    )
    case_id = _case_id(demo_db, "TB-DEMO01")
    at = _scribe(demo_db, "demo.coordinator", _position(demo_db, "TB-DEMO01"))
    _button(at, "Start the plan").click()
    _run_ok(at)
    assert _status(demo_db, "TB-DEMO01") is CaseStatus.DISCUSSED
    assert "NOMS suggestion" in _texts(at) and "cEBRT" in _texts(at)

    next(r for r in at.radio if r.label == "Intent").set_value(PlanIntent.PALLIATIVE)
    next(t for t in at.text_area if t.label == "Summary of the consensus").input("RT to T8")
    _button(at, "Save intent and summary").click()
    _run_ok(at)
    assert "Plan saved." in _texts(at)

    next(s for s in at.selectbox if s.label == "Component").set_value(PlanComponent.RADIATION)
    _run_ok(at)
    next(n for n in at.number_input if n.label == "Total dose (Gy) *").set_value(8.0)
    next(n for n in at.number_input if n.label == "Fractions *").set_value(1)
    _run_ok(at)
    _button(at, "Add to plan").click()
    _run_ok(at)
    assert "Radiation: cEBRT 8 Gy in 1 fraction" in _texts(at)
    # A component without its required detail is refused with the reason.
    next(s for s in at.selectbox if s.label == "Component").set_value(PlanComponent.PHYSIOTHERAPY)
    _run_ok(at)
    _button(at, "Add to plan").click()
    _run_ok(at)
    assert "goals is required" in _texts(at)
    with demo_db.read() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(PlanItem)
                .join(PlanVersion, PlanVersion.id == PlanItem.plan_version_id)
                .where(PlanVersion.meeting_id == 1)
            )
            == 1
        )

    # The coordinator cannot sign; the specialists can, then the chair finalizes.
    assert not any(b.label.startswith("Sign plan") for b in at.button)
    rt = _scribe(demo_db, "demo.radiotherapist", _position(demo_db, "TB-DEMO01"))
    _button(rt, "Sign plan as Radiation oncologist").click()
    _run_ok(rt)
    chair = _scribe(demo_db, "demo.surgeon", _position(demo_db, "TB-DEMO01"))
    assert _button(chair, "Finalize plan").disabled
    _button(chair, "Sign plan as Neurosurgeon / spine surgeon").click()
    _run_ok(chair)
    _button(chair, "Finalize plan").click()
    _run_ok(chair)
    assert "finalized (read-only)" in _texts(chair)
    assert "Add to plan" not in {b.label for b in chair.button}
    with demo_db.read() as session:
        plan = session.scalars(select(PlanVersion).where(PlanVersion.case_id == case_id)).one()
        assert plan.status is PlanStatus.FINALIZED
    assert _status(demo_db, "TB-DEMO01") is CaseStatus.PLAN_FINALIZED


def test_person_supplied_text_is_escaped_in_the_scribe_and_follow_views(
    demo_db: Database,
) -> None:
    _running_meeting(demo_db, (Role.SPINE_SURGEON,), ("demo.surgeon",))
    coordinator = _actor(demo_db, "demo.coordinator")
    case_id = _case_id(demo_db, "TB-DEMO01")
    plan = start_plan(demo_db, coordinator, case_id, 1)
    hostile = "**bold** <img src=x onerror=alert(1)> [link](http://evil.example)"
    update_plan_header(
        demo_db, coordinator, plan.id, plan.version, PlanHeaderInput(PlanIntent.PALLIATIVE, hostile)
    )
    add_dissent(demo_db, _actor(demo_db, "demo.surgeon"), plan.id, hostile)
    present_item(demo_db, coordinator, 1, _item_id(demo_db, "TB-DEMO01"))
    # The scribe edits the summary in a text field; the follower reads it as text.
    for at, shown in (
        (_scribe(demo_db, "demo.coordinator", _position(demo_db, "TB-DEMO01")), 1),
        (_follower(demo_db, "demo.physio"), 2),
    ):
        sources = [m.value for m in at.markdown if "onerror" in m.value]
        assert len(sources) == shown, "the dissent (and the follower's summary) are shown"
        for source in sources:
            assert not re.search(r"(?<!\\)<", source) and "**bold**" not in source
            assert hostile in plain(source)


# ---------------------------------------------------------------------------
# Case page: Plan tab
# ---------------------------------------------------------------------------


def test_plan_tab_read_only_amendment_and_side_by_side_versions(demo_db: Database) -> None:
    _running_meeting(demo_db, (Role.SPINE_SURGEON,), ("demo.surgeon",))
    coordinator = _actor(demo_db, "demo.coordinator")
    surgeon = _actor(demo_db, "demo.surgeon")
    case_id = _case_id(demo_db, "TB-DEMO01")
    plan = start_plan(demo_db, coordinator, case_id, 1)
    plan = update_plan_header(
        demo_db, coordinator, plan.id, plan.version, PlanHeaderInput(PlanIntent.PALLIATIVE)
    )
    plan = add_plan_item(
        demo_db,
        coordinator,
        plan.id,
        plan.version,
        PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1}),
    )
    plan = sign_plan(demo_db, surgeon, plan.id, plan.version)
    finalize_plan(demo_db, surgeon, plan.id, plan.version)

    at = open_case(signed_in(demo_db, "demo.oncologist"), case_id, tab="Plan")
    assert [t.label for t in at.tabs][5] == "Plan"
    text = _texts(at)
    assert "Consensus plan, version 1: finalized (read-only)" in text
    assert "Radiation: cEBRT 8 Gy in 1 fraction" in text
    assert "Finalized by Dr Sofia Marin" in text
    assert "Add to plan" not in {b.label for b in at.button}

    next(t for t in at.text_area if t.label == "Reason for the amendment *").input(
        "New MRI: progression at T9"
    )
    next(b for b in at.button if b.label == "Create amendment").click()
    _run_ok(at)
    assert "Version 2 created as a draft amendment." in _texts(at)
    assert "Consensus plan, version 2: draft" in _texts(at)
    comparison = next(d.value for d in at.dataframe if "Changed" in d.value.columns)
    assert list(comparison.columns) == ["", "Version 1", "Version 2", "Changed"]
    changed = dict(zip(comparison[""], comparison["Changed"], strict=True))
    assert changed["Status"] == "changed" and changed["Radiation"] == ""
    assert changed["Amendment reason"] == "changed"


def test_plan_tab_before_the_meeting(demo_db: Database) -> None:
    at = open_case(
        signed_in(demo_db, "demo.coordinator"), _case_id(demo_db, "TB-DEMO03"), tab="Plan"
    )
    text = _texts(at)
    assert "No plan yet: the plan is captured at the board meeting." in text
    _button(at, "Start the plan").click()
    _run_ok(at)
    assert "start the meeting first" in _texts(at)


def _types(node: Any) -> list[str]:
    found = [type(node).__name__]
    for child in getattr(node, "children", {}).values():
        found += _types(child)
    return found


def test_presenter_shows_key_images_when_thumbnails_exist(demo_db: Database) -> None:
    import io

    from PIL import Image

    from board.db.models import ImagingSeries, ImagingStudy

    buffer = io.BytesIO()
    Image.new("L", (64, 64), 128).save(buffer, "PNG")
    case_id = _case_id(demo_db, "TB-DEMO01")
    with demo_db.write() as session:
        study = session.scalars(select(ImagingStudy).where(ImagingStudy.case_id == case_id)).one()
        session.add(
            ImagingSeries(
                study_id=study.id,
                series_uid="1.2.3.4",
                modality="MR",
                series_number=3,
                description="SAG T2",
                instance_count=15,
                thumbnail_png=buffer.getvalue(),
            )
        )
    at = _presenter(demo_db, "demo.coordinator", _position(demo_db, "TB-DEMO01"))
    assert "Key images" in _texts(at)
    assert "SAG T2" in _texts(at)
    assert "Image" in _types(at.main)
    # A case without thumbnails shows no image block.
    other = _presenter(demo_db, "demo.coordinator", _position(demo_db, "TB-DEMO03"))
    assert "Key images" not in _texts(other)


def test_a_case_sent_back_from_follow_up_is_on_the_next_agenda_with_its_reason(
    demo_db: Database,
) -> None:
    case_id = _case_id(demo_db, "TB-DEMO10")
    record_follow_up(
        demo_db,
        _actor(demo_db, "demo.palliative"),
        case_id,
        FollowUpInput(
            contact_on=dt.date.today(),
            pain_score=7,
            omed_mg=60,
            rediscussion_requested=True,
            rediscussion_reason="New <b>L2</b> pain despite SBRT to T6",
        ),
    )
    detail = get_meeting(demo_db, _actor(demo_db, "demo.coordinator"), 1)
    row = next(r for r in detail.agenda if r.case_id == case_id)
    assert row.rediscussion_reason == "New <b>L2</b> pain despite SBRT to T6"

    at = _meetings_page(demo_db)
    assert "Back from follow-up for re-discussion: New <b>L2</b> pain despite SBRT to T6" in (
        _texts(at)
    )
    presenter = _presenter(demo_db, "demo.surgeon", row.position)
    assert "Back from follow-up for re-discussion" in _texts(presenter)


def test_a_standard_regimen_fills_dose_and_fractions_in_one_choice(demo_db: Database) -> None:
    _running_meeting(
        demo_db,
        (Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST),
        ("demo.surgeon", "demo.radiotherapist"),
    )
    at = _scribe(demo_db, "demo.coordinator", _position(demo_db, "TB-DEMO01"))
    _button(at, "Start the plan").click()
    _run_ok(at)
    next(s for s in at.selectbox if s.label == "Component").set_value(PlanComponent.RADIATION)
    _run_ok(at)
    preset = next(s for s in at.selectbox if s.label == "Standard regimen")
    assert {"8 Gy in 1 fraction", "20 Gy in 5 fractions", "30 Gy in 10 fractions"} <= set(
        preset.options
    )
    preset.set_value(1)  # cEBRT presets in order of fractions: 8/1, 20/5, 24/6, 30/10
    _run_ok(at)
    assert next(n for n in at.number_input if n.label == "Total dose (Gy) *").value == 20.0
    assert next(n for n in at.number_input if n.label == "Fractions *").value == 5
    _button(at, "Add to plan").click()
    _run_ok(at)
    assert "Radiation: cEBRT 20 Gy in 5 fractions" in _texts(at)
