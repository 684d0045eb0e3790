"""Steps on a case that other actions take inside their own transaction.

A step takes the open session of the action that prompts it, changes the case and
audits the change in that same transaction. Today: re-applying the red-flag rule
(NICE NG234) when the referral's symptoms or the radiologist's ESCC grades change.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from board.assessments.forms import RadiologistForm
from board.assessments.service import saved_forms
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import Urgency
from board.cases.redflags import (
    RedFlagTier,
    SymptomFacts,
    assess_red_flags,
    parse_pain_features,
)
from board.db.models import Case, utcnow
from board.errors import ValidationError
from board.scoring.escc import EsccGrade, parse_escc_grade

_URGENCY = {
    RedFlagTier.IMMEDIATE: Urgency.URGENT,
    RedFlagTier.WITHIN_A_WEEK: Urgency.WITHIN_A_WEEK,
    RedFlagTier.ROUTINE: Urgency.ROUTINE,
}
"""The case's urgency for each NG234 tier."""


def _grade(value: object) -> EsccGrade | None:
    """A stored ESCC grade read leniently (older lesion rows), ``None`` when unknown."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    try:
        return parse_escc_grade(value if isinstance(value, EsccGrade | str) else None)
    except ValidationError:
        return None


def high_grade_escc(session: Session, case: Case) -> bool | None:
    """Whether the radiologist (or an older lesion row) records high-grade ESCC (2 or 3).

    Parameters
    ----------
    session:
        An open session.
    case:
        The case (with its lesions).

    Returns
    -------
    bool | None
        ``True`` when any level is graded 2 or 3; ``None`` otherwise (not known to be
        high grade: the rule then looks at the symptoms alone).
    """
    grades: list[EsccGrade | None] = []
    form = saved_forms(session, [case.id])[case.id].forms.get(Role.RADIOLOGIST)
    if isinstance(form, RadiologistForm):
        grades.extend(lesion.escc for lesion in form.lesions)
    grades.extend(_grade((lesion.findings or {}).get("escc")) for lesion in case.lesions)
    return True if any(g is not None and g.is_high_grade for g in grades) else None


def apply_urgency(case: Case, high_grade: bool | None = None) -> None:
    """Set a case's urgency, priority and reasons from the red-flag rule.

    Parameters
    ----------
    case:
        The case (its symptom fields are read).
    high_grade:
        Whether high-grade ESCC is recorded (:func:`high_grade_escc`).
    """
    result = assess_red_flags(
        SymptomFacts(
            known_cancer=case.known_cancer,
            pain_score=case.pain_score,
            pain_new_or_worse=case.pain_new_or_worse,
            weakness=case.weakness,
            numbness=case.numbness,
            gait_disturbance=case.gait_disturbance,
            bladder_bowel_dysfunction=case.bladder_bowel_dysfunction,
            radicular_pain=case.radicular_pain,
            high_grade_escc=high_grade,
            # A reflex change is a neurological sign on examination (NG234).
            neuro_signs_on_examination=case.reflex_change,
            # ``None`` when the form did not ask (older cases): unknown.
            pain_features=parse_pain_features(case.pain_features),
        )
    )
    case.urgency = _URGENCY[result.tier]
    case.priority = case.urgency.priority
    case.urgency_reasons = list(result.reasons)


def refresh_urgency(
    session: Session, actor: Actor, case: Case, *, now: dt.datetime | None = None
) -> bool:
    """Re-apply the red-flag rule to a case (after the radiologist records ESCC).

    Parameters
    ----------
    session:
        The session of the action (the change is audited in it).
    actor:
        Who made the change that prompted it.
    case:
        The case.
    now:
        The time of the action; now when ``None``.

    Returns
    -------
    bool
        Whether the urgency or its reasons changed.
    """
    before = {"urgency": case.urgency, "urgency_reasons": list(case.urgency_reasons or ())}
    apply_urgency(case, high_grade_escc(session, case))
    after = {"urgency": case.urgency, "urgency_reasons": list(case.urgency_reasons or ())}
    if before == after:
        return False
    case.updated_at = now or utcnow()
    case.updated_by_id = actor.user_id
    session.flush()
    record(
        session,
        actor,
        "case.urgency",
        "case",
        case.id,
        case_id=case.id,
        before=before,
        after=after,
        at=now,
    )
    return True
