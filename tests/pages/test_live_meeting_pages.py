"""AppTest tests of the live meeting: presenter moves, follow view, scribe view, followers."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import User
from board.meetings.enums import MeetingStatus
from board.meetings.live import followers, live_state, present_item
from board.meetings.service import get_meeting, set_meeting_status, update_meeting
from board.plans.drafting import add_plan_item, start_plan
from board.plans.enums import PlanComponent
from board.plans.views import PlanItemInput
from board.ui.navigation import pages_for
from tests.meetings.helpers import events
from tests.pages.helpers import plain, signed_in


def _actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor(user.id, user.username, user.display_name, user.role)


def _texts(at: Any) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [str(e.value) for e in at.info] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.title]
    parts += [str(e.value) for e in at.subheader] + [str(e.value) for e in at.success]
    return plain(re.sub(r"(?<!\\)\*\*", "", "\n".join(str(p) for p in parts)))


def _run_ok(at: Any) -> Any:
    at.run()
    assert not at.exception, at.exception
    return at


def _page(db: Database, username: str, page: str, **params: str) -> Any:
    at = signed_in(db, username)
    at.switch_page(page)
    for name, value in params.items():
        at.query_params[name] = value
    return _run_ok(at)


def _button(at: Any, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _position(db: Database, pseudonym: str) -> tuple[int, int]:
    """(agenda position, agenda item id) of a case on the demo meeting."""
    agenda = get_meeting(db, _actor(db, "demo.coordinator"), 1).agenda
    row = next(r for r in agenda if r.pseudonym == pseudonym)
    return row.position, row.id


def _start(db: Database) -> None:
    coordinator = _actor(db, "demo.coordinator")
    meeting = get_meeting(db, coordinator, 1)
    meeting = update_meeting(
        db,
        coordinator,
        1,
        meeting.version,
        dataclasses.replace(meeting.as_input(), required_roles=(Role.SPINE_SURGEON,)),
    )
    set_meeting_status(db, coordinator, 1, meeting.version, MeetingStatus.IN_PROGRESS)


# ---------------------------------------------------------------------------
# Presenter
# ---------------------------------------------------------------------------


def test_moving_on_the_presenter_tells_the_followers(demo_db: Database) -> None:
    at = _page(demo_db, "demo.coordinator", "pages/presenter.py", meeting="1", item="1")
    assert live_state(demo_db, _actor(demo_db, "demo.physio"), 1).item_id is None
    _button(at, "Next case").click()
    _run_ok(at)
    state = live_state(demo_db, _actor(demo_db, "demo.physio"), 1)
    assert state.position == 2
    assert "case 2 of 7" in at.title[0].value
    (event,) = events(demo_db, "meeting.present")
    assert event.actor_id == _actor(demo_db, "demo.coordinator").user_id

    jump = next(s for s in at.selectbox if s.label == "Jump to case")
    jump.set_value(5)
    _run_ok(at)
    assert live_state(demo_db, _actor(demo_db, "demo.physio"), 1).position == 5
    assert "case 5 of 7" in at.title[0].value

    # Opened without a case in the address, the presenter picks up the presented case.
    again = _page(demo_db, "demo.surgeon", "pages/presenter.py", meeting="1")
    assert "case 5 of 7" in again.title[0].value


def test_starting_the_meeting_on_the_presenter_presents_the_case(demo_db: Database) -> None:
    at = _page(demo_db, "demo.coordinator", "pages/presenter.py", meeting="1", item="3")
    _button(at, "Start meeting").click()
    _run_ok(at)
    state = live_state(demo_db, _actor(demo_db, "demo.physio"), 1)
    assert state.status is MeetingStatus.IN_PROGRESS and state.position == 3
    assert get_meeting(demo_db, _actor(demo_db, "demo.physio"), 1).agenda[2].timer_started_at


def test_the_projector_shows_each_input_in_words_and_no_plan_capture(demo_db: Database) -> None:
    position, _ = _position(demo_db, "TB-DEMO02")
    at = _page(demo_db, "demo.coordinator", "pages/presenter.py", meeting="1", item=str(position))
    text = _texts(at)
    for expected in (
        "Specialist input",
        "T11: Lesion: mixed lytic/blastic; Collapse: less than 50% collapse",
        "ESCC: 3: spinal cord compression, no CSF visible around the cord",
        "Frankel grade: D: motor useful",
        "ECOG: 2: ambulatory, self-care",
        "Systemic options: hormonal, bone-targeted (bisphosphonate, denosumab)",
        "Pain (NRS 0-10): 8",
        "Mobility: walks with an aid",
        "Note: Power 4/5 in both legs this morning; started dexamethasone 16 mg.",
        "SINS T11: 10 — potentially unstable",
        "NOMS suggestion:",
    ):
        assert expected in text, expected
    # The projector does not poll: its plan line says when it was read.
    assert re.search(r"Plan at \d\d:\d\d UTC: not started \(captured in the scribe view\)\.", text)
    inputs = text[text.index("Specialist input") :]
    for code in ("lt50", "gt50", "walking_aid", "bone_targeted", "collapse lt50", "…"):
        assert code not in inputs, code
    labels = {b.label for b in at.button}
    assert not labels & {"Start the plan", "Add to plan", "Mark ready for discussion"}


def test_the_plan_status_line_follows_the_plan(demo_db: Database) -> None:
    _start(demo_db)
    coordinator = _actor(demo_db, "demo.coordinator")
    position, item_id = _position(demo_db, "TB-DEMO01")
    meeting = get_meeting(demo_db, coordinator, 1)
    case_id = meeting.agenda[position - 1].case_id
    plan = start_plan(demo_db, coordinator, case_id, 1)
    add_plan_item(
        demo_db,
        coordinator,
        plan.id,
        plan.version,
        PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1}),
    )
    at = _page(demo_db, "demo.coordinator", "pages/presenter.py", meeting="1", item=str(position))
    text = _texts(at)
    assert re.search(r"UTC: version 1 \(draft\): Radiation: cEBRT 8 Gy in 1 fraction", text)
    assert "Signed 0 of 1; to sign: Neurosurgeon / spine surgeon." in text
    # The follow view reads the plan live: no time on its line.
    present_item(demo_db, coordinator, 1, item_id)
    follower = _page(demo_db, "demo.physio", "pages/presenter.py", meeting="1", follow="1")
    assert "Plan: version 1 (draft): Radiation: cEBRT 8 Gy in 1 fraction" in _texts(follower)


# ---------------------------------------------------------------------------
# Follow view
# ---------------------------------------------------------------------------


def test_the_follow_view_waits_then_shows_the_presented_case_read_only(
    demo_db: Database,
) -> None:
    _start(demo_db)
    follower = _page(demo_db, "demo.physio", "pages/presenter.py", meeting="1", follow="1")
    assert "Waiting for the chair" in _texts(follower)

    position, item_id = _position(demo_db, "TB-DEMO01")
    present_item(demo_db, _actor(demo_db, "demo.coordinator"), 1, item_id)
    _run_ok(follower)
    assert f"TB-DEMO01 — case {position} of 7" in plain(follower.title[0].value)
    text = _texts(follower)
    assert "Following the chair live" in text
    assert "Consensus plan" in text and "No plan yet" in text
    assert "Specialist input" in text and "Scores" in text
    # Read-only: nothing moves the meeting or edits the plan.
    assert not follower.button
    assert not follower.selectbox

    # The live draft plan appears below the case.
    coordinator = _actor(demo_db, "demo.coordinator")
    case_id = get_meeting(demo_db, coordinator, 1).agenda[position - 1].case_id
    plan = start_plan(demo_db, coordinator, case_id, 1)
    add_plan_item(
        demo_db,
        coordinator,
        plan.id,
        plan.version,
        PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1}),
    )
    _run_ok(follower)
    assert "Radiation: cEBRT 8 Gy in 1 fraction" in _texts(follower)


def test_following_is_recorded_once_and_listed_on_the_meeting_page(demo_db: Database) -> None:
    _start(demo_db)
    follower = _page(demo_db, "demo.physio", "pages/presenter.py", meeting="1", follow="1")
    _run_ok(follower)
    _run_ok(follower)
    physio = _actor(demo_db, "demo.physio")
    assert [f.user_id for f in followers(demo_db, physio, 1)] == [physio.user_id]
    assert len(events(demo_db, "meeting.follow")) == 1  # joining, not every poll

    meetings = _page(demo_db, "demo.coordinator", "pages/meetings.py", meeting="1")
    assert "Following live now (1): Jonas Weber (Physiotherapist)" in _texts(meetings)
    links = {link.label for link in meetings.get("page_link")}
    assert {"Open presenter view", "Open scribe view", "Follow the meeting"} <= links


def test_every_clinical_role_can_follow(demo_db: Database) -> None:
    _start(demo_db)
    _, item_id = _position(demo_db, "TB-DEMO03")
    present_item(demo_db, _actor(demo_db, "demo.coordinator"), 1, item_id)
    with demo_db.read() as session:
        usernames = list(
            session.scalars(select(User.username).where(User.role != Role.ADMIN).order_by(User.id))
        )
    for username in usernames:
        at = _page(demo_db, username, "pages/presenter.py", meeting="1", follow="1")
        assert "TB-DEMO03" in plain(at.title[0].value), username
    assert len(followers(demo_db, _actor(demo_db, "demo.coordinator"), 1)) == len(usernames)


def test_a_closed_meeting_has_nothing_to_follow(demo_db: Database) -> None:
    coordinator = _actor(demo_db, "demo.coordinator")
    meeting = get_meeting(demo_db, coordinator, 1)
    set_meeting_status(demo_db, coordinator, 1, meeting.version, MeetingStatus.CANCELLED)
    at = _page(demo_db, "demo.physio", "pages/presenter.py", meeting="1", follow="1")
    assert "nothing to follow live" in _texts(at)
    assert followers(demo_db, coordinator, 1) == ()


# ---------------------------------------------------------------------------
# Scribe view
# ---------------------------------------------------------------------------


def test_the_scribe_page_is_for_roles_that_edit_plans() -> None:
    for role in Role:
        scripts = {page.script for page in pages_for(role)}
        assert ("pages/scribe.py" in scripts) == (role is not Role.ADMIN), role


def test_the_scribe_opens_on_the_chairs_case_and_stays_while_capturing(
    demo_db: Database,
) -> None:
    _start(demo_db)
    scribe = _page(demo_db, "demo.coordinator", "pages/scribe.py", meeting="1")
    assert "The chair has not presented a case yet." in _texts(scribe)
    assert "Waiting for the chair" in _texts(scribe)

    position, item_id = _position(demo_db, "TB-DEMO01")
    present_item(demo_db, _actor(demo_db, "demo.surgeon"), 1, item_id)
    _run_ok(scribe)
    text = _texts(scribe)
    assert f"The chair is presenting case {position} of 7: TB-DEMO01" in text
    assert "TB-DEMO01" in plain(scribe.subheader[0].value)
    _button(scribe, "Start the plan").click()
    _run_ok(scribe)
    next(s for s in scribe.selectbox if s.label == "Component").set_value(PlanComponent.RADIATION)
    _run_ok(scribe)

    # The chair moves on while the scribe is capturing: the scribe stays on its case.
    other, other_item = _position(demo_db, "TB-DEMO03")
    present_item(demo_db, _actor(demo_db, "demo.surgeon"), 1, other_item)
    next(n for n in scribe.number_input if n.label == "Total dose (Gy) *").set_value(8.0)
    next(n for n in scribe.number_input if n.label == "Fractions *").set_value(1)
    _run_ok(scribe)
    _button(scribe, "Add to plan").click()
    _run_ok(scribe)
    text = _texts(scribe)
    assert "TB-DEMO01" in plain(scribe.subheader[0].value)
    assert "Radiation: cEBRT 8 Gy in 1 fraction" in text
    assert f"the chair is on case {other} (TB-DEMO03)" in text

    _button(scribe, "Show the chair's case").click()
    _run_ok(scribe)
    assert "TB-DEMO03" in plain(scribe.subheader[0].value)
    assert "the chair is on case" not in _texts(scribe)


def test_a_scribe_opened_on_a_case_stays_there_until_asked(demo_db: Database) -> None:
    _start(demo_db)
    pinned, _ = _position(demo_db, "TB-DEMO02")
    chair_position, chair_item = _position(demo_db, "TB-DEMO01")
    present_item(demo_db, _actor(demo_db, "demo.surgeon"), 1, chair_item)
    scribe = _page(demo_db, "demo.coordinator", "pages/scribe.py", meeting="1", item=str(pinned))
    assert "TB-DEMO02" in plain(scribe.subheader[0].value)
    assert "the chair is on case" in _texts(scribe)
    _button(scribe, "Show the chair's case").click()
    _run_ok(scribe)
    assert scribe.query_params["item"] in (str(chair_position), [str(chair_position)])
    assert "TB-DEMO01" in plain(scribe.subheader[0].value)

    picker = next(s for s in scribe.selectbox if s.label == "Case to capture")
    picker.set_value(pinned)
    _run_ok(scribe)
    assert "TB-DEMO02" in plain(scribe.subheader[0].value)
