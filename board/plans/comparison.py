"""Comparing two versions of a case's plan side by side (:func:`compare_versions`)."""

from __future__ import annotations

from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import PlanVersion
from board.errors import NotFoundError
from board.plans.catalogue import COMPONENT_LABELS, INTENT_LABELS, describe_item
from board.plans.enums import PlanComponent
from board.plans.views import ComparisonRow, VersionComparison


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
