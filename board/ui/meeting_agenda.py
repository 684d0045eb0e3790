"""Meeting screen widgets: the schedule form, the agenda, attendance and quorum."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.workflow import set_case_status
from board.db.engine import Database
from board.errors import ValidationError
from board.localtime import local_today, to_local, to_utc, zone_name
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.meetings.service import (
    SPECIALIST_ROLES,
    add_to_agenda,
    agenda_candidates,
    build_agenda,
    meeting_clashes,
    move_agenda_item,
    people,
    record_all_invited_present,
    record_attendance,
    remove_attendance,
    remove_from_agenda,
    schedule_meeting,
    set_triage,
    sort_agenda,
)
from board.meetings.views import MeetingDetail, MeetingInput, MeetingSummary
from board.ui.errors import show_error
from board.ui.meeting_common import (
    MEETING_SELECTOR,
    count_text,
    flash,
    may,
    meeting_label,
    on_change,
    on_click,
    when,
)
from board.ui.text import md_escape

DEFAULT_START = dt.time(16, 0)
_URGENCY_TAG = {
    Urgency.URGENT: " URGENT",
    Urgency.WITHIN_A_WEEK: " WITHIN A WEEK",
    Urgency.ROUTINE: "",
}
"""The tag after a case's pseudonym on the agenda (NG234 tiers)."""


def _next_weekday(today: dt.date, weekday: int = 1) -> dt.date:
    day = today + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def meeting_form(
    db: Database,
    actor: Actor,
    key: str,
    existing: MeetingDetail | None = None,
    *,
    on_submit: Callable[[], None] | None = None,
) -> MeetingInput | None:
    """The schedule / edit form; returns the input when submitted.

    Parameters
    ----------
    db:
        The database (for the chair picker).
    actor:
        The signed-in user.
    key:
        The form's key (its widgets' keys start with it).
    existing:
        The meeting being edited, or ``None`` for a new one.
    on_submit:
        A callback for the submit button (it reads the values with
        :func:`meeting_input`); the form then returns ``None``.

    Returns
    -------
    MeetingInput | None
        The form's values when the button was pressed (without ``on_submit``).
    """
    everyone = people(db, actor)
    specialists = [p for p in everyone if p.role in SPECIALIST_ROLES]
    ids = [p.id for p in specialists]
    names = {p.id: f"{p.name} ({p.role.label})" for p in everyone}
    with st.form(key, border=True):
        st.text_input(
            "Title", value=existing.title if existing else "Spine tumor board", key=f"{key}_title"
        )
        c1, c2 = st.columns(2)
        start = to_local(existing.starts_at) if existing else None
        c1.date_input(
            "Date",
            value=start.date() if start else _next_weekday(local_today()),
            key=f"{key}_date",
        )
        c2.time_input(
            f"Start time ({zone_name()})",
            value=start.time().replace(tzinfo=None) if start else DEFAULT_START,
            key=f"{key}_time",
        )
        c3, c4 = st.columns(2)
        c3.text_input(
            "Place", value=(existing.location or "") if existing else "", key=f"{key}_place"
        )
        c4.text_input(
            "Video link (https://...)",
            value=(existing.video_link or "") if existing else "",
            key=f"{key}_link",
        )
        st.selectbox(
            "Chair (finalizes the plans)",
            ids,
            index=ids.index(existing.chair_id) if existing and existing.chair_id in ids else None,
            format_func=lambda i: names[i],
            placeholder="Choose the chair",
            key=f"{key}_chair",
        )
        st.multiselect(
            "Required specialties (quorum; each signs the plans)",
            list(SPECIALIST_ROLES),
            default=list(existing.required_roles if existing else REQUIRED_ROLES),
            format_func=lambda r: r.label,
            key=f"{key}_roles",
        )
        invited = [p.id for p in existing.invitees if p.id in names] if existing else []
        st.multiselect(
            "Invited",
            list(names),
            default=invited,
            format_func=lambda i: names[i],
            placeholder="Everyone active in the required specialties, and the chair",
            help='Who is invited: "All invited present" records them in one click at the '
            "meeting. Leave empty to invite everyone active in the required specialties, "
            "and the chair.",
            key=f"{key}_invitees",
        )
        submitted = st.form_submit_button(
            "Save changes" if existing else "Schedule meeting",
            type="primary",
            on_click=on_submit,
        )
    if not submitted or on_submit is not None:
        return None
    return meeting_input(key)


