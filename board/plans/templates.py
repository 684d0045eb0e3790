"""Plan templates: named sets of components (say "cEBRT 8 Gy in 1 fraction", or
"Separation surgery, then SBRT") that fill a draft plan in one click.

Rules
-----
- An administrator adds templates and retires them (a retired template stays on record
  but is no longer offered); the installation starts with
  :data:`board.plans.starters.DEFAULT_TEMPLATES`.
- A template's components are checked exactly as components added by hand
  (:func:`board.plans.drafting.checked_item`) when it is saved and again when it is
  applied (the catalogue may have changed in between).
- Applying a template adds its components to the draft in one transaction (each audited,
  the plan's revision raised once) and sets its intent when the plan has none yet; the
  components stay editable like any other.

Every function checks the permission, runs one transaction, writes its audit events and
returns frozen dataclasses (:mod:`board.plans.views`).
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
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import PlanTemplate, User, utcnow
from board.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from board.plans.catalogue import COMPONENT_LABELS, describe_item
from board.plans.drafting import MAX_ITEMS, append_items, checked_item
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.versions import (
    check_version,
    editing,
    load_plan,
    require_draft,
    touch,
    version_view,
)
from board.plans.views import PlanItemInput, PlanTemplateView, PlanVersionView, TemplateItemView

MAX_NAME = 120


def _stored_items(template: PlanTemplate) -> list[PlanItemInput]:
    items = []
    for raw in template.components or []:
        if not isinstance(raw, dict):
            continue
        items.append(
            PlanItemInput(
                str(raw.get("component", "")),  # type: ignore[arg-type]
                str(raw.get("option", "")),
                dict(raw.get("details") or {}),
            )
        )
    return items


def _item_view(item: PlanItemInput) -> TemplateItemView:
    try:
        label = COMPONENT_LABELS[PlanComponent(item.component)]
    except ValueError:
        label = str(item.component)
    return TemplateItemView(
        component=item.component,
        option=item.option,
        details=dict(item.details),
        text=f"{label}: {describe_item(item.component, item.option, item.details)}",
    )


def _view(template: PlanTemplate, names: dict[int, str]) -> PlanTemplateView:
    return PlanTemplateView(
        id=template.id,
        version=template.version,
        name=template.name,
        intent=template.intent,
        items=tuple(_item_view(i) for i in _stored_items(template)),
        active=template.is_active,
        updated_at=template.updated_at,
        updated_by=names.get(template.updated_by_id) if template.updated_by_id else None,
    )


def _load(session: Session, template_id: int) -> PlanTemplate:
    template = session.get(PlanTemplate, template_id)
    if template is None:
        raise NotFoundError(f"Plan template {template_id} does not exist.")
    return template


def _conflict(session: Session, template: PlanTemplate) -> ConflictError:
    who = session.get(User, template.updated_by_id) if template.updated_by_id else None
    return ConflictError(
        f"The plan template '{template.name}'",
        changed_by=who.display_name if who else None,
        changed_at=template.updated_at,
    )


@contextmanager
def _guarded(db: Database, template_id: int) -> Iterator[Session]:
    try:
        with db.write() as session:
            yield session
    except StaleDataError:
        with db.read() as session:
            raise _conflict(session, _load(session, template_id)) from None


def list_templates(
    db: Database, actor: Actor, *, include_retired: bool = False
) -> list[PlanTemplateView]:
    """The plan templates, in the order they were added.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    include_retired:
        Also the retired ones (the Admin page lists them to restore).

    Returns
    -------
    list[PlanTemplateView]
        The templates.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        query = select(PlanTemplate).order_by(PlanTemplate.id)
        if not include_retired:
            query = query.where(PlanTemplate.is_active.is_(True))
        rows = session.scalars(query).all()
        names = display_names(session, [t.updated_by_id for t in rows])
        return [_view(t, names) for t in rows]


def create_template(
    db: Database,
    actor: Actor,
    name: str,
    items: Sequence[PlanItemInput],
    intent: PlanIntent | None = None,
    *,
    now: dt.datetime | None = None,
) -> PlanTemplateView:
    """Add a plan template (administrators).

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    name:
        The name offered in plan capture (unique, letter case ignored).
    items:
        Its components, each checked exactly as one added to a plan by hand.
    intent:
        The intent it sets on a plan that has none yet, or ``None``.
    now:
        The time of the change; now when ``None``.

    Returns
    -------
    PlanTemplateView
        The new template.

    Raises
    ------
    PermissionDeniedError
        If the actor may not change settings.
    ValidationError
        If the name is empty, too long or taken, there is no component (or too many),
        a component is not valid, or the intent is unknown.
    """
    require(actor, Action.SETTINGS_ADMINISTER)
    title = " ".join((name or "").split())
    if not title:
        raise ValidationError("Give the template a name.", field="name")
    if len(title) > MAX_NAME:
        raise ValidationError(f"The name is too long: at most {MAX_NAME} characters.", field="name")
    if not items:
        raise ValidationError("Add at least one component to the template.", field="items")
    if len(items) > MAX_ITEMS:
        raise ValidationError(f"A template holds at most {MAX_ITEMS} components.", field="items")
    checked = []
    for number, item in enumerate(items, start=1):
        try:
            checked.append(checked_item(item))
        except ValidationError as exc:
            raise ValidationError(f"Component {number}: {exc.message}", field="items") from None
    if intent is not None:
        try:
            intent = PlanIntent(intent)
        except ValueError:
            raise ValidationError(
                "Intent must be curative, palliative or best supportive care.", field="intent"
            ) from None
    now = now or utcnow()
    with db.write() as session:
        taken = {n.casefold() for n in session.scalars(select(PlanTemplate.name))}
        if title.casefold() in taken:
            raise ValidationError(
                f"A template named '{title}' already exists (retired ones count too).",
                field="name",
            )
        template = PlanTemplate(
            name=title,
            intent=intent,
            components=[
                {"component": i.component.value, "option": i.option, "details": i.details}
                for i in checked
            ],
            is_active=True,
            created_at=now,
            created_by_id=actor.user_id,
            updated_at=now,
            updated_by_id=actor.user_id,
        )
        session.add(template)
        session.flush()
        record(
            session,
            actor,
            "plan_template.create",
            "plan_template",
            template.id,
            after={"name": title, "intent": intent, "components": template.components},
            at=now,
        )
        return _view(template, {actor.user_id: actor.display_name} if actor.user_id else {})


