"""Follow-up tab: the plan in force and its baseline, the schedule, the record form,
recorded entries (with their computed pain response) and corrections, the timeline and
the charts of pain, opioid dose, neurological and performance status.

Every text that came from a person is shown in tables, with ``st.text`` or escaped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from functools import partial
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
from board.db.models import utcnow
from board.errors import ValidationError
from board.followup import charts
from board.followup.enums import Adherence, FollowUpKind, FollowUpStatus
from board.followup.service import (
    RECORDABLE,
    correct_follow_up,
    get_follow_up_board,
    record_follow_up,
    set_follow_up_status,
)
from board.followup.views import FollowUpBoard, FollowUpInput, FollowUpView
from board.localtime import to_local, to_utc, zone_name
from board.ui import actions
from board.ui.meeting_common import may
from board.ui.text import md_escape
from board.ui.widgets import fmt_date, fmt_datetime, tri_state, tri_state_label

GRADES: tuple[str | None, ...] = (None, "A", "B", "C", "D", "E")
ECOG_VALUES: tuple[int | None, ...] = (None, 0, 1, 2, 3, 4, 5)
KARNOFSKY_VALUES: tuple[int | None, ...] = (None, *range(0, 101, 10))
ADHERENCE: tuple[Adherence | None, ...] = (None, *Adherence)
KINDS = tuple(FollowUpKind)
UNKNOWN = "Unknown / not assessed"
NO_CHART = "No follow-up entry has recorded this yet; the chart appears with the first one."


def _unknown(value: object) -> str:
    return UNKNOWN if value is None else str(value)


def _adherence_label(value: Adherence | None) -> str:
    return "Not recorded" if value is None else value.label.capitalize()


def _num(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def _slot(case_id: int) -> str:
    """Where the tab's confirmations and errors are shown (:mod:`board.ui.actions`)."""
    return f"fu{case_id}"


def _clear(prefix: str) -> None:
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def _round(case_id: int) -> str:
    """Suffix of the new-entry widgets' keys: a fresh round starts empty widgets.

    Deleting a widget's state and rerunning does not empty it in the browser (it sends
    its value back); new keys do.
    """
    n = int(st.session_state.get(f"fu{case_id}_round", 0))
    return str(n) if n else ""


def _next_round(case_id: int) -> None:
    key = f"fu{case_id}_round"
    st.session_state[key] = int(st.session_state.get(key, 0)) + 1


# ---------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------


def _header(fb: FollowUpBoard) -> None:
    decided = fb.decision_at
    decisions = [e.on for e in fb.timeline if e.kind == "decision"]
    if decided is not None and fb.plan_number is not None:
        text = f"Plan in force: version {fb.plan_number}"
        if decisions:
            text += f", finalized {fmt_date(decisions[-1])}"
        if len(decisions) > 1:
            text += f"; first decision {fmt_date(decided.date())} (the baseline below)"
        st.markdown(md_escape(text))
    if fb.planned:
        st.caption("Planned treatment and follow-up")
        st.text("\n".join(f"- {item}" for item in fb.planned))
    b = fb.baseline
    st.caption("Baseline at the decision (the reference for the pain response)")
    st.dataframe(
        [
            {
                "Pain (NRS)": _unknown(b.pain_nrs)
                + (f" ({b.pain_source})" if b.pain_source else ""),
                "OMED mg/day": _unknown(None if b.omed_mg is None else f"{b.omed_mg:g}"),
                "ECOG": _unknown(b.ecog),
                "Karnofsky": _unknown(b.karnofsky),
                "Frankel": _unknown(b.frankel),
                "ASIA": _unknown(b.asia),
                "Tokuhashi": UNKNOWN
                if b.tokuhashi_total is None or b.tokuhashi_band is None
                else f"{b.tokuhashi_total} ({b.tokuhashi_band.label})",
            }
        ],
        hide_index=True,
    )
    if fb.died_on is not None:
        st.warning(f"The patient died on {fb.died_on:%Y-%m-%d}.", icon=":material/info:")
    if fb.rediscussion_requested_at is not None:
        st.warning(
            md_escape(
                "Re-discussion at the board requested on "
                f"{fmt_datetime(fb.rediscussion_requested_at)}: {fb.rediscussion_reason or ''}"
            ),
            icon=":material/forum:",
        )