def meeting_input(key: str) -> MeetingInput:
    """The values of the meeting form ``key`` as the session holds them.

    Parameters
    ----------
    key:
        The form's key.

    Returns
    -------
    MeetingInput
        The input (a missing date or time gives no ``starts_at``: the service says so).
    """
    state = st.session_state
    day, time = state.get(f"{key}_date"), state.get(f"{key}_time")
    starts_at = to_utc(day, time) if day and time else None
    return MeetingInput(
        starts_at=starts_at,  # type: ignore[arg-type]
        title=state.get(f"{key}_title") or "",
        location=state.get(f"{key}_place") or None,
        video_link=state.get(f"{key}_link") or None,
        chair_id=state.get(f"{key}_chair"),
        required_roles=tuple(state.get(f"{key}_roles") or ()),
        invitee_ids=tuple(state.get(f"{key}_invitees") or ()) or None,
    )


# ---------------------------------------------------------------------------
# Scheduling, with the clash check
# ---------------------------------------------------------------------------

_NEW = "new_meeting"
_CLASHES = "new_meeting__clashes"
_SCHEDULE_ERROR = "new_meeting__error"


def _schedule(db: Database, actor: Actor, confirmed: bool) -> None:
    """Schedule from the submitted form (a callback: it runs before the page).

    A meeting at the same time and place is shown first; the new one is scheduled only
    once every clash is confirmed ("Schedule it anyway"). Then the form is emptied and
    the meeting selector shows the new meeting.
    """
    state = st.session_state
    shown: tuple[MeetingSummary, ...] = state.pop(_CLASHES, ())
    state.pop(_SCHEDULE_ERROR, None)
    try:
        data = meeting_input(_NEW)
        clashes = meeting_clashes(db, actor, data)
        seen = {m.id for m in shown} if confirmed else set()
        if any(m.id not in seen for m in clashes):
            state[_CLASHES] = clashes
            return
        meeting = schedule_meeting(db, actor, data, confirmed_clashes=tuple(m.id for m in clashes))
    except Exception as exc:  # shown under the form by schedule_form
        state[_SCHEDULE_ERROR] = exc
        return
    flash("Meeting scheduled.")
    st.query_params[MEETING_SELECTOR] = str(meeting.id)
    state.pop(MEETING_SELECTOR, None)  # the selector starts again from ?meeting=
    for name in [k for k in state if str(k).startswith(f"{_NEW}_")]:
        del state[name]


def schedule_form(db: Database, actor: Actor) -> None:
    """The "schedule a meeting" form, its errors and the clash warning.

    A meeting at the same time and place (a start less than an hour apart, in the same
    room or on the same video link) needs confirmation; the confirmation is kept in the
    audit trail. The new meeting is selected at once.
    """
    meeting_form(db, actor, _NEW, on_submit=partial(_schedule, db, actor, False))
    error = st.session_state.pop(_SCHEDULE_ERROR, None)
    if error is not None:
        show_error(error)
    clashes: tuple[MeetingSummary, ...] = st.session_state.get(_CLASHES, ())
    if not clashes:
        return
    count = len(clashes)
    st.warning(
        f"Clash: {count_text(count, 'meeting')} {'is' if count == 1 else 'are'} already "
        "scheduled at that time and place. Nothing was scheduled: check the date, time "
        "and place, or schedule it anyway.",
        icon=":material/event_busy:",
    )
    for meeting in clashes:
        st.page_link(
            "pages/meetings.py",
            label=md_escape(meeting_label(meeting)),
            query_params={"meeting": str(meeting.id)},
            icon=":material/event:",
        )
    st.button(
        "Schedule it anyway",
        key="meeting_schedule_anyway",
        on_click=_schedule,
        args=(db, actor, True),
    )


