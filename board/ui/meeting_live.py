"""Following the meeting live: the followers' poll, presence, and who follows now.

The follow view and the scribe view poll the meeting's live state with a small
``st.fragment(run_every=...)``: one small query twice a second
(:func:`board.meetings.live.live_state`) that draws only a caption; when what the view
shows is out of date (the chair moved, or the presented case changed), it reruns the
whole page. The chair's presenter never polls:
it is the one that moves. The poll also refreshes the follower's presence every
:data:`PRESENCE_REFRESH_S` seconds (not at every poll: it is a write).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.cases.service import get_case
from board.db.engine import Database
from board.meetings.live import LIVE_STATUSES, followers, live_state, mark_following
from board.meetings.views import LiveState, MeetingDetail
from board.plans.plan_board import get_plan_board
from board.ui.errors import user_errors
from board.ui.meeting_common import may, when
from board.ui.meeting_presenter import (
    case_title,
    plan_status_line,
    render_facts,
    render_plan_read_only,
    render_timer,
)
from board.ui.text import md_escape

#: How often a follower's view asks the database what the chair presents.
POLL_EVERY_S = 0.5

#: How often the poll refreshes the follower's "last seen" (well inside the presence
#: window of :data:`board.meetings.live.PRESENCE_WINDOW`).
PRESENCE_REFRESH_S = 10.0

_SEEN = "_live_presence_marked_"


def keep_presence(db: Database, actor: Actor, meeting_id: int) -> None:
    """Record that the signed-in user follows the meeting, at most every few seconds.

    Parameters
    ----------
    db:
        The database.
    actor:
        The follower.
    meeting_id:
        The meeting followed.
    """
    key = f"{_SEEN}{meeting_id}"
    last = st.session_state.get(key)
    now = time.monotonic()
    if last is not None and now - float(last) < PRESENCE_REFRESH_S:
        return
    mark_following(db, actor, meeting_id)
    st.session_state[key] = now


def poll_live_state(
    db: Database,
    actor: Actor,
    meeting_id: int,
    stale: Callable[[LiveState], bool],
    *,
    presence: bool = True,
    label: str = "Live: follows the chair.",
) -> None:
    """Poll the meeting's live state twice a second; rerun the page when ``stale`` says so.

    The poll draws one small caption (``label``) in a container of its own. A fragment
    that draws nothing has no place on the page of its own, and a poll that ended just
    after a run of the whole page started could then take the element drawn next (the
    case's title) for its own and remove it.

    Parameters
    ----------
    db:
        The database.
    actor:
        The follower.
    meeting_id:
        The meeting.
    stale:
        Given the state just read, whether the page shows something out of date.
    presence:
        Whether the poll keeps the follower's presence (the follow view does).
    label:
        What the poll's caption says.
    """

    @st.fragment(run_every=POLL_EVERY_S)
    def _poll() -> None:
        with st.container(key=f"live_poll_{meeting_id}"), user_errors():
            st.caption(label)
            state = live_state(db, actor, meeting_id)
            if presence and state.status in LIVE_STATUSES:
                keep_presence(db, actor, meeting_id)
            if stale(state):
                st.rerun(scope="app")

    _poll()


def live_links(actor: Actor, meeting: MeetingDetail) -> None:
    """Links to the meeting's presenter, scribe and follow views (those the role may use).

    Parameters
    ----------
    actor:
        Who is looking.
    meeting:
        The meeting.
    """
    links: list[tuple[str, str, str, dict[str, str]]] = []
    follow = {"follow": "1"}
    if may(actor, Action.MEETING_RUN):
        links.append(("pages/presenter.py", "Open presenter view", ":material/present_to_all:", {}))
    if may(actor, Action.PLAN_EDIT) and meeting.status in LIVE_STATUSES:
        links.append(("pages/scribe.py", "Open scribe view", ":material/edit_note:", {}))
    if may(actor, Action.MEETING_RUN) and meeting.status in LIVE_STATUSES:
        links.append(("pages/presenter.py", "Follow the meeting", ":material/cast:", follow))
    if not links:
        return
    for column, (page, label, icon, extra) in zip(st.columns(4), links, strict=False):
        column.page_link(
            page, label=label, icon=icon, query_params={"meeting": str(meeting.id), **extra}
        )


def render_followers(db: Database, actor: Actor, meeting: MeetingDetail) -> None:
    """Who follows the meeting live now (seen within the last 30 seconds).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    meeting:
        The meeting.
    """
    if meeting.status not in LIVE_STATUSES:
        return
    now_following = followers(db, actor, meeting.id)
    if not now_following:
        st.caption("Following live now: nobody.")
        return
    st.caption(
        md_escape(
            f"Following live now ({len(now_following)}): "
            + ", ".join(f"{f.name} ({f.role.label})" for f in now_following)
        )
    )


def _back(meeting: MeetingDetail) -> None:
    st.page_link(
        "pages/meetings.py",
        label="Leave",
        icon=":material/close:",
        query_params={"meeting": str(meeting.id)},
        help="Back to the meeting page (stops following)",
    )


def follow_view(db: Database, actor: Actor, meeting: MeetingDetail, state: LiveState) -> None:
    """The read-only follow view: the case the chair presents, its live draft plan below.

    Nothing to click: the view polls the meeting's live state and draws itself again
    within about a second of the chair moving or the plan changing.

    Parameters
    ----------
    db:
        The database.
    actor:
        The follower (any clinical role).
    meeting:
        The meeting followed.
    state:
        Its live state, read at the start of this run.
    """
    if meeting.status not in LIVE_STATUSES:
        st.title(md_escape(meeting.title))
        st.info(
            f"The meeting is {meeting.status.label.lower()}: there is nothing to follow live.",
            icon=":material/event_busy:",
        )
        st.page_link(
            "pages/meetings.py",
            label="Back to the meeting",
            icon=":material/arrow_back:",
            query_params={"meeting": str(meeting.id)},
        )
        return
    row = next((r for r in meeting.agenda if r.id == state.item_id), None)

    def poll() -> None:
        poll_live_state(db, actor, meeting.id, lambda now: now.token != state.token)

    if row is None:
        st.title(md_escape(meeting.title))
        st.caption(md_escape(f"{when(meeting.starts_at)} | following the chair live"))
        poll()
        _back(meeting)
        st.info(
            "Waiting for the chair: no case is being presented yet. This screen shows the "
            "case as soon as the chair presents it.",
            icon=":material/hourglass_top:",
        )
        return
    title, clock = st.columns([6, 1], vertical_alignment="center")
    with title:
        st.title(case_title(row, len(meeting.agenda)))
        st.caption(
            md_escape(
                f"Following the chair live | {meeting.title}, {when(meeting.starts_at)} | "
                f"{row.triage.label} | case status: {row.case_status.label}"
            )
        )
    with clock:
        render_timer(row)
        poll()
        _back(meeting)
    case = get_case(db, actor, row.case_id)
    board = get_plan_board(db, actor, case.id, case=case)
    render_facts(case, row, plan_status_line(board))
    st.divider()
    render_plan_read_only(board)