# ---------------------------------------------------------------------------
# Schedule
# ---------------------------------------------------------------------------


def _schedule_label(view: FollowUpView) -> str:
    state = "" if view.due_state is None else f" ({view.due_state.label})"
    return f"{view.kind.label} due {view.due_on:%Y-%m-%d}{state}"


def _schedule(db: Database, actor: Actor, fb: FollowUpBoard, can_write: bool) -> None:
    st.subheader("Schedule")
    if not fb.scheduled:
        st.caption("Nothing scheduled: the plan has no follow-up item with an interval.")
        return
    st.dataframe(
        [
            {
                "Due": fmt_date(v.due_on),
                "Kind": v.kind.label,
                "Status": v.status.label,
                "Due state": "" if v.due_state is None else v.due_state.label,
                "Plan version": "" if v.plan_number is None else str(v.plan_number),
                "Note": v.notes or "",
            }
            for v in fb.scheduled
        ],
        hide_index=True,
    )
    open_ones = [v for v in fb.scheduled if v.status is FollowUpStatus.SCHEDULED]
    if not can_write or not open_ones:
        return
    prefix = f"fu{fb.case_id}"
    by_id = {v.id: v for v in open_ones}
    chosen = st.selectbox(
        "Scheduled follow-up",
        list(by_id),
        format_func=lambda i: _schedule_label(by_id[i]),
        key=f"{prefix}_sched_pick",
    )
    view = by_id[chosen]

    def _select_for_record() -> None:
        st.session_state[f"{prefix}_new{_round(fb.case_id)}_sched"] = view.id
        st.session_state[f"{prefix}_new{_round(fb.case_id)}_kind"] = view.kind

    st.button(
        "Record this follow-up",
        key=f"{prefix}_sched_record",
        on_click=_select_for_record,
        icon=":material/edit_note:",
        help="Selects it in the form below.",
    )
    with st.form(f"fu_status_{fb.case_id}"):
        st.text_input(
            "Reason (required to mark it missed or cancelled)",
            key=f"{prefix}_sched_reason{_round(fb.case_id)}",
        )
        left, right = st.columns(2)
        for column, label, status in (
            (left, "Mark missed", FollowUpStatus.MISSED),
            (right, "Cancel", FollowUpStatus.CANCELLED),
        ):
            column.form_submit_button(
                label,
                on_click=actions.run,
                args=(_slot(fb.case_id), partial(_set_status, db, actor, fb, view, status)),
            )


def _set_status(
    db: Database, actor: Actor, fb: FollowUpBoard, view: FollowUpView, status: FollowUpStatus
) -> str:
    prefix = f"fu{fb.case_id}"
    reason = str(st.session_state.get(f"{prefix}_sched_reason{_round(fb.case_id)}") or "")
    set_follow_up_status(db, actor, view.id, view.version, status, reason)
    _clear(f"{prefix}_sched_")
    _next_round(fb.case_id)
    return f"{_schedule_label(view)} marked {status.label}."


# ---------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------


