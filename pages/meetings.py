"""Meetings: schedule, agenda, attendance and quorum, plans and sign-off (?meeting=ID)."""

from functools import partial

import streamlit as st

from board.auth.permissions import Action
from board.meetings.enums import MeetingStatus
from board.meetings.service import (
    get_meeting,
    list_meetings,
    set_meeting_status,
    update_meeting,
)
from board.outreach.deck import DeckFile
from board.ui import context
from board.ui.downloads import calendar_bytes, deck_bytes
from board.ui.errors import user_errors
from board.ui.meeting_agenda import (
    meeting_form,
    render_agenda,
    render_attendance,
    schedule_form,
)
from board.ui.meeting_common import (
    MEETING_SELECTOR,
    act,
    clock,
    may,
    meeting_label,
    on_click,
    show_flash,
    when,
)
from board.ui.meeting_live import live_links, render_followers
from board.ui.meeting_signoff import render_sign_plans
from board.ui.text import md_escape

db = context.database()
actor = context.require_actor()

st.title("Meetings")
show_flash()

with user_errors():
    if may(actor, Action.MEETING_SCHEDULE):
        with st.expander("Schedule a meeting", icon=":material/event:"):
            schedule_form(db, actor)

    meetings = list_meetings(db, actor)
    if not meetings:
        st.info("No meetings yet.", icon=":material/event_busy:")
        st.stop()
    ids = [m.id for m in meetings]
    labels = {m.id: meeting_label(m) for m in meetings}
    raw = st.query_params.get("meeting", "")
    current = int(raw) if raw.isdigit() and int(raw) in ids else ids[0]
    chosen = st.selectbox(
        "Meeting",
        ids,
        index=ids.index(current),
        format_func=lambda i: labels[i],
        key=MEETING_SELECTOR,
    )
    if chosen != current or raw != str(chosen):
        st.query_params["meeting"] = str(chosen)

    meeting = get_meeting(db, actor, chosen)
    st.header(md_escape(meeting.title))
    facts = [f"{when(meeting.starts_at)}", f"status: {meeting.status.label.lower()}"]
    if meeting.location:
        facts.append(f"place: {meeting.location}")
    if meeting.chair_name:
        facts.append(f"chair: {meeting.chair_name}")
    st.markdown(md_escape(" | ".join(facts)))
    if meeting.video_link:
        st.link_button("Join the video call", meeting.video_link, icon=":material/videocam:")

    if may(actor, Action.EXPORT):
        deck_col, ics_col, _ = st.columns(3)
        deck_col.download_button(
            "Slides (PowerPoint)",
            data=partial(deck_bytes, db, actor, meeting.id),
            file_name=f"board-meeting-{meeting.id}.pptx",
            mime=DeckFile.mime,
            key=f"meeting_deck_{meeting.id}",
            on_click="ignore",
            icon=":material/slideshow:",
            help="A title slide and one slide per case on the agenda (pseudonyms only).",
        )
        cancelled = meeting.status is MeetingStatus.CANCELLED
        ics_col.download_button(
            "Calendar cancellation (.ics)" if cancelled else "Calendar invitation (.ics)",
            data=partial(calendar_bytes, db, actor, meeting.id, context.settings()),
            file_name=f"board-meeting-{meeting.id}.ics",
            mime="text/calendar",
            key=f"meeting_ics_{meeting.id}",
            on_click="ignore",
            icon=":material/calendar_month:",
            help="Import it into a calendar; after a change, the new file updates the "
            "same calendar entry.",
        )

    run = may(actor, Action.MEETING_RUN)
    live_links(actor, meeting)
    render_followers(db, actor, meeting)
    b1, b2, b3, b4 = st.columns(4)
    if meeting.status is MeetingStatus.SCHEDULED and run:
        b2.button(
            "Start meeting",
            type="primary",
            icon=":material/play_arrow:",
            **on_click(
                partial(
                    set_meeting_status,
                    db,
                    actor,
                    meeting.id,
                    meeting.version,
                    MeetingStatus.IN_PROGRESS,
                ),
                "Meeting started.",
            ),
        )
    if meeting.status is MeetingStatus.IN_PROGRESS and run:
        b3.button(
            "Close meeting",
            icon=":material/stop:",
            **on_click(
                partial(
                    set_meeting_status,
                    db,
                    actor,
                    meeting.id,
                    meeting.version,
                    MeetingStatus.CLOSED,
                ),
                "Meeting closed.",
            ),
        )
    if meeting.status is MeetingStatus.SCHEDULED and may(actor, Action.MEETING_SCHEDULE):
        b4.button(
            "Cancel meeting",
            icon=":material/event_busy:",
            **on_click(
                partial(
                    set_meeting_status,
                    db,
                    actor,
                    meeting.id,
                    meeting.version,
                    MeetingStatus.CANCELLED,
                ),
                "Meeting cancelled.",
            ),
        )

    warning = meeting.quorum.warning()
    if warning:
        st.warning(warning, icon=":material/groups:")

    agenda_tab, attendance_tab, plans_tab, edit_tab = st.tabs(
        ["Agenda", "Attendance and quorum", "Plans and sign-off", "Meeting details"],
        key="meeting_tab",
        on_change="rerun",
    )
    with agenda_tab, user_errors():
        render_agenda(db, actor, meeting)
    with attendance_tab, user_errors():
        render_attendance(db, actor, meeting)
    with plans_tab, user_errors():
        if not meeting.agenda:
            st.caption("No cases on the agenda.")
        st.dataframe(
            [
                {
                    "#": row.position,
                    "Case": row.pseudonym,
                    "Triage": row.triage.label,
                    "Case status": row.case_status.label,
                    "Plan": row.plan_text,
                    "Discussion time": clock(row.discussion_seconds),
                }
                for row in meeting.agenda
            ],
            hide_index=True,
        )
        st.caption(
            "Capture, sign and finalize each plan in the scribe view (or on the case's "
            "Plan tab); sign them all at once below."
        )
        render_sign_plans(db, actor, meeting)
    with edit_tab, user_errors():
        required = ", ".join(r.label for r in meeting.required_roles)
        st.text(f"Required specialties: {required}")
        if meeting.updated_by:
            st.caption(
                md_escape(f"Last change by {meeting.updated_by}, {when(meeting.updated_at)}")
            )
        if may(actor, Action.MEETING_SCHEDULE) and meeting.status in (
            MeetingStatus.SCHEDULED,
            MeetingStatus.IN_PROGRESS,
        ):
            data = meeting_form(db, actor, f"edit_meeting_{meeting.id}_{meeting.version}", meeting)
            if data is not None:
                act(
                    partial(update_meeting, db, actor, meeting.id, meeting.version, data),
                    "Meeting saved.",
                )
