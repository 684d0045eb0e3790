"""Follow-up after the board: record contacts, keep the schedule, read a case's course.

Every write checks the actor's permission, writes, and appends its audit event in the
same transaction. Entries are versioned rows: a correction made on an outdated copy is
refused with who changed it and when.

Recording a contact:

- fills in the scheduled follow-up it answers (or adds an unscheduled one);
- computes the pain response after radiation from the plan's baseline (never typed);
- moves a case whose plan is finalized into follow-up;
- a death closes the open schedule (scheduled follow-ups are cancelled), takes the case
  off the agendas of meetings still to come, and is kept on the case;
- a re-discussion request puts the case on the next scheduled meeting's agenda (or
  among the agenda candidates when none is scheduled) until the board finalizes a new
  plan version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.accounts.users import display_names
from board.audit.service import diff, jsonable, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.enums import CaseStatus
from board.cases.read_model import load_case_read_model
from board.cases.workflow import apply_transition
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    Case,
    FollowUp,
    ImagingStudy,
    Meeting,
    PlanVersion,
    utcnow,
)
from board.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from board.followup.baseline import Baseline, capture_baseline
from board.followup.due import due_follow_ups_for, due_state
from board.followup.enums import DueState, FollowUpKind, FollowUpStatus
from board.followup.rules import assess_pain_response, check_entry
from board.followup.views import (
    FollowUpBoard,
    FollowUpInput,
    FollowUpView,
    TimelineEvent,
)
from board.meetings.enums import MeetingStatus
from board.meetings.steps import place_for_rediscussion, withdraw_after_death
from board.plans.catalogue import COMPONENT_LABELS, describe_item
from board.plans.enums import PlanComponent, PlanStatus
from board.scoring.pain import PainResponse

#: Case statuses in which follow-up can be recorded.
RECORDABLE = (CaseStatus.PLAN_FINALIZED, CaseStatus.IN_FOLLOW_UP)
MAX_REASON = 2_000
_AUDITED = (
    "kind",
    "status",
    "due_on",
    "done_on",
    "pain_score",
    "omed_mg",
    "baseline_pain",
    "baseline_omed_mg",
    "pain_response",
    "ecog",
    "karnofsky",
    "frankel",
    "asia",
    "ambulatory",
    "imaging_findings",
    "complications",
    "treatment_given",
    "adherence",
    "deviation_reason",
    "treatment_started_at",
    "rediscussion_requested",
    "rediscussion_reason",
    "died_on",
    "notes",
)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _today() -> dt.date:
    return utcnow().date()


def _load_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    return case


def _finalized_plans(session: Session, case_id: int) -> list[PlanVersion]:
    """Finalized and superseded versions, oldest first."""
    return list(
        session.scalars(
            select(PlanVersion)
            .where(
                PlanVersion.case_id == case_id,
                PlanVersion.status.in_((PlanStatus.FINALIZED, PlanStatus.SUPERSEDED)),
                PlanVersion.finalized_at.is_not(None),
            )
            .order_by(PlanVersion.finalized_at, PlanVersion.number)
        )
    )


def _in_force(plans: Sequence[PlanVersion]) -> PlanVersion | None:
    for plan in reversed(plans):
        if plan.status is PlanStatus.FINALIZED:
            return plan
    return plans[-1] if plans else None


def _has_radiation(plan: PlanVersion | None) -> bool:
    return plan is not None and any(i.component is PlanComponent.RADIATION for i in plan.items)


def _baseline(session: Session, plan: PlanVersion | None) -> Baseline:
    if plan is None:
        return Baseline()
    if plan.baseline is None:  # finalized before baselines were kept: take today's values
        return capture_baseline(load_case_read_model(session, plan.case_id))
    return Baseline.from_dict(plan.baseline)


def _snapshot(row: FollowUp) -> dict[str, Any]:
    return {key: jsonable(getattr(row, key)) for key in _AUDITED}


def _conflict(session: Session, row: FollowUp, pseudonym: str) -> ConflictError:
    who = display_names(session, [row.updated_by_id]).get(row.updated_by_id or -1)
    return ConflictError(
        f"The follow-up of {pseudonym} due {row.due_on:%Y-%m-%d}",
        changed_by=who,
        changed_at=row.updated_at,
    )


def _entry(
    session: Session,
    follow_up_id: int,
    expected_version: int | None,
    status: FollowUpStatus,
    case_id: int | None = None,
) -> tuple[FollowUp, Case]:
    """Load a follow-up (and its case) that must still be the version seen, in ``status``."""
    row = session.get(FollowUp, follow_up_id)
    if row is None or (case_id is not None and row.case_id != case_id):
        raise NotFoundError(
            f"Follow-up {follow_up_id} does not exist"
            + (" for this case." if case_id is not None else ".")
        )
    case = _load_case(session, row.case_id)
    if expected_version is not None and row.version != expected_version:
        raise _conflict(session, row, case.patient.pseudonym)
    if row.status is not status:
        if status is FollowUpStatus.DONE:
            raise InvalidStateError("Only a recorded follow-up can be corrected.")
        raise InvalidStateError(
            f"The follow-up due {row.due_on:%Y-%m-%d} is already {row.status.label}."
        )
    return row, case


@contextmanager
def _writing(db: Database, follow_up_id: int | None) -> Iterator[Session]:
    """A write transaction that turns a lost update into a clear conflict."""
    try:
        with db.write() as session:
            yield session
    except StaleDataError:
        if follow_up_id is None:
            raise ConflictError("This case's follow-up") from None
        with db.read() as session:
            row = session.get(FollowUp, follow_up_id)
            if row is None:
                raise NotFoundError(f"Follow-up {follow_up_id} does not exist.") from None
            case = _load_case(session, row.case_id)
            raise _conflict(session, row, case.patient.pseudonym) from None


def _radiation_start(
    rows: Sequence[FollowUp], this_entry: dt.datetime | None = None
) -> dt.date | None:
    """The recorded start of treatment: the earliest start on the case's entries."""
    starts = [r.treatment_started_at for r in rows if r.treatment_started_at is not None]
    if this_entry is not None:
        starts.append(this_entry)
    return min(starts).date() if starts else None


