"""The case's Follow-up tab: record form, computed pain response, errors that keep what
was typed, timeline and charts; and the sentence shown before a plan is finalized.

Each test builds its own finalized case through the real services on a copied empty
template database, so it does not depend on what the demo board contains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from board.accounts.users import create_first_admin, create_user
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.views import CaseInput
from board.db.engine import Database
from board.errors import ValidationError
from board.followup.enums import Adherence
from board.followup.service import get_follow_up_board
from board.ui.case_tabs.follow_up import NO_CHART, _death, _start
from tests.conftest import TEST_PASSWORD
from tests.followup.helpers import finalized_case
from tests.meetings.helpers import Board
from tests.pages.helpers import open_case, plain, signed_in


def _board(db: Database, new_case: Callable[..., CaseInput]) -> Board:
    admin = create_first_admin(db, "admin", "Ada Admin", TEST_PASSWORD).as_actor()

    def user(role: Role, name: str) -> Actor:
        username = role.value.replace("_", "-")
        return create_user(db, admin, username, name, role, TEST_PASSWORD).as_actor()

    return Board(
        db=db,
        admin=admin,
        coordinator=user(Role.COORDINATOR, "Cora Coordinator"),
        oncologist=user(Role.MEDICAL_ONCOLOGIST, "Dr Onco"),
        radiologist=user(Role.RADIOLOGIST, "Dr Rad"),
        surgeon=user(Role.SPINE_SURGEON, "Dr Spine"),
        radiotherapist=user(Role.RADIATION_ONCOLOGIST, "Dr Beam"),
        palliative=user(Role.PAIN_PALLIATIVE, "Dr Comfort"),
        physio=user(Role.PHYSIOTHERAPIST, "Phil Physio"),
        pathologist=user(Role.PATHOLOGIST, "Dr Path"),
        new_case=new_case,
    )


def _tab(at: AppTest) -> Any:
    return next(tab for tab in at.tabs if tab.label == "Follow-up")


def _submit(at: AppTest, label: str = "Record follow-up") -> AppTest:
    button = next(b for b in at.button if b.label == label)
    button.click().run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(plain(e.value) for e in (*at.error, *at.success, *at.info, *at.caption))


def test_follow_up_is_recorded_and_drawn(
    page_db: Database, new_case: Callable[..., CaseInput]
) -> None:
    board = _board(page_db, new_case)
    f = finalized_case(board)
    at = open_case(signed_in(page_db, board.palliative.username), f.case_id, tab="Follow-up")
    tab = _tab(at)
    assert "Nothing" not in " ".join(c.value for c in tab.caption)
    assert len(tab.dataframe) >= 3  # baseline, schedule, timeline
    assert NO_CHART in [c.value for c in tab.caption]
    header = " ".join(plain(m.value) for m in tab.markdown)
    assert "Plan in force: version 1, finalized" in header
    assert "- cEBRT 8 Gy in 1 fraction" in " ".join(t.value for t in tab.text)
    prefix = f"fu{f.case_id}_new"

    # "Record this follow-up" selects the chosen scheduled follow-up in the form.
    first = get_follow_up_board(page_db, board.palliative, f.case_id).scheduled[0]
    assert at.selectbox(key=f"{prefix}_sched").value is None
    _submit(at, "Record this follow-up")
    assert at.selectbox(key=f"{prefix}_sched").value == first.id

    # A deviation without its reason: the message, and everything typed stays.
    at.number_input(key=f"{prefix}_pain").set_value(5)
    at.number_input(key=f"{prefix}_omed").set_value(60.0)
    at.selectbox(key=f"{prefix}_adherence").set_value(Adherence.MODIFIED)
    at.text_input(key=f"{prefix}_given").set_value("cEBRT 20 Gy in 5 fractions")
    at.text_area(key=f"{prefix}_findings").set_value("<b>MRI</b>: no new lesion")
    _submit(at)
    assert "say why the treatment departed from the plan" in _texts(at)
    assert at.number_input(key=f"{prefix}_pain").value == 5
    assert at.selectbox(key=f"{prefix}_adherence").value is Adherence.MODIFIED
    assert at.text_input(key=f"{prefix}_given").value == "cEBRT 20 Gy in 5 fractions"
    assert at.text_area(key=f"{prefix}_findings").value == "<b>MRI</b>: no new lesion"
    assert get_follow_up_board(page_db, board.palliative, f.case_id).entries == ()

    # A start date without its time: a clear message, values kept.
    at.date_input(key=f"{prefix}_start_date").set_value(at.date_input(key=f"{prefix}_date").value)
    _submit(at)
    assert "both the date and the time the treatment started" in _texts(at)
    at.date_input(key=f"{prefix}_start_date").set_value(None)

    # With the reason, against the first scheduled follow-up; the treatment started on
    # the day of the contact, so the pain response can be assessed (Chow 2012 is
    # assessed from the start of radiation).
    at.date_input(key=f"{prefix}_start_date").set_value(at.date_input(key=f"{prefix}_date").value)
    at.time_input(key=f"{prefix}_start_time").set_value(dt.time(0, 5))
    at.text_input(key=f"{prefix}_deviation").set_value("Fractionated for comfort")
    at.selectbox(key=f"{prefix}_frankel").set_value("E")
    at.selectbox(key=f"{prefix}_karnofsky").set_value(80)
    _submit(at)
    assert "Follow-up recorded." in _texts(at)
    (entry,) = get_follow_up_board(page_db, board.palliative, f.case_id).entries
    assert entry.id == first.id and entry.pain_score == 5
    assert entry.deviation_reason == "Fractionated for comfort"
    # The form starts afresh (new widget keys, so the browser cannot send the old
    # values back); the entry shows its computed pain response.
    assert "Pain response: partial response" in _texts(at)
    assert at.number_input(key=f"{prefix}1_pain").value is None
    assert at.text_input(key=f"{prefix}1_given").value == ""
    tab = _tab(at)
    cells = " ".join(
        str(v) for df in tab.dataframe for v in df.value.astype(str).to_numpy().ravel()
    )
    assert "partial response (pain 8 -> 5; OMED 60 -> 60 mg/day)" in cells
    assert "<b>MRI</b>: no new lesion" in cells  # in a table cell, never as markup
    assert "Clinic visit, pain 5/10, partial response" in cells  # the timeline
    # st.altair_chart is a "vega_lite_chart" element in Streamlit 1.67.
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert len(specs) == 3  # pain and OMED, neurological, performance
    assert "Pain (NRS 0-10)" in specs[0] and "rule" in specs[0]  # decision marked
    assert "Grade (A worst, E normal)" in specs[1] and "Karnofsky" in specs[2]

    # Correct the entry: the form is prefilled; the response is computed again.
    fix = f"fu{f.case_id}_fix{entry.id}v{entry.version}"
    assert at.number_input(key=f"{fix}_pain").value == 5
    assert at.text_input(key=f"{fix}_deviation").value == "Fractionated for comfort"
    at.number_input(key=f"{fix}_pain").set_value(0)
    _submit(at, "Save correction")
    assert "Correction saved." in _texts(at)
    (entry,) = get_follow_up_board(page_db, board.palliative, f.case_id).entries
    assert entry.pain_score == 0 and entry.pain_response_text.startswith("complete response")

    # A scheduled follow-up is marked missed only with a reason.
    _submit(at, "Mark missed")
    assert "Say why the follow-up is missed." in _texts(at)
    at.text_input(key=f"fu{f.case_id}_sched_reason1").set_value("Admitted elsewhere")
    _submit(at, "Mark missed")
    assert "marked missed" in _texts(at)
    statuses = [
        v.status.value for v in get_follow_up_board(page_db, board.palliative, f.case_id).scheduled
    ]
    assert statuses == ["missed", "scheduled"]


def test_a_case_without_finalized_plan_says_when_follow_up_starts(
    page_db: Database, new_case: Callable[..., CaseInput]
) -> None:
    board = _board(page_db, new_case)
    case_id = board.case()
    at = open_case(signed_in(page_db, board.palliative.username), case_id, tab="Follow-up")
    infos = " ".join(plain(i.value) for i in _tab(at).info)
    assert "Follow-up starts once the board's plan for this case is finalized" in infos
    assert not [b for b in at.button if b.label == "Record follow-up"]


def test_form_helpers_ask_for_both_parts_of_a_date() -> None:
    day, time = dt.date(2026, 5, 2), dt.time(9, 15)
    assert _start(None, None) is None
    assert _start(day, time) == dt.datetime(2026, 5, 2, 9, 15, tzinfo=dt.UTC)
    for parts in ((day, None), (None, time)):
        with pytest.raises(ValidationError, match="both the date and the time") as caught:
            _start(*parts)
        assert caught.value.field == "treatment_started_at"
    assert _death(False, None) is None and _death(True, day) == day
    with pytest.raises(ValidationError, match="Give the date of death"):
        _death(True, None)
    with pytest.raises(ValidationError, match="tick 'The patient has died'"):
        _death(False, day)
