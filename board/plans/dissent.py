"""Dissent: a specialist's recorded disagreement with a draft plan, kept with the plan
(:func:`add_dissent`)."""

from __future__ import annotations

import datetime as dt

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import Dissent, utcnow
from board.plans.versions import checked_text, load_plan, require_draft, version_view
from board.plans.views import PlanVersionView

MAX_DISSENT = 5_000


def add_dissent(
    db: Database, actor: Actor, plan_id: int, text: str, *, now: dt.datetime | None = None
) -> PlanVersionView:
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
    now:
        The time of the dissent; now when ``None``.

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
    body = checked_text(text, "The dissent", "text", MAX_DISSENT, required=True)
    with db.write() as session:
        plan = load_plan(session, plan_id)
        require_draft(plan)
        dissent = Dissent(
            plan_version_id=plan.id,
            author_id=actor.user_id,
            author_name=actor.display_name,
            author_role=actor.role,
            text=body,
            created_at=now or utcnow(),
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
            at=dissent.created_at,
        )
        return version_view(session, plan)