def render_agenda(db: Database, actor: Actor, meeting: MeetingDetail) -> None:
    """The agenda with triage, order and removal controls, and the cases to add.

    Every control saves in a click callback, before the page runs: the meeting selector's
    labels (cases on each agenda) and the agenda show the change in the same run.
    """
    manage = may(actor, Action.MEETING_SCHEDULE) and meeting.status in (
        MeetingStatus.SCHEDULED,
        MeetingStatus.IN_PROGRESS,
    )
    if not meeting.agenda:
        st.info("The agenda is empty.", icon=":material/playlist_add:")
    triages = list(AgendaTriage)
    for row in meeting.agenda:
        with st.container(border=True):
            head, triage_col, order_col = st.columns([5, 3, 2], vertical_alignment="center")
            urgent = _URGENCY_TAG[row.urgency]
            head.markdown(
                f"**{row.position}. {md_escape(row.pseudonym)}**{urgent}: "
                + md_escape(f"{row.primary_site_label}, {', '.join(row.levels)}")
            )
            head.caption(md_escape(row.status_text))
            if row.rediscussion_reason:
                head.warning(
                    md_escape(f"Back from follow-up for re-discussion: {row.rediscussion_reason}"),
                    icon=":material/replay:",
                )
            head.page_link(
                "pages/case.py",
                label="Open case",
                query_params={"case": str(row.case_id)},
                icon=":material/folder_open:",
            )
            if manage:
                triage_key = f"triage_{row.id}_{row.version}"
                triage_col.selectbox(
                    "Triage",
                    triages,
                    index=triages.index(row.triage),
                    format_func=lambda t: t.label,
                    key=triage_key,
                    **on_change(
                        partial(_set_triage, db, actor, row.id, row.version, triage_key),
                        "Triage changed.",
                    ),
                )
                up, down, remove = order_col.columns(3)
                up.button(
                    "",
                    key=f"up_{row.id}",
                    icon=":material/arrow_upward:",
                    help="Move up",
                    disabled=row.position == 1,
                    **on_click(partial(move_agenda_item, db, actor, row.id, row.version, -1)),
                )
                down.button(
                    "",
                    key=f"down_{row.id}",
                    icon=":material/arrow_downward:",
                    help="Move down",
                    disabled=row.position == len(meeting.agenda),
                    **on_click(partial(move_agenda_item, db, actor, row.id, row.version, 1)),
                )
                remove.button(
                    "",
                    key=f"remove_{row.id}",
                    icon=":material/delete:",
                    help="Remove from the agenda",
                    disabled=row.discussed_at is not None,
                    **on_click(
                        partial(remove_from_agenda, db, actor, row.id, row.version),
                        "Removed from the agenda.",
                    ),
                )
            else:
                triage_col.text(row.triage.label)
            if row.case_status is CaseStatus.PREPARING and may(actor, Action.CASE_EDIT):
                with st.popover("Mark ready for discussion", icon=":material/done_all:"):
                    reason_key = f"ready_reason_{row.id}"
                    st.text_input("Reason (needed while input is missing)", key=reason_key)
                    st.button(
                        "Mark ready",
                        key=f"ready_{row.id}",
                        **on_click(
                            partial(_mark_ready, db, actor, row.case_id, reason_key),
                            "Case marked ready for discussion.",
                        ),
                    )
    if not manage:
        return
    st.markdown("##### Add cases")
    b1, b2 = st.columns(2)
    b1.button(
        "Build agenda from ready cases",
        icon=":material/auto_awesome:",
        help="Adds every ready case and every urgent case, then sorts: urgent first, "
        "then by readiness.",
        **on_click(partial(build_agenda, db, actor, meeting.id), "Agenda built."),
    )
    b2.button(
        "Sort: urgent first, then by readiness",
        icon=":material/sort:",
        **on_click(partial(sort_agenda, db, actor, meeting.id, meeting.version), "Agenda sorted."),
    )
    candidates = agenda_candidates(db, actor, meeting.id)
    if not candidates:
        st.caption("No other open case to add.")
        return
    labels = {
        c.case_id: (
            (_URGENCY_TAG[c.urgency].strip() + " ").lstrip()
            + f"{c.pseudonym}: {c.primary_site_label}, {', '.join(c.levels)} ("
            + ("ready" if c.ready else "still missing: " + "; ".join(c.missing))
            + ")"
        )
        for c in candidates
    }
    c1, c2, c3 = st.columns([5, 3, 2], vertical_alignment="bottom")
    c1.selectbox(
        "Case (urgent first, then by readiness)",
        list(labels),
        format_func=lambda i: labels[i],
        key="add_case",
    )
    c2.selectbox("Triage", triages, format_func=lambda t: t.label, key="add_triage")
    c3.button(
        "Add to agenda",
        icon=":material/add:",
        **on_click(partial(_add, db, actor, meeting.id), "Added to the agenda."),
    )


def _set_triage(db: Database, actor: Actor, item_id: int, version: int, key: str) -> None:
    set_triage(db, actor, item_id, version, st.session_state[key])


def _mark_ready(db: Database, actor: Actor, case_id: int, reason_key: str) -> None:
    reason = st.session_state.get(reason_key, "")
    set_case_status(db, actor, case_id, CaseStatus.READY, reason=reason)


def _add(db: Database, actor: Actor, meeting_id: int) -> None:
    case_id = st.session_state.get("add_case")
    if case_id is None:
        raise ValidationError("Choose the case to add.", field="case_id")
    triage = st.session_state.get("add_triage") or AgendaTriage.FULL_DISCUSSION
    add_to_agenda(db, actor, meeting_id, case_id, triage)


