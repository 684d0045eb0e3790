"""Action items: tasks a draft plan hands out (an owner role or person, a due date),
shown on the worklist until they are marked done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.accounts.users import display_names
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import ActionItem, User, utcnow
from board.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from board.plans.versions import (
    checked_text,
    load_plan,
    owner_text,
    require_draft,
    version_view,
)
from board.plans.views import ActionItemInput, ActionItemView, PlanVersionView

MAX_ACTION = 1_000


def add_action_item(
    db: Database,
    actor: Actor,
    plan_id: int,
    data: ActionItemInput,
    *,
    now: dt.datetime | None = None,
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
    now:
        The time of the entry (the due date may not lie before its date); now when
        ``None``.

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
    description = checked_text(
        data.description, "The action", "description", MAX_ACTION, required=True
    )
    if (data.owner_role is None) == (data.owner_user_id is None):
        raise ValidationError(
            "Give the action one owner: either a role or a person.", field="owner"
        )
    if not isinstance(data.due_on, dt.date) or isinstance(data.due_on, dt.datetime):
        raise ValidationError("The due date must be a date.", field="due_on")
    now = now or utcnow()
    if data.due_on < now.date():
        raise ValidationError("The due date cannot be in the past.", field="due_on")
    owner_role = Role(data.owner_role) if data.owner_role is not None else None
    with db.write() as session:
        plan = load_plan(session, plan_id)
        require_draft(plan)
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
            created_at=now,
            updated_at=now,
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
            at=now,
        )
        return version_view(session, plan)


def complete_action_item(
    db: Database,
    actor: Actor,
    action_item_id: int,
    expected_version: int,
    *,
    now: dt.datetime | None = None,
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
    now:
        The time it was done; now when ``None``.

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
    now = now or utcnow()

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
            item.done_at = now
            item.done_by_id = actor.user_id
            item.updated_at = now
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
                at=now,
            )
            names = display_names(session, [item.owner_user_id, actor.user_id])
            return ActionItemView(
                id=item.id,
                version=item.version,
                description=item.description,
                owner=owner_text(item, names),
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
