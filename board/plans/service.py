"""Consensus plan services: capture, dissent, action items, sign-off, finalization,
amendment and comparison.

Rules
-----
- A plan is started at a meeting in progress, for a case on its agenda that is *ready*
  (or already *discussed*); starting it marks the case *discussed*.
- Only a draft changes. Every content edit raises the plan's ``revision``; a signature
  counts only for the revision it signed, so an edit after signing asks for fresh
  signatures (old ones stay on record).
- A draft may be signed once it has an intent and a component, records why it departs
  from the NOMS suggestion (when it does), and every safety prompt is acknowledged.
  Signers must attend the plan's meeting.
- The chair finalizes once every required role of the meeting has signed the current
  revision (for an amendment outside a meeting: a signer of a required role). The case
  moves to *plan finalized*; a finalized version is read-only.
- An amendment is a new draft version with a reason, copied from the finalized one;
  finalizing it supersedes the old version.

Every function checks the permission, runs one transaction, writes one audit event
per change and returns frozen dataclasses (:mod:`board.plans.views`).
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
from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.enums import CaseStatus
from board.cases.queries import readiness_of
from board.cases.workflow import apply_transition
from board.db.engine import Database
from board.db.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Case,
    Dissent,
    Meeting,
    PlanItem,
    PlanVersion,
    SignOff,
    User,
    utcnow,
)
from board.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from board.followup.baseline import capture_baseline
from board.followup.schedule import schedule_follow_ups
from board.meetings.case_facts import CaseFacts, load_case_facts
from board.meetings.enums import MeetingStatus
from board.plans.catalogue import (
    COMPONENT_LABELS,
    INTENT_LABELS,
    describe_item,
    find_option,
    validate_details,
)
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus
from board.plans.rules import (
    ItemFacts,
    blockers_to_sign,
    noms_departures,
    plan_safety_prompts,
    signature_state,
    warning_key,
)
from board.plans.views import (
    ActionItemInput,
    ActionItemView,
    ComparisonRow,
    DissentView,
    PlanBoard,
    PlanHeaderInput,
    PlanItemInput,
    PlanItemView,
    PlanVersionView,
    SignOffView,
    VersionComparison,
)

MAX_SUMMARY = 5_000
MAX_REASON = 2_000
MAX_DISSENT = 5_000
MAX_ACTION = 1_000
MAX_ITEMS = 40


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _text(value: str | None, what: str, field: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"{what} is required: write a few words.", field=field)
    if len(text) > limit:
        raise ValidationError(
            f"{what} is too long: at most {limit} characters, got {len(text)}.", field=field
        )
    return text


def _load_plan(session: Session, plan_id: int) -> PlanVersion:
    plan = session.get(PlanVersion, plan_id)
    if plan is None:
        raise NotFoundError(f"Plan {plan_id} does not exist.")
    return plan


def _case_label(session: Session, case_id: int) -> str:
    case = session.get(Case, case_id)
    return case.patient.pseudonym if case is not None else f"case {case_id}"


def _conflict(session: Session, plan: PlanVersion) -> ConflictError:
    who = session.get(User, plan.updated_by_id) if plan.updated_by_id else None
    return ConflictError(
        f"The plan (version {plan.number}) of {_case_label(session, plan.case_id)}",
        changed_by=who.display_name if who else None,
        changed_at=plan.updated_at,
    )


@contextmanager
def _editing(db: Database, plan_id: int) -> Iterator[Session]:
    """A write transaction whose lost-update failure becomes a clear conflict."""
    try:
        with db.write() as session:
            yield session
    except StaleDataError:
        with db.read() as session:
            raise _conflict(session, _load_plan(session, plan_id)) from None


def _check_version(session: Session, plan: PlanVersion, expected_version: int) -> None:
    if plan.version != expected_version:
        raise _conflict(session, plan)


def _require_draft(plan: PlanVersion) -> None:
    if plan.status is not PlanStatus.DRAFT:
        raise InvalidStateError(
            f"Plan version {plan.number} is {plan.status.value}: it is read-only. "
            "Amend it to make a new version."
        )


def _facts_of(plan: PlanVersion) -> list[ItemFacts]:
    return [ItemFacts(i.component, i.option, dict(i.details or {})) for i in plan.items]


def _meeting_of(session: Session, plan: PlanVersion) -> Meeting | None:
    return session.get(Meeting, plan.meeting_id) if plan.meeting_id else None


def required_roles_for(meeting: Meeting | None) -> tuple[Role, ...]:
    """The roles that must sign: the meeting's quorum roles, else the default.

    Parameters
    ----------
    meeting:
        The plan's meeting, if any.

    Returns
    -------
    tuple[Role, ...]
        The roles.
    """
    if meeting is not None and meeting.required_roles:
        roles: list[Role] = []
        for value in meeting.required_roles:
            try:
                roles.append(Role(value))
            except ValueError:
                continue
        if roles:
            return tuple(roles)
    return REQUIRED_ROLES


def _present_ids(session: Session, meeting_id: int | None) -> tuple[int, ...]:
    if meeting_id is None:
        return ()
    return tuple(
        session.scalars(
            select(Attendance.user_id).where(
                Attendance.meeting_id == meeting_id, Attendance.present.is_(True)
            )
        )
    )


def _checks(
    plan: PlanVersion, facts: CaseFacts
) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...]]:
    items = _facts_of(plan)
    departures = noms_departures(facts.noms, items)
    prompts = plan_safety_prompts(items, facts.safety_flags)
    blockers = blockers_to_sign(
        intent=plan.intent,
        items=items,
        departures=departures,
        deviation_reason=plan.deviation_reason,
        prompts=prompts,
        acknowledged=plan.acknowledged_warnings or (),
    )
    return departures, prompts, blockers


def _snapshot_noms(plan: PlanVersion, facts: CaseFacts, departures: Sequence[str]) -> None:
    snapshot: dict[str, Any] = facts.noms.to_dict() if facts.noms is not None else {}
    snapshot["departures"] = list(departures)
    plan.noms_suggestion = snapshot


def _touch(session: Session, actor: Actor, plan: PlanVersion, facts: CaseFacts | None) -> None:
    """Record a content edit: new revision, who and when, fresh NOMS snapshot."""
    plan.revision = (plan.revision or 1) + 1
    plan.updated_at = utcnow()
    plan.updated_by_id = actor.user_id
    facts = facts or load_case_facts(session, plan.case_id)
    session.flush()
    session.refresh(plan, attribute_names=["items"])
    _snapshot_noms(plan, facts, noms_departures(facts.noms, _facts_of(plan)))
    session.flush()


def _item_view(item: PlanItem) -> PlanItemView:
    try:
        option_label = find_option(item.component, item.option).label
    except ValidationError:
        option_label = item.option
    return PlanItemView(
        id=item.id,
        component=item.component,
        component_label=COMPONENT_LABELS[item.component],
        option=item.option,
        option_label=option_label,
        details=dict(item.details or {}),
        text=describe_item(item.component, item.option, item.details or {}),
    )


def _owner_text(item: ActionItem, names: dict[int, str]) -> str:
    if item.owner_user_id is not None:
        return names.get(item.owner_user_id, f"user {item.owner_user_id}")
    if item.owner_role is not None:
        return item.owner_role.label
    return "unassigned"


def _version_view(session: Session, plan: PlanVersion) -> PlanVersionView:
    dissents = session.scalars(
        select(Dissent).where(Dissent.plan_version_id == plan.id).order_by(Dissent.id)
    ).all()
    sign_offs = session.scalars(
        select(SignOff).where(SignOff.plan_version_id == plan.id).order_by(SignOff.id)
    ).all()
    actions = session.scalars(
        select(ActionItem)
        .where(ActionItem.plan_version_id == plan.id)
        .order_by(ActionItem.due_on, ActionItem.id)
    ).all()
    names = display_names(
        session,
        [
            plan.created_by_id,
            plan.updated_by_id,
            plan.finalized_by_id,
            *(s.user_id for s in sign_offs),
            *(a.owner_user_id for a in actions),
            *(a.done_by_id for a in actions),
        ],
    )
    return PlanVersionView(
        id=plan.id,
        version=plan.version,
        case_id=plan.case_id,
        number=plan.number,
        status=plan.status,
        meeting_id=plan.meeting_id,
        intent=plan.intent,
        summary=plan.summary or "",
        deviation_reason=plan.deviation_reason,
        amendment_reason=plan.amendment_reason,
        noms_suggestion=dict(plan.noms_suggestion or {}),
        acknowledged=tuple(plan.acknowledged_warnings or ()),
        created_at=plan.created_at,
        created_by=names.get(plan.created_by_id) if plan.created_by_id else None,
        updated_at=plan.updated_at,
        updated_by=names.get(plan.updated_by_id) if plan.updated_by_id else None,
        finalized_at=plan.finalized_at,
        finalized_by=names.get(plan.finalized_by_id) if plan.finalized_by_id else None,
        items=tuple(_item_view(i) for i in plan.items),
        dissents=tuple(
            DissentView(d.id, d.author_name, d.author_role, d.text, d.created_at) for d in dissents
        ),
        sign_offs=tuple(
            SignOffView(
                s.id,
                s.user_id,
                names.get(s.user_id, f"user {s.user_id}"),
                s.role,
                s.signed_at,
                s.plan_revision == plan.revision,
            )
            for s in sign_offs
        ),
        action_items=tuple(
            ActionItemView(
                id=a.id,
                version=a.version,
                description=a.description,
                owner=_owner_text(a, names),
                owner_role=a.owner_role,
                owner_user_id=a.owner_user_id,
                due_on=a.due_on,
                done_at=a.done_at,
                done_by=names.get(a.done_by_id) if a.done_by_id else None,
            )
            for a in actions
        ),
    )


def _plan_audit(plan: PlanVersion) -> dict[str, Any]:
    return {
        "intent": plan.intent,
        "summary": plan.summary,
        "deviation_reason": plan.deviation_reason,
    }


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def get_plan_board(db: Database, actor: Actor, case_id: int) -> PlanBoard:
    """Everything the plan screen shows for a case.

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
    PlanBoard
        The versions (oldest first), the current one, the NOMS comparison, the safety
        prompts, what still blocks signing, and the signatures against the required
        roles.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        facts = load_case_facts(session, case_id)
        plans = session.scalars(
            select(PlanVersion).where(PlanVersion.case_id == case_id).order_by(PlanVersion.number)
        ).all()
        versions = tuple(_version_view(session, p) for p in plans)
        current_row = plans[-1] if plans else None
        current = versions[-1] if versions else None
        departures: tuple[str, ...] = ()
        prompts: tuple[Any, ...] = ()
        blockers: tuple[str, ...] = ()
        meeting = None
        if current_row is not None:
            meeting = _meeting_of(session, current_row)
            if current_row.status is PlanStatus.DRAFT:
                departures, prompts, blockers = _checks(current_row, facts)
            else:
                departures = tuple(current_row.noms_suggestion.get("departures", ()))
                prompts = plan_safety_prompts(_facts_of(current_row), facts.safety_flags)
        required = required_roles_for(meeting)
        signed = [s.role for s in current.sign_offs if s.current] if current else []
        chair_name = None
        if meeting is not None and meeting.chair_id is not None:
            chair_name = display_names(session, [meeting.chair_id]).get(meeting.chair_id)
        return PlanBoard(
            case_id=case.id,
            case_status=case.status,
            case_version=case.version,
            facts=facts,
            versions=versions,
            current=current,
            departures=departures,
            prompts=prompts,
            blockers=blockers,
            signatures=signature_state(required, signed),
            chair_id=meeting.chair_id if meeting is not None else None,
            chair_name=chair_name,
            meeting_title=(
                f"{meeting.title}, {meeting.starts_at:%Y-%m-%d %H:%M} UTC" if meeting else None
            ),
            attendee_ids=_present_ids(session, meeting.id if meeting else None),
        )


