"""A plan version as the other plan modules handle it: loading it, the optimistic lock
and the conflict it raises, the draft-only rule, the checks that gate signing, recording
a content edit, and the frozen view every plan service returns.

Rules
-----
- Only a draft changes. Every content edit raises the plan's ``revision``
  (:func:`touch`); a signature counts only for the revision it signed, so an edit after
  signing asks for fresh signatures (old ones stay on record).
- The roles that must sign are the meeting's quorum roles, else the default
  (:func:`required_roles_for`).

This module is the bottom of the plan services: it imports none of them.
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
from board.auth.actor import Actor
from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.read_model import CaseReadModel, load_case_read_model
from board.db.engine import Database
from board.db.models import (
    ActionItem,
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
from board.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from board.plans.catalogue import COMPONENT_LABELS, describe_item, find_option
from board.plans.enums import PlanStatus
from board.plans.rules import (
    ItemFacts,
    blockers_to_sign,
    noms_departures,
    plan_safety_prompts,
    radiation_dose_lines,
    warning_key,
)
from board.plans.views import (
    ActionItemView,
    DissentView,
    PlanItemView,
    PlanVersionView,
    SignOffView,
)

MAX_REASON = 2_000


def checked_text(
    value: str | None, what: str, field: str, limit: int, required: bool = False
) -> str:
    """A free-text field, stripped.

    Raises ``ValidationError`` if it is empty (when ``required``) or longer than ``limit``.
    """
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"{what} is required: write a few words.", field=field)
    if len(text) > limit:
        raise ValidationError(
            f"{what} is too long: at most {limit} characters, got {len(text)}.", field=field
        )
    return text


def load_plan(session: Session, plan_id: int) -> PlanVersion:
    """The plan version ``plan_id``; raises ``NotFoundError`` if there is none."""
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
def editing(db: Database, plan_id: int) -> Iterator[Session]:
    """A write transaction whose lost-update failure becomes a clear conflict."""
    try:
        with db.write() as session:
            yield session
    except StaleDataError:
        with db.read() as session:
            raise _conflict(session, load_plan(session, plan_id)) from None


def check_version(session: Session, plan: PlanVersion, expected_version: int) -> None:
    """Raise a ``ConflictError`` if the plan changed since ``expected_version``."""
    if plan.version != expected_version:
        raise _conflict(session, plan)


def require_draft(plan: PlanVersion) -> None:
    """Raise ``InvalidStateError`` unless the plan is a draft (the only state that changes)."""
    if plan.status is not PlanStatus.DRAFT:
        raise InvalidStateError(
            f"Plan version {plan.number} is {plan.status.value}: it is read-only. "
            "Amend it to make a new version."
        )


def facts_of(plan: PlanVersion) -> list[ItemFacts]:
    """The plan's components as the rules see them."""
    return [ItemFacts(i.component, i.option, dict(i.details or {})) for i in plan.items]


def meeting_of(session: Session, plan: PlanVersion) -> Meeting | None:
    """The meeting the plan version belongs to, if any."""
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


def present_ids(session: Session, meeting_id: int | None) -> tuple[int, ...]:
    """The users recorded present at the meeting (none without a meeting)."""
    if meeting_id is None:
        return ()
    return tuple(
        session.scalars(
            select(Attendance.user_id).where(
                Attendance.meeting_id == meeting_id, Attendance.present.is_(True)
            )
        )
    )


def draft_checks(
    plan: PlanVersion, case: CaseReadModel
) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...]]:
    """A draft's departures from NOMS, its safety prompts and what still blocks signing."""
    items = facts_of(plan)
    departures = noms_departures(case.noms, items)
    prompts = plan_safety_prompts(items, case.safety_flags)
    blockers = blockers_to_sign(
        intent=plan.intent,
        items=items,
        departures=departures,
        deviation_reason=plan.deviation_reason,
        prompts=prompts,
        acknowledged=plan.acknowledged_warnings or (),
    )
    return departures, prompts, blockers


def snapshot_noms(plan: PlanVersion, case: CaseReadModel, departures: Sequence[str]) -> None:
    """Store the NOMS suggestion and the plan's departures from it on the plan, with its
    safety prompts (:func:`snapshot_safety`)."""
    snapshot: dict[str, Any] = case.noms.to_dict() if case.noms is not None else {}
    snapshot["departures"] = list(departures)
    plan.noms_suggestion = snapshot
    snapshot_safety(plan, case)


def snapshot_safety(plan: PlanVersion, case: CaseReadModel) -> None:
    """Store the plan's safety prompts (text, source, severity, whether acknowledged) and
    its radiation dose lines (BED/EQD2) beside the NOMS snapshot, for the report (which
    sits below the plan rules and reads them as stored, like the departures)."""
    items = facts_of(plan)
    acknowledged = set(plan.acknowledged_warnings or ())
    plan.noms_suggestion = {
        **(plan.noms_suggestion or {}),
        "safety_prompts": [
            {
                "code": prompt.code,
                "text": prompt.text,
                "source": prompt.source,
                "severity": prompt.severity.value,
                "item": prompt.item.label,
                "acknowledged": warning_key(prompt) in acknowledged,
            }
            for prompt in plan_safety_prompts(items, case.safety_flags)
        ],
        "dose_lines": list(radiation_dose_lines(items)),
    }


def touch(
    session: Session,
    actor: Actor,
    plan: PlanVersion,
    case: CaseReadModel | None,
    now: dt.datetime | None = None,
) -> None:
    """Record a content edit at ``now`` (now when ``None``): new revision, who and when,
    fresh NOMS snapshot.

    ``case`` is the case read model when the action loaded it already (read here
    otherwise).
    """
    plan.revision = (plan.revision or 1) + 1
    plan.updated_at = now or utcnow()
    plan.updated_by_id = actor.user_id
    if case is None:
        case = load_case_read_model(session, plan.case_id, now=now)
    session.flush()
    session.refresh(plan, attribute_names=["items"])
    snapshot_noms(plan, case, noms_departures(case.noms, facts_of(plan)))
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


def owner_text(item: ActionItem, names: dict[int, str]) -> str:
    """Who owns an action item, for display: the person, else the role."""
    if item.owner_user_id is not None:
        return names.get(item.owner_user_id, f"user {item.owner_user_id}")
    if item.owner_role is not None:
        return item.owner_role.label
    return "unassigned"


def version_view(session: Session, plan: PlanVersion) -> PlanVersionView:
    """The frozen view of a plan version, with its dissents (those of the versions before
    it too: the dissent history), signatures and action items."""
    # The dissent history: an amendment carries the dissents of the versions before it.
    dissents = session.execute(
        select(Dissent, PlanVersion.number)
        .join(PlanVersion, PlanVersion.id == Dissent.plan_version_id)
        .where(PlanVersion.case_id == plan.case_id, PlanVersion.number <= plan.number)
        .order_by(Dissent.created_at, Dissent.id)
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
            DissentView(d.id, d.author_name, d.author_role, d.text, d.created_at, number)
            for d, number in dissents
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
                owner=owner_text(a, names),
                owner_role=a.owner_role,
                owner_user_id=a.owner_user_id,
                due_on=a.due_on,
                done_at=a.done_at,
                done_by=names.get(a.done_by_id) if a.done_by_id else None,
            )
            for a in actions
        ),
    )
