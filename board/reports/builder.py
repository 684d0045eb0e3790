"""Build the :class:`~board.reports.model.BoardReport` of a case inside an open session.

Key facts, scores and each role's input come from the case read model
(:mod:`board.cases.read_model`), passed in by a caller that has loaded it already or
loaded here once; the plan, meeting, imaging, pathology and notes are read directly
with small queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.accounts.users import display_names
from board.cases.read_model import CaseReadModel, load_case_read_model
from board.db.models import (
    ActionItem,
    Attendance,
    Biopsy,
    Dissent,
    FollowUp,
    ImagingSeries,
    ImagingStudy,
    Meeting,
    Note,
    PlanVersion,
    SignOff,
    utcnow,
)
from board.errors import NotFoundError
from board.localtime import fmt_local, to_local
from board.plans.catalogue import COMPONENT_LABELS, INTENT_LABELS, describe_item
from board.plans.enums import PlanStatus
from board.reports.model import (
    REPORT_SCORES,
    ActionRow,
    AttendanceRow,
    BoardReport,
    DissentRow,
    FollowUpRow,
    ImagingRow,
    NoteRow,
    PathologyRow,
    PlanComponentRow,
    ReportHeader,
    SafetyPromptRow,
    SignOffRow,
    SpecialtyInput,
)


def _label(value: Any) -> str:
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    text = str(getattr(value, "value", value))
    return text.replace("_", " ").capitalize()


def _imaging(session: Session, case_id: int) -> tuple[ImagingRow, ...]:
    studies = session.scalars(
        select(ImagingStudy)
        .where(ImagingStudy.case_id == case_id)
        .order_by(ImagingStudy.study_date.desc(), ImagingStudy.id)
    ).all()
    series_by_study: dict[int, list[ImagingSeries]] = {}
    if studies:
        for one in session.scalars(
            select(ImagingSeries)
            .where(ImagingSeries.study_id.in_([s.id for s in studies]))
            .order_by(ImagingSeries.series_number, ImagingSeries.id)
        ):
            series_by_study.setdefault(one.study_id, []).append(one)
    rows = []
    for study in studies:
        series = series_by_study.get(study.id, [])
        key = next((s for s in series if s.thumbnail_png), None)
        caption = ""
        if key is not None:
            caption = f"{key.modality} series {key.series_number or '-'}: {key.description or ''}"
        rows.append(
            ImagingRow(
                modality=study.modality,
                study_date=study.study_date,
                description=study.description or "",
                body_region=(study.body_region or "").replace("_", " "),
                study_uid=study.study_uid,
                series=len(series),
                thumbnail_png=bytes(key.thumbnail_png) if key and key.thumbnail_png else None,
                thumbnail_caption=caption.strip(),
            )
        )
    return tuple(rows)


def _markers(markers: Mapping[str, Any] | None) -> str:
    return "; ".join(f"{k}: {v}" for k, v in (markers or {}).items())


def _pathology(session: Session, case_id: int) -> tuple[PathologyRow, ...]:
    return tuple(
        PathologyRow(
            kind=_label(b.kind),
            status=_label(b.status),
            performed_on=b.performed_on,
            site=b.site or "",
            histology=b.histology or "",
            grade=b.grade or "",
            markers=_markers(b.markers),
            pathologist=b.pathologist or "",
            report_text=b.report_text or "",
        )
        for b in session.scalars(
            select(Biopsy).where(Biopsy.case_id == case_id).order_by(Biopsy.id)
        )
    )


def _notes(session: Session, case_id: int) -> tuple[NoteRow, ...]:
    return tuple(
        NoteRow(n.author_name, _label(n.author_role), _label(n.kind), n.created_at, n.body)
        for n in session.scalars(
            select(Note).where(Note.case_id == case_id).order_by(Note.created_at, Note.id)
        )
    )


def _follow_ups(session: Session, case_id: int) -> tuple[FollowUpRow, ...]:
    return tuple(
        FollowUpRow(_label(f.kind), f.due_on, _label(f.status))
        for f in session.scalars(
            select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.due_on)
        )
    )


def _presenting(case: CaseReadModel) -> tuple[str, ...]:
    lines = [f"Pain: {case.pain}"]
    if case.symptoms:
        lines.append("Symptoms: " + ", ".join(case.symptoms))
    if case.symptom_onset is not None:
        lines.append(f"Onset: {case.symptom_onset.isoformat()}")
    lines.append(f"Performance status: {case.performance}")
    lines.append(f"Neurology: {case.neurology}")
    if case.referred_by:
        lines.append(f"Referred by: {case.referred_by}")
    return tuple(lines)


def _noms_text(plan: PlanVersion | None, case: CaseReadModel) -> str:
    """The NOMS suggestion: the plan's snapshot when there is one, else the live one."""
    if plan is not None:
        result = (plan.noms_suggestion or {}).get("result")
        if isinstance(result, Mapping):
            suggestions = result.get("suggestions")
            if isinstance(suggestions, list) and suggestions:
                return "; ".join(str(s) for s in suggestions)
    return case.noms_summary


