"""Meeting screen widgets: the schedule form, the agenda, attendance and quorum."""

from __future__ import annotations

import datetime as dt
from functools import partial

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.workflow import set_case_status
from board.db.engine import Database
from board.localtime import local_today, to_local, to_utc, zone_name
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.meetings.service import (
    SPECIALIST_ROLES,
    add_to_agenda,
    agenda_candidates,
    build_agenda,
    move_agenda_item,
    people,
    record_attendance,
    remove_attendance,
    remove_from_agenda,
    set_triage,
    sort_agenda,
)
from board.meetings.views import MeetingDetail, MeetingInput
from board.plans.enums import PlanStatus
from board.ui.meeting_common import act, clock, may, when
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
    db: Database, actor: Actor, key: str, existing: MeetingDetail | None = None
) -> MeetingInput | None:
    """The schedule / edit form; returns the input when submitted.

    Parameters
    ----------
    db:
        The database (for the chair picker).
    actor:
        The signed-in user.
    key:
        The form's key.
    existing:
        The meeting being edited, or ``None`` for a new one.

    Returns
    -------
    MeetingInput | None
        The form's values when the button was pressed.
    """
    specialists = people(db, actor, specialists_only=True)
    ids = [p.id for p in specialists]
    names = {p.id: f"{p.name} ({p.role.label})" for p in specialists}
    with st.form(key, border=True):
        title = st.text_input(
            "Title", value=existing.title if existing else "Spine tumor board", key=f"{key}_title"
        )
        c1, c2 = st.columns(2)
        start = to_local(existing.starts_at) if existing else None
        day = c1.date_input(
            "Date",
            value=start.date() if start else _next_weekday(local_today()),
            key=f"{key}_date",
        )
        time = c2.time_input(
            f"Start time ({zone_name()})",
            value=start.time().replace(tzinfo=None) if start else DEFAULT_START,
            key=f"{key}_time",
        )
        c3, c4 = st.columns(2)
        location = c3.text_input(
            "Place", value=(existing.location or "") if existing else "", key=f"{key}_place"
        )
        link = c4.text_input(
            "Video link (https://...)",
            value=(existing.video_link or "") if existing else "",
            key=f"{key}_link",
        )
        chair = st.selectbox(
            "Chair (finalizes the plans)",
            ids,
            index=ids.index(existing.chair_id) if existing and existing.chair_id in ids else None,
            format_func=lambda i: names[i],
            placeholder="Choose the chair",
            key=f"{key}_chair",
        )
        roles = st.multiselect(
            "Required specialties (quorum; each signs the plans)",
            list(SPECIALIST_ROLES),
            default=list(existing.required_roles if existing else REQUIRED_ROLES),
            format_func=lambda r: r.label,
            key=f"{key}_roles",
        )
        submitted = st.form_submit_button(
            "Save changes" if existing else "Schedule meeting", type="primary"
        )
    if not submitted:
        return None
    starts_at = to_utc(day, time) if day and time else None
    return MeetingInput(
        starts_at=starts_at,  # type: ignore[arg-type]
        title=title,
        location=location or None,
        video_link=link or None,
        chair_id=chair,
        required_roles=tuple(roles),
    )


def _status_text(row_status: CaseStatus, plan: PlanStatus | None, number: int | None) -> str:
    text = row_status.label
    if plan is not None:
        text += f"; plan v{number} {plan.value}"
    return text


