"""Saving a specialist's input on a case: the action the Specialist input tab calls.

The form itself is written by :func:`board.assessments.service.write_assessment`; this
action owns the transaction and, when the radiologist saves, re-applies the case's
red-flag rule in the same transaction (ESCC 2-3 makes the case urgent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from board.assessments.forms import Form
from board.assessments.service import AssessmentView, race_conflict, write_assessment
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.steps import refresh_urgency
from board.db.engine import Database
from board.db.models import Case


def save_assessment(
    db: Database,
    actor: Actor,
    case_id: int,
    role: Role,
    form: Form | Mapping[str, Any],
    expected_version: int,
    *,
    submit: bool = False,
    now: dt.datetime | None = None,
) -> AssessmentView:
    """Save the actor's own role's form, refusing a stale save.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who saves; must act in ``role``.
    case_id:
        The case.
    role:
        Whose form (the actor's own role).
    form:
        The form, or its field values to validate.
    expected_version:
        The version the editor loaded (:attr:`AssessmentView.version`; 0 for a form
        not started yet).
    submit:
        Also mark the assessment complete for the meeting (sets ``submitted_at``).
    now:
        The time of the save; now when ``None`` (the demo board writes back-dated).

    Returns
    -------
    AssessmentView
        The form as saved.

    Raises
    ------
    PermissionDeniedError
        If the actor may not edit this role's form.
    ConflictError
        If someone saved the form since ``expected_version``: nothing is overwritten.
    NotFoundError
        If there is no such case.
    ValidationError
        If a field is not as expected (nothing is saved).
    """
    try:
        with db.write() as session:
            view = write_assessment(
                session, actor, case_id, role, form, expected_version, submit=submit, now=now
            )
            if role is Role.RADIOLOGIST:
                case = session.get(Case, case_id)
                if case is not None:
                    refresh_urgency(session, actor, case, now=now)
            return view
    except (StaleDataError, IntegrityError):
        # Another transaction saved the form between our read and our write.
        raise race_conflict(db, case_id, role) from None