def _view(
    row: FollowUp,
    names: dict[int, str],
    plan_numbers: dict[int, int],
    has_radiation: bool,
    today: dt.date,
    radiation_start: dt.date | None = None,
) -> FollowUpView:
    done = row.status is FollowUpStatus.DONE
    response = PainResponse(row.pain_response) if row.pain_response else None
    if done:
        # An entry recorded under a plan with radiation keeps its response (and text)
        # when a later version drops radiation, and a stored response is history: it
        # keeps its text even if no start of radiation is recorded.
        contact = row.done_on or row.due_on
        text = assess_pain_response(
            has_radiation=has_radiation or response is not None,
            baseline_pain=row.baseline_pain,
            baseline_omed=row.baseline_omed_mg,
            pain=row.pain_score,
            omed=row.omed_mg,
            radiation_start=contact if response is not None else radiation_start,
            contact_date=contact,
        ).text
    else:
        text = ""
    return FollowUpView(
        id=row.id,
        version=row.version,
        case_id=row.case_id,
        kind=row.kind,
        status=row.status,
        due_on=row.due_on,
        done_on=row.done_on,
        due_state=due_state(row.due_on, today) if row.status is FollowUpStatus.SCHEDULED else None,
        plan_number=plan_numbers.get(row.plan_version_id or -1),
        pain_score=row.pain_score,
        omed_mg=row.omed_mg,
        baseline_pain=row.baseline_pain,
        baseline_omed_mg=row.baseline_omed_mg,
        pain_response=response,
        pain_response_text=text,
        ecog=row.ecog,
        karnofsky=row.karnofsky,
        frankel=row.frankel,
        asia=row.asia,
        ambulatory=row.ambulatory,
        imaging_findings=row.imaging_findings,
        complications=row.complications,
        treatment_given=row.treatment_given,
        adherence=row.adherence,
        deviation_reason=row.deviation_reason,
        treatment_started_at=row.treatment_started_at,
        rediscussion_requested=row.rediscussion_requested,
        rediscussion_reason=row.rediscussion_reason,
        died_on=row.died_on,
        notes=row.notes,
        recorded_at=row.recorded_at,
        recorded_by=names.get(row.recorded_by_id or -1),
    )


