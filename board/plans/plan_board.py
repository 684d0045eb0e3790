"""The plan screen's read: every version of a case's plan with the checks and signatures
of the current one (:func:`get_plan_board`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from board.accounts.users import display_names
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.read_model import CaseReadModel, load_case_read_model
from board.db.engine import Database
from board.db.models import PlanVersion
from board.localtime import fmt_local
from board.plans.enums import PlanStatus
from board.plans.rules import plan_safety_prompts, radiation_dose_lines, signature_state
from board.plans.versions import (
    draft_checks,
    facts_of,
    meeting_of,
    present_ids,
    required_roles_for,
    version_view,
)
from board.plans.views import PlanBoard


def get_plan_board(
    db: Database, actor: Actor, case_id: int, *, case: CaseReadModel | None = None
) -> PlanBoard:
    """Everything the plan screen shows for a case.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    case_id:
        The case.
    case:
        The case read model the page loaded for this run, if any (it is not read again).

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
        if case is None:
            case = load_case_read_model(session, case_id)
        elif case.id != case_id:
            raise ValueError(f"The read model of case {case.id} was passed for case {case_id}.")
        plans = session.scalars(
            select(PlanVersion).where(PlanVersion.case_id == case_id).order_by(PlanVersion.number)
        ).all()
        versions = tuple(version_view(session, p) for p in plans)
        current_row = plans[-1] if plans else None
        current = versions[-1] if versions else None
        departures: tuple[str, ...] = ()
        prompts: tuple[Any, ...] = ()
        blockers: tuple[str, ...] = ()
        meeting = None
        if current_row is not None:
            meeting = meeting_of(session, current_row)
            if current_row.status is PlanStatus.DRAFT:
                departures, prompts, blockers = draft_checks(current_row, case)
            else:
                departures = tuple(current_row.noms_suggestion.get("departures", ()))
                prompts = plan_safety_prompts(facts_of(current_row), case.safety_flags)
        required = required_roles_for(meeting)
        signed = [s.role for s in current.sign_offs if s.current] if current else []
        chair_name = None
        if meeting is not None and meeting.chair_id is not None:
            chair_name = display_names(session, [meeting.chair_id]).get(meeting.chair_id)
        return PlanBoard(
            case_id=case.id,
            case_status=case.status,
            case_version=case.version,
            case=case,
            versions=versions,
            current=current,
            departures=departures,
            prompts=prompts,
            blockers=blockers,
            signatures=signature_state(required, signed),
            chair_id=meeting.chair_id if meeting is not None else None,
            chair_name=chair_name,
            meeting_title=f"{meeting.title}, {fmt_local(meeting.starts_at)}" if meeting else None,
            attendee_ids=present_ids(session, meeting.id if meeting else None),
            dose_lines=(
                radiation_dose_lines(facts_of(current_row)) if current_row is not None else ()
            ),
        )