def _meeting_text(
    session: Session, plan: PlanVersion | None, meeting: Meeting | None
) -> str | None:
    """The meeting line: the version's meeting; for an amendment made outside a meeting,
    that it was, and where the version before it was discussed."""
    if meeting is not None:
        return f"{meeting.title}, {fmt_local(meeting.starts_at)}"
    if plan is None or plan.number == 1:
        return None
    earlier = session.execute(
        select(PlanVersion.number, Meeting.title, Meeting.starts_at)
        .join(Meeting, Meeting.id == PlanVersion.meeting_id)
        .where(PlanVersion.case_id == plan.case_id, PlanVersion.number < plan.number)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).first()
    text = f"amended outside a meeting (version {plan.number})"
    if earlier is not None:
        number, title, starts_at = earlier
        text += f"; version {number} was discussed at {title}, {fmt_local(starts_at)}"
    return text


def select_plan(session: Session, case_id: int, plan_id: int | None = None) -> PlanVersion | None:
    """The plan version a report shows: ``plan_id``, else the case's latest version.

    Parameters
    ----------
    session:
        An open session.
    case_id:
        The case.
    plan_id:
        A specific version (must belong to the case), or ``None`` for the latest.

    Returns
    -------
    PlanVersion | None
        The version, or ``None`` when the case has no plan.

    Raises
    ------
    NotFoundError
        If ``plan_id`` is not a plan version of the case.
    """
    if plan_id is not None:
        plan = session.get(PlanVersion, plan_id)
        if plan is None or plan.case_id != case_id:
            raise NotFoundError(f"Plan version {plan_id} of case {case_id} does not exist.")
        return plan
    return session.scalars(
        select(PlanVersion)
        .where(PlanVersion.case_id == case_id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).first()


def load_report(
    session: Session,
    case_id: int,
    *,
    plan_id: int | None = None,
    generated_at: dt.datetime | None = None,
    case: CaseReadModel | None = None,
) -> BoardReport:
    """Build the report of a case inside an open session (no permission check).

    Parameters
    ----------
    session:
        An open session (read or write).
    case_id:
        The case.
    plan_id:
        The plan version to show; the latest when ``None``.
    generated_at:
        The time printed as "generated at"; now when ``None``.
    case:
        The case read model when the caller has loaded it in this transaction (it must
        be case ``case_id``); loaded here when ``None``.

    Returns
    -------
    BoardReport
        The report model.

    Raises
    ------
    NotFoundError
        If there is no such case or plan version.
    """
    if case is None:
        case = load_case_read_model(session, case_id)
    elif case.id != case_id:
        raise ValueError(f"The read model of case {case.id} was passed for case {case_id}.")
    plan = select_plan(session, case_id, plan_id)
    meeting = session.get(Meeting, plan.meeting_id) if plan and plan.meeting_id else None

    dissents: list[tuple[Dissent, int | None]] = []
    sign_offs: list[SignOff] = []
    actions: list[ActionItem] = []
    attendance: list[Attendance] = []
    if plan is not None:
        # The dissent history: an amendment's report shows the earlier versions' too.
        dissents = [
            (dissent, None if number == plan.number else number)
            for dissent, number in session.execute(
                select(Dissent, PlanVersion.number)
                .join(PlanVersion, PlanVersion.id == Dissent.plan_version_id)
                .where(PlanVersion.case_id == plan.case_id, PlanVersion.number <= plan.number)
                .order_by(Dissent.created_at, Dissent.id)
            )
        ]
        sign_offs = list(
            session.scalars(
                select(SignOff).where(SignOff.plan_version_id == plan.id).order_by(SignOff.id)
            )
        )
        actions = list(
            session.scalars(
                select(ActionItem)
                .where(ActionItem.plan_version_id == plan.id)
                .order_by(ActionItem.due_on, ActionItem.id)
            )
        )
    if meeting is not None:
        attendance = list(
            session.scalars(
                select(Attendance)
                .where(Attendance.meeting_id == meeting.id)
                .order_by(Attendance.recorded_at, Attendance.id)
            )
        )
    names = display_names(
        session,
        [
            *(s.user_id for s in sign_offs),
            *(a.user_id for a in attendance),
            *(a.owner_user_id for a in actions),
        ],
    )

    def owner(item: ActionItem) -> str:
        if item.owner_user_id is not None:
            return names.get(item.owner_user_id, f"user {item.owner_user_id}")
        return _label(item.owner_role) if item.owner_role is not None else "unassigned"

    draft = plan is None or plan.status is not PlanStatus.FINALIZED
    header = ReportHeader(
        case_id=case.id,
        pseudonym=case.pseudonym,
        hospital_number=case.hospital_number,
        age=case.age,
        sex=case.sex.label,
        primary=case.primary_site_label,
        histology=case.current_histology,
        levels=case.levels,
        meeting=_meeting_text(session, plan, meeting),
        meeting_date=to_local(meeting.starts_at).date() if meeting else None,
        plan_number=plan.number if plan else None,
        plan_status=_label(plan.status) if plan else "No plan yet",
        finalized_at=plan.finalized_at if plan else None,
        draft=draft,
    )
    departures: tuple[str, ...] = ()
    prompts: tuple[SafetyPromptRow, ...] = ()
    dose_lines: tuple[str, ...] = ()
    if plan is not None:
        stored = plan.noms_suggestion or {}
        departures = tuple(str(d) for d in stored.get("departures", ()))
        prompts = tuple(
            SafetyPromptRow(
                str(p.get("text", "")),
                str(p.get("source", "")),
                str(p.get("severity", "")),
                bool(p.get("acknowledged")),
            )
            for p in stored.get("safety_prompts", ())
            if isinstance(p, dict)
        )
        dose_lines = tuple(str(line) for line in stored.get("dose_lines", ()))
    return BoardReport(
        header=header,
        referral_question=case.referral_question or "",
        presenting_problem=_presenting(case),
        red_flags=case.urgency_reasons,
        urgent=case.urgent,
        imaging=_imaging(session, case_id),
        pathology=_pathology(session, case_id),
        specialties=tuple(
            SpecialtyInput(_label(r.role), r.submitted, r.summary) for r in case.role_inputs
        ),
        scores=tuple(case.scores.get(key) for key in REPORT_SCORES),
        noms_suggestion=_noms_text(plan, case),
        departures=departures,
        deviation_reason=plan.deviation_reason if plan else None,
        plan_intent=INTENT_LABELS.get(plan.intent) if plan and plan.intent else None,
        plan_summary=plan.summary or "" if plan else "",
        amendment_reason=plan.amendment_reason if plan else None,
        plan_components=tuple(
            PlanComponentRow(
                COMPONENT_LABELS.get(item.component, _label(item.component)),
                describe_item(item.component, item.option, item.details or {}),
            )
            for item in (plan.items if plan else [])
        ),
        action_items=tuple(
            ActionRow(a.description, owner(a), a.due_on, a.done_at is not None) for a in actions
        ),
        follow_ups=_follow_ups(session, case_id),
        dissents=tuple(
            DissentRow(d.author_name, _label(d.author_role), d.text, d.created_at, on_version)
            for d, on_version in dissents
        ),
        attendance=tuple(
            AttendanceRow(
                names.get(a.user_id, f"user {a.user_id}"), _label(a.role), a.present, a.recorded_at
            )
            for a in attendance
        ),
        sign_offs=tuple(
            SignOffRow(
                names.get(s.user_id, f"user {s.user_id}"),
                _label(s.role),
                s.signed_at,
                plan is not None and s.plan_revision == plan.revision,
            )
            for s in sign_offs
        ),
        notes=_notes(session, case_id),
        generated_at=generated_at or utcnow(),
        case=case,
        safety_prompts=prompts,
        dose_lines=dose_lines,
        noms_reasoning=tuple(case.noms.reasoning) if case.noms is not None else (),
        performance=case.performance,
        neurology=case.neurology,
    )
