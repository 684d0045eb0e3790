"""Scribe view (?meeting=ID): capture the plan of the case the chair presents.

For the coordinator or the chair on a laptop or second screen: the case the chair
presents on the projector, in short, and the full plan capture below it (intent,
components, action items, dissent, safety prompts, sign-off). ``&item=N`` stays on one
case; without it the view follows the chair.
"""

import streamlit as st

from board.meetings.enums import MeetingStatus
from board.meetings.live import live_state
from board.meetings.service import get_meeting, list_meetings
from board.ui import context
from board.ui.errors import user_errors
from board.ui.meeting_common import show_flash, when
from board.ui.meeting_scribe import scribe_view

db = context.database()
actor = context.require_actor()
show_flash()

with user_errors():
    raw = st.query_params.get("meeting", "")
    if not raw.isdigit():
        st.title("Scribe")
        meetings = [
            m
            for m in list_meetings(db, actor)
            if m.status in (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
        ]
        if not meetings:
            st.info("No meeting to capture plans for.")
            st.page_link("pages/meetings.py", label="Meetings", icon=":material/groups:")
            st.stop()
        st.selectbox(
            "Meeting",
            [m.id for m in meetings],
            format_func=lambda i: next(
                f"{m.title}, {when(m.starts_at)}" for m in meetings if m.id == i
            ),
            key="scribe_meeting",
        )
        st.button(
            "Capture plans for this meeting",
            type="primary",
            icon=":material/edit_note:",
            on_click=lambda: st.query_params.update(
                {"meeting": str(st.session_state["scribe_meeting"])}
            ),
        )
        st.stop()
    meeting = get_meeting(db, actor, int(raw))
    scribe_view(db, actor, meeting, live_state(db, actor, meeting.id))
