"""Starting a plan and editing its draft: the header (intent, summary, reason for
departing from NOMS), the components, and the acknowledged safety prompts.

Rules
-----
- A plan is started at a meeting in progress, for a case on its agenda that is *ready*
  (or already *discussed*); starting it marks the case *discussed*.
- Only a draft changes. Every content edit raises the plan's ``revision``, so an edit
  after signing asks for fresh signatures (:func:`board.plans.versions.touch`).

Every function checks the permission, runs one transaction, writes one audit event
per change and returns frozen dataclasses (:mod:`board.plans.views`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.enums import CaseStatus
from board.cases.queries import readiness_of
from board.cases.read_model import load_case_read_model
from board.cases.workflow import apply_transition
from board.db.engine import Database
from board.db.models import AgendaItem, Case, Meeting, PlanItem, PlanVersion, utcnow
from board.errors import InvalidStateError, NotFoundError, ValidationError
from board.meetings.enums import MeetingStatus
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus
from board.plans.rules import noms_departures, plan_safety_prompts, validate_item, warning_key
from board.plans.starters import noms_start
from board.plans.versions import (
    MAX_REASON,
    check_version,
    checked_text,
    editing,
    facts_of,
    load_plan,
    require_draft,
    snapshot_noms,
    snapshot_safety,
    touch,
    version_view,
)
from board.plans.views import PlanHeaderInput, PlanItemInput, PlanVersionView

MAX_SUMMARY = 5_000
MAX_ITEMS = 40


def _meeting_for_start(session: Session, case_id: int, meeting_id: int | None) -> Meeting:
    if meeting_id is not None:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFoundError(f"Meeting {meeting_id} does not exist.")
    else:
        meeting = session.scalars(
            select(Meeting)
            .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.case_id == case_id, Meeting.status == MeetingStatus.IN_PROGRESS)
            .order_by(Meeting.starts_at.desc())
        ).first()
        if meeting is None:
            raise InvalidStateError(
                "The plan is captured at the board: put the case on a meeting's agenda and "
                "start the meeting first."
            )
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        raise InvalidStateError(
            f"The meeting is {meeting.status.value.replace('_', ' ')}: start it before "
            "capturing plans."
        )
    on_agenda = session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case_id
        )
    )
    if on_agenda is None:
        raise InvalidStateError("The case is not on this meeting's agenda: add it first.")
    return meeting


def mark_discussed(
    session: Session, actor: Actor, item: AgendaItem, *, now: dt.datetime | None = None
) -> None:
    """Mark an agenda item discussed at ``now`` (now when ``None``) and keep what was
    still missing at that moment."""
    if item.discussed_at is not None:
        return
    item.discussed_at = now or utcnow()
    item.updated_by_id = actor.user_id
    readiness = readiness_of(session, [item.case_id], item.discussed_at.date())
    item.missing_at_discussion = list(readiness[item.case_id].missing)


def start_plan(
    db: Database,
    actor: Actor,
    case_id: int,
    meeting_id: int | None = None,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Open the draft plan of a case at a meeting in progress.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who captures the plan.
    case_id:
        The case (on the meeting's agenda, *ready* or already *discussed*).
    meeting_id:
        The meeting; by default the meeting in progress that has the case on its agenda.
    now:
        The time the board takes the case up (the demo board writes back-dated); now
        when ``None``.

    Returns
    -------
    PlanVersionView
        The new draft (version 1), or the existing draft when there is one.

    Raises
    ------
    PermissionDeniedError
        If the actor may not edit plans.
    NotFoundError
        If the case or meeting does not exist.
    InvalidStateError
        If the meeting is not in progress, the case is not on its agenda, the case is
        not ready, or the plan is already finalized (amend it instead).
    """
    require(actor, Action.PLAN_EDIT)
    now = now or utcnow()
    with db.write() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        latest = session.scalars(
            select(PlanVersion)
            .where(PlanVersion.case_id == case_id)
            .order_by(PlanVersion.number.desc())
        ).first()
        if latest is not None:
            if latest.status is PlanStatus.DRAFT:
                return version_view(session, latest)
            raise InvalidStateError(
                f"The plan of {case.patient.pseudonym} is finalized: amend it to make a new "
                "version."
            )
        meeting = _meeting_for_start(session, case_id, meeting_id)
        if case.status is CaseStatus.READY:
            apply_transition(
                session,
                actor,
                case,
                CaseStatus.DISCUSSED,
                reason=f"plan started at meeting {meeting.id}",
                now=now,
            )
        elif case.status is not CaseStatus.DISCUSSED:
            raise InvalidStateError(
                f"{case.patient.pseudonym} is '{case.status.label}': a case must be ready "
                "before the board discusses it. Mark it ready first (with a reason if input "
                "is still missing)."
            )
        read = load_case_read_model(session, case_id, now=now)
        plan = PlanVersion(
            case_id=case_id,
            number=1,
            status=PlanStatus.DRAFT,
            meeting_id=meeting.id,
            created_at=now,
            created_by_id=actor.user_id,
            updated_at=now,
            updated_by_id=actor.user_id,
            acknowledged_warnings=[],
            revision=1,
        )
        snapshot_noms(plan, read, noms_departures(read.noms, []))
        session.add(plan)
        item = session.scalars(
            select(AgendaItem).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case_id
            )
        ).one()
        mark_discussed(session, actor, item, now=now)
        session.flush()
        record(
            session,
            actor,
            "plan.start",
            "plan_version",
            plan.id,
            case_id=case_id,
            after={"number": 1, "meeting_id": meeting.id, "status": PlanStatus.DRAFT},
            at=now,
        )
        return version_view(session, plan)