def compare_versions(
    db: Database, actor: Actor, case_id: int, left_number: int, right_number: int
) -> VersionComparison:
    """Two versions of a case's plan side by side.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    case_id:
        The case.
    left_number, right_number:
        The version numbers to compare.

    Returns
    -------
    VersionComparison
        One row per field and per component family, with both sides.

    Raises
    ------
    NotFoundError
        If either version does not exist.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        found = {
            p.number: p
            for p in session.scalars(
                select(PlanVersion).where(
                    PlanVersion.case_id == case_id,
                    PlanVersion.number.in_([left_number, right_number]),
                )
            )
        }
        for number in (left_number, right_number):
            if number not in found:
                raise NotFoundError(f"Plan version {number} of case {case_id} does not exist.")
        left, right = found[left_number], found[right_number]

        def header(plan: PlanVersion) -> dict[str, str]:
            return {
                "Status": plan.status.value.replace("_", " "),
                "Intent": INTENT_LABELS[plan.intent] if plan.intent else "not set",
                "Summary": plan.summary or "",
                "Reason for departing from NOMS": plan.deviation_reason or "",
                "Amendment reason": plan.amendment_reason or "",
            }

        rows = [
            ComparisonRow(label, header(left)[label], header(right)[label])
            for label in header(left)
        ]
        for component in PlanComponent:

            def lines(plan: PlanVersion, family: PlanComponent = component) -> str:
                return "\n".join(
                    describe_item(i.component, i.option, i.details or {})
                    for i in plan.items
                    if i.component is family
                )

            a, b = lines(left), lines(right)
            if a or b:
                rows.append(ComparisonRow(COMPONENT_LABELS[component], a, b))
        return VersionComparison(left_number, right_number, tuple(rows))


# ---------------------------------------------------------------------------
# Starting a plan
# ---------------------------------------------------------------------------


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


def _mark_discussed(session: Session, actor: Actor, item: AgendaItem) -> None:
    """Mark an agenda item discussed and keep what was still missing at that moment."""
    if item.discussed_at is not None:
        return
    item.discussed_at = utcnow()
    item.updated_by_id = actor.user_id
    readiness = readiness_of(session, [item.case_id], item.discussed_at.date())
    item.missing_at_discussion = list(readiness[item.case_id].missing)


def start_plan(
    db: Database, actor: Actor, case_id: int, meeting_id: int | None = None
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
                return _version_view(session, latest)
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
            )
        elif case.status is not CaseStatus.DISCUSSED:
            raise InvalidStateError(
                f"{case.patient.pseudonym} is '{case.status.label}': a case must be ready "
                "before the board discusses it. Mark it ready first (with a reason if input "
                "is still missing)."
            )
        facts = load_case_facts(session, case_id)
        plan = PlanVersion(
            case_id=case_id,
            number=1,
            status=PlanStatus.DRAFT,
            meeting_id=meeting.id,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
            acknowledged_warnings=[],
            revision=1,
        )
        _snapshot_noms(plan, facts, noms_departures(facts.noms, []))
        session.add(plan)
        item = session.scalars(
            select(AgendaItem).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case_id
            )
        ).one()
        _mark_discussed(session, actor, item)
        session.flush()
        record(
            session,
            actor,
            "plan.start",
            "plan_version",
            plan.id,
            case_id=case_id,
            after={"number": 1, "meeting_id": meeting.id, "status": PlanStatus.DRAFT},
        )
        return _version_view(session, plan)


# ---------------------------------------------------------------------------
# Editing a draft
# ---------------------------------------------------------------------------


def update_plan_header(
    db: Database, actor: Actor, plan_id: int, expected_version: int, data: PlanHeaderInput
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
    summary = _text(data.summary, "The summary", "summary", MAX_SUMMARY)
    reason = _text(
        data.deviation_reason, "The reason for departing from NOMS", "deviation_reason", MAX_REASON
    )
    with _editing(db, plan_id) as session:
        plan = _load_plan(session, plan_id)
        _check_version(session, plan, expected_version)
        _require_draft(plan)
        before = _plan_audit(plan)
        plan.intent = intent
        plan.summary = summary
        plan.deviation_reason = reason or None
        changed_before, changed_after = diff(before, _plan_audit(plan))
        if changed_after:
            _touch(session, actor, plan, None)
            record(
                session,
                actor,
                "plan.update",
                "plan_version",
                plan.id,
                case_id=plan.case_id,
                before=changed_before,
                after=changed_after,
            )
        return _version_view(session, plan)


def add_plan_item(
    db: Database, actor: Actor, plan_id: int, expected_version: int, item: PlanItemInput
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

    Returns
    -------
    PlanVersionView
        The plan after the edit.

    Raises
    ------
    ValidationError
        If the option is unknown or a detail is missing or out of range.
    PermissionDeniedError, NotFoundError, InvalidStateError, ConflictError
        As for :func:`update_plan_header`.
    """
    require(actor, Action.PLAN_EDIT)
    details = validate_details(item.component, item.option, item.details)
    component = PlanComponent(item.component)
    with _editing(db, plan_id) as session:
        plan = _load_plan(session, plan_id)
        _check_version(session, plan, expected_version)
        _require_draft(plan)
        if len(plan.items) >= MAX_ITEMS:
            raise ValidationError(f"A plan holds at most {MAX_ITEMS} components.")
        position = max((i.position for i in plan.items), default=0) + 1
        row = PlanItem(
            plan_version_id=plan.id,
            component=component,
            option=item.option,
            details=details,
            position=position,
        )
        session.add(row)
        _touch(session, actor, plan, None)
        record(
            session,
            actor,
            "plan.item_add",
            "plan_item",
            row.id,
            case_id=plan.case_id,
            after={"component": component, "option": item.option, "details": details},
        )
        return _version_view(session, plan)


