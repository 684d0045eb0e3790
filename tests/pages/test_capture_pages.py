"""AppTest tests of the live-meeting capture: attendance in one move, self check-in,
plan templates and the NOMS start in plan capture, batch sign-off on the meetings page,
templates on the Admin page, and an amendment's context on the Plan tab."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import (
    Attendance,
    Meeting,
    MeetingInvitee,
    PlanTemplate,
    PlanVersion,
    SignOff,
    User,
)
from board.meetings.enums import MeetingStatus
from board.meetings.service import (
    get_meeting,
    record_attendance,
    set_meeting_status,
    update_meeting,
)
from board.plans.dissent import add_dissent
from board.plans.drafting import add_plan_item, start_plan, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import finalize_plan, sign_plan
from board.plans.views import PlanHeaderInput, PlanItemInput, PlanVersionView
from tests.pages.helpers import case_id_of as _case_id
from tests.pages.helpers import open_case, plain, signed_in

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})


def _actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor(user.id, user.username, user.display_name, user.role)


def _texts(at: Any) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.text] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.toast]
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


def _position(db: Database, pseudonym: str) -> int:
    agenda = get_meeting(db, _actor(db, "demo.coordinator"), 1).agenda
    return next(row.position for row in agenda if row.pseudonym == pseudonym)


def _scribe(db: Database, username: str, pseudonym: str) -> Any:
    """The scribe view (plan capture moved off the projector), pinned to ``pseudonym``."""
    at = signed_in(db, username)
    at.switch_page("pages/scribe.py")
    at.query_params["meeting"] = "1"
    at.query_params["item"] = str(_position(db, pseudonym))
    return _run_ok(at)


def _running_meeting(db: Database, present: tuple[str, ...]) -> None:
    """Demo meeting 1 in progress, the surgeon and radiation oncologist required."""
    coordinator = _actor(db, "demo.coordinator")
    meeting = get_meeting(db, coordinator, 1)
    meeting = update_meeting(
        db,
        coordinator,
        1,
        meeting.version,
        dataclasses.replace(
            meeting.as_input(), required_roles=(Role.SPINE_SURGEON, Role.RADIATION_ONCOLOGIST)
        ),
    )
    set_meeting_status(db, coordinator, 1, meeting.version, MeetingStatus.IN_PROGRESS)
    for username in present:
        record_attendance(db, coordinator, 1, _actor(db, username).user_id or 0)


def _attendance(db: Database) -> dict[str, Role]:
    with db.read() as session:
        return {
            user.username: row.role
            for row, user in session.execute(
                select(Attendance, User)
                .join(User, User.id == Attendance.user_id)
                .where(Attendance.meeting_id == 1, Attendance.present.is_(True))
            )
        }


# ---------------------------------------------------------------------------
# Attendance in one move
# ---------------------------------------------------------------------------


def test_all_invited_present_in_one_click(demo_db: Database) -> None:
    at = _meetings_page(demo_db)
    text = _texts(at)
    assert "Dr Lars Berg (Radiologist): not recorded yet" in text
    assert "No quorum" in text
    _button(at, "All invited present").click()
    _run_ok(at)
    text = _texts(at)
    assert "Everyone invited is recorded present, each in their own role." in text
    assert "Quorum: every required specialty is present." in text
    assert "Dr Lars Berg (Radiologist): present" in text
    assert _attendance(demo_db) == {
        "demo.radiologist": Role.RADIOLOGIST,
        "demo.oncologist": Role.MEDICAL_ONCOLOGIST,
        "demo.surgeon": Role.SPINE_SURGEON,
        "demo.radiotherapist": Role.RADIATION_ONCOLOGIST,
    }
    assert _button(at, "All invited present").disabled


def test_self_check_in_is_in_ones_own_role_only(demo_db: Database) -> None:
    at = _meetings_page(demo_db, "demo.physio")
    assert "All invited present" in {b.label for b in at.button}  # physios run meetings
    _button(at, "I am here (as Physiotherapist)").click()
    _run_ok(at)
    assert "Your attendance is recorded." in _texts(at)
    assert _attendance(demo_db) == {"demo.physio": Role.PHYSIOTHERAPIST}
    assert "I am here (as Physiotherapist)" not in {b.label for b in at.button}

    # Recording oneself in another specialty (to fill the quorum) is refused.
    rad = _meetings_page(demo_db, "demo.radiologist")
    rad.selectbox(key="att_person").set_value(_actor(demo_db, "demo.radiologist").user_id)
    _run_ok(rad)
    person = _actor(demo_db, "demo.radiologist").user_id
    rad.selectbox(key=f"att_role_{person}").set_value(Role.SPINE_SURGEON)
    _run_ok(rad)
    _button(rad, "Record attendance").click()
    _run_ok(rad)
    assert "You check in as Radiologist, your own role" in _texts(rad)
    assert "demo.radiologist" not in _attendance(demo_db)


def test_invitees_are_chosen_when_scheduling(demo_db: Database) -> None:
    at = _meetings_page(demo_db)
    at.text_input(key="new_meeting_title").input("Extra spine board")
    at.date_input(key="new_meeting_date").set_value(dt.date.today() + dt.timedelta(days=9))
    at.text_input(key="new_meeting_place").input("Room 9")
    at.selectbox(key="new_meeting_chair").set_value(_actor(demo_db, "demo.surgeon").user_id)
    chosen = [_actor(demo_db, u).user_id for u in ("demo.surgeon", "demo.physio")]
    at.multiselect(key="new_meeting_invitees").set_value(chosen)
    _button(at, "Schedule meeting").click()
    _run_ok(at)
    assert "Meeting scheduled." in _texts(at)
    with demo_db.read() as session:
        meeting = session.scalars(select(Meeting).where(Meeting.title == "Extra spine board")).one()
        invited = set(
            session.scalars(
                select(MeetingInvitee.user_id).where(MeetingInvitee.meeting_id == meeting.id)
            )
        )
    assert invited == set(chosen)
    assert "Jonas Weber (Physiotherapist): not recorded yet" in _texts(at)


# ---------------------------------------------------------------------------
# Plan capture: templates and the NOMS start
# ---------------------------------------------------------------------------


def test_the_noms_start_and_a_template_fill_the_plan_in_one_click_each(
    demo_db: Database,
) -> None:
    _running_meeting(demo_db, ("demo.surgeon", "demo.radiotherapist"))
    at = _scribe(demo_db, "demo.coordinator", "TB-DEMO01")
    _button(at, "Start the plan").click()
    _run_ok(at)
    assert "Adds what NOMS suggests: Radiation: cEBRT 8 Gy in 1 fraction" in _texts(at)
    assert "The plan departs from NOMS" in _texts(at)

    _button(at, "Start from the NOMS suggestion").click()
    _run_ok(at)
    text = _texts(at)
    assert "Radiation: cEBRT 8 Gy in 1 fraction" in text
    assert "The plan departs from NOMS" not in text
    assert "The plan follows the NOMS suggestion." in text
    assert _button(at, "Start from the NOMS suggestion").disabled

    template = next(s for s in at.selectbox if s.label == "Template")
    names = {name: index for index, name in enumerate(template.options)}
    assert "Best supportive care" in names and "SBRT 24 Gy in 2 fractions" in names
    template.set_value(_template_id(demo_db, "Surgical stabilisation (instrumentation)"))
    _run_ok(at)
    assert "Adds: Surgery: Stabilisation (instrumentation)" in _texts(at)
    _button(at, "Apply template").click()
    _run_ok(at)
    text = _texts(at)
    assert "Template applied: the plan now has 2 components (still editable)." in text
    assert "Surgery: Stabilisation (instrumentation)" in text
    assert "Remove" in {b.label for b in at.button}  # still editable
    with demo_db.read() as session:
        plan = session.scalars(
            select(PlanVersion).where(PlanVersion.case_id == _case_id(demo_db, "TB-DEMO01"))
        ).one()
        assert [i.option for i in plan.items] == ["cebrt", "stabilisation"]


def _template_id(db: Database, name: str) -> int:
    with db.read() as session:
        return int(session.scalar(select(PlanTemplate.id).where(PlanTemplate.name == name)))


# ---------------------------------------------------------------------------
# Batch sign-off
# ---------------------------------------------------------------------------


def _complete_plan(db: Database, pseudonym: str, summary: str) -> PlanVersionView:
    coordinator = _actor(db, "demo.coordinator")
    plan = start_plan(db, coordinator, _case_id(db, pseudonym), 1)
    plan = update_plan_header(
        db,
        coordinator,
        plan.id,
        plan.version,
        PlanHeaderInput(PlanIntent.PALLIATIVE, summary, "Short course preferred."),
    )
    return add_plan_item(db, coordinator, plan.id, plan.version, CEBRT)


def _signed_by(db: Database, username: str) -> set[int]:
    with db.read() as session:
        return set(
            session.scalars(
                select(SignOff.plan_version_id).where(
                    SignOff.user_id == _actor(db, username).user_id
                )
            )
        )


def test_a_specialist_signs_all_plans_of_the_meeting_in_one_pass(demo_db: Database) -> None:
    _running_meeting(demo_db, ("demo.surgeon", "demo.radiotherapist"))
    first = _complete_plan(demo_db, "TB-DEMO01", "RT to T8 <b>now</b>")
    second = _complete_plan(demo_db, "TB-DEMO03", "Palliative RT")
    add_dissent(demo_db, _actor(demo_db, "demo.surgeon"), second.id, "Consider *SBRT*.")

    at = _meetings_page(demo_db, "demo.radiotherapist")
    text = _texts(at)
    assert "Sign plans" in text
    assert "2 plans of this meeting await your signature." in text
    assert "TB-DEMO01: plan version 1" in text and "TB-DEMO03: plan version 1" in text
    assert "Summary: RT to T8 <b>now</b>" in text  # shown as text, never as HTML
    assert "Radiation: cEBRT 8 Gy in 1 fraction" in text
    assert "Dr Sofia Marin (Neurosurgeon / spine surgeon): Consider *SBRT*." in text
    assert not any(re.search(r"(?<!\\)<b>", m.value) for m in at.markdown)

    # The first plan changes while the page is open: only the second is signed.
    coordinator = _actor(demo_db, "demo.coordinator")
    update_plan_header(
        demo_db,
        coordinator,
        first.id,
        first.version,
        PlanHeaderInput(PlanIntent.PALLIATIVE, "RT to T8 and T9", "Short course preferred."),
    )
    _button(at, "Sign the 2 plans shown as Radiation oncologist").click()
    _run_ok(at)
    text = _texts(at)
    assert "Signed 1 plan: TB-DEMO03." in text
    assert "Not signed: TB-DEMO01: The plan (version 1) of TB-DEMO01 was changed by" in text
    ours = {first.id, second.id}
    assert _signed_by(demo_db, "demo.radiotherapist") & ours == {second.id}
    # The page shows what is left: the changed plan, to read again and sign.
    assert "1 plan of this meeting awaits your signature." in _texts(at)
    _button(at, "Sign the 1 plan shown as Radiation oncologist").click()
    _run_ok(at)
    assert "Signed 1 plan: TB-DEMO01." in _texts(at)
    assert _signed_by(demo_db, "demo.radiotherapist") & ours == ours
    assert "No plan of this meeting awaits your signature." in _texts(at)


def test_sign_plans_asks_a_specialist_to_check_in_first(demo_db: Database) -> None:
    _running_meeting(demo_db, ("demo.surgeon",))
    _complete_plan(demo_db, "TB-DEMO01", "RT")
    at = _meetings_page(demo_db, "demo.radiotherapist")
    assert "check in under Attendance and quorum first" in _texts(at)
    assert _button(at, "Sign the 1 plan shown as Radiation oncologist").disabled
    coordinator = _meetings_page(demo_db, "demo.coordinator")
    assert "Sign plans" not in _texts(coordinator)  # coordinators do not sign


# ---------------------------------------------------------------------------
# Admin: plan templates
# ---------------------------------------------------------------------------


def test_an_administrator_adds_and_retires_a_template(demo_db: Database) -> None:
    at = signed_in(demo_db, "demo.admin")
    at.switch_page("pages/admin.py")
    _run_ok(at)
    text = _texts(at)
    assert "Plan templates" in [s.value for s in at.subheader]
    assert "cEBRT 8 Gy in 1 fraction" in text and "Radiation: cEBRT 8 Gy in 1 fraction" in text

    at.text_input(key="tpl_new_name").input("SBRT 30 Gy in 5 fractions")
    picker = next(s for s in at.selectbox if s.key == "tpl_picker_0_component")
    picker.set_value(PlanComponent.RADIATION)
    _run_ok(at)
    next(s for s in at.selectbox if s.key == "tpl_picker_0_option_radiation").set_value("sbrt")
    _run_ok(at)
    next(n for n in at.number_input if n.label == "Total dose (Gy) *").set_value(45.0)
    next(n for n in at.number_input if n.label == "Fractions *").set_value(1)
    _run_ok(at)
    _button(at, "Add component to the template").click()
    _run_ok(at)
    assert "outside the plausible range" in _texts(at)  # as refused by hand
    next(n for n in at.number_input if n.label == "Total dose (Gy) *").set_value(30.0)
    next(n for n in at.number_input if n.label == "Fractions *").set_value(5)
    _run_ok(at)
    _button(at, "Add component to the template").click()
    _run_ok(at)
    assert "Radiation: SBRT 30 Gy in 5 fractions" in _texts(at)
    _button(at, "Save template").click()
    _run_ok(at)
    assert "Template 'SBRT 30 Gy in 5 fractions' saved" in _texts(at)
    with demo_db.read() as session:
        stored = session.scalars(
            select(PlanTemplate).where(PlanTemplate.name == "SBRT 30 Gy in 5 fractions")
        ).one()
        assert stored.components == [
            {
                "component": "radiation",
                "option": "sbrt",
                "details": {"dose_gy": 30.0, "fractions": 5},
            }
        ]
        stored_id = stored.id
    assert at.text_input(key="tpl_new_name").value == ""

    next(b for b in at.button if b.key == f"tpl_toggle_{stored_id}").click()
    _run_ok(at)
    assert "is retired: no longer offered." in _texts(at)
    with demo_db.read() as session:
        assert session.get(PlanTemplate, stored_id).is_active is False  # type: ignore[union-attr]


# ---------------------------------------------------------------------------
# Amendments keep their context
# ---------------------------------------------------------------------------


def test_an_amendment_at_a_running_meeting_keeps_its_context(demo_db: Database) -> None:
    _running_meeting(demo_db, ("demo.surgeon", "demo.radiotherapist"))
    surgeon = _actor(demo_db, "demo.surgeon")
    plan = _complete_plan(demo_db, "TB-DEMO01", "RT")
    plan = add_dissent(demo_db, _actor(demo_db, "demo.radiotherapist"), plan.id, "Prefer SBRT.")
    for signer in ("demo.radiotherapist", "demo.surgeon"):
        plan = sign_plan(demo_db, _actor(demo_db, signer), plan.id, plan.version)
    finalize_plan(demo_db, surgeon, plan.id, plan.version)

    at = open_case(signed_in(demo_db, "demo.oncologist"), _case_id(demo_db, "TB-DEMO01"), "Plan")
    next(t for t in at.text_area if t.label == "Reason for the amendment *").input(
        "New MRI: progression at T9"
    )
    _button(at, "Create amendment").click()
    _run_ok(at)
    text = _texts(at)
    assert "Consensus plan, version 2: draft" in text
    assert "Meeting: Spine tumor board" in text
    assert (
        "Dr Tomasz Nowak (Radiation oncologist)" in text and ", on version 1: Prefer SBRT." in text
    )
