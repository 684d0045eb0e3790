"""A plan's life after drafting: sign-off, finalization and amendment.

Rules
-----
- A draft may be signed once it has an intent and a component, records why it departs
  from the NOMS suggestion (when it does), and every safety prompt is acknowledged.
  Signers must attend the plan's meeting.
- The chair finalizes once every required role of the meeting has signed the current
  revision (for an amendment outside a meeting: a signer of a required role). The case
  moves to *plan finalized*; a finalized version is read-only.
- An amendment is a new draft version with a reason, copied from the finalized one;
  finalizing it supersedes the old version. It belongs to the meeting it is made at (by
  default the meeting in progress that has the case on its agenda), takes over the open
  action items (the worklist counts each once, on the live version) and shows the
  dissents of the versions before it.
- At the end of a meeting a specialist signs every plan of it awaiting their signature
  in one pass (:func:`plans_awaiting_signature`, :func:`sign_plans`): each plan is
  signed on its own, so one changed since it was shown is refused while the others are
  signed.

Every function checks the permission, runs one transaction, writes one audit event
per change and returns frozen dataclasses (:mod:`board.plans.views`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.accounts.users import display_names
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.read_model import CaseReadModel, load_case_read_model
from board.cases.workflow import apply_transition
from board.db.engine import Database
from board.db.models import (
    ActionItem,
    AgendaItem,
    Case,
    Meeting,
    Patient,
    PlanItem,
    PlanVersion,
    SignOff,
    utcnow,
)
from board.errors import (
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    UserError,
    ValidationError,
)
from board.followup.baseline import capture_baseline
from board.followup.schedule import schedule_follow_ups
from board.meetings.enums import MeetingStatus
from board.plans.drafting import mark_discussed
from board.plans.enums import PlanStatus
from board.plans.report_files import store_files_in_background
from board.plans.rules import signature_state
from board.plans.versions import (
    MAX_REASON,
    check_version,
    checked_text,
    draft_checks,
    editing,
    load_plan,
    meeting_of,
    present_ids,
    require_draft,
    required_roles_for,
    snapshot_noms,
    version_view,
)
from board.plans.views import PlanToSign, PlanVersionView, SignOutcome
from board.reports.service import store_report_files, store_report_snapshot


def sign_plan(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Sign the current revision of a draft plan.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signing specialist.
    plan_id:
        The draft plan version.
    expected_version:
        The version the signer saw: a signature always covers what was on screen.
    now:
        The time of the signature (the demo board writes back-dated); now when ``None``.

    Returns
    -------
    PlanVersionView
        The plan with the signature.

    Raises
    ------
    PermissionDeniedError
        If the actor's role may not sign, or they are not recorded present at the
        plan's meeting.
    InvalidStateError
        If the plan is not a draft, is not complete (see
        :func:`board.plans.rules.blockers_to_sign`), or the actor already signed this
        revision.
    ConflictError
        If the plan changed since ``expected_version``.
    NotFoundError
        If there is no such plan.
    """
    require(actor, Action.PLAN_SIGN)
    now = now or utcnow()
    with editing(db, plan_id) as session:
        plan = load_plan(session, plan_id)
        check_version(session, plan, expected_version)
        require_draft(plan)
        if plan.meeting_id is not None and actor.user_id not in present_ids(
            session, plan.meeting_id
        ):
            raise PermissionDeniedError(
                "Only specialists recorded present at the meeting may sign its plans: "
                "record your attendance first."
            )
        case = load_case_read_model(session, plan.case_id, now=now)
        _, _, blockers = draft_checks(plan, case)
        if blockers:
            raise InvalidStateError("The plan cannot be signed yet: " + " ".join(blockers))
        already = session.scalar(
            select(SignOff.id).where(
                SignOff.plan_version_id == plan.id,
                SignOff.user_id == actor.user_id,
                SignOff.plan_revision == plan.revision,
            )
        )
        if already is not None:
            raise InvalidStateError("You have already signed this version of the plan.")
        if actor.user_id is None:
            raise PermissionDeniedError("Only a person can sign a plan.")
        sign_off = SignOff(
            plan_version_id=plan.id,
            user_id=actor.user_id,
            role=actor.role,
            signed_at=now,
            plan_revision=plan.revision,
        )
        session.add(sign_off)
        session.flush()
        record(
            session,
            actor,
            "plan.sign",
            "sign_off",
            sign_off.id,
            case_id=plan.case_id,
            after={"plan_version": plan.number, "revision": plan.revision, "role": actor.role},
            at=now,
        )
        return version_view(session, plan)


