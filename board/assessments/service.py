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
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.accounts.users import display_names
from board.assessments.forms import FORM_CLASSES, Form, empty_form, form_class, parse_form
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


@dataclass(frozen=True, slots=True)
class SavedForms:
    """The typed forms saved for one case, drafts included.

    Parameters
    ----------
    forms:
        Each role's form (stored data that cannot be read counts as a blank form).
    submitted:
        The roles that marked their input complete for the meeting.
    authors:
        The user id of whoever last saved each role's form.
    """

    forms: Mapping[Role, Form] = field(default_factory=dict)
    submitted: frozenset[Role] = frozenset()
    authors: Mapping[Role, int] = field(default_factory=dict)


def saved_forms(session: Session, case_ids: Collection[int]) -> dict[int, SavedForms]:
    """The typed forms of several cases in one query (the one place stored data is read).

    Parameters
    ----------
    session:
        An open session.
    case_ids:
        The cases.

    Returns
    -------
    dict[int, SavedForms]
        One entry per case id asked for (empty when a case has no assessment).
    """
    forms: dict[int, dict[Role, Form]] = {cid: {} for cid in case_ids}
    submitted: dict[int, set[Role]] = {cid: set() for cid in case_ids}
    authors: dict[int, dict[Role, int]] = {cid: {} for cid in case_ids}
    if case_ids:
        for case_id, role, data, submitted_at, author in session.execute(
            select(
                Assessment.case_id,
                Assessment.role,
                Assessment.data,
                Assessment.submitted_at,
                Assessment.updated_by_id,
            ).where(Assessment.case_id.in_(list(case_ids)))
        ):
            if submitted_at is not None:
                submitted[case_id].add(role)
            if role in FORM_CLASSES:
                forms[case_id][role] = read_form(role, data)[0]
            if author is not None:
                authors[case_id][role] = author
    return {
        cid: SavedForms(forms[cid], frozenset(submitted[cid]), authors[cid]) for cid in case_ids
    }


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


def write_assessment(
    session: Session,
    actor: Actor,
    case_id: int,
    role: Role,
    form: Form | Mapping[str, Any],
    expected_version: int,
    *,
    submit: bool = False,
    now: dt.datetime | None = None,
) -> AssessmentView:
    """Save the actor's own role's form inside an open transaction (a step).

    The caller owns the transaction: :func:`board.cases.specialist_input.save_assessment`
    is the action pages call; it also re-applies the case's red-flag rule. A stale save
    raises :class:`ConflictError`; a race the database detects on commit raises
    ``StaleDataError`` or ``IntegrityError`` from the caller's ``with db.write()``, which
    :func:`race_conflict` turns into the same conflict.

    Parameters
    ----------
    session:
        The open write session of the action.
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
        The time of the save (the demo board writes back-dated); now when ``None``.

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
    now = now or utcnow()
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
            at=now,
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
                at=now,
            )
    names = {actor.user_id: actor.display_name} if actor.user_id else {}
    return _view(row, case_id, role, names)


def race_conflict(db: Database, case_id: int, role: Role) -> ConflictError:
    """The conflict to report when another transaction saved the form first.

    Parameters
    ----------
    db:
        The database.
    case_id:
        The case.
    role:
        Whose form.

    Returns
    -------
    ConflictError
        Naming who saved the form and when.
    """
    with db.read() as session:
        case = _require_case(session, case_id)
        row = session.scalar(
            select(Assessment).where(Assessment.case_id == case_id, Assessment.role == role)
        )
        return _conflict(session, case, row, role)
