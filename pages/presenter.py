"""Presenter view for the shared screen: one case at a time (?meeting=ID&item=N).

The whole case fits a 1920x1080 projector; Previous/Next (or a clicker's Page Down and
Page Up) move through the agenda, and each move is stored so that followers
(``?meeting=ID&follow=1``, read-only, for every clinical role) see the same case. The
plan is captured in the scribe view (``/scribe?meeting=ID``); the projector shows its
status in a line. "Scroll images" puts the series viewer (live from the PACS) in the
facts' place; Down Arrow and Up Arrow then move one slice.
"""

from functools import partial

import streamlit as st

from board.auth.permissions import Action
from board.cases.enums import Urgency
from board.cases.service import get_case
from board.db.models import utcnow
from board.imaging.listing import list_studies
from board.meetings.enums import MeetingStatus
from board.meetings.live import LIVE_STATUSES, live_state, present_item
from board.meetings.service import get_meeting, list_meetings, run_timer, set_meeting_status
from board.plans.plan_board import get_plan_board
from board.ui import context
from board.ui.errors import user_errors
from board.ui.meeting_common import may, on_click, show_flash, when
from board.ui.meeting_live import follow_view
from board.ui.meeting_presenter import (
    apply_presenter_style,
    case_title,
    plan_status_line,
    render_facts,
    render_timer,
)
from board.ui.presenter_keys import presenter_keys
from board.ui.series_viewer import series_viewer, session_client
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
                {"meeting": str(st.session_state["present_meeting"])}
            ),
        )
        st.stop()

    meeting = get_meeting(db, actor, int(raw))
    state = live_state(db, actor, meeting.id)
    if st.query_params.get("follow") == "1":
        follow_view(db, actor, meeting, state)
        st.stop()

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

    # The case in the address; without one, the case the chair presents now (a reload
    # or a second screen picks up where the meeting is), else the first.
    raw_item = st.query_params.get("item", "")
    position = int(raw_item) if raw_item.isdigit() else (state.position or 1)
    position = max(1, min(position, len(meeting.agenda)))
    row = meeting.agenda[position - 1]
    total = len(meeting.agenda)
    in_progress = meeting.status is MeetingStatus.IN_PROGRESS
    live = meeting.status in LIVE_STATUSES

    def go(target: int) -> None:
        """Show another case and tell the followers (a click's or a key's callback)."""
        target_row = meeting.agenda[target - 1]
        st.session_state["pres_viewer_open"] = False  # a new case opens on its facts
        if run and live:
            present_item(db, actor, meeting.id, target_row.id)
        if in_progress and run:
            run_timer(db, actor, target_row.id, True)
        st.query_params["item"] = str(target)

    def jump_to() -> None:
        go(int(st.session_state[f"jump_{position}"]))

    title, clock = st.columns([6, 1], vertical_alignment="center")
    with title:
        st.title(case_title(row, total))
        facts = [f"{meeting.title}, {when(meeting.starts_at)}", row.triage.label]
        facts.append(f"case status: {row.case_status.label}")
        warning = meeting.quorum.warning()
        caption = md_escape(" | ".join(facts))
        if warning:
            # Bold, not coloured: a caption is drawn at 60 % opacity, which would take a
            # coloured word below the 4.5:1 contrast (and colour alone tells nothing).
            caption += " | **" + md_escape(warning) + "**"
        st.caption(caption)
    previous = partial(go, position - 1) if position > 1 else None
    following = partial(go, position + 1) if position < total else None
    with clock:
        render_timer(row)
        presenter_keys(on_next=following, on_previous=previous)

    nav = st.columns([1.2, 1.2, 1.2, 1.6, 1.2, 1.2], vertical_alignment="center")
    nav[0].button(
        "Previous case",
        icon=":material/arrow_back:",
        disabled=previous is None,
        width="stretch",
        key="prev",
        help="Page Up or Left Arrow",
        **on_click(previous or (lambda: None)),
    )
    nav[1].button(
        "Next case",
        icon=":material/arrow_forward:",
        type="primary",
        disabled=following is None,
        width="stretch",
        key="next",
        help="Page Down or Right Arrow",
        **on_click(following or (lambda: None)),
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
            present_item(db, actor, meeting.id, row.id)
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
    # The series viewer takes the facts' place on the screen (Down/Up Arrow: slices).
    images = bool(st.session_state.get("pres_viewer_open"))
    nav[4].button(
        "Back to the case" if images else "Scroll images",
        icon=":material/article:" if images else ":material/photo_library:",
        width="stretch",
        key="pres_viewer_toggle",
        help="Scroll a series from the PACS; Down Arrow and Up Arrow move one slice",
        on_click=lambda: st.session_state.update(pres_viewer_open=not images),
    )
    with nav[5]:
        st.page_link(
            "pages/meetings.py",
            label="Back to the meeting",
            icon=":material/close:",
            query_params={"meeting": str(meeting.id)},
        )

    if images:
        settings = context.settings()
        series_viewer(
            db,
            actor,
            list_studies(db, actor, row.case_id),
            session_client(settings),
            key=f"pres_viewer_{row.case_id}",
            image_width=880,
            clicker_keys=True,
            beside=True,
        )
    else:
        case = get_case(db, actor, row.case_id)
        board = get_plan_board(db, actor, case.id, case=case)
        render_facts(case, row, plan_status_line(board, as_of=utcnow()))