def _fields(prefix: str, fb: FollowUpBoard, current: FollowUpInput | None) -> FollowUpInput:
    """The entry's widgets (inside a form); returns the input as typed.

    Raises
    ------
    ValidationError
        When the treatment start has a date without a time (or the reverse), or the
        death is ticked without a date (or dated without the tick).
    """
    c = current or FollowUpInput(contact_on=utcnow().date())
    started = c.treatment_started_at
    c1, c2 = st.columns(2)
    c1.date_input("Contact date", value=c.contact_on, key=f"{prefix}_date")
    c2.selectbox(
        "Kind",
        KINDS,
        index=KINDS.index(c.kind),
        format_func=lambda k: k.label,
        key=f"{prefix}_kind",
    )
    st.markdown("**Pain and analgesia**")
    c1, c2 = st.columns(2)
    c1.number_input(
        "Worst pain at the treated site, NRS 0-10 (empty: unknown)",
        min_value=0,
        max_value=10,
        step=1,
        value=c.pain_score,
        key=f"{prefix}_pain",
    )
    c2.number_input(
        "Opioid dose, oral morphine equivalent mg/day (0: none; empty: unknown)",
        min_value=0.0,
        max_value=100_000.0,
        step=5.0,
        value=None if c.omed_mg is None else float(c.omed_mg),
        key=f"{prefix}_omed",
    )
    st.caption("The pain response after radiation is computed from these and the baseline.")
    st.markdown("**Performance and neurological status**")
    c1, c2, c3, c4 = st.columns(4)
    c1.selectbox(
        "ECOG",
        ECOG_VALUES,
        index=ECOG_VALUES.index(c.ecog),
        format_func=lambda v: UNKNOWN if v is None else str(v),
        key=f"{prefix}_ecog",
    )
    c2.selectbox(
        "Karnofsky",
        KARNOFSKY_VALUES,
        index=KARNOFSKY_VALUES.index(c.karnofsky),
        format_func=lambda v: UNKNOWN if v is None else str(v),
        key=f"{prefix}_karnofsky",
    )
    c3.selectbox(
        "Frankel",
        GRADES,
        index=GRADES.index(c.frankel),
        format_func=lambda v: UNKNOWN if v is None else v,
        key=f"{prefix}_frankel",
    )
    c4.selectbox(
        "ASIA impairment scale",
        GRADES,
        index=GRADES.index(c.asia),
        format_func=lambda v: UNKNOWN if v is None else v,
        key=f"{prefix}_asia",
    )
    tri_state("Walks (with or without aid)", f"{prefix}_ambulatory", c.ambulatory)
    st.text_area(
        "New imaging and its findings", value=c.imaging_findings or "", key=f"{prefix}_findings"
    )
    st.text_area("Complications", value=c.complications or "", key=f"{prefix}_complications")
    st.markdown("**Treatment given compared with the plan**")
    if fb.planned:
        st.caption("Planned: " + md_escape("; ".join(fb.planned)))
    st.text_input("Treatment given", value=c.treatment_given or "", key=f"{prefix}_given")
    c1, c2 = st.columns(2)
    c1.selectbox(
        "Adherence to the plan",
        ADHERENCE,
        index=ADHERENCE.index(c.adherence),
        format_func=_adherence_label,
        key=f"{prefix}_adherence",
    )
    c2.text_input(
        "Reason for the deviation (when modified or not given)",
        value=c.deviation_reason or "",
        key=f"{prefix}_deviation",
    )
    c1, c2 = st.columns(2)
    local_start = None if started is None else to_local(started)
    c1.date_input(
        "Treatment start date (optional)",
        value=None if local_start is None else local_start.date(),
        key=f"{prefix}_start_date",
    )
    c2.time_input(
        f"Treatment start time, {zone_name()} (optional)",
        value=None if local_start is None else local_start.time().replace(tzinfo=None),
        key=f"{prefix}_start_time",
    )
    st.markdown("**Board and outcome**")
    st.checkbox(
        "Request a re-discussion at the board (puts the case on the next agenda)",
        value=c.rediscussion_requested,
        key=f"{prefix}_rediscuss",
    )
    st.text_input(
        "What should the board discuss?",
        value=c.rediscussion_reason or "",
        key=f"{prefix}_rediscuss_reason",
    )
    c1, c2 = st.columns(2)
    c1.checkbox("The patient has died", value=c.died_on is not None, key=f"{prefix}_died")
    c2.date_input("Date of death", value=c.died_on, key=f"{prefix}_died_on")
    st.text_area("Notes", value=c.notes or "", key=f"{prefix}_notes")
    return _read(prefix)