def render_agenda(db: Database, actor: Actor, meeting: MeetingDetail) -> None:
    """The agenda with triage, order and removal controls, and the cases to add."""
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
            head.caption(
                md_escape(
                    _status_text(row.case_status, row.plan_status, row.plan_number)
                    + ("; ready" if row.ready else "; missing: " + "; ".join(row.missing))
                    + (f"; discussed {clock(row.discussion_seconds)}" if row.discussed_at else "")
                )
            )
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
                choice = triage_col.selectbox(
                    "Triage",
                    triages,
                    index=triages.index(row.triage),
                    format_func=lambda t: t.label,
                    key=f"triage_{row.id}_{row.version}",
                )
                if choice is not row.triage:
                    act(
                        partial(set_triage, db, actor, row.id, row.version, choice),
                        "Triage changed.",
                    )
                up, down, remove = order_col.columns(3)
                if up.button(
                    "",
                    key=f"up_{row.id}",
                    icon=":material/arrow_upward:",
                    help="Move up",
                    disabled=row.position == 1,
                ):
                    act(partial(move_agenda_item, db, actor, row.id, row.version, -1))
                if down.button(
                    "",
                    key=f"down_{row.id}",
                    icon=":material/arrow_downward:",
                    help="Move down",
                    disabled=row.position == len(meeting.agenda),
                ):
                    act(partial(move_agenda_item, db, actor, row.id, row.version, 1))
                if remove.button(
                    "",
                    key=f"remove_{row.id}",
                    icon=":material/delete:",
                    help="Remove from the agenda",
                    disabled=row.discussed_at is not None,
                ):
                    act(
                        partial(remove_from_agenda, db, actor, row.id, row.version),
                        "Removed from the agenda.",
                    )
            else:
                triage_col.text(row.triage.label)
            if row.case_status is CaseStatus.PREPARING and may(actor, Action.CASE_EDIT):
                with st.popover("Mark ready for discussion", icon=":material/done_all:"):
                    reason = st.text_input(
                        "Reason (needed while input is missing)", key=f"ready_reason_{row.id}"
                    )
                    if st.button("Mark ready", key=f"ready_{row.id}"):
                        act(
                            partial(
                                set_case_status,
                                db,
                                actor,
                                row.case_id,
                                CaseStatus.READY,
                                reason=reason,
                            ),
                            "Case marked ready for discussion.",
                        )
    if not manage:
        return
    st.markdown("##### Add cases")
    b1, b2 = st.columns(2)
    if b1.button(
        "Build agenda from ready cases",
        icon=":material/auto_awesome:",
        help="Adds every ready case and every urgent case, then sorts: urgent first, "
        "then by readiness.",
    ):
        act(lambda: build_agenda(db, actor, meeting.id), "Agenda built.")
    if b2.button("Sort: urgent first, then by readiness", icon=":material/sort:"):
        act(lambda: sort_agenda(db, actor, meeting.id, meeting.version), "Agenda sorted.")
    candidates = agenda_candidates(db, actor, meeting.id)
    if not candidates:
        st.caption("No other open case to add.")
        return
    labels = {
        c.case_id: (
            (_URGENCY_TAG[c.urgency].strip() + " ").lstrip()
            + f"{c.pseudonym}: {c.primary_site_label}, {', '.join(c.levels)} ("
            + ("ready" if c.ready else "missing: " + "; ".join(c.missing))
            + ")"
        )
        for c in candidates
    }
    c1, c2, c3 = st.columns([5, 3, 2], vertical_alignment="bottom")
    case_id = c1.selectbox(
        "Case (urgent first, then by readiness)",
        list(labels),
        format_func=lambda i: labels[i],
        key="add_case",
    )
    triage = c2.selectbox("Triage", triages, format_func=lambda t: t.label, key="add_triage")
    if c3.button("Add to agenda", icon=":material/add:") and case_id is not None:
        act(lambda: add_to_agenda(db, actor, meeting.id, case_id, triage), "Added to the agenda.")


def render_attendance(db: Database, actor: Actor, meeting: MeetingDetail) -> None:
    """Attendance with roles, the quorum warning and the check-in controls."""
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
            if (
                open_meeting
                and may(actor, Action.MEETING_RUN)
                and button.button(
                    "", key=f"att_remove_{row.id}", icon=":material/person_remove:", help="Remove"
                )
            ):
                act(partial(remove_attendance, db, actor, row.id), "Attendance removed.")
    else:
        st.caption("No attendance recorded yet.")
    if not open_meeting:
        return
    present_ids = {a.user_id for a in meeting.attendance if a.present}
    if (
        actor.user_id is not None
        and actor.user_id not in present_ids
        and st.button("I am here", icon=":material/how_to_reg:", type="primary")
    ):
        act(
            lambda: record_attendance(db, actor, meeting.id, actor.user_id or 0),
            "Your attendance is recorded.",
        )
    if not may(actor, Action.MEETING_RUN):
        return
    everyone = people(db, actor)
    names = {p.id: f"{p.name} ({p.role.label})" for p in everyone}
    default_roles = {p.id: p.role for p in everyone}
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
    role = c2.selectbox(
        "Attends as",
        roles,
        index=roles.index(default_roles[person]) if person in default_roles else 0,
        format_func=lambda r: r.label,
        key=f"att_role_{person}",
    )
    if c3.button("Record attendance", icon=":material/person_add:") and person is not None:
        act(
            lambda: record_attendance(db, actor, meeting.id, person, role=role),
            "Attendance recorded.",
        )
