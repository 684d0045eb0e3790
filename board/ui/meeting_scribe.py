"""The scribe view: the chair's current case in short and the full plan capture.

A coordinator (or the chair) captures the plan on a laptop or a second screen while the
chair presents on the projector. Opened, the view shows the case the chair presents
(read from the database). It then stays on that case while the scribe works, even when
the chair moves on: a case never changes under someone typing, and a click meant for
one plan never lands on another. Each run says where the chair is now; **Show the
chair's case** moves to it in one click, and **Case to capture** picks any case on the
agenda (``?item=N`` opens one directly).

The view does not poll the database: on this page of inputs a ``st.fragment(run_every=...)``
poll can drop a value just typed (seen in the browser tests: Streamlit's periodic
fragment run raced a text field committed at the same moment), so polling is left to
the read-only follow view.
"""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.enums import Urgency
from board.cases.read_model import CaseReadModel
from board.cases.service import get_case
from board.db.engine import Database
from board.meetings.live import LIVE_STATUSES, live_state
from board.meetings.views import AgendaRow, LiveState, MeetingDetail
from board.ui.meeting_common import on_click, when
from board.ui.meeting_plan import render_plan
from board.ui.meeting_presenter import (
    case_title,
    fact_lines,
    role_input_markdown,
    score_lines,
)
from board.ui.text import md_escape

#: Query parameter that opens the scribe on one agenda position.
PIN = "item"

#: The selector of the case to capture.
CASE_PICKER = "scribe_case"


def _shown_key(meeting_id: int) -> str:
    return f"_scribe_item_{meeting_id}"


def _show(meeting: MeetingDetail, position: int | None) -> None:
    """Stay on the case at ``position`` (a callback: the next run draws it)."""
    if position is None:
        return
    row = meeting.agenda[position - 1]
    st.session_state[_shown_key(meeting.id)] = row.id
    st.session_state[CASE_PICKER] = position
    st.query_params[PIN] = str(position)


def _case_summary(db: Database, actor: Actor, row: AgendaRow, total: int) -> CaseReadModel:
    """The case in short: title, red flags, facts, scores, specialist input (folded)."""
    case = get_case(db, actor, row.case_id)
    st.subheader(case_title(row, total))
    if case.urgent:
        st.error(
            md_escape("Red flags: " + "; ".join(case.urgency_reasons or ("urgent",))),
            icon=":material/emergency:",
        )
    elif case.urgency is Urgency.WITHIN_A_WEEK:
        st.warning(
            md_escape("MRI within a week: " + "; ".join(case.urgency_reasons or ())),
            icon=":material/schedule:",
        )
    facts, scores = st.columns(2, gap="large")
    with facts:
        problem = case.referral_question or "not recorded"
        st.markdown("**Presenting problem:** " + md_escape(problem))
        st.markdown(fact_lines(case))
    with scores:
        st.markdown(score_lines(case))
    with st.expander("Specialist input", icon=":material/groups:"):
        for role_input in case.role_inputs:
            st.markdown(role_input_markdown(role_input))
    return case


def scribe_view(db: Database, actor: Actor, meeting: MeetingDetail, state: LiveState) -> None:
    """The scribe's screen for ``meeting``.

    Parameters
    ----------
    db:
        The database.
    actor:
        The scribe (a role that edits plans).
    meeting:
        The meeting.
    state:
        The meeting's live state, read at the start of this run.
    """
    total = len(meeting.agenda)
    st.title(f"Scribe: {md_escape(meeting.title)}")
    live = meeting.status in LIVE_STATUSES
    presented = next((r for r in meeting.agenda if r.id == state.item_id), None)
    if presented is not None:
        chair = f"The chair is presenting case {presented.position} of {total}: "
        chair += presented.pseudonym
    elif live:
        chair = "The chair has not presented a case yet."
    else:
        chair = f"The meeting is {meeting.status.label.lower()}."
    st.caption(md_escape(f"{when(meeting.starts_at)} | {chair}"))
    if not meeting.agenda:
        st.info("The agenda is empty: add cases on the meeting page.")
        return

    # Which case: the address, else the one this screen is on, else the chair's.
    by_id = {r.id: r for r in meeting.agenda}
    raw = st.query_params.get(PIN, "")
    shown: AgendaRow | None = None
    if raw.isdigit() and 1 <= int(raw) <= total:
        shown = meeting.agenda[int(raw) - 1]
    elif st.session_state.get(_shown_key(meeting.id)) in by_id:
        shown = by_id[st.session_state[_shown_key(meeting.id)]]
    else:
        shown = presented
    if shown is not None:
        st.session_state[_shown_key(meeting.id)] = shown.id
        st.session_state[CASE_PICKER] = shown.position

    def to_chair() -> None:
        now = live_state(db, actor, meeting.id)
        _show(meeting, now.position)

    pick, chair_button = st.columns([3, 1], vertical_alignment="bottom")
    labels = {r.position: f"{r.position}. {r.pseudonym}" for r in meeting.agenda}
    pick.selectbox(
        "Case to capture",
        list(labels),
        format_func=lambda p: labels[p],
        placeholder="Choose a case",
        key=CASE_PICKER,
        on_change=lambda: _show(meeting, st.session_state.get(CASE_PICKER)),
        help="This screen stays on the chosen case until you choose another.",
    )
    if live:
        chair_button.button(
            "Show the chair's case",
            icon=":material/sync:",
            key="scribe_to_chair",
            width="stretch",
            help="Move to the case the chair presents now.",
            **on_click(to_chair),
        )
    if shown is None:
        st.info(
            "Waiting for the chair: press Show the chair's case once the chair presents "
            "one, or choose a case to capture now.",
            icon=":material/hourglass_top:",
        )
        return
    if presented is not None and presented.id != shown.id:
        st.warning(
            md_escape(
                f"You are capturing case {shown.position} ({shown.pseudonym}); the chair is "
                f"on case {presented.position} ({presented.pseudonym})."
            ),
            icon=":material/sync_problem:",
        )
    case = _case_summary(db, actor, shown, total)
    st.divider()
    render_plan(
        db,
        actor,
        case,
        prefix=f"scribe_{case.id}",
        meeting_id=meeting.id,
        show_versions=False,
        show_case_moves=False,
    )
