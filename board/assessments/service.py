"""Assessment services: read every role's form, save your own, versioned and audited.

Every function opens one session for the action and checks the actor's permission;
every write appends one audit event (with the changed fields before and after) in the
same transaction. A role edits only its own form; everyone who may view cases reads
all of them (the coordinator and the administrator included). Saving is versioned:
a save based on an out-of-date version is refused with a :class:`ConflictError`
naming who changed the form and when, and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.accounts.users import display_names
from board.assessments.forms import Form, empty_form, form_class, parse_form
from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.db.engine import Database
from board.db.models import Assessment, Case, User, utcnow
from board.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError


@dataclass(frozen=True, slots=True)
class AssessmentView:
    """One role's assessment of a case, as pages see it.

    Parameters
    ----------
    case_id, role:
        Whose assessment of which case.
    form:
        The validated form (every field unknown when not started).
    version:
        The stored version to send back when saving; 0 when not started.
    submitted_at:
        When the author marked it complete for the meeting, or ``None``.
    updated_at, updated_by:
        Time and display name of the last save, or ``None`` when not started.
    problem:
        Set when the stored data could not be read as a form (then ``form`` is blank).
    """

    case_id: int
    role: Role
    form: Form
    version: int
    submitted_at: dt.datetime | None
    updated_at: dt.datetime | None
    updated_by: str | None
    problem: str | None = None

    @property
    def started(self) -> bool:
        """Whether the role has saved anything yet."""
        return self.version > 0


def read_form(role: Role, data: Mapping[str, Any] | None) -> tuple[Form, str | None]:
    """A stored form, tolerating data saved by an older version of the app.

    Parameters
    ----------
    role:
        Whose form.
    data:
        The stored JSON.

    Returns
    -------
    tuple[Form, str | None]
        The form and ``None``; or a blank form and the reason the data could not be
        read (the stored row is left as it is).
    """
    try:
        return parse_form(role, data or {}), None
    except ValidationError as exc:
        return empty_form(role), f"The stored form could not be read: {exc.message}"


def _view(
    row: Assessment | None, case_id: int, role: Role, names: Mapping[int, str]
) -> AssessmentView:
    if row is None:
        return AssessmentView(case_id, role, empty_form(role), 0, None, None, None)
    form, problem = read_form(role, row.data)
    return AssessmentView(
        case_id=case_id,
        role=role,
        form=form,
        version=row.version,
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
        updated_by=names.get(row.updated_by_id) if row.updated_by_id else None,
        problem=problem,
    )


def _require_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    return case


def list_assessments(db: Database, actor: Actor, case_id: int) -> tuple[AssessmentView, ...]:
    """Every contributing role's assessment of a case (blank when not started).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is reading (needs permission to view cases).
    case_id:
        The case.

    Returns
    -------
    tuple[AssessmentView, ...]
        One per contributing role, in :data:`~board.auth.roles.CONTRIBUTING_ROLES` order.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        _require_case(session, case_id)
        rows = {
            a.role: a
            for a in session.scalars(select(Assessment).where(Assessment.case_id == case_id))
        }
        names = display_names(session, {r.updated_by_id for r in rows.values() if r.updated_by_id})
        return tuple(_view(rows.get(role), case_id, role, names) for role in CONTRIBUTING_ROLES)


def get_assessment(db: Database, actor: Actor, case_id: int, role: Role) -> AssessmentView:
    """One role's assessment of a case.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is reading (needs permission to view cases).
    case_id:
        The case.
    role:
        Whose form.

    Returns
    -------
    AssessmentView
        The form (blank with version 0 when not started).

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    ValidationError
        If the role has no assessment form.
    """
    require(actor, Action.CASE_VIEW)
    form_class(role)
    with db.read() as session:
        _require_case(session, case_id)
        row = session.scalar(
            select(Assessment).where(Assessment.case_id == case_id, Assessment.role == role)
        )
        names = display_names(session, {row.updated_by_id} if row and row.updated_by_id else set())
        return _view(row, case_id, role, names)


def _conflict(session: Session, case: Case, row: Assessment | None, role: Role) -> ConflictError:
    who = session.get(User, row.updated_by_id) if row is not None and row.updated_by_id else None
    return ConflictError(
        f"The {role.label} assessment of case {case.patient.pseudonym}",
        changed_by=who.display_name if who else None,
        changed_at=row.updated_at if row is not None else None,
    )


def check_can_edit(actor: Actor, role: Role) -> None:
    """Raise unless the actor may edit ``role``'s form (only their own role's).

    Parameters
    ----------
    actor:
        Who wants to edit.
    role:
        Whose form.

    Raises
    ------
    PermissionDeniedError
        If the actor's role has no form or the form is another role's.
    """
    require(actor, Action.ASSESSMENT_EDIT_OWN)
    if actor.role is not role:
        raise PermissionDeniedError(
            f"Your role ({actor.role.label}) may edit only its own assessment, not the "
            f"{role.label}'s."
        )


def save_assessment(
    db: Database,
    actor: Actor,
    case_id: int,
    role: Role,
    form: Form | Mapping[str, Any],
    expected_version: int,
    *,
    submit: bool = False,
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
    check_can_edit(actor, role)
    clean = form if isinstance(form, Form) else parse_form(role, form)
    if type(clean) is not form_class(role):
        raise ValidationError(f"This is not the {role.label} form.", field="role")
    data = clean.to_data()
    now = utcnow()
    try:
        with db.write() as session:
            case = _require_case(session, case_id)
            row = session.scalar(
                select(Assessment).where(Assessment.case_id == case_id, Assessment.role == role)
            )
            if row is None:
                if expected_version != 0:
                    raise _conflict(session, case, None, role)
                row = Assessment(
                    case_id=case_id,
                    role=role,
                    data=data,
                    updated_by_id=actor.user_id,
                    updated_at=now,
                    submitted_at=now if submit else None,
                )
                session.add(row)
                session.flush()
                record(
                    session,
                    actor,
                    "assessment.create",
                    "assessment",
                    row.id,
                    case_id=case_id,
                    after={"role": role, **data, "submitted": submit},
                )
            else:
                if row.version != expected_version:
                    raise _conflict(session, case, row, role)
                before_data = dict(row.data or {})
                changed_before, changed_after = diff(before_data, data)
                newly_submitted = submit and row.submitted_at is None
                if changed_after or submit:
                    row.data = data
                    row.updated_at = now
                    row.updated_by_id = actor.user_id
                    if submit:
                        row.submitted_at = now
                    session.flush()
                    if newly_submitted:
                        changed_before["submitted"] = False
                        changed_after["submitted"] = True
                    record(
                        session,
                        actor,
                        "assessment.submit" if submit else "assessment.save",
                        "assessment",
                        row.id,
                        case_id=case_id,
                        before={"role": role, **changed_before},
                        after={"role": role, **changed_after},
                    )
            if role is Role.RADIOLOGIST:
                # ESCC 2-3 makes the case urgent (suspected cord compression).
                from board.cases.service import refresh_urgency

                refresh_urgency(session, actor, case)
            names = {actor.user_id: actor.display_name} if actor.user_id else {}
            return _view(row, case_id, role, names)
    except (StaleDataError, IntegrityError):
        # Another transaction saved the form between our read and our write.
        with db.read() as session:
            case = _require_case(session, case_id)
            row = session.scalar(
                select(Assessment).where(Assessment.case_id == case_id, Assessment.role == role)
            )
            raise _conflict(session, case, row, role) from None