def _plan_audit(plan: PlanVersion) -> dict[str, Any]:
    return {
        "intent": plan.intent,
        "summary": plan.summary,
        "deviation_reason": plan.deviation_reason,
    }


def update_plan_header(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    data: PlanHeaderInput,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Set the intent, summary and the reason for departing from NOMS.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who edits.
    plan_id:
        The draft plan version.
    expected_version:
        The version the editor saw (``PlanVersionView.version``).
    data:
        The new values.
    now:
        The time of the edit; now when ``None``.

    Returns
    -------
    PlanVersionView
        The plan after the edit.

    Raises
    ------
    PermissionDeniedError, NotFoundError
        As their names say.
    InvalidStateError
        If the plan is not a draft.
    ValidationError
        If the intent is unknown or a text is too long.
    ConflictError
        If someone changed the plan since ``expected_version``.
    """
    require(actor, Action.PLAN_EDIT)
    intent = data.intent
    if intent is not None and not isinstance(intent, PlanIntent):
        try:
            intent = PlanIntent(intent)
        except ValueError:
            raise ValidationError(
                "Intent must be curative, palliative or best supportive care.", field="intent"
            ) from None
    summary = checked_text(data.summary, "The summary", "summary", MAX_SUMMARY)
    reason = checked_text(
        data.deviation_reason, "The reason for departing from NOMS", "deviation_reason", MAX_REASON
    )
    with editing(db, plan_id) as session:
        plan = load_plan(session, plan_id)
        check_version(session, plan, expected_version)
        require_draft(plan)
        before = _plan_audit(plan)
        plan.intent = intent
        plan.summary = summary
        plan.deviation_reason = reason or None
        changed_before, changed_after = diff(before, _plan_audit(plan))
        if changed_after:
            touch(session, actor, plan, None, now)
            record(
                session,
                actor,
                "plan.update",
                "plan_version",
                plan.id,
                case_id=plan.case_id,
                before=changed_before,
                after=changed_after,
                at=now,
            )
        return version_view(session, plan)


def add_plan_item(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    item: PlanItemInput,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Add a component (surgery, radiation, ...) with its details to a draft.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who edits.
    plan_id:
        The draft plan version.
    expected_version:
        The version the editor saw.
    item:
        The component, option and details.
    now:
        The time of the edit; now when ``None``.

    Returns
    -------
    PlanVersionView
        The plan after the edit.

    Raises
    ------
    ValidationError
        If the option is unknown or a detail is missing or out of range, or a radiation
        course is outside the plausibility range (the range is in the message).
    PermissionDeniedError, NotFoundError, InvalidStateError, ConflictError
        As for :func:`update_plan_header`.
    """
    require(actor, Action.PLAN_EDIT)
    checked = checked_item(item)
    with editing(db, plan_id) as session:
        plan = load_plan(session, plan_id)
        check_version(session, plan, expected_version)
        require_draft(plan)
        append_items(session, actor, plan, [checked], now=now)
        touch(session, actor, plan, None, now)
        return version_view(session, plan)


def checked_item(item: PlanItemInput) -> PlanItemInput:
    """A component checked exactly as one added by hand, with its cleaned details.

    Parameters
    ----------
    item:
        The component, option and details as entered (or as a template stores them).

    Returns
    -------
    PlanItemInput
        The same component with the details :func:`board.plans.rules.validate_item`
        cleaned.

    Raises
    ------
    ValidationError
        If the option is unknown, a detail is missing or out of range, or a radiation
        course is implausible.
    """
    details = validate_item(item.component, item.option, item.details)
    return PlanItemInput(PlanComponent(item.component), item.option, details)


def append_items(
    session: Session,
    actor: Actor,
    plan: PlanVersion,
    items: list[PlanItemInput],
    *,
    now: dt.datetime | None = None,
    detail: str | None = None,
) -> list[PlanItem]:
    """Add checked components (:func:`checked_item`) at the end of a draft, each audited
    as ``plan.item_add``; the caller records the edit with
    :func:`board.plans.versions.touch` once.

    Parameters
    ----------
    session:
        The open session of the action.
    actor:
        Who edits.
    plan:
        The draft (checked by the caller).
    items:
        The components, already checked.
    now:
        The time of the edit; now when ``None``.
    detail:
        Where the components came from, for the audit trail (a template, NOMS).

    Returns
    -------
    list[PlanItem]
        The new rows.

    Raises
    ------
    ValidationError
        If the plan would hold more than :data:`MAX_ITEMS` components.
    """
    if len(plan.items) + len(items) > MAX_ITEMS:
        raise ValidationError(f"A plan holds at most {MAX_ITEMS} components.")
    position = max((i.position for i in plan.items), default=0)
    rows = []
    for item in items:
        position += 1
        row = PlanItem(
            plan_version_id=plan.id,
            component=item.component,
            option=item.option,
            details=dict(item.details),
            position=position,
        )
        session.add(row)
        session.flush()
        record(
            session,
            actor,
            "plan.item_add",
            "plan_item",
            row.id,
            case_id=plan.case_id,
            after={"component": item.component, "option": item.option, "details": item.details},
            detail=detail,
            at=now,
        )
        rows.append(row)
    return rows


def apply_noms_suggestion(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Add the components that follow the case's NOMS suggestion to a draft, in one click.

    The components are those of :func:`board.plans.starters.noms_start` (for example
    cEBRT 8 Gy in 1 fraction, or separation surgery then SBRT 24 Gy in 2 fractions),
    each checked exactly as one added by hand; a component whose option is already on
    the plan is not added twice. The plan then no longer departs from NOMS unless the
    board edits it. One transaction; each component is audited, and the start as
    ``plan.noms_start``.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who captures the plan.
    plan_id:
        The draft plan version.
    expected_version:
        The version the editor saw.
    now:
        The time of the edit; now when ``None``.

    Returns
    -------
    PlanVersionView
        The plan with the components.

    Raises
    ------
    InvalidStateError
        If NOMS has no suggestion for the case yet (what is missing is named), the plan
        already follows it, or the plan is not a draft.
    PermissionDeniedError, NotFoundError, ConflictError, ValidationError
        As for :func:`add_plan_item`.
    """
    require(actor, Action.PLAN_EDIT)
    with editing(db, plan_id) as session:
        plan = load_plan(session, plan_id)
        check_version(session, plan, expected_version)
        require_draft(plan)
        case = load_case_read_model(session, plan.case_id, now=now)
        proposed = noms_start(case.noms)
        if not proposed:
            missing = "; ".join(case.noms.missing) if case.noms is not None else ""
            raise InvalidStateError(
                "NOMS has no suggestion for this case yet"
                + (f" (missing: {missing})" if missing else "")
                + ": add the components by hand or from a template."
            )
        if not noms_departures(case.noms, facts_of(plan)):
            raise InvalidStateError("The plan already follows the NOMS suggestion.")
        present = {(i.component, i.option) for i in plan.items}
        items = [checked_item(i) for i in proposed if (i.component, i.option) not in present]
        if not items:
            raise InvalidStateError("The plan already has the components NOMS suggests.")
        append_items(session, actor, plan, items, now=now, detail="From the NOMS suggestion.")
        touch(session, actor, plan, case, now)
        assert case.noms is not None
        record(
            session,
            actor,
            "plan.noms_start",
            "plan_version",
            plan.id,
            case_id=plan.case_id,
            after={
                "suggestions": list(case.noms.suggestions),
                "added": [
                    {"component": i.component, "option": i.option, "details": i.details}
                    for i in items
                ],
            },
            at=now,
        )
        return version_view(session, plan)


def remove_plan_item(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    item_id: int,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Remove a component from a draft (at ``now``; now when ``None``).

    Raises
    ------
    NotFoundError
        If the item is not on this plan.
    PermissionDeniedError, InvalidStateError, ConflictError
        As for :func:`update_plan_header`.
    """
    require(actor, Action.PLAN_EDIT)
    with editing(db, plan_id) as session:
        plan = load_plan(session, plan_id)
        check_version(session, plan, expected_version)
        require_draft(plan)
        row = session.get(PlanItem, item_id)
        if row is None or row.plan_version_id != plan.id:
            raise NotFoundError("That component is not on this plan (it may have been removed).")
        before = {"component": row.component, "option": row.option, "details": row.details}
        plan.items.remove(row)
        session.delete(row)
        touch(session, actor, plan, None, now)
        record(
            session,
            actor,
            "plan.item_remove",
            "plan_item",
            item_id,
            case_id=plan.case_id,
            before=before,
            at=now,
        )
        return version_view(session, plan)


def acknowledge_prompt(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    key: str,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Record that the board has seen a safety prompt of the draft.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who acknowledges on behalf of the board.
    plan_id:
        The draft plan version.
    expected_version:
        The version the board saw.
    key:
        The prompt's key (:func:`board.plans.rules.warning_key`).
    now:
        The time of the acknowledgement; now when ``None``.

    Returns
    -------
    PlanVersionView
        The plan after the acknowledgement.

    Raises
    ------
    ValidationError
        If the key is not one of the plan's current prompts.
    PermissionDeniedError, NotFoundError, InvalidStateError, ConflictError
        As for :func:`update_plan_header`.
    """
    require(actor, Action.PLAN_EDIT)
    with editing(db, plan_id) as session:
        plan = load_plan(session, plan_id)
        check_version(session, plan, expected_version)
        require_draft(plan)
        case = load_case_read_model(session, plan.case_id, now=now)
        current = plan_safety_prompts(facts_of(plan), case.safety_flags)
        prompts = {warning_key(p): p for p in current}
        if key not in prompts:
            raise ValidationError(
                "That safety prompt no longer applies to the plan: reload.", field="key"
            )
        acknowledged = list(plan.acknowledged_warnings or [])
        if key not in acknowledged:
            acknowledged.append(key)
            plan.acknowledged_warnings = acknowledged
            snapshot_safety(plan, case)
            touch(session, actor, plan, case, now)
            record(
                session,
                actor,
                "plan.acknowledge",
                "plan_version",
                plan.id,
                case_id=plan.case_id,
                after={"prompt": key},
                detail=prompts[key].text,
                at=now,
            )
        return version_view(session, plan)