def _why_not(case: Case, plans: Sequence[PlanVersion]) -> str | None:
    if not plans:
        return (
            "Follow-up starts once the board's plan for this case is finalized; there is "
            "no finalized plan yet."
        )
    if case.status not in RECORDABLE:
        return f"The case is '{case.status.label}': follow-up can no longer be recorded."
    if case.died_on is not None:
        return f"The patient's death on {case.died_on:%Y-%m-%d} is recorded."
    return None


def _timeline(
    session: Session,
    case: Case,
    plans: Sequence[PlanVersion],
    rows: Sequence[FollowUp],
) -> tuple[TimelineEvent, ...]:
    events = [TimelineEvent(case.created_at.date(), "referral", "Referred to the board")]
    for study in session.scalars(
        select(ImagingStudy).where(
            ImagingStudy.case_id == case.id, ImagingStudy.study_date.is_not(None)
        )
    ):
        assert study.study_date is not None
        label = " ".join(p for p in (study.modality, study.description) if p) or "Imaging"
        events.append(TimelineEvent(study.study_date, "imaging", label))
    for meeting in session.scalars(
        select(Meeting)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, Meeting.status != MeetingStatus.CANCELLED)
    ):
        events.append(
            TimelineEvent(meeting.starts_at.date(), "meeting", f"On the agenda: {meeting.title}")
        )
    for plan in plans:
        assert plan.finalized_at is not None
        items = "; ".join(
            COMPONENT_LABELS[i.component]
            for i in plan.items
            if i.component is not PlanComponent.FOLLOW_UP
        )
        events.append(
            TimelineEvent(
                plan.finalized_at.date(),
                "decision",
                f"Plan version {plan.number} finalized" + (f": {items}" if items else ""),
            )
        )
    for row in rows:
        if row.status is not FollowUpStatus.DONE or row.done_on is None:
            continue
        if row.treatment_started_at is not None:
            events.append(
                TimelineEvent(
                    row.treatment_started_at.date(),
                    "treatment",
                    "Treatment started"
                    + (f": {row.treatment_given}" if row.treatment_given else ""),
                )
            )
        parts = [row.kind.label]
        if row.pain_score is not None:
            parts.append(f"pain {row.pain_score}/10")
        if row.pain_response:
            parts.append(PainResponse(row.pain_response).label)
        if row.adherence is not None:
            parts.append(f"treatment {row.adherence.label}")
        events.append(TimelineEvent(row.done_on, "follow_up", ", ".join(parts)))
        if row.rediscussion_requested:
            events.append(
                TimelineEvent(row.done_on, "rediscussion", "Re-discussion at the board requested")
            )
    if case.died_on is not None:
        events.append(TimelineEvent(case.died_on, "death", "Died"))
    order = {
        k: n
        for n, k in enumerate(
            (
                "referral",
                "imaging",
                "meeting",
                "decision",
                "treatment",
                "follow_up",
                "rediscussion",
                "death",
            )
        )
    }
    events.sort(key=lambda e: (e.on, order.get(e.kind, 99)))
    return tuple(events)