def _read(prefix: str) -> FollowUpInput:
    """The entry as the form holds it (in the run, or in the submit callback).

    Raises
    ------
    ValidationError
        As :func:`_fields`.
    """

    def value(name: str) -> Any:
        return st.session_state.get(f"{prefix}_{name}")

    contact = value("date")
    pain = value("pain")
    omed = value("omed")
    return FollowUpInput(
        contact_on=contact if isinstance(contact, dt.date) else None,
        kind=value("kind") or KINDS[0],
        pain_score=None if pain is None else int(pain),
        omed_mg=None if omed is None else float(omed),
        ecog=value("ecog"),
        karnofsky=value("karnofsky"),
        frankel=value("frankel"),
        asia=value("asia"),
        ambulatory=value("ambulatory"),
        imaging_findings=value("findings") or None,
        complications=value("complications") or None,
        treatment_given=value("given") or None,
        adherence=value("adherence"),
        deviation_reason=value("deviation") or None,
        treatment_started_at=_start(value("start_date"), value("start_time")),
        rediscussion_requested=bool(value("rediscuss")),
        rediscussion_reason=value("rediscuss_reason") or None,
        died_on=_death(bool(value("died")), value("died_on")),
        notes=value("notes") or None,
    )


def _start(day: Any, time: Any) -> dt.datetime | None:
    """Combine the treatment start date and time (both or neither)."""
    day = day if isinstance(day, dt.date) else None
    time = time if isinstance(time, dt.time) else None
    if day is None and time is None:
        return None
    if day is None or time is None:
        raise ValidationError(
            "Give both the date and the time the treatment started, or neither.",
            field="treatment_started_at",
        )
    return to_utc(day, time)


def _death(died: bool, day: Any) -> dt.date | None:
    day = day if isinstance(day, dt.date) else None
    if died and day is None:
        raise ValidationError("Give the date of death.", field="died_on")
    if day is not None and not died:
        raise ValidationError(
            "A date of death is filled in: tick 'The patient has died', or clear the date.",
            field="died_on",
        )
    return day


def _record_form(db: Database, actor: Actor, fb: FollowUpBoard) -> None:
    st.subheader("Record a follow-up")
    prefix = f"fu{fb.case_id}_new{_round(fb.case_id)}"
    open_ones = {v.id: v for v in fb.scheduled if v.status is FollowUpStatus.SCHEDULED}
    if st.session_state.get(f"{prefix}_sched") not in (None, *open_ones):
        del st.session_state[f"{prefix}_sched"]
    with st.form(f"fu_record_{fb.case_id}"):
        st.caption("Every finding may be left unknown.")
        st.selectbox(
            "Answers the scheduled follow-up",
            [None, *open_ones],
            format_func=lambda i: (
                "None (an unscheduled contact)" if i is None else _schedule_label(open_ones[i])
            ),
            key=f"{prefix}_sched",
        )
        with contextlib.suppress(ValidationError):  # shown when the form is submitted
            _fields(prefix, fb, None)
        st.form_submit_button(
            "Record follow-up",
            type="primary",
            on_click=actions.run,
            args=(_slot(fb.case_id), partial(_record, db, actor, fb, prefix)),
        )


def _record(db: Database, actor: Actor, fb: FollowUpBoard, prefix: str) -> str:
    """The record callback: the entry from the session, saved; the form starts afresh."""
    open_ones = {v.id: v for v in fb.scheduled if v.status is FollowUpStatus.SCHEDULED}
    data = _read(prefix)
    scheduled = st.session_state.get(f"{prefix}_sched")
    target = open_ones.get(scheduled) if scheduled is not None else None
    after = record_follow_up(
        db,
        actor,
        fb.case_id,
        data,
        scheduled_id=None if target is None else target.id,
        expected_version=None if target is None else target.version,
    )
    _clear(prefix + "_")
    _next_round(fb.case_id)
    recorded = max(after.entries, key=lambda e: e.id, default=None)
    return "Follow-up recorded." + (
        f" Pain response: {recorded.pain_response_text}." if recorded is not None else ""
    )