def _checked_for_finalizing(
    session: Session, actor: Actor, plan_id: int, expected_version: int, now: dt.datetime
) -> tuple[PlanVersion, CaseReadModel, dict[int, Role], list[str]]:
    """Load the draft and check that ``actor`` may finalize it now (nothing is changed).

    Returns
    -------
    tuple
        The plan, the case read model, the current signers' roles by user id, and the
        plan's departures from the NOMS suggestion.
    """
    plan = load_plan(session, plan_id)
    check_version(session, plan, expected_version)
    require_draft(plan)
    meeting = meeting_of(session, plan)
    current_signers = {
        s.user_id: s.role
        for s in session.scalars(
            select(SignOff).where(
                SignOff.plan_version_id == plan.id, SignOff.plan_revision == plan.revision
            )
        )
    }
    required = required_roles_for(meeting)
    if meeting is not None and meeting.chair_id is not None:
        if actor.user_id != meeting.chair_id:
            chair = display_names(session, [meeting.chair_id]).get(meeting.chair_id, "the chair")
            raise PermissionDeniedError(
                f"Only the meeting's chair ({chair}) may finalize its plans."
            )
    elif actor.user_id not in current_signers or current_signers[actor.user_id] not in required:
        raise PermissionDeniedError(
            "A plan without a chaired meeting is finalized by a specialist of a required "
            "role who has signed it."
        )
    # The case is read (and its scores derived) once: the checks, the NOMS snapshot,
    # the baseline and the stored report all take this one read model.
    case = load_case_read_model(session, plan.case_id, now=now)
    departures, _, blockers = draft_checks(plan, case)
    if blockers:
        raise InvalidStateError("The plan cannot be finalized yet: " + " ".join(blockers))
    state = signature_state(required, current_signers.values())
    if not state.complete:
        raise InvalidStateError(
            "The plan cannot be finalized until every required role has signed this "
            "version. Still missing: " + ", ".join(r.label for r in state.missing_roles) + "."
        )
    return plan, case, current_signers, list(departures)


