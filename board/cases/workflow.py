"""The case workflow: preparing, ready, discussed, plan finalized, in follow-up, closed.

Steps cannot be skipped. The only moves are one step forward, and one step back from
*ready* to *preparing* (something the discussion needs went missing). Every other
transition is refused with a message saying which step comes next.

:func:`check_transition` is the pure rule; :func:`apply_transition` applies it to a
case row inside the caller's transaction and writes the ``case.status`` audit event, so
every service that moves a case (meetings, plans, follow-up) goes through one place.
"""

from __future__ import annotations

from types import MappingProxyType

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.enums import CaseStatus
from board.cases.queries import readiness_of
from board.db.engine import Database
from board.db.models import Case, User, utcnow
from board.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError

#: The steps in order.
ORDER: tuple[CaseStatus, ...] = (
    CaseStatus.PREPARING,
    CaseStatus.READY,
    CaseStatus.DISCUSSED,
    CaseStatus.PLAN_FINALIZED,
    CaseStatus.IN_FOLLOW_UP,
    CaseStatus.CLOSED,
)

#: Allowed transitions: each status to the statuses it may move to.
TRANSITIONS: MappingProxyType[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        CaseStatus.PREPARING: frozenset({CaseStatus.READY}),
        CaseStatus.READY: frozenset({CaseStatus.DISCUSSED, CaseStatus.PREPARING}),
        CaseStatus.DISCUSSED: frozenset({CaseStatus.PLAN_FINALIZED}),
        CaseStatus.PLAN_FINALIZED: frozenset({CaseStatus.IN_FOLLOW_UP}),
        CaseStatus.IN_FOLLOW_UP: frozenset({CaseStatus.CLOSED}),
        CaseStatus.CLOSED: frozenset(),
    }
)


def next_step(status: CaseStatus) -> CaseStatus | None:
    """The status one step forward, or ``None`` for a closed case.

    Parameters
    ----------
    status:
        The current status.

    Returns
    -------
    CaseStatus | None
        The next step.
    """
    index = ORDER.index(status)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether a case may move from ``current`` to ``target``.

    Parameters
    ----------
    current, target:
        The statuses.

    Returns
    -------
    bool
        ``True`` only for the moves in :data:`TRANSITIONS`.
    """
    return target in TRANSITIONS[current]


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Refuse an illegal move.

    Parameters
    ----------
    current, target:
        The statuses.

    Raises
    ------
    InvalidStateError
        If the move skips a step, goes backwards (other than ready to preparing),
        leaves a closed case, or stays where it is.
    """
    if can_transition(current, target):
        return
    if current is target:
        raise InvalidStateError(f"The case is already '{current.label}'.")
    following = next_step(current)
    if following is None:
        raise InvalidStateError(
            f"The case is closed: it cannot move to '{target.label}'. Steps cannot be skipped "
            "or undone."
        )
    raise InvalidStateError(
        f"A case cannot move from '{current.label}' to '{target.label}': steps cannot be "
        f"skipped. The next step is '{following.label}'."
    )


def apply_transition(
    session: Session,
    actor: Actor,
    case: Case,
    target: CaseStatus,
    *,
    reason: str | None = None,
) -> None:
    """Move a case to ``target`` inside the caller's transaction and audit it.

    Parameters
    ----------
    session:
        The session of the action (the audit event joins its transaction).
    actor:
        Who moves the case.
    case:
        The case row (loaded in ``session``).
    target:
        The new status.
    reason:
        Optional reason recorded with the audit event.

    Raises
    ------
    InvalidStateError
        If the move is not allowed (nothing is changed).
    """
    current = case.status
    check_transition(current, target)
    case.status = target
    case.updated_at = utcnow()
    case.updated_by_id = actor.user_id
    if target is CaseStatus.CLOSED:
        case.closed_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "case.status",
        "case",
        case.id,
        case_id=case.id,
        before={"status": current},
        after={"status": target},
        detail=reason,
    )


#: Statuses that only the meeting and plan services set (plan started, plan finalized).
BOARD_SET = frozenset({CaseStatus.DISCUSSED, CaseStatus.PLAN_FINALIZED})
MAX_REASON_LENGTH = 2_000


def set_case_status(
    db: Database,
    actor: Actor,
    case_id: int,
    target: CaseStatus,
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> CaseStatus:
    """Move a case by hand: mark it ready (or back to preparing), start follow-up, close it.

    *Discussed* and *plan finalized* are set by the board itself (starting and
    finalizing the plan), never by hand.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who moves the case.
    case_id:
        The case.
    target:
        The new status.
    expected_version:
        The case version the person saw; a newer change is refused.
    reason:
        Why; required to mark a case ready while its readiness checklist still has
        missing items (for example an urgent case discussed before every input is in).

    Returns
    -------
    CaseStatus
        The new status.

    Raises
    ------
    PermissionDeniedError
        If the actor may not edit cases.
    NotFoundError
        If there is no such case.
    InvalidStateError
        If the move is not allowed, or is one the board makes itself.
    ValidationError
        If a needed reason is missing or too long.
    ConflictError
        If the case changed since ``expected_version``.
    """
    require(actor, Action.CASE_EDIT)
    if target in BOARD_SET:
        raise InvalidStateError(
            f"'{target.label}' is set by the board: starting the plan at a meeting marks the "
            "case discussed, and finalizing the plan marks it finalized."
        )
    text = (reason or "").strip() or None
    if text is not None and len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"The reason is too long: at most {MAX_REASON_LENGTH} characters.", field="reason"
        )
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        readiness = readiness_of(session, [case_id], utcnow().date())[case_id]
    if target is CaseStatus.READY and not readiness.ready and text is None:
        raise ValidationError(
            "This case is not ready yet (missing: "
            + "; ".join(readiness.missing)
            + "). Give a reason to mark it ready anyway, for example an urgent case.",
            field="reason",
        )
    try:
        with db.write() as session:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFoundError(f"Case {case_id} does not exist.")
            if expected_version is not None and case.version != expected_version:
                raise _case_conflict(session, case)
            apply_transition(session, actor, case, target, reason=text)
            return case.status
    except StaleDataError:
        with db.read() as session:
            case = session.get(Case, case_id)
            assert case is not None
            raise _case_conflict(session, case) from None


def _case_conflict(session: Session, case: Case) -> ConflictError:
    who = session.get(User, case.updated_by_id) if case.updated_by_id else None
    return ConflictError(
        f"Case {case.patient.pseudonym}",
        changed_by=who.display_name if who else None,
        changed_at=case.updated_at,
    )