# ---------------------------------------------------------------------------
# Entries and corrections
# ---------------------------------------------------------------------------


def _entries(db: Database, actor: Actor, fb: FollowUpBoard, can_write: bool) -> None:
    st.subheader("Recorded follow-up")
    if not fb.entries:
        st.caption("No follow-up recorded yet.")
        return
    st.dataframe(
        [
            {
                "Date": fmt_date(e.date),
                "Kind": e.kind.label,
                "Pain (NRS)": "" if e.pain_score is None else str(e.pain_score),
                "OMED mg/day": _num(e.omed_mg),
                "Pain response (computed)": e.pain_response_text,
                "ECOG / Karnofsky": f"{_num(e.ecog) or '-'} / {_num(e.karnofsky) or '-'}",
                "Frankel / ASIA": f"{e.frankel or '-'} / {e.asia or '-'}",
                "Walks": tri_state_label(e.ambulatory),
                "Treatment": (e.treatment_given or "")
                + ("" if e.adherence is None else f" ({e.adherence.label})"),
                "Deviation reason": e.deviation_reason or "",
                "Imaging findings": e.imaging_findings or "",
                "Complications": e.complications or "",
                "Re-discussion": (e.rediscussion_reason or "") if e.rediscussion_requested else "",
                "Died": fmt_date(e.died_on),
                "Notes": e.notes or "",
                "Recorded by": e.recorded_by or "",
            }
            for e in fb.entries
        ],
        hide_index=True,
    )
    if not can_write:
        return
    by_id = {e.id: e for e in fb.entries}
    with st.expander("Correct an entry", icon=":material/edit:"):
        chosen = st.selectbox(
            "Entry",
            list(by_id),
            format_func=lambda i: f"{by_id[i].kind.label} on {by_id[i].date:%Y-%m-%d}",
            key=f"fu{fb.case_id}_fix_pick",
        )
        entry = by_id[chosen]
        prefix = f"fu{fb.case_id}_fix{entry.id}v{entry.version}"
        with st.form(f"fu_fix_{fb.case_id}"):
            with contextlib.suppress(ValidationError):  # shown when the form is submitted
                _fields(prefix, fb, entry.to_input())
            st.form_submit_button(
                "Save correction",
                on_click=actions.run,
                args=(_slot(fb.case_id), partial(_correct, db, actor, entry, prefix)),
            )


def _correct(db: Database, actor: Actor, entry: Any, prefix: str) -> str:
    correct_follow_up(db, actor, entry.id, entry.version, _read(prefix))
    _clear(prefix + "_")
    return "Correction saved."


# ---------------------------------------------------------------------------
# Timeline and charts
# ---------------------------------------------------------------------------


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _rules(fb: FollowUpBoard) -> alt.Chart | None:
    markers = charts.treatment_markers(fb)
    if not markers:
        return None
    return (
        alt.Chart(_frame(markers))
        .mark_rule(strokeDash=[4, 3])
        .encode(
            x="date:T",
            color=alt.Color(
                "event:N",
                scale=alt.Scale(domain=["decision", "treatment start"], range=["grey", "green"]),
                title="Marker",
            ),
            tooltip=[alt.Tooltip("date:T", title="Date"), alt.Tooltip("label:N", title="Event")],
        )
    )


def _pain_chart(fb: FollowUpBoard, rows: list[dict[str, Any]]) -> alt.VConcatChart:
    frame = _frame(rows)
    rules = _rules(fb)
    panels = []
    for measure, domain in ((charts.PAIN, [0, 10]), (charts.OMED, None)):
        part = frame[frame["measure"] == measure]
        y = alt.Y("value:Q", title=measure)
        if domain is not None:
            y = alt.Y("value:Q", title=measure, scale=alt.Scale(domain=domain))
        line = (
            alt.Chart(part)
            .mark_line(point=True)
            .encode(
                x=alt.X("date:T", title="Date"),
                y=y,
                tooltip=[
                    alt.Tooltip("date:T", title="Date"),
                    alt.Tooltip("value:Q", title=measure),
                    alt.Tooltip("source:N", title="Source"),
                    alt.Tooltip("response:N", title="Pain response"),
                ],
            )
        )
        panels.append((line + rules if rules is not None else line).properties(height=180))
    return alt.vconcat(*panels)