def _mark_finalized(
    plan: PlanVersion,
    case: CaseReadModel,
    departures: list[str],
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Set the plan's finalized state: NOMS snapshot, baseline, status and stamps."""
    snapshot_noms(plan, case, departures)
    plan.baseline = capture_baseline(case).to_dict()
    plan.status = PlanStatus.FINALIZED
    plan.finalized_at = now
    plan.finalized_by_id = actor.user_id
    plan.updated_at = now
    plan.updated_by_id = actor.user_id


def finalize_plan(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    now: dt.datetime | None = None,
    files_in_background: bool = False,
) -> PlanVersionView:
    """Finalize a signed draft: it becomes read-only and the case moves on.

    One write transaction checks the plan, finalizes it and keeps the report as
    finalized (its model and the letter texts, :func:`store_report_snapshot`). The report
    and letter files are rendered from that kept model after the commit (rendering takes
    far longer than the writes, and on SQLite every other writer waits while one holds
    the write lock), then stored in a short transaction of their own: here, or in the
    background with ``files_in_background``. Until they are stored, downloads render
    the same files from the kept model.

    Parameters
    ----------
    db:
        The database.
    actor:
        The meeting's chair (for an amendment outside a meeting: a specialist of a
        required role who signed it).
    plan_id:
        The draft plan version.
    expected_version:
        The version the chair saw.
    now:
        The time of finalization (the demo board writes back-dated): it stamps the plan,
        the report's "generated at", the follow-up schedule (counted from its date) and
        the audit events. Now when ``None``.
    files_in_background:
        Render and store the files in a background thread (the app, so that the chair's
        click returns at once) instead of before returning.

    Returns
    -------
    PlanVersionView
        The finalized plan.

    Raises
    ------
    PermissionDeniedError
        If the actor may not finalize, or is not the chair.
    InvalidStateError
        If the plan is not a draft, is incomplete, or a required role has not signed
        the current revision.
    ConflictError
        If the plan changed since ``expected_version``.
    NotFoundError
        If there is no such plan.
    """
    require(actor, Action.PLAN_FINALIZE)
    # the files' audit event: the time given (the demo back-dates), else when stored
    files_at = now
    now = now or utcnow()
    with editing(db, plan_id) as session:
        plan, case, current_signers, departures = _checked_for_finalizing(
            session, actor, plan_id, expected_version, now
        )
        for older in session.scalars(
            select(PlanVersion).where(
                PlanVersion.case_id == plan.case_id,
                PlanVersion.status == PlanStatus.FINALIZED,
                PlanVersion.id != plan.id,
            )
        ):
            older.status = PlanStatus.SUPERSEDED
            older.updated_at = now
            older.updated_by_id = actor.user_id
            record(
                session,
                actor,
                "plan.supersede",
                "plan_version",
                older.id,
                case_id=plan.case_id,
                before={"status": PlanStatus.FINALIZED},
                after={"status": PlanStatus.SUPERSEDED, "by_version": plan.number},
                at=now,
            )
        _mark_finalized(plan, case, departures, actor, now)
        session.flush()
        record(
            session,
            actor,
            "plan.finalize",
            "plan_version",
            plan.id,
            case_id=plan.case_id,
            before={"status": PlanStatus.DRAFT},
            after={
                "status": PlanStatus.FINALIZED,
                "number": plan.number,
                "signed_by_roles": sorted(r.value for r in set(current_signers.values())),
            },
            at=now,
        )
        # The report that leaves the room, kept as finalized; its files follow the commit.
        kept = store_report_snapshot(session, plan, now, case=case)
        case_row = session.get(Case, plan.case_id)
        assert case_row is not None
        schedule_follow_ups(session, actor, plan, now=now)
        if case_row.rediscussion_requested_at is not None:
            record(
                session,
                actor,
                "case.rediscussion_done",
                "case",
                case_row.id,
                case_id=case_row.id,
                before={"rediscussion_requested_at": case_row.rediscussion_requested_at},
                after={"rediscussion_requested_at": None, "plan_version": plan.number},
                at=now,
            )
            case_row.rediscussion_requested_at = None
            case_row.rediscussion_reason = None
        if case_row.status is CaseStatus.DISCUSSED:
            apply_transition(
                session,
                actor,
                case_row,
                CaseStatus.PLAN_FINALIZED,
                reason=f"plan v{plan.number}",
                now=now,
            )
        view = version_view(session, plan)
    if files_in_background:
        store_files_in_background(db, actor, plan_id, kept, at=files_at)
    else:
        store_report_files(db, actor, plan_id, kept, at=files_at)
    return view


def amend_plan(
    db: Database,
    actor: Actor,
    plan_id: int,
    reason: str,
    meeting_id: int | None = None,
    *,
    now: dt.datetime | None = None,
) -> PlanVersionView:
    """Start an amendment: a new draft version copied from the finalized one.

    Parameters
    ----------
    db:
        The database.
    actor:
        The specialist amending the plan.
    plan_id:
        The finalized version in force.
    reason:
        Why the plan is amended (required).
    meeting_id:
        The meeting the amendment is made at (its chair then finalizes it, and its
        attendees sign); by default the meeting in progress that has the case on its
        agenda, if any.
    now:
        The time of the amendment; now when ``None``.

    Returns
    -------
    PlanVersionView
        The new draft version, with the case's open action items moved onto it (each
        audited as ``action_item.carry``) and the dissent history.

    Raises
    ------
    ValidationError
        If the reason is missing or too long.
    InvalidStateError
        If the version is not the finalized one in force, or an amendment is already
        open.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.PLAN_AMEND)
    why = checked_text(reason, "The reason for the amendment", "reason", MAX_REASON, required=True)
    now = now or utcnow()
    with db.write() as session:
        plan = load_plan(session, plan_id)
        if plan.status is not PlanStatus.FINALIZED:
            raise InvalidStateError(
                "Only the finalized plan in force can be amended; a draft is edited directly."
            )
        latest = session.scalars(
            select(PlanVersion)
            .where(PlanVersion.case_id == plan.case_id)
            .order_by(PlanVersion.number.desc())
        ).first()
        assert latest is not None
        if latest.id != plan.id:
            raise InvalidStateError(
                f"An amendment (version {latest.number}) is already open: edit it instead."
            )
        if meeting_id is not None and session.get(Meeting, meeting_id) is None:
            raise NotFoundError(f"Meeting {meeting_id} does not exist.")
        if meeting_id is None:
            meeting_id = session.scalar(
                select(Meeting.id)
                .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                .where(
                    AgendaItem.case_id == plan.case_id,
                    Meeting.status == MeetingStatus.IN_PROGRESS,
                )
                .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
                .limit(1)
            )
        if meeting_id is not None:
            agenda_item = session.scalars(
                select(AgendaItem).where(
                    AgendaItem.meeting_id == meeting_id, AgendaItem.case_id == plan.case_id
                )
            ).first()
            if agenda_item is not None:
                mark_discussed(session, actor, agenda_item, now=now)
        amendment = PlanVersion(
            case_id=plan.case_id,
            number=plan.number + 1,
            status=PlanStatus.DRAFT,
            meeting_id=meeting_id,
            intent=plan.intent,
            summary=plan.summary,
            deviation_reason=plan.deviation_reason,
            amendment_reason=why,
            acknowledged_warnings=list(plan.acknowledged_warnings or []),
            noms_suggestion=dict(plan.noms_suggestion or {}),
            revision=1,
            created_at=now,
            created_by_id=actor.user_id,
            updated_at=now,
            updated_by_id=actor.user_id,
        )
        session.add(amendment)
        session.flush()
        for position, item in enumerate(plan.items, start=1):
            session.add(
                PlanItem(
                    plan_version_id=amendment.id,
                    component=item.component,
                    option=item.option,
                    details=dict(item.details or {}),
                    position=position,
                )
            )
        session.flush()
        session.refresh(amendment, attribute_names=["items"])
        record(
            session,
            actor,
            "plan.amend",
            "plan_version",
            amendment.id,
            case_id=plan.case_id,
            after={"number": amendment.number, "amends": plan.number, "meeting_id": meeting_id},
            detail=why,
            at=now,
        )
        _carry_open_actions(session, actor, plan, amendment, now)
        return version_view(session, amendment)


def _carry_open_actions(
    session: Session, actor: Actor, old: PlanVersion, new: PlanVersion, now: dt.datetime
) -> None:
    """Move the case's open action items onto the amendment (each audited): the live
    version lists them and the worklist still counts each once. Done ones stay with the
    version that handed them out."""
    numbers = dict(
        session.execute(
            select(PlanVersion.id, PlanVersion.number).where(PlanVersion.case_id == old.case_id)
        ).all()
    )
    for item in session.scalars(
        select(ActionItem)
        .where(
            ActionItem.case_id == old.case_id,
            ActionItem.done_at.is_(None),
            ActionItem.plan_version_id.is_not(None),
            ActionItem.plan_version_id != new.id,
        )
        .order_by(ActionItem.id)
    ):
        before = numbers.get(item.plan_version_id or 0)
        item.plan_version_id = new.id
        item.updated_at = now
        item.updated_by_id = actor.user_id
        session.flush()
        record(
            session,
            actor,
            "action_item.carry",
            "action_item",
            item.id,
            case_id=old.case_id,
            before={"plan_version": before},
            after={"plan_version": new.number},
            detail="Taken over by the amendment.",
            at=now,
        )


def plans_awaiting_signature(db: Database, actor: Actor, meeting_id: int) -> list[PlanToSign]:
    """Every draft plan of a meeting the signer has not signed in its current revision.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signing specialist.
    meeting_id:
        The meeting (its plans: started or amended at it).

    Returns
    -------
    list[PlanToSign]
        In agenda order, each with the plan as it stands (intent, summary, components,
        dissent), what still blocks signing, and the departures from NOMS.

    Raises
    ------
    PermissionDeniedError
        If the actor's role may not sign plans.
    NotFoundError
        If there is no such meeting.
    """
    require(actor, Action.PLAN_SIGN)
    with db.read() as session:
        if session.get(Meeting, meeting_id) is None:
            raise NotFoundError(f"Meeting {meeting_id} does not exist.")
        positions = dict(
            session.execute(
                select(AgendaItem.case_id, AgendaItem.position).where(
                    AgendaItem.meeting_id == meeting_id
                )
            ).all()
        )
        found: list[PlanToSign] = []
        for plan in session.scalars(
            select(PlanVersion).where(
                PlanVersion.meeting_id == meeting_id, PlanVersion.status == PlanStatus.DRAFT
            )
        ):
            signed = session.scalar(
                select(SignOff.id).where(
                    SignOff.plan_version_id == plan.id,
                    SignOff.user_id == actor.user_id,
                    SignOff.plan_revision == plan.revision,
                )
            )
            if signed is not None:
                continue
            case = load_case_read_model(session, plan.case_id)
            departures, _, blockers = draft_checks(plan, case)
            found.append(
                PlanToSign(
                    plan=version_view(session, plan),
                    pseudonym=case.pseudonym,
                    position=positions.get(plan.case_id),
                    blockers=blockers,
                    departures=departures,
                )
            )
        found.sort(key=lambda p: (p.position is None, p.position or 0, p.plan.id))
        return found


def sign_plans(
    db: Database,
    actor: Actor,
    plans: Sequence[tuple[int, int]],
    *,
    now: dt.datetime | None = None,
) -> list[SignOutcome]:
    """Sign several plans in one pass (the end of a meeting), each on its own.

    Each plan is signed as :func:`sign_plan` signs it, in its own transaction and audited:
    one that changed since it was shown (a stale version), is incomplete or was already
    signed is refused with its reason, and the others are still signed.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signing specialist.
    plans:
        ``(plan_id, version)`` of each plan as shown to the signer.
    now:
        The time of the signatures; now when ``None``.

    Returns
    -------
    list[SignOutcome]
        One per plan, in the order given: signed, or why not.

    Raises
    ------
    PermissionDeniedError
        If the actor's role may not sign plans (nothing is signed).
    ValidationError
        If no plan is given.
    """
    require(actor, Action.PLAN_SIGN)
    if not plans:
        raise ValidationError("There is no plan to sign.", field="plans")
    now = now or utcnow()
    with db.read() as session:
        labels = {
            plan_id: (pseudonym, number)
            for plan_id, pseudonym, number in session.execute(
                select(PlanVersion.id, Patient.pseudonym, PlanVersion.number)
                .join(Case, Case.id == PlanVersion.case_id)
                .join(Patient, Patient.id == Case.patient_id)
                .where(PlanVersion.id.in_([plan_id for plan_id, _ in plans]))
            )
        }
    outcomes = []
    for plan_id, version in plans:
        pseudonym, number = labels.get(plan_id, (f"plan {plan_id}", None))
        try:
            signed = sign_plan(db, actor, plan_id, version, now=now)
        except UserError as exc:
            outcomes.append(SignOutcome(plan_id, pseudonym, number, False, exc.message))
            continue
        outcomes.append(
            SignOutcome(
                plan_id,
                pseudonym,
                signed.number,
                True,
                f"Signed version {signed.number} of the plan of {pseudonym}.",
            )
        )
    return outcomes