def remove_plan_item(
    db: Database, actor: Actor, plan_id: int, expected_version: int, item_id: int
) -> PlanVersionView:
    """Remove a component from a draft.

    Raises
    ------
    NotFoundError
        If the item is not on this plan.
    PermissionDeniedError, InvalidStateError, ConflictError
        As for :func:`update_plan_header`.
    """
    require(actor, Action.PLAN_EDIT)
    with _editing(db, plan_id) as session:
        plan = _load_plan(session, plan_id)
        _check_version(session, plan, expected_version)
        _require_draft(plan)
        row = session.get(PlanItem, item_id)
        if row is None or row.plan_version_id != plan.id:
            raise NotFoundError("That component is not on this plan (it may have been removed).")
        before = {"component": row.component, "option": row.option, "details": row.details}
        plan.items.remove(row)
        session.delete(row)
        _touch(session, actor, plan, None)
        record(
            session,
            actor,
            "plan.item_remove",
            "plan_item",
            item_id,
            case_id=plan.case_id,
            before=before,
        )
        return _version_view(session, plan)


def acknowledge_prompt(
    db: Database, actor: Actor, plan_id: int, expected_version: int, key: str
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
    with _editing(db, plan_id) as session:
        plan = _load_plan(session, plan_id)
        _check_version(session, plan, expected_version)
        _require_draft(plan)
        facts = load_case_facts(session, plan.case_id)
        current = plan_safety_prompts(_facts_of(plan), facts.safety_flags)
        prompts = {warning_key(p): p for p in current}
        if key not in prompts:
            raise ValidationError(
                "That safety prompt no longer applies to the plan: reload.", field="key"
            )
        acknowledged = list(plan.acknowledged_warnings or [])
        if key not in acknowledged:
            acknowledged.append(key)
            plan.acknowledged_warnings = acknowledged
            _touch(session, actor, plan, facts)
            record(
                session,
                actor,
                "plan.acknowledge",
                "plan_version",
                plan.id,
                case_id=plan.case_id,
                after={"prompt": key},
                detail=prompts[key].text,
            )
        return _version_view(session, plan)


# ---------------------------------------------------------------------------
# Dissent and action items
# ---------------------------------------------------------------------------


def add_dissent(db: Database, actor: Actor, plan_id: int, text: str) -> PlanVersionView:
    """Record a dissent from the draft plan, with its author.

    Parameters
    ----------
    db:
        The database.
    actor:
        The dissenting specialist.
    plan_id:
        The draft plan version.
    text:
        What they disagree with and why.

    Returns
    -------
    PlanVersionView
        The plan with the dissent.

    Raises
    ------
    PermissionDeniedError
        If the actor is not a specialist who may sign plans.
    ValidationError
        If the text is empty or too long.
    NotFoundError, InvalidStateError
        As their names say.
    """
    require(actor, Action.PLAN_SIGN)
    body = _text(text, "The dissent", "text", MAX_DISSENT, required=True)
    with db.write() as session:
        plan = _load_plan(session, plan_id)
        _require_draft(plan)
        dissent = Dissent(
            plan_version_id=plan.id,
            author_id=actor.user_id,
            author_name=actor.display_name,
            author_role=actor.role,
            text=body,
        )
        session.add(dissent)
        session.flush()
        record(
            session,
            actor,
            "plan.dissent",
            "dissent",
            dissent.id,
            case_id=plan.case_id,
            after={"plan_version": plan.number, "length": len(body)},
        )
        return _version_view(session, plan)


def add_action_item(
    db: Database, actor: Actor, plan_id: int, data: ActionItemInput
) -> PlanVersionView:
    """Add a task from the draft plan; it shows on the worklist until done.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who records it.
    plan_id:
        The draft plan version.
    data:
        Description, owner (a role or an active person) and due date.

    Returns
    -------
    PlanVersionView
        The plan with the action item.

    Raises
    ------
    ValidationError
        If the description is empty, there is no owner or two, the person is unknown
        or inactive, or the due date is in the past.
    PermissionDeniedError, NotFoundError, InvalidStateError
        As their names say.
    """
    require(actor, Action.PLAN_EDIT)
    description = _text(data.description, "The action", "description", MAX_ACTION, required=True)
    if (data.owner_role is None) == (data.owner_user_id is None):
        raise ValidationError(
            "Give the action one owner: either a role or a person.", field="owner"
        )
    if not isinstance(data.due_on, dt.date) or isinstance(data.due_on, dt.datetime):
        raise ValidationError("The due date must be a date.", field="due_on")
    if data.due_on < utcnow().date():
        raise ValidationError("The due date cannot be in the past.", field="due_on")
    owner_role = Role(data.owner_role) if data.owner_role is not None else None
    with db.write() as session:
        plan = _load_plan(session, plan_id)
        _require_draft(plan)
        if data.owner_user_id is not None:
            user = session.get(User, data.owner_user_id)
            if user is None or not user.is_active:
                raise ValidationError(
                    "The owner must be an active user of the board.", field="owner_user_id"
                )
        item = ActionItem(
            case_id=plan.case_id,
            plan_version_id=plan.id,
            description=description,
            owner_role=owner_role,
            owner_user_id=data.owner_user_id,
            due_on=data.due_on,
            updated_by_id=actor.user_id,
        )
        session.add(item)
        session.flush()
        record(
            session,
            actor,
            "action_item.add",
            "action_item",
            item.id,
            case_id=plan.case_id,
            after={
                "description": description,
                "owner_role": owner_role,
                "owner_user_id": data.owner_user_id,
                "due_on": data.due_on,
            },
        )
        return _version_view(session, plan)


def complete_action_item(
    db: Database, actor: Actor, action_item_id: int, expected_version: int
) -> ActionItemView:
    """Mark an action item done (it leaves the worklist's open count).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who marks it done.
    action_item_id:
        The item.
    expected_version:
        The version the person saw.

    Returns
    -------
    ActionItemView
        The item, done.

    Raises
    ------
    InvalidStateError
        If it is already done.
    ConflictError
        If someone changed it since ``expected_version``.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.PLAN_EDIT)

    def conflict(session: Session, item: ActionItem) -> ConflictError:
        who = session.get(User, item.updated_by_id) if item.updated_by_id else None
        return ConflictError(
            "The action item",
            changed_by=who.display_name if who else None,
            changed_at=item.updated_at,
        )

    try:
        with db.write() as session:
            item = session.get(ActionItem, action_item_id)
            if item is None:
                raise NotFoundError(f"Action item {action_item_id} does not exist.")
            if item.version != expected_version:
                raise conflict(session, item)
            if item.done_at is not None:
                raise InvalidStateError("This action item is already done.")
            item.done_at = utcnow()
            item.done_by_id = actor.user_id
            item.updated_at = utcnow()
            item.updated_by_id = actor.user_id
            session.flush()
            record(
                session,
                actor,
                "action_item.done",
                "action_item",
                item.id,
                case_id=item.case_id,
                before={"done_at": None},
                after={"done_at": item.done_at},
            )
            names = display_names(session, [item.owner_user_id, actor.user_id])
            return ActionItemView(
                id=item.id,
                version=item.version,
                description=item.description,
                owner=_owner_text(item, names),
                owner_role=item.owner_role,
                owner_user_id=item.owner_user_id,
                due_on=item.due_on,
                done_at=item.done_at,
                done_by=actor.display_name,
            )
    except StaleDataError:
        with db.read() as session:
            item = session.get(ActionItem, action_item_id)
            assert item is not None
            raise conflict(session, item) from None


# ---------------------------------------------------------------------------
# Sign-off, finalization, amendment
# ---------------------------------------------------------------------------


def sign_plan(db: Database, actor: Actor, plan_id: int, expected_version: int) -> PlanVersionView:
    """Sign the current revision of a draft plan.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signing specialist.
    plan_id:
        The draft plan version.
    expected_version:
        The version the signer saw: a signature always covers what was on screen.

    Returns
    -------
    PlanVersionView
        The plan with the signature.

    Raises
    ------
    PermissionDeniedError
        If the actor's role may not sign, or they are not recorded present at the
        plan's meeting.
    InvalidStateError
        If the plan is not a draft, is not complete (see
        :func:`board.plans.rules.blockers_to_sign`), or the actor already signed this
        revision.
    ConflictError
        If the plan changed since ``expected_version``.
    NotFoundError
        If there is no such plan.
    """
    require(actor, Action.PLAN_SIGN)
    with _editing(db, plan_id) as session:
        plan = _load_plan(session, plan_id)
        _check_version(session, plan, expected_version)
        _require_draft(plan)
        if plan.meeting_id is not None and actor.user_id not in _present_ids(
            session, plan.meeting_id
        ):
            raise PermissionDeniedError(
                "Only specialists recorded present at the meeting may sign its plans: "
                "record your attendance first."
            )
        facts = load_case_facts(session, plan.case_id)
        _, _, blockers = _checks(plan, facts)
        if blockers:
            raise InvalidStateError("The plan cannot be signed yet: " + " ".join(blockers))
        already = session.scalar(
            select(SignOff.id).where(
                SignOff.plan_version_id == plan.id,
                SignOff.user_id == actor.user_id,
                SignOff.plan_revision == plan.revision,
            )
        )
        if already is not None:
            raise InvalidStateError("You have already signed this version of the plan.")
        if actor.user_id is None:
            raise PermissionDeniedError("Only a person can sign a plan.")
        sign_off = SignOff(
            plan_version_id=plan.id,
            user_id=actor.user_id,
            role=actor.role,
            plan_revision=plan.revision,
        )
        session.add(sign_off)
        session.flush()
        record(
            session,
            actor,
            "plan.sign",
            "sign_off",
            sign_off.id,
            case_id=plan.case_id,
            after={"plan_version": plan.number, "revision": plan.revision, "role": actor.role},
        )
        return _version_view(session, plan)


def finalize_plan(
    db: Database, actor: Actor, plan_id: int, expected_version: int
) -> PlanVersionView:
    """Finalize a signed draft: it becomes read-only and the case moves on.

    Parameters
    ----------
    db:
        The database.
    actor:
        The meeting's chair (for an amendment outside a meeting: a specialist of a
        required role who signed it).
    plan_id:
        The draft plan version.
    expected_version:
        The version the chair saw.

    Returns
    -------
    PlanVersionView
        The finalized plan.

    Raises
    ------
    PermissionDeniedError
        If the actor may not finalize, or is not the chair.
    InvalidStateError
        If the plan is not a draft, is incomplete, or a required role has not signed
        the current revision.
    ConflictError
        If the plan changed since ``expected_version``.
    NotFoundError
        If there is no such plan.
    """
    require(actor, Action.PLAN_FINALIZE)
    with _editing(db, plan_id) as session:
        plan = _load_plan(session, plan_id)
        _check_version(session, plan, expected_version)
        _require_draft(plan)
        meeting = _meeting_of(session, plan)
        current_signers = {
            s.user_id: s.role
            for s in session.scalars(
                select(SignOff).where(
                    SignOff.plan_version_id == plan.id, SignOff.plan_revision == plan.revision
                )
            )
        }
        required = required_roles_for(meeting)
        if meeting is not None and meeting.chair_id is not None:
            if actor.user_id != meeting.chair_id:
                chair = display_names(session, [meeting.chair_id]).get(
                    meeting.chair_id, "the chair"
                )
                raise PermissionDeniedError(
                    f"Only the meeting's chair ({chair}) may finalize its plans."
                )
        elif actor.user_id not in current_signers or current_signers[actor.user_id] not in required:
            raise PermissionDeniedError(
                "A plan without a chaired meeting is finalized by a specialist of a required "
                "role who has signed it."
            )
        facts = load_case_facts(session, plan.case_id)
        departures, _, blockers = _checks(plan, facts)
        if blockers:
            raise InvalidStateError("The plan cannot be finalized yet: " + " ".join(blockers))
        state = signature_state(required, current_signers.values())
        if not state.complete:
            raise InvalidStateError(
                "The plan cannot be finalized until every required role has signed this "
                "version. Still missing: " + ", ".join(r.label for r in state.missing_roles) + "."
            )
        now = utcnow()
        for older in session.scalars(
            select(PlanVersion).where(
                PlanVersion.case_id == plan.case_id,
                PlanVersion.status == PlanStatus.FINALIZED,
                PlanVersion.id != plan.id,
            )
        ):
            older.status = PlanStatus.SUPERSEDED
            older.updated_at = now
            older.updated_by_id = actor.user_id
            record(
                session,
                actor,
                "plan.supersede",
                "plan_version",
                older.id,
                case_id=plan.case_id,
                before={"status": PlanStatus.FINALIZED},
                after={"status": PlanStatus.SUPERSEDED, "by_version": plan.number},
            )
        _snapshot_noms(plan, facts, departures)
        plan.baseline = capture_baseline(session, plan.case_id).to_dict()
        plan.status = PlanStatus.FINALIZED
        plan.finalized_at = now
        plan.finalized_by_id = actor.user_id
        plan.updated_at = now
        plan.updated_by_id = actor.user_id
        session.flush()
        record(
            session,
            actor,
            "plan.finalize",
            "plan_version",
            plan.id,
            case_id=plan.case_id,
            before={"status": PlanStatus.DRAFT},
            after={
                "status": PlanStatus.FINALIZED,
                "number": plan.number,
                "signed_by_roles": sorted(r.value for r in set(current_signers.values())),
            },
        )
        # The report that leaves the room: stored so the same bytes can be fetched later.
        # (Imported here so pages that never finalize do not load the PDF libraries.)
        from board.reports.service import store_finalized_report

        store_finalized_report(session, plan, now)
        case = session.get(Case, plan.case_id)
        assert case is not None
        schedule_follow_ups(session, actor, plan)
        if case.rediscussion_requested_at is not None:
            record(
                session,
                actor,
                "case.rediscussion_done",
                "case",
                case.id,
                case_id=case.id,
                before={"rediscussion_requested_at": case.rediscussion_requested_at},
                after={"rediscussion_requested_at": None, "plan_version": plan.number},
            )
            case.rediscussion_requested_at = None
            case.rediscussion_reason = None
        if case.status is CaseStatus.DISCUSSED:
            apply_transition(
                session, actor, case, CaseStatus.PLAN_FINALIZED, reason=f"plan v{plan.number}"
            )
        return _version_view(session, plan)


def amend_plan(
    db: Database, actor: Actor, plan_id: int, reason: str, meeting_id: int | None = None
) -> PlanVersionView:
    """Start an amendment: a new draft version copied from the finalized one.

    Parameters
    ----------
    db:
        The database.
    actor:
        The specialist amending the plan.
    plan_id:
        The finalized version in force.
    reason:
        Why the plan is amended (required).
    meeting_id:
        The meeting the amendment is made at, if any (its chair then finalizes it).

    Returns
    -------
    PlanVersionView
        The new draft version.

    Raises
    ------
    ValidationError
        If the reason is missing or too long.
    InvalidStateError
        If the version is not the finalized one in force, or an amendment is already
        open.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.PLAN_AMEND)
    why = _text(reason, "The reason for the amendment", "reason", MAX_REASON, required=True)
    with db.write() as session:
        plan = _load_plan(session, plan_id)
        if plan.status is not PlanStatus.FINALIZED:
            raise InvalidStateError(
                "Only the finalized plan in force can be amended; a draft is edited directly."
            )
        latest = session.scalars(
            select(PlanVersion)
            .where(PlanVersion.case_id == plan.case_id)
            .order_by(PlanVersion.number.desc())
        ).first()
        assert latest is not None
        if latest.id != plan.id:
            raise InvalidStateError(
                f"An amendment (version {latest.number}) is already open: edit it instead."
            )
        if meeting_id is not None and session.get(Meeting, meeting_id) is None:
            raise NotFoundError(f"Meeting {meeting_id} does not exist.")
        if meeting_id is not None:
            agenda_item = session.scalars(
                select(AgendaItem).where(
                    AgendaItem.meeting_id == meeting_id, AgendaItem.case_id == plan.case_id
                )
            ).first()
            if agenda_item is not None:
                _mark_discussed(session, actor, agenda_item)
        amendment = PlanVersion(
            case_id=plan.case_id,
            number=plan.number + 1,
            status=PlanStatus.DRAFT,
            meeting_id=meeting_id,
            intent=plan.intent,
            summary=plan.summary,
            deviation_reason=plan.deviation_reason,
            amendment_reason=why,
            acknowledged_warnings=list(plan.acknowledged_warnings or []),
            noms_suggestion=dict(plan.noms_suggestion or {}),
            revision=1,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
        )
        session.add(amendment)
        session.flush()
        for position, item in enumerate(plan.items, start=1):
            session.add(
                PlanItem(
                    plan_version_id=amendment.id,
                    component=item.component,
                    option=item.option,
                    details=dict(item.details or {}),
                    position=position,
                )
            )
        session.flush()
        session.refresh(amendment, attribute_names=["items"])
        record(
            session,
            actor,
            "plan.amend",
            "plan_version",
            amendment.id,
            case_id=plan.case_id,
            after={"number": amendment.number, "amends": plan.number},
            detail=why,
        )
        return _version_view(session, amendment)