def _neuro_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    return (
        alt.Chart(_frame(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Date"),
            y=alt.Y(
                "level:Q",
                title="Grade (A worst, E normal)",
                scale=alt.Scale(domain=[1, 5]),
                axis=alt.Axis(
                    values=[1, 2, 3, 4, 5],
                    labelExpr="['', 'A', 'B', 'C', 'D', 'E'][datum.value]",
                ),
            ),
            color=alt.Color("scale:N", title="Scale"),
            tooltip=[
                alt.Tooltip("date:T", title="Date"),
                alt.Tooltip("scale:N", title="Scale"),
                alt.Tooltip("grade:N", title="Grade"),
                alt.Tooltip("source:N", title="Source"),
            ],
        )
        .properties(height=200)
    )


def _performance_chart(rows: list[dict[str, Any]]) -> alt.HConcatChart:
    frame = _frame(rows)
    panels = []
    for scale, domain in ((charts.ECOG, [0, 5]), (charts.KARNOFSKY, [0, 100])):
        panels.append(
            alt.Chart(frame[frame["scale"] == scale])
            .mark_line(point=True)
            .encode(
                x=alt.X("date:T", title="Date"),
                y=alt.Y("value:Q", title=scale, scale=alt.Scale(domain=domain)),
                tooltip=[
                    alt.Tooltip("date:T", title="Date"),
                    alt.Tooltip("value:Q", title=scale),
                    alt.Tooltip("source:N", title="Source"),
                ],
            )
            .properties(height=200)
        )
    return alt.hconcat(*panels)


def _chart(chart: Any, summary: str) -> None:
    """A chart with its text summary: the chart's description (what a screen reader
    announces for it) and a caption under it for everyone."""
    st.altair_chart(chart.properties(description=summary))
    st.caption(md_escape(summary))


def _course(fb: FollowUpBoard) -> None:
    st.subheader("Timeline")
    st.dataframe(
        [
            {"Date": fmt_date(e.on), "Event": e.kind.replace("_", " "), "Description": e.label}
            for e in fb.timeline
        ],
        hide_index=True,
    )
    st.subheader("Pain and opioid dose")
    rows = charts.pain_rows(fb)
    if charts.recorded_points(rows):
        _chart(_pain_chart(fb, rows), charts.text_summary(rows, "measure"))
    else:
        st.caption(NO_CHART)
    st.subheader("Neurological status")
    rows = charts.neuro_rows(fb)
    if charts.recorded_points(rows):
        _chart(_neuro_chart(rows), charts.text_summary(rows, "scale", "grade"))
    else:
        st.caption(NO_CHART)
    st.subheader("Performance status")
    rows = charts.performance_rows(fb)
    if charts.recorded_points(rows):
        _chart(_performance_chart(rows), charts.text_summary(rows, "scale"))
    else:
        st.caption(NO_CHART)


# ---------------------------------------------------------------------------
# The tab
# ---------------------------------------------------------------------------


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the case's follow-up."""
    actions.show_outcome(_slot(case.id))
    fb = get_follow_up_board(db, actor, case.id)
    if fb.plan_id is None:
        st.info(md_escape(fb.cannot_record_reason or "No finalized plan yet."))
        return
    _header(fb)
    may_record = may(actor, Action.FOLLOW_UP_RECORD)
    can_write = fb.can_record and may_record
    _schedule(db, actor, fb, can_write)
    if fb.can_record:
        if may_record:
            _record_form(db, actor, fb)
    else:
        st.info(md_escape(fb.cannot_record_reason or ""))
    # Entries stay correctable after a death (the death itself included).
    _entries(db, actor, fb, may_record and fb.case_status in RECORDABLE)
    _course(fb)