def _attendance_word(meeting: MeetingDetail, user_id: int) -> str:
    row = meeting.attendance_of(user_id)
    if row is None:
        return "not recorded yet"
    return "present" if row.present else "absent (apologies or left)"


def render_attendance(db: Database, actor: Actor, meeting: MeetingDetail) -> None:
    """Attendance with roles, the quorum, the invitees and the check-in controls.

    "All invited present" records every invitee without an attendance yet, each in their
    own role, in one click; "I am here" checks the signed-in person in, in their own role
    only. Every control saves in a click callback.
    """
    quorum = meeting.quorum
    if quorum.met:
        st.success("Quorum: every required specialty is present.", icon=":material/groups:")
    st.markdown(
        "Required specialties: "
        + ", ".join(
            f"{role.label} ({'present' if role in quorum.present_roles else 'absent'})"
            for role in quorum.required_roles
        )
        + ". Change them under Meeting details."
    )
    open_meeting = meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)
    run = may(actor, Action.MEETING_RUN)
    st.markdown("##### Invited")
    if meeting.invitees:
        st.markdown(
            "  \n".join(
                md_escape(f"{p.name} ({p.role.label}): {_attendance_word(meeting, p.id)}")
                for p in meeting.invitees
            )
        )
    else:
        st.caption("Nobody is invited: choose the invitees under Meeting details.")
    waiting = meeting.invited_not_recorded
    if open_meeting and run and meeting.invitees:
        st.button(
            "All invited present",
            key="att_all_invited",
            icon=":material/group_add:",
            type="primary",
            disabled=not waiting,
            help="Records everyone invited who has no attendance yet as present, each in "
            "their own role. Apologies already recorded stay.",
            **on_click(
                partial(record_all_invited_present, db, actor, meeting.id, meeting.version),
                "Everyone invited is recorded present, each in their own role.",
            ),
        )
    st.markdown("##### Attendance")
    if meeting.attendance:
        for row in meeting.attendance:
            text, button = st.columns([6, 1], vertical_alignment="center")
            text.markdown(
                md_escape(
                    f"{row.name}: {row.role.label}"
                    + ("" if row.present else " (absent / left)")
                    + f", recorded {when(row.recorded_at)}"
                )
            )
            if open_meeting and run:
                button.button(
                    "",
                    key=f"att_remove_{row.id}",
                    icon=":material/person_remove:",
                    help="Remove",
                    **on_click(
                        partial(remove_attendance, db, actor, row.id), "Attendance removed."
                    ),
                )
    else:
        st.caption("No attendance recorded yet.")
    if not open_meeting:
        return
    mine = meeting.attendance_of(actor.user_id)
    if actor.user_id is not None and (mine is None or not mine.present):
        st.button(
            f"I am here (as {actor.role.label})",
            key="att_self",
            icon=":material/how_to_reg:",
            type="primary",
            help="Checks you in, in your own role. If you cover for a colleague of another "
            "specialty, the coordinator or chair records it.",
            **on_click(
                partial(record_attendance, db, actor, meeting.id, actor.user_id),
                "Your attendance is recorded.",
            ),
        )
    if not run:
        return
    everyone = people(db, actor)
    names = {p.id: f"{p.name} ({p.role.label})" for p in everyone}
    default_roles = {p.id: p.role for p in everyone}
    present_ids = {a.user_id for a in meeting.attendance if a.present}
    c1, c2, c3 = st.columns([4, 3, 2], vertical_alignment="bottom")
    person = c1.selectbox(
        "Attendee",
        [p.id for p in everyone if p.id not in present_ids],
        index=None,
        format_func=lambda i: names[i],
        placeholder="Choose a person",
        key="att_person",
    )
    roles: list[Role] = [r for r in Role if r is not Role.ADMIN]
    c2.selectbox(
        "Attends as",
        roles,
        index=roles.index(default_roles[person]) if person in default_roles else 0,
        format_func=lambda r: r.label,
        key=f"att_role_{person}",
        help="Their own role, or the specialty they cover for.",
    )
    c3.button(
        "Record attendance",
        icon=":material/person_add:",
        **on_click(partial(_record_chosen, db, actor, meeting.id), "Attendance recorded."),
    )


def _record_chosen(db: Database, actor: Actor, meeting_id: int) -> None:
    """Record the person and role chosen in the attendance picker (a click's callback)."""
    person = st.session_state.get("att_person")
    if person is None:
        raise ValidationError("Choose the person to record.", field="user_id")
    role = st.session_state.get(f"att_role_{person}")
    record_attendance(db, actor, meeting_id, int(person), role=role)
