"""The scribe view: the chair's current case in short and the full plan capture.

A coordinator (or the chair) captures the plan on a laptop or a second screen while the
chair presents on the projector. The view follows the chair: it shows the case the
chair presents (read from the database, polled twice a second) and moves on when the
chair does. Choosing a case pins it (``?item=N``) so the scribe can finish a plan after
the chair has moved on, or prepare one ahead; "Follow the chair" returns.
"""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.cases.enums import Urgency
from board.cases.read_model import CaseReadModel
from board.cases.service import get_case
from board.db.engine import Database
from board.meetings.live import LIVE_STATUSES
from board.meetings.views import AgendaRow, LiveState, MeetingDetail
from board.ui.meeting_common import when
from board.ui.meeting_live import poll_live_state
from board.ui.meeting_plan import render_plan
from board.ui.meeting_presenter import (
    case_title,
    fact_lines,
    role_input_markdown,
    score_lines,
)
from board.ui.text import md_escape

#: Query parameter that pins the scribe to one agenda position.
PIN = "item"


def _pin(position: int | None) -> None:
    if position is None:
        st.query_params.pop(PIN, None)
    else:
        st.query_params[PIN] = str(position)


def _choose() -> None:
    _pin(st.session_state.get("scribe_case"))


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
    raw = st.query_params.get(PIN, "")
    pinned = int(raw) if raw.isdigit() and 1 <= int(raw) <= total else None
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

    position = pinned or (presented.position if presented is not None else None)
    pick, back = st.columns([3, 1], vertical_alignment="bottom")
    labels = {r.position: f"{r.position}. {r.pseudonym}" for r in meeting.agenda}
    pick.selectbox(
        "Case to capture",
        list(labels),
        index=None if position is None else position - 1,
        format_func=lambda p: labels[p],
        placeholder="Choose a case",
        key="scribe_case",
        on_change=_choose,
        help="Choosing a case stays on it; Follow the chair moves with the chair again.",
    )
    if pinned is not None:
        back.button(
            "Follow the chair",
            icon=":material/sync:",
            key="scribe_follow",
            width="stretch",
            on_click=_pin,
            args=(None,),
        )
    elif live:
        watched = (state.status, state.item_id)
        with back:
            poll_live_state(
                db,
                actor,
                meeting.id,
                lambda now: (now.status, now.item_id) != watched,
                presence=False,
                label="Following the chair: this screen moves with the presenter.",
            )
    if position is None:
        st.info(
            "Waiting for the chair: the case they present appears here. Choose a case to "
            "capture one now.",
            icon=":material/hourglass_top:",
        )
        return
    row = meeting.agenda[position - 1]
    if pinned is not None and presented is not None and presented.id != row.id:
        st.warning(
            md_escape(
                f"You are capturing case {row.position} ({row.pseudonym}); the chair has "
                f"moved on to case {presented.position} ({presented.pseudonym})."
            ),
            icon=":material/sync_problem:",
        )
    case = _case_summary(db, actor, row, total)
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
