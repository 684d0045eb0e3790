"""Presenter view for the shared screen: one case at a time (?meeting=ID&item=N).

Large type and large buttons for a 1920x1080 projector, no sidebar, no keyboard needed
to move through the agenda; the consensus plan is captured below the case's facts.
"""

from functools import partial

import streamlit as st

from board.auth.permissions import Action
from board.cases.enums import Urgency
from board.cases.service import get_case
from board.meetings.enums import MeetingStatus
from board.meetings.service import get_meeting, list_meetings, run_timer, set_meeting_status
from board.ui import context
from board.ui.errors import user_errors
from board.ui.meeting_common import may, on_click, show_flash, when
from board.ui.meeting_plan import render_plan
from board.ui.meeting_presenter import apply_presenter_style, render_facts, render_timer
from board.ui.text import md_escape

db = context.database()
actor = context.require_actor()
apply_presenter_style()
show_flash(toast=True)

with user_errors():
    raw = st.query_params.get("meeting", "")
    if not raw.isdigit():
        st.title("Presenter view")
        meetings = [m for m in list_meetings(db, actor) if m.status is not MeetingStatus.CANCELLED]
        if not meetings:
            st.info("No meeting to present.")
            st.page_link("pages/meetings.py", label="Meetings", icon=":material/groups:")
            st.stop()
        st.selectbox(
            "Meeting",
            [m.id for m in meetings],
            format_func=lambda i: next(
                f"{m.title}, {when(m.starts_at)}" for m in meetings if m.id == i
            ),
            key="present_meeting",
        )
        st.button(
            "Present this meeting",
            type="primary",
            icon=":material/present_to_all:",
            on_click=lambda: st.query_params.update(
                {"meeting": str(st.session_state["present_meeting"]), "item": "1"}
            ),
        )
        st.stop()

    meeting = get_meeting(db, actor, int(raw))
    run = may(actor, Action.MEETING_RUN)
    if not meeting.agenda:
        st.title(md_escape(meeting.title))
        st.info("The agenda is empty: add cases on the meeting page.")
        st.page_link(
            "pages/meetings.py",
            label="Back to the meeting",
            icon=":material/arrow_back:",
            query_params={"meeting": str(meeting.id)},
        )
        st.stop()

    raw_item = st.query_params.get("item", "1")
    position = int(raw_item) if raw_item.isdigit() else 1
    position = max(1, min(position, len(meeting.agenda)))
    row = meeting.agenda[position - 1]
    in_progress = meeting.status is MeetingStatus.IN_PROGRESS

    def go(target: int) -> None:
        """Show another case; its timer starts while the meeting runs (a click's callback)."""
        target_row = meeting.agenda[target - 1]
        if in_progress and run:
            run_timer(db, actor, target_row.id, True)
        st.query_params["item"] = str(target)

    def jump_to() -> None:
        go(int(st.session_state[f"jump_{position}"]))

    title, clock_col = st.columns([5, 1], vertical_alignment="center")
    with title:
        urgent = {
            Urgency.URGENT: ":red[URGENT] ",
            Urgency.WITHIN_A_WEEK: ":orange[WITHIN A WEEK] ",
        }.get(row.urgency, "")
        st.title(f"{urgent}{md_escape(row.pseudonym)} — case {position} of {len(meeting.agenda)}")
        st.caption(
            md_escape(
                f"{meeting.title}, {when(meeting.starts_at)} | {row.triage.label} | "
                f"case status: {row.case_status.label}"
            )
        )
    with clock_col:
        render_timer(row)

    nav = st.columns([1.2, 1.2, 1.2, 1.6, 1.2])
    nav[0].button(
        "Previous case",
        icon=":material/arrow_back:",
        disabled=position <= 1,
        width="stretch",
        key="prev",
        **on_click(partial(go, position - 1)),
    )
    nav[1].button(
        "Next case",
        icon=":material/arrow_forward:",
        type="primary",
        disabled=position >= len(meeting.agenda),
        width="stretch",
        key="next",
        **on_click(partial(go, position + 1)),
    )
    if in_progress and run:
        running = row.timer_started_at is not None
        nav[2].button(
            "Pause timer" if running else "Start timer",
            icon=":material/pause:" if running else ":material/play_arrow:",
            width="stretch",
            key="timer",
            **on_click(partial(run_timer, db, actor, row.id, not running)),
        )
    elif meeting.status is MeetingStatus.SCHEDULED and run:

        def start() -> None:
            started = set_meeting_status(
                db, actor, meeting.id, meeting.version, MeetingStatus.IN_PROGRESS
            )
            run_timer(db, actor, started.agenda[position - 1].id, True)

        nav[2].button(
            "Start meeting",
            icon=":material/play_arrow:",
            type="primary",
            width="stretch",
            key="start_meeting",
            **on_click(start, "Meeting started."),
        )
    labels = {
        r.position: f"{r.position}. {r.pseudonym}"
        + {Urgency.URGENT: " (urgent)", Urgency.WITHIN_A_WEEK: " (within a week)"}.get(
            r.urgency, ""
        )
        for r in meeting.agenda
    }
    nav[3].selectbox(
        "Jump to case",
        list(labels),
        index=position - 1,
        format_func=lambda p: labels[p],
        label_visibility="collapsed",
        key=f"jump_{position}",
        on_change=on_click(jump_to)["on_click"],
        args=on_click(jump_to)["args"],
    )
    with nav[4]:
        st.page_link(
            "pages/meetings.py",
            label="Back to the meeting",
            icon=":material/close:",
            query_params={"meeting": str(meeting.id)},
        )

    warning = meeting.quorum.warning()
    if warning:
        st.warning(warning, icon=":material/groups:")

    case = get_case(db, actor, row.case_id)
    render_facts(case, row)

    st.divider()
    render_plan(
        db,
        actor,
        case,
        prefix=f"pres_{row.case_id}",
        meeting_id=meeting.id,
        show_versions=False,
        show_case_moves=False,
    )