def _board(session: Session, case: Case, today: dt.date) -> FollowUpBoard:
    plans = _finalized_plans(session, case.id)
    plan = _in_force(plans)
    radiation = _has_radiation(plan)
    rows = list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.case_id == case.id)
            .order_by(FollowUp.due_on, FollowUp.id)
        )
    )
    names = display_names(session, [r.recorded_by_id for r in rows])
    numbers = {p.id: p.number for p in plans}
    start = _radiation_start(rows)
    views = [_view(r, names, numbers, radiation, today, start) for r in rows]
    entries = sorted(
        (v for v in views if v.status is FollowUpStatus.DONE),
        key=lambda v: (v.date, v.id),
        reverse=True,
    )
    scheduled = [v for v in views if v.status is not FollowUpStatus.DONE]
    why = _why_not(case, plans)
    return FollowUpBoard(
        case_id=case.id,
        pseudonym=case.patient.pseudonym,
        case_status=case.status,
        case_version=case.version,
        referred_on=case.created_at.date(),
        decision_at=plans[0].finalized_at if plans else None,
        plan_id=None if plan is None else plan.id,
        plan_number=None if plan is None else plan.number,
        planned=tuple(
            describe_item(i.component, i.option, i.details or {})
            for i in (plan.items if plan is not None else ())
        ),
        plan_has_radiation=radiation,
        baseline=_baseline(session, plans[0] if plans else None),
        entries=tuple(entries),
        scheduled=tuple(scheduled),
        timeline=_timeline(session, case, plans, rows),
        died_on=case.died_on,
        rediscussion_requested_at=case.rediscussion_requested_at,
        rediscussion_reason=case.rediscussion_reason,
        can_record=why is None,
        cannot_record_reason=why,
    )


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def get_follow_up_board(db: Database, actor: Actor, case_id: int) -> FollowUpBoard:
    """A case's follow-up: plan in force, baseline, entries, schedule and timeline.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    case_id:
        The case.

    Returns
    -------
    FollowUpBoard
        Everything the Follow-up tab shows.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    NotFoundError
        If there is no such case.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        return _board(session, _load_case(session, case_id), _today())


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _apply_entry(
    session: Session,
    actor: Actor,
    case: Case,
    row: FollowUp,
    data: FollowUpInput,
    plans: Sequence[PlanVersion],
    now: dt.datetime,
) -> dict[str, Any]:
    """Check ``data`` (no date after ``now``) and write it onto ``row``; returns the values
    written."""
    decided = plans[0].finalized_at
    assert decided is not None
    values = check_entry(
        data, today=now.date(), referred_on=case.created_at.date(), decided_on=decided.date()
    )
    if row.died_on is not None and values["died_on"] is None:
        raise ValidationError(
            "A recorded death cannot be removed by a correction; if it was recorded on "
            "the wrong case, ask an administrator.",
            field="died_on",
        )
    if values["died_on"] is not None and case.died_on is not None and row.died_on is None:
        raise ValidationError(
            f"The patient's death is already recorded ({case.died_on:%Y-%m-%d}); correct "
            "that entry instead.",
            field="died_on",
        )
    plan = _in_force(plans)
    baseline = _baseline(session, plans[0])
    radiation = _has_radiation(plan)
    others = session.scalars(
        select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.id != row.id)
    ).all()
    assessment = assess_pain_response(
        has_radiation=radiation,
        baseline_pain=baseline.pain_nrs,
        baseline_omed=baseline.omed_mg,
        pain=values["pain_score"],
        omed=values["omed_mg"],
        radiation_start=_radiation_start(others, values["treatment_started_at"]),
        contact_date=values["done_on"],
    )
    values["baseline_pain"] = baseline.pain_nrs if radiation else None
    values["baseline_omed_mg"] = baseline.omed_mg if radiation else None
    values["pain_response"] = None if assessment.response is None else assessment.response.value
    for key, value in values.items():
        setattr(row, key, value)
    row.status = FollowUpStatus.DONE
    if row.recorded_at is None:
        row.recorded_at = now
        row.recorded_by_id = actor.user_id
    row.updated_at = now
    row.updated_by_id = actor.user_id
    return values


def _after_entry(
    session: Session, actor: Actor, case: Case, row: FollowUp, now: dt.datetime
) -> None:
    """Effects of an entry recorded at ``now`` on the case: follow-up status, death,
    re-discussion."""
    if case.status is CaseStatus.PLAN_FINALIZED:
        apply_transition(
            session,
            actor,
            case,
            CaseStatus.IN_FOLLOW_UP,
            reason="first follow-up recorded",
            now=now,
        )
    if row.died_on is not None and case.died_on != row.died_on:
        before = case.died_on
        case.died_on = row.died_on
        case.updated_at = now
        case.updated_by_id = actor.user_id
        cancelled = list(
            session.scalars(
                select(FollowUp).where(
                    FollowUp.case_id == case.id, FollowUp.status == FollowUpStatus.SCHEDULED
                )
            )
        )
        for other in cancelled:
            other.status = FollowUpStatus.CANCELLED
            other.notes = f"Cancelled: the patient died on {row.died_on:%Y-%m-%d}."
            other.updated_at = now
            other.updated_by_id = actor.user_id
        if case.rediscussion_requested_at is not None:
            case.rediscussion_requested_at = None
            case.rediscussion_reason = None
        session.flush()
        withdrawn = withdraw_after_death(session, actor, case, now=now)
        record(
            session,
            actor,
            "case.death",
            "case",
            case.id,
            case_id=case.id,
            before={"died_on": jsonable(before)},
            after={
                "died_on": jsonable(row.died_on),
                "cancelled_follow_up_ids": [o.id for o in cancelled],
                "removed_from_meeting_ids": withdrawn,
            },
            at=now,
        )
    if row.rediscussion_requested and case.rediscussion_requested_at is None:
        case.rediscussion_requested_at = now
        case.rediscussion_reason = row.rediscussion_reason
        case.updated_at = now
        case.updated_by_id = actor.user_id
        session.flush()
        meeting = place_for_rediscussion(session, actor, case, now=now)
        record(
            session,
            actor,
            "case.rediscussion_request",
            "case",
            case.id,
            case_id=case.id,
            after={
                "reason": row.rediscussion_reason,
                "meeting_id": None if meeting is None else meeting.id,
            },
            at=now,
        )


def record_follow_up(
    db: Database,
    actor: Actor,
    case_id: int,
    data: FollowUpInput,
    *,
    scheduled_id: int | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> FollowUpBoard:
    """Record a follow-up contact.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who records it (any clinical staff).
    case_id:
        The case.
    data:
        The findings.
    scheduled_id:
        The scheduled follow-up this contact answers; ``None`` adds an unscheduled one.
    expected_version:
        The version of the scheduled follow-up the person saw.
    now:
        The time it is recorded (the demo board writes back-dated): no date of the
        entry may lie after it. Now when ``None``.

    Returns
    -------
    FollowUpBoard
        The case's follow-up after the change.

    Raises
    ------
    PermissionDeniedError
        If the actor may not record follow-up.
    NotFoundError
        If the case or scheduled follow-up does not exist.
    InvalidStateError
        If the case has no finalized plan, is closed, its patient has died, or the
        scheduled follow-up is no longer open.
    ValidationError
        If a value is not as expected (the message names it).
    ConflictError
        If the scheduled follow-up changed since ``expected_version``.
    """
    require(actor, Action.FOLLOW_UP_RECORD)
    now = now or utcnow()
    with _writing(db, scheduled_id) as session:
        case = _load_case(session, case_id)
        plans = _finalized_plans(session, case_id)
        why = _why_not(case, plans)
        if why is not None:
            raise InvalidStateError(why)
        if scheduled_id is not None:
            row, _ = _entry(
                session, scheduled_id, expected_version, FollowUpStatus.SCHEDULED, case_id
            )
            before: dict[str, Any] | None = _snapshot(row)
        else:
            in_force = _in_force(plans)
            assert in_force is not None  # a case without a finalized plan was refused above
            row = FollowUp(
                case_id=case_id,
                plan_version_id=in_force.id,
                kind=FollowUpKind(data.kind),
                status=FollowUpStatus.DONE,
                outcome={},
            )
            before = None
        _apply_entry(session, actor, case, row, data, plans, now)
        if scheduled_id is None:
            assert row.done_on is not None  # checked by _apply_entry
            row.due_on = row.done_on  # an unscheduled contact is due when it happened
            session.add(row)
        session.flush()
        after = _snapshot(row)
        if before is not None:
            before, after = diff(before, after)
        record(
            session,
            actor,
            "follow_up.record",
            "follow_up",
            row.id,
            case_id=case_id,
            before=before,
            after=after,
            at=now,
        )
        _after_entry(session, actor, case, row, now)
        session.flush()
        return _board(session, case, now.date())


def correct_follow_up(
    db: Database,
    actor: Actor,
    follow_up_id: int,
    expected_version: int,
    data: FollowUpInput,
    *,
    now: dt.datetime | None = None,
) -> FollowUpBoard:
    """Correct a recorded follow-up entry (the change and the earlier values are audited).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who corrects it.
    follow_up_id:
        The recorded entry.
    expected_version:
        The version the person saw.
    data:
        The corrected findings.
    now:
        The time of the correction; now when ``None``.

    Returns
    -------
    FollowUpBoard
        The case's follow-up after the change.

    Raises
    ------
    PermissionDeniedError, NotFoundError
        As their names say.
    InvalidStateError
        If the entry is not a recorded one, or the case is closed.
    ValidationError
        If a value is not as expected.
    ConflictError
        If the entry changed since ``expected_version``.
    """
    require(actor, Action.FOLLOW_UP_RECORD)
    now = now or utcnow()
    with _writing(db, follow_up_id) as session:
        row, case = _entry(session, follow_up_id, expected_version, FollowUpStatus.DONE)
        if case.status not in RECORDABLE:
            raise InvalidStateError(
                f"The case is '{case.status.label}': its follow-up can no longer be changed."
            )
        plans = _finalized_plans(session, case.id)
        before = _snapshot(row)
        _apply_entry(session, actor, case, row, data, plans, now)
        if row.due_on > (row.done_on or row.due_on) or row.plan_version_id is None:
            row.due_on = row.done_on or row.due_on
        session.flush()
        old, new = diff(before, _snapshot(row))
        if not new:
            return _board(session, case, now.date())
        record(
            session,
            actor,
            "follow_up.correct",
            "follow_up",
            row.id,
            case_id=case.id,
            before=old,
            after=new,
            at=now,
        )
        _after_entry(session, actor, case, row, now)
        session.flush()
        return _board(session, case, now.date())


def set_follow_up_status(
    db: Database,
    actor: Actor,
    follow_up_id: int,
    expected_version: int,
    status: FollowUpStatus,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> FollowUpBoard:
    """Mark a scheduled follow-up missed or cancelled, with the reason.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who marks it.
    follow_up_id:
        The scheduled follow-up.
    expected_version:
        The version the person saw.
    status:
        ``missed`` or ``cancelled``.
    reason:
        Why (required).
    now:
        The time it is marked; now when ``None``.

    Returns
    -------
    FollowUpBoard
        The case's follow-up after the change.

    Raises
    ------
    ValidationError
        If the status is not missed or cancelled, or the reason is missing or too long.
    InvalidStateError
        If the follow-up is not scheduled any more.
    PermissionDeniedError, NotFoundError, ConflictError
        As their names say.
    """
    require(actor, Action.FOLLOW_UP_RECORD)
    if status not in (FollowUpStatus.MISSED, FollowUpStatus.CANCELLED):
        raise ValidationError(
            "A scheduled follow-up can be marked missed or cancelled; record the contact to "
            "mark it done.",
            field="status",
        )
    why = (reason or "").strip()
    if not why:
        raise ValidationError(f"Say why the follow-up is {status.label}.", field="reason")
    if len(why) > MAX_REASON:
        raise ValidationError(
            f"The reason is too long: at most {MAX_REASON} characters.", field="reason"
        )
    now = now or utcnow()
    with _writing(db, follow_up_id) as session:
        row, case = _entry(session, follow_up_id, expected_version, FollowUpStatus.SCHEDULED)
        row.status = status
        row.notes = why
        row.updated_at = now
        row.updated_by_id = actor.user_id
        session.flush()
        record(
            session,
            actor,
            f"follow_up.{status.value}",
            "follow_up",
            row.id,
            case_id=case.id,
            before={"status": FollowUpStatus.SCHEDULED},
            after={"status": status, "due_on": jsonable(row.due_on)},
            detail=why,
            at=now,
        )
        return _board(session, case, now.date())


__all__ = [
    "DueState",
    "correct_follow_up",
    "due_follow_ups_for",
    "get_follow_up_board",
    "record_follow_up",
    "set_follow_up_status",
]