def set_template_active(
    db: Database,
    actor: Actor,
    template_id: int,
    expected_version: int,
    active: bool,
    *,
    now: dt.datetime | None = None,
) -> PlanTemplateView:
    """Retire a template (no longer offered) or offer a retired one again.

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    template_id:
        The template.
    expected_version:
        The version the administrator saw.
    active:
        ``False`` retires it, ``True`` offers it again.
    now:
        The time of the change; now when ``None``.

    Returns
    -------
    PlanTemplateView
        The template after the change.

    Raises
    ------
    PermissionDeniedError
        If the actor may not change settings.
    InvalidStateError
        If the template is already retired (or already offered).
    ConflictError
        If someone changed it since ``expected_version``.
    NotFoundError
        If there is no such template.
    """
    require(actor, Action.SETTINGS_ADMINISTER)
    now = now or utcnow()
    with _guarded(db, template_id) as session:
        template = _load(session, template_id)
        if template.version != expected_version:
            raise _conflict(session, template)
        if template.is_active is active:
            raise InvalidStateError(
                f"The template '{template.name}' is already "
                + ("offered." if active else "retired.")
            )
        template.is_active = active
        template.updated_at = now
        template.updated_by_id = actor.user_id
        session.flush()
        record(
            session,
            actor,
            "plan_template.restore" if active else "plan_template.retire",
            "plan_template",
            template.id,
            before={"active": not active},
            after={"active": active},
            at=now,
        )
        names = display_names(session, [template.updated_by_id])
        return _view(template, names)


def apply_template(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    template_id: int,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Add every component of a template to a draft plan, in one click.

    Each component is checked exactly as one added by hand; one already on the plan
    with the same details is not added twice. The template's intent is set when the
    plan has none yet. One transaction: each component is audited as ``plan.item_add``,
    the application as ``plan.template_apply``, and the plan's revision is raised once
    (signatures given before ask to be given again). The components stay editable.

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
    template_id:
        The template (offered, not retired).
    now:
        The time of the edit; now when ``None``.

    Returns
    -------
    PlanVersionView
        The plan with the components.

    Raises
    ------
    InvalidStateError
        If the template is retired, every component of it is already on the plan, or
        the plan is not a draft.
    ValidationError
        If a component of the template is no longer valid (the catalogue changed), or
        the plan would hold too many components.
    PermissionDeniedError, NotFoundError, ConflictError
        As their names say.
    """
    require(actor, Action.PLAN_EDIT)
    with editing(db, plan_id) as session:
        plan = load_plan(session, plan_id)
        check_version(session, plan, expected_version)
        require_draft(plan)
        template = _load(session, template_id)
        if not template.is_active:
            raise InvalidStateError(f"The template '{template.name}' is retired.")
        checked = []
        for item in _stored_items(template):
            try:
                checked.append(checked_item(item))
            except ValidationError as exc:
                raise ValidationError(
                    f"The template '{template.name}' no longer fits the plan catalogue: "
                    f"{exc.message} Ask an administrator to replace it.",
                    field="template",
                ) from None
        present = [(i.component, i.option, dict(i.details or {})) for i in plan.items]
        items = [i for i in checked if (i.component, i.option, i.details) not in present]
        if not items:
            raise InvalidStateError(
                f"Every component of the template '{template.name}' is already on the plan."
            )
        detail = f"From the template '{template.name}'."
        append_items(session, actor, plan, items, now=now, detail=detail)
        intent_set: dict[str, Any] = {}
        if template.intent is not None and plan.intent is None:
            plan.intent = template.intent
            intent_set = {"intent": template.intent}
            record(
                session,
                actor,
                "plan.update",
                "plan_version",
                plan.id,
                case_id=plan.case_id,
                before={"intent": None},
                after=intent_set,
                detail=detail,
                at=now,
            )
        touch(session, actor, plan, None, now)
        record(
            session,
            actor,
            "plan.template_apply",
            "plan_version",
            plan.id,
            case_id=plan.case_id,
            after={
                "template_id": template.id,
                "template": template.name,
                "added": len(items),
                **intent_set,
            },
            at=now,
        )
        return version_view(session, plan)
