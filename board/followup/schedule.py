"""Turning the finalized plan's follow-up items into scheduled follow-ups.

Called by plan finalization inside its transaction: the schedule of the plan in force
replaces the still-open scheduled follow-ups of earlier versions (they are cancelled,
with the version that replaced them); follow-ups already done stay on record. Nothing is
scheduled for a patient whose death is recorded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.db.models import Case, FollowUp, PlanVersion, utcnow
from board.followup.enums import FollowUpStatus
from board.followup.rules import PlannedFollowUp, schedule_from_items
from board.plans.catalogue import describe_item
from board.plans.enums import PlanComponent


def schedule_follow_ups(
    session: Session, actor: Actor, plan: PlanVersion, *, now: dt.datetime | None = None
) -> int:
    """Schedule the follow-ups a just-finalized plan asks for.

    Parameters
    ----------
    session:
        The finalization's session.
    actor:
        Who finalized the plan.
    plan:
        The finalized plan version (``finalized_at`` set).
    now:
        The time of the finalization; now when ``None``.

    Returns
    -------
    int
        How many follow-ups were scheduled.
    """
    assert plan.finalized_at is not None
    case = session.get(Case, plan.case_id)
    assert case is not None
    now = now or utcnow()
    replaced = list(
        session.scalars(
            select(FollowUp).where(
                FollowUp.case_id == plan.case_id,
                FollowUp.status == FollowUpStatus.SCHEDULED,
                FollowUp.plan_version_id != plan.id,
            )
        )
    )
    for row in replaced:
        row.status = FollowUpStatus.CANCELLED
        row.notes = f"Replaced by the schedule of plan version {plan.number}."
        row.updated_at = now
        row.updated_by_id = actor.user_id
    planned: tuple[PlannedFollowUp, ...] = ()
    if case.died_on is None:
        planned = schedule_from_items(
            plan.finalized_at.date(),
            [
                (
                    item.option,
                    dict(item.details or {}),
                    describe_item(item.component, item.option, item.details or {}),
                )
                for item in plan.items
                if item.component is PlanComponent.FOLLOW_UP
            ],
        )
    for entry in planned:
        session.add(
            FollowUp(
                case_id=plan.case_id,
                plan_version_id=plan.id,
                kind=entry.kind,
                status=FollowUpStatus.SCHEDULED,
                due_on=entry.due_on,
                notes=f"From the plan: {entry.source}.",
                outcome={},
                updated_at=now,
                updated_by_id=actor.user_id,
            )
        )
    session.flush()
    if replaced or planned:
        record(
            session,
            actor,
            "follow_up.schedule",
            "plan_version",
            plan.id,
            case_id=plan.case_id,
            before={"cancelled_follow_up_ids": [row.id for row in replaced]} if replaced else None,
            after={
                "plan_version": plan.number,
                "scheduled": [f"{p.kind.value} {p.due_on.isoformat()}" for p in planned],
            },
            at=now,
        )
    return len(planned)
