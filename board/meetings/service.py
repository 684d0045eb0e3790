"""Meeting services: schedule, agenda, triage, order, attendance and quorum, timers.

Every function checks the actor's permission, runs one transaction, writes one audit
event per change and returns frozen dataclasses (:mod:`board.meetings.views`).
Meetings and agenda items are versioned: a stale edit is refused with a message naming
who changed the row and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, allowed, require
from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.queries import readiness_of
from board.cases.read_model import primary_site_label
from board.cases.readiness import Readiness
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    Attendance,
    Case,
    Meeting,
    MeetingInvitee,
    Patient,
    PlanVersion,
    User,
    utcnow,
)
from board.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from board.localtime import fmt_local
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.meetings.rules import agenda_order_key, check_meeting_move, quorum
from board.meetings.steps import (
    AGENDA_STATUSES,
    agenda_items,
    append_to_agenda,
    renumber_agenda,
    touch_item,
)
from board.meetings.views import (
    AgendaCandidate,
    AgendaRow,
    AttendanceRow,
    MeetingDetail,
    MeetingInput,
    MeetingSummary,
    PersonOption,
)
from board.plans.enums import PlanStatus

#: Roles that may sit on the quorum and sign plans (the specialists).
SPECIALIST_ROLES: tuple[Role, ...] = tuple(r for r in Role if allowed(r, Action.PLAN_SIGN))
OPEN_MEETING = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _load_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.")
    return meeting


def _load_item(session: Session, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise NotFoundError("That agenda item does not exist (it may have been removed).")
    return item


def _who(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.display_name if user else None


def _meeting_conflict(session: Session, meeting: Meeting) -> ConflictError:
    return ConflictError(
        f"The meeting '{meeting.title}'",
        changed_by=_who(session, meeting.updated_by_id),
        changed_at=meeting.updated_at,
    )


def _item_conflict(session: Session, item: AgendaItem) -> ConflictError:
    case = session.get(Case, item.case_id)
    label = case.patient.pseudonym if case is not None else f"case {item.case_id}"
    return ConflictError(
        f"The agenda entry of {label}",
        changed_by=_who(session, item.updated_by_id),
        changed_at=item.updated_at,
    )


@contextmanager
def _guarded(
    db: Database, *, meeting_id: int | None = None, item_id: int | None = None
) -> Iterator[Session]:
    """A write transaction whose lost-update failure becomes a clear conflict."""
    try:
        with db.write() as session:
            yield session
    except StaleDataError:
        with db.read() as session:
            if item_id is not None:
                raise _item_conflict(session, _load_item(session, item_id)) from None
            assert meeting_id is not None
            raise _meeting_conflict(session, _load_meeting(session, meeting_id)) from None


def _roles(values: list[str] | None) -> tuple[Role, ...]:
    roles: list[Role] = []
    for value in values or []:
        try:
            roles.append(Role(value))
        except ValueError:
            continue
    return tuple(roles) or REQUIRED_ROLES


def _require_open(meeting: Meeting) -> None:
    if meeting.status not in OPEN_MEETING:
        raise InvalidStateError(
            f"The meeting is {meeting.status.value}: its agenda and attendance can no longer "
            "change."
        )


def _touch_meeting(actor: Actor, meeting: Meeting, now: dt.datetime) -> None:
    meeting.updated_at = now
    meeting.updated_by_id = actor.user_id


def _validate(
    session: Session, data: MeetingInput, *, new: bool, now: dt.datetime
) -> dict[str, Any]:
    starts_at = data.starts_at
    if not isinstance(starts_at, dt.datetime) or starts_at.tzinfo is None:
        raise ValidationError("Give the meeting's date and time (with its time zone).", "starts_at")
    if new and starts_at < now - dt.timedelta(hours=12):
        raise ValidationError("A new meeting cannot start in the past.", field="starts_at")
    title = (data.title or "").strip()
    if not title:
        raise ValidationError("Give the meeting a title.", field="title")
    if len(title) > 120:
        raise ValidationError("The title is too long: at most 120 characters.", field="title")
    location = (data.location or "").strip() or None
    if location is not None and len(location) > 200:
        raise ValidationError("The place is too long: at most 200 characters.", field="location")
    link = (data.video_link or "").strip() or None
    if link is not None:
        parsed = urlparse(link)
        if parsed.scheme not in ("https", "http") or not parsed.netloc or len(link) > 500:
            raise ValidationError(
                "The video link must be a web address starting with https:// (at most 500 "
                "characters).",
                field="video_link",
            )
    if location is None and link is None:
        raise ValidationError("Give a place, a video link, or both.", field="location")
    if data.chair_id is None:
        raise ValidationError("Choose the chair of the meeting.", field="chair_id")
    chair = session.get(User, data.chair_id)
    if chair is None or not chair.is_active or chair.role not in SPECIALIST_ROLES:
        raise ValidationError(
            "The chair must be an active specialist (a role that signs plans).", field="chair_id"
        )
    roles = tuple(dict.fromkeys(data.required_roles))
    if not roles:
        raise ValidationError(
            "Choose at least one required specialty for the quorum.", field="required_roles"
        )
    for role in roles:
        if role not in SPECIALIST_ROLES:
            raise ValidationError(
                f"{Role(role).label} cannot be a required specialty: only specialists who "
                "sign plans can.",
                field="required_roles",
            )
    return {
        "starts_at": starts_at.astimezone(dt.UTC),
        "title": title,
        "location": location,
        "video_link": link,
        "chair_id": data.chair_id,
        "required_roles": [Role(r).value for r in roles],
    }


def _invitee_ids(session: Session, data: MeetingInput, values: dict[str, Any]) -> list[int]:
    """The people to invite: those chosen, else the default (checked, sorted by id).

    The default is every active user of the required specialties, and the chair.

    Raises
    ------
    ValidationError
        If a chosen person is unknown, inactive or an administrator.
    """
    if data.invitee_ids is None:
        roles = [Role(r) for r in values["required_roles"]]
        ids = set(
            session.scalars(select(User.id).where(User.is_active.is_(True), User.role.in_(roles)))
        )
        ids.add(values["chair_id"])
        return sorted(ids)
    chosen = sorted(set(data.invitee_ids))
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(chosen)))}
    for user_id in chosen:
        user = users.get(user_id)
        if user is None or not user.is_active or user.role is Role.ADMIN:
            raise ValidationError(
                "Invite active members of the board only (not administrator accounts).",
                field="invitee_ids",
            )
    return chosen


def _current_invitees(session: Session, meeting_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(MeetingInvitee.user_id).where(MeetingInvitee.meeting_id == meeting_id)
        )
    )


def _set_invitees(session: Session, meeting_id: int, user_ids: list[int]) -> None:
    """Make the meeting's invitees exactly ``user_ids``."""
    wanted = set(user_ids)
    for row in session.scalars(
        select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting_id)
    ):
        if row.user_id in wanted:
            wanted.discard(row.user_id)
        else:
            session.delete(row)
    for user_id in sorted(wanted):
        session.add(MeetingInvitee(meeting_id=meeting_id, user_id=user_id))
    session.flush()


#: What a calendar invitation shows of a meeting: a change raises its SEQUENCE.
CALENDAR_FIELDS = frozenset({"starts_at", "title", "location", "video_link"})


def _meeting_snapshot(meeting: Meeting, invitee_ids: list[int]) -> dict[str, Any]:
    return {
        "starts_at": meeting.starts_at,
        "title": meeting.title,
        "location": meeting.location,
        "video_link": meeting.video_link,
        "chair_id": meeting.chair_id,
        "required_roles": list(meeting.required_roles or []),
        "invitee_ids": list(invitee_ids),
    }


def _detail(session: Session, meeting: Meeting) -> MeetingDetail:
    now = utcnow()
    items = session.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    case_ids = [i.case_id for i in items]
    cases: dict[int, tuple[Case, Patient]] = {}
    if case_ids:
        for case, patient in session.execute(
            select(Case, Patient)
            .join(Patient, Patient.id == Case.patient_id)
            .where(Case.id.in_(case_ids))
        ):
            cases[case.id] = (case, patient)
    readiness: dict[int, Readiness] = readiness_of(session, case_ids, now.date())
    plans: dict[int, tuple[PlanStatus, int]] = {}
    if case_ids:
        for version in session.scalars(
            select(PlanVersion)
            .where(PlanVersion.case_id.in_(case_ids))
            .order_by(PlanVersion.number)
        ):
            plans[version.case_id] = (version.status, version.number)
    agenda = []
    for item in items:
        case, patient = cases[item.case_id]
        plan = plans.get(item.case_id)
        agenda.append(
            AgendaRow(
                id=item.id,
                version=item.version,
                position=item.position,
                case_id=case.id,
                pseudonym=patient.pseudonym,
                primary_site_label=primary_site_label(case.primary_site),
                levels=tuple(lv for lv in case.levels.split(",") if lv),
                urgency=case.urgency,
                case_status=case.status,
                missing=readiness[case.id].missing,
                triage=item.triage,
                discussed_at=item.discussed_at,
                discussion_seconds=item.discussion_seconds or 0,
                timer_started_at=item.timer_started_at,
                plan_status=plan[0] if plan else None,
                plan_number=plan[1] if plan else None,
                referral_question=case.referral_question,
                rediscussion_reason=case.rediscussion_reason
                if case.rediscussion_requested_at is not None
                else None,
            )
        )
    attendance_rows = session.execute(
        select(Attendance, User)
        .join(User, User.id == Attendance.user_id)
        .where(Attendance.meeting_id == meeting.id)
        .order_by(Attendance.recorded_at, Attendance.id)
    ).all()
    attendance = tuple(
        AttendanceRow(a.id, a.user_id, u.display_name, a.role, a.present, a.recorded_at)
        for a, u in attendance_rows
    )
    invitees = tuple(
        PersonOption(u.id, u.display_name, u.role)
        for u in session.scalars(
            select(User)
            .join(MeetingInvitee, MeetingInvitee.user_id == User.id)
            .where(MeetingInvitee.meeting_id == meeting.id)
            .order_by(User.display_name, User.id)
        )
    )
    required = _roles(meeting.required_roles)
    return MeetingDetail(
        id=meeting.id,
        version=meeting.version,
        starts_at=meeting.starts_at,
        title=meeting.title,
        location=meeting.location,
        video_link=meeting.video_link,
        chair_id=meeting.chair_id,
        chair_name=_who(session, meeting.chair_id),
        status=meeting.status,
        required_roles=required,
        agenda=tuple(agenda),
        attendance=attendance,
        quorum=quorum(required, [a.role for a in attendance if a.present]),
        updated_at=meeting.updated_at,
        updated_by=_who(session, meeting.updated_by_id),
        invitees=invitees,
    )


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def list_meetings(db: Database, actor: Actor, limit: int = 50) -> list[MeetingSummary]:
    """Meetings to choose from: open ones soonest first, then past ones newest first.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    limit:
        At most this many of each group.

    Returns
    -------
    list[MeetingSummary]
        The meetings.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        counts = dict(
            session.execute(
                select(AgendaItem.meeting_id, func.count()).group_by(AgendaItem.meeting_id)
            ).all()
        )
        open_ = session.scalars(
            select(Meeting)
            .where(Meeting.status.in_(OPEN_MEETING))
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        ).all()
        past = session.scalars(
            select(Meeting)
            .where(Meeting.status.not_in(OPEN_MEETING))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(limit)
        ).all()
        return [
            MeetingSummary(m.id, m.starts_at, m.title, m.status, int(counts.get(m.id, 0)))
            for m in (*open_, *past)
        ]


def get_meeting(db: Database, actor: Actor, meeting_id: int) -> MeetingDetail:
    """A meeting with its agenda, attendance and quorum.

    Raises
    ------
    NotFoundError
        If there is no such meeting.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        return _detail(session, _load_meeting(session, meeting_id))


def people(db: Database, actor: Actor, *, specialists_only: bool = False) -> list[PersonOption]:
    """Active users, for the chair, attendance and action-owner pickers.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    specialists_only:
        Only roles that sign plans (for the chair).

    Returns
    -------
    list[PersonOption]
        Sorted by name.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        query = select(User).where(User.is_active.is_(True))
        if specialists_only:
            query = query.where(User.role.in_(SPECIALIST_ROLES))
        return [
            PersonOption(u.id, u.display_name, u.role)
            for u in session.scalars(query.order_by(User.display_name, User.id))
            if u.role is not Role.ADMIN
        ]


def agenda_candidates(db: Database, actor: Actor, meeting_id: int) -> list[AgendaCandidate]:
    """Cases that could go on the agenda, urgent first, then by readiness.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    meeting_id:
        The meeting (its cases are left out).

    Returns
    -------
    list[AgendaCandidate]
        Open cases (preparing, ready or discussed) not on this agenda, in the
        suggested order.

    Raises
    ------
    NotFoundError
        If there is no such meeting.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        _load_meeting(session, meeting_id)
        return _candidates(session, meeting_id, utcnow().date())


def _candidates(session: Session, meeting_id: int, today: dt.date) -> list[AgendaCandidate]:
    on_agenda = select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting_id)
    rows = session.execute(
        select(Case, Patient)
        .join(Patient, Patient.id == Case.patient_id)
        .where(
            or_(Case.status.in_(AGENDA_STATUSES), Case.rediscussion_requested_at.is_not(None)),
            Case.id.not_in(on_agenda),
        )
    ).all()
    readiness = readiness_of(session, [c.id for c, _ in rows], today)
    found = [
        AgendaCandidate(
            case_id=case.id,
            pseudonym=patient.pseudonym,
            primary_site_label=primary_site_label(case.primary_site),
            levels=tuple(lv for lv in case.levels.split(",") if lv),
            urgency=case.urgency,
            status=case.status,
            missing=readiness[case.id].missing,
            created_at=case.created_at,
            rediscussion=case.rediscussion_requested_at is not None,
        )
        for case, patient in rows
    ]
    found.sort(key=lambda c: agenda_order_key(c.urgency, len(c.missing), c.created_at, c.case_id))
    return found


# ---------------------------------------------------------------------------
# Scheduling
# ---------------------------------------------------------------------------

#: Two open meetings in the same place starting less than this apart clash (meetings
#: have no end time; a board takes about an hour).
CLASH_WINDOW = dt.timedelta(hours=1)


def _same_place(meeting: Meeting, location: str | None, link: str | None) -> bool:
    def norm(text: str | None) -> str:
        return " ".join((text or "").split()).casefold()

    return bool(
        (location and norm(meeting.location) == norm(location))
        or (link and norm(meeting.video_link) == norm(link))
    )


def _clashes(
    session: Session, values: dict[str, Any], exclude_id: int | None
) -> tuple[MeetingSummary, ...]:
    starts_at: dt.datetime = values["starts_at"]
    query = select(Meeting).where(
        Meeting.status.in_(OPEN_MEETING),
        Meeting.starts_at > starts_at - CLASH_WINDOW,
        Meeting.starts_at < starts_at + CLASH_WINDOW,
    )
    if exclude_id is not None:
        query = query.where(Meeting.id != exclude_id)
    found = [
        m
        for m in session.scalars(query.order_by(Meeting.starts_at, Meeting.id))
        if _same_place(m, values["location"], values["video_link"])
    ]
    counts = _agenda_counts(session, [m.id for m in found])
    return tuple(
        MeetingSummary(m.id, m.starts_at, m.title, m.status, counts.get(m.id, 0)) for m in found
    )


def _agenda_counts(session: Session, meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    return {
        meeting_id: int(count)
        for meeting_id, count in session.execute(
            select(AgendaItem.meeting_id, func.count())
            .where(AgendaItem.meeting_id.in_(meeting_ids))
            .group_by(AgendaItem.meeting_id)
        )
    }


def meeting_clashes(
    db: Database,
    actor: Actor,
    data: MeetingInput,
    *,
    exclude_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[MeetingSummary, ...]:
    """The open meetings at the same time and place as a meeting about to be scheduled.

    The same place is the same room (spaces and letter case ignored) or the same video
    link; the same time is a start less than :data:`CLASH_WINDOW` apart. The input is
    checked first, as :func:`schedule_meeting` checks it.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who schedules (needs permission to schedule meetings).
    data:
        The schedule form.
    exclude_id:
        A meeting being edited (it does not clash with itself).
    now:
        The time of scheduling (the "not in the past" check); now when ``None``.

    Returns
    -------
    tuple[MeetingSummary, ...]
        The clashing scheduled or running meetings, soonest first (none: no clash).

    Raises
    ------
    PermissionDeniedError
        If the actor may not schedule meetings.
    ValidationError
        Naming the first field that is not as expected.
    """
    require(actor, Action.MEETING_SCHEDULE)
    now = now or utcnow()
    with db.read() as session:
        values = _validate(session, data, new=exclude_id is None, now=now)
        return _clashes(session, values, exclude_id)


def _clash_detail(clashes: tuple[MeetingSummary, ...]) -> str | None:
    if not clashes:
        return None
    listed = "; ".join(f"{m.title} ({fmt_local(m.starts_at)})" for m in clashes)
    return f"Scheduled after confirming a clash with {listed} at the same time and place."


def schedule_meeting(
    db: Database,
    actor: Actor,
    data: MeetingInput,
    *,
    confirmed_clashes: Sequence[int] = (),
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Schedule a meeting.

    Parameters
    ----------
    db:
        The database.
    actor:
        The coordinator (or an administrator).
    data:
        Date and time, title, place and/or video link, chair, required specialties and
        the people invited (by default every active user of the required specialties,
        and the chair).
    confirmed_clashes:
        The clashing meetings (:func:`meeting_clashes`) the person was shown and
        confirmed; those still clashing are named in the audit event.
    now:
        The time of scheduling (the demo board writes back-dated): a new meeting may not
        start more than 12 hours before it. Now when ``None``.

    Returns
    -------
    MeetingDetail
        The new meeting (empty agenda).

    Raises
    ------
    PermissionDeniedError
        If the actor may not schedule meetings.
    ValidationError
        Naming the first field that is not as expected.
    """
    require(actor, Action.MEETING_SCHEDULE)
    now = now or utcnow()
    with db.write() as session:
        values = _validate(session, data, new=True, now=now)
        confirmed = set(confirmed_clashes)
        clashes = tuple(m for m in _clashes(session, values, None) if m.id in confirmed)
        invitee_ids = _invitee_ids(session, data, values)
        meeting = Meeting(
            status=MeetingStatus.SCHEDULED, updated_at=now, updated_by_id=actor.user_id, **values
        )
        session.add(meeting)
        session.flush()
        _set_invitees(session, meeting.id, invitee_ids)
        record(
            session,
            actor,
            "meeting.schedule",
            "meeting",
            meeting.id,
            after=_meeting_snapshot(meeting, invitee_ids),
            detail=_clash_detail(clashes),
            at=now,
        )
        return _detail(session, meeting)


def update_meeting(
    db: Database,
    actor: Actor,
    meeting_id: int,
    expected_version: int,
    data: MeetingInput,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Change a meeting's time, place, link, chair, required specialties or invitees.

    ``data.invitee_ids`` ``None`` invites the default again: every active user of the
    (new) required specialties, and the chair.

    ``now`` is the time of the change (a moved meeting may not start more than 12 hours
    before it); now when ``None``.

    Raises
    ------
    ConflictError
        If someone changed the meeting since ``expected_version``.
    InvalidStateError
        If the meeting is closed or cancelled.
    PermissionDeniedError, NotFoundError, ValidationError
        As their names say.
    """
    require(actor, Action.MEETING_SCHEDULE)
    now = now or utcnow()
    with _guarded(db, meeting_id=meeting_id) as session:
        meeting = _load_meeting(session, meeting_id)
        if meeting.version != expected_version:
            raise _meeting_conflict(session, meeting)
        _require_open(meeting)
        values = _validate(session, data, new=values_changed_time(meeting, data), now=now)
        invitee_ids = _invitee_ids(session, data, values)
        before = _meeting_snapshot(meeting, _current_invitees(session, meeting.id))
        for key, value in values.items():
            setattr(meeting, key, value)
        changed_before, changed_after = diff(before, _meeting_snapshot(meeting, invitee_ids))
        if CALENDAR_FIELDS & set(changed_after):
            # Calendars replace the invitation they hold when its SEQUENCE goes up.
            meeting.calendar_sequence = (meeting.calendar_sequence or 0) + 1
        if changed_after:
            _set_invitees(session, meeting.id, invitee_ids)
            _touch_meeting(actor, meeting, now)
            session.flush()
            record(
                session,
                actor,
                "meeting.update",
                "meeting",
                meeting.id,
                before=changed_before,
                after=changed_after,
                at=now,
            )
        return _detail(session, meeting)


def values_changed_time(meeting: Meeting, data: MeetingInput) -> bool:
    """Whether an edit moves the meeting (a moved meeting cannot go into the past)."""
    return data.starts_at != meeting.starts_at


def set_meeting_status(
    db: Database,
    actor: Actor,
    meeting_id: int,
    expected_version: int,
    target: MeetingStatus,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Start, close or cancel a meeting.

    Starting and closing need the right to run meetings; cancelling needs the right to
    schedule them. Closing pauses any running case timer. ``now`` is the time of the
    move (the demo board writes back-dated); now when ``None``.

    Raises
    ------
    InvalidStateError
        If the move is not allowed (e.g. reopening a closed meeting).
    ConflictError
        If someone changed the meeting since ``expected_version``.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(
        actor,
        Action.MEETING_SCHEDULE if target is MeetingStatus.CANCELLED else Action.MEETING_RUN,
    )
    now = now or utcnow()
    with _guarded(db, meeting_id=meeting_id) as session:
        meeting = _load_meeting(session, meeting_id)
        if meeting.version != expected_version:
            raise _meeting_conflict(session, meeting)
        current = meeting.status
        check_meeting_move(current, target)
        if target is MeetingStatus.CLOSED:
            _pause_all(session, actor, meeting.id, now)
        meeting.status = target
        if target is MeetingStatus.CANCELLED:
            meeting.calendar_sequence = (meeting.calendar_sequence or 0) + 1
        _touch_meeting(actor, meeting, now)
        session.flush()
        record(
            session,
            actor,
            "meeting.status",
            "meeting",
            meeting.id,
            before={"status": current},
            after={"status": target},
            at=now,
        )
        return _detail(session, meeting)


# ---------------------------------------------------------------------------
# Agenda
# ---------------------------------------------------------------------------


def add_to_agenda(
    db: Database,
    actor: Actor,
    meeting_id: int,
    case_id: int,
    triage: AgendaTriage = AgendaTriage.FULL_DISCUSSION,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Put a case at the end of a meeting's agenda (at ``now``; now when ``None``).

    Raises
    ------
    InvalidStateError
        If the meeting is closed or cancelled, the case is already on the agenda, or
        its plan is already finalized.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_SCHEDULE)
    with db.write() as session:
        meeting = _load_meeting(session, meeting_id)
        _require_open(meeting)
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        append_to_agenda(session, actor, meeting, case, triage, now=now)
        return _detail(session, meeting)


def build_agenda(
    db: Database, actor: Actor, meeting_id: int, *, now: dt.datetime | None = None
) -> MeetingDetail:
    """Add every ready case (and every urgent case) and sort the agenda.

    The order is urgent first, then by readiness (ready cases, then those with fewer
    missing items), then older referrals first.

    Parameters
    ----------
    db:
        The database.
    actor:
        The coordinator.
    meeting_id:
        The meeting.
    now:
        The time of the action (readiness is judged on its date); now when ``None``.

    Returns
    -------
    MeetingDetail
        The meeting with its agenda.

    Raises
    ------
    InvalidStateError
        If the meeting is closed or cancelled.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_SCHEDULE)
    now = now or utcnow()
    with _guarded(db, meeting_id=meeting_id) as session:
        meeting = _load_meeting(session, meeting_id)
        _require_open(meeting)
        added = []
        for candidate in _candidates(session, meeting_id, now.date()):
            if (
                candidate.status is CaseStatus.READY
                # Both NG234 tiers are urgent: they join without waiting to be ready.
                or candidate.urgency in (Urgency.URGENT, Urgency.WITHIN_A_WEEK)
                or candidate.rediscussion
            ):
                case = session.get(Case, candidate.case_id)
                assert case is not None
                item = append_to_agenda(
                    session, actor, meeting, case, AgendaTriage.FULL_DISCUSSION, now=now
                )
                added.append(item.case_id)
        _sort(session, actor, meeting, now)
        if added:
            record(
                session,
                actor,
                "agenda.build",
                "meeting",
                meeting.id,
                after={"added_case_ids": added},
                at=now,
            )
        return _detail(session, meeting)


def _sort(session: Session, actor: Actor, meeting: Meeting, now: dt.datetime) -> None:
    items = agenda_items(session, meeting.id)
    if not items:
        return
    ids = [i.case_id for i in items]
    readiness = readiness_of(session, ids, now.date())
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}
    items.sort(
        key=lambda i: agenda_order_key(
            cases[i.case_id].urgency,
            len(readiness[i.case_id].missing),
            cases[i.case_id].created_at,
            i.case_id,
        )
    )
    renumber_agenda(session, actor, items, now=now)


def sort_agenda(
    db: Database,
    actor: Actor,
    meeting_id: int,
    expected_version: int,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Re-sort the agenda: urgent first, then by readiness (on the date of ``now``).

    Raises
    ------
    ConflictError
        If someone changed the meeting since ``expected_version``.
    InvalidStateError, PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_SCHEDULE)
    now = now or utcnow()
    with _guarded(db, meeting_id=meeting_id) as session:
        meeting = _load_meeting(session, meeting_id)
        if meeting.version != expected_version:
            raise _meeting_conflict(session, meeting)
        _require_open(meeting)
        before = [i.case_id for i in agenda_items(session, meeting_id)]
        _sort(session, actor, meeting, now)
        after = [i.case_id for i in agenda_items(session, meeting_id)]
        if before != after:
            _touch_meeting(actor, meeting, now)
            session.flush()
            record(
                session,
                actor,
                "agenda.sort",
                "meeting",
                meeting.id,
                before={"order": before},
                after={"order": after},
                at=now,
            )
        return _detail(session, meeting)


def move_agenda_item(
    db: Database,
    actor: Actor,
    item_id: int,
    expected_version: int,
    offset: int,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Move a case up (``offset`` -1) or down (+1) the agenda (at ``now``; now when ``None``).

    Raises
    ------
    ValidationError
        If ``offset`` is not -1 or +1.
    InvalidStateError
        If the item is already first (or last), or the meeting is closed.
    ConflictError
        If someone changed the item since ``expected_version``.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_SCHEDULE)
    if offset not in (-1, 1):
        raise ValidationError("Move a case one place up or down.", field="offset")
    with _guarded(db, item_id=item_id) as session:
        item = _load_item(session, item_id)
        if item.version != expected_version:
            raise _item_conflict(session, item)
        meeting = _load_meeting(session, item.meeting_id)
        _require_open(meeting)
        items = agenda_items(session, meeting.id)
        index = next(i for i, row in enumerate(items) if row.id == item.id)
        target = index + offset
        if not 0 <= target < len(items):
            raise InvalidStateError("The case is already " + ("first." if offset < 0 else "last."))
        items[index], items[target] = items[target], items[index]
        renumber_agenda(session, actor, items, now=now)
        record(
            session,
            actor,
            "agenda.move",
            "agenda_item",
            item.id,
            case_id=item.case_id,
            before={"position": index + 1},
            after={"position": target + 1},
            at=now,
        )
        return _detail(session, meeting)


def set_triage(
    db: Database,
    actor: Actor,
    item_id: int,
    expected_version: int,
    triage: AgendaTriage,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Flag a case for full discussion or as standard of care, list only (at ``now``).

    Raises
    ------
    ValidationError
        If the triage value is unknown.
    ConflictError
        If someone changed the item since ``expected_version``.
    InvalidStateError, PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_SCHEDULE)
    try:
        value = AgendaTriage(triage)
    except ValueError:
        raise ValidationError(
            "Triage must be 'full discussion' or 'standard of care, list only'.", field="triage"
        ) from None
    with _guarded(db, item_id=item_id) as session:
        item = _load_item(session, item_id)
        if item.version != expected_version:
            raise _item_conflict(session, item)
        meeting = _load_meeting(session, item.meeting_id)
        _require_open(meeting)
        if item.triage is not value:
            before = item.triage
            item.triage = value
            touch_item(actor, item, now)
            session.flush()
            record(
                session,
                actor,
                "agenda.triage",
                "agenda_item",
                item.id,
                case_id=item.case_id,
                before={"triage": before},
                after={"triage": value},
                at=now,
            )
        return _detail(session, meeting)


def remove_from_agenda(
    db: Database,
    actor: Actor,
    item_id: int,
    expected_version: int,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Take a case off the agenda (not once its plan was started at this meeting).

    ``now`` is the time of the removal; now when ``None``.

    Raises
    ------
    InvalidStateError
        If the case was already discussed at this meeting, or the meeting is closed.
    ConflictError
        If someone changed the item since ``expected_version``.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_SCHEDULE)
    with _guarded(db, item_id=item_id) as session:
        item = _load_item(session, item_id)
        if item.version != expected_version:
            raise _item_conflict(session, item)
        meeting = _load_meeting(session, item.meeting_id)
        _require_open(meeting)
        if item.discussed_at is not None:
            raise InvalidStateError(
                "This case was discussed at the meeting: it stays on the agenda."
            )
        case_id = item.case_id
        position = item.position
        session.delete(item)
        session.flush()
        renumber_agenda(session, actor, agenda_items(session, meeting.id), now=now)
        record(
            session,
            actor,
            "agenda.remove",
            "agenda_item",
            item_id,
            case_id=case_id,
            before={"meeting_id": meeting.id, "position": position},
            at=now,
        )
        return _detail(session, meeting)


# ---------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------


def record_attendance(
    db: Database,
    actor: Actor,
    meeting_id: int,
    user_id: int,
    *,
    present: bool = True,
    role: Role | None = None,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Record that a person attends (or has left) a meeting, in a role.

    Everyone may check themselves in, but only in their own role: a seat of another
    specialty on the quorum is not taken by self check-in. Recording someone else (in
    their role or, for a colleague covering, in another) needs the right to run
    meetings.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who records it: the attendee (self check-in), or someone who runs meetings.
    meeting_id:
        The meeting.
    user_id:
        The attendee.
    present:
        ``False`` records that they left or sent apologies.
    role:
        The role they attend in; their own role by default.
    now:
        The time it is recorded (the demo board writes back-dated); now when ``None``.

    Returns
    -------
    MeetingDetail
        The meeting with its attendance and quorum.

    Raises
    ------
    ValidationError
        If the person is unknown or inactive.
    InvalidStateError
        If the meeting is closed or cancelled.
    PermissionDeniedError
        If the actor checks themselves in in a role that is not theirs, or records
        someone else without the right to run meetings.
    NotFoundError
        If there is no such meeting.
    """
    if actor.user_id != user_id and not allowed(actor.role, Action.MEETING_RUN):
        raise PermissionDeniedError(
            f"Your role ({actor.role.label}) may check in only yourself: recording "
            "someone else's attendance needs the right to run the meeting."
        )
    now = now or utcnow()
    with db.write() as session:
        meeting = _load_meeting(session, meeting_id)
        _require_open(meeting)
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise ValidationError("Choose an active user of the board.", field="user_id")
        attend_role = Role(role) if role is not None else user.role
        if actor.user_id == user_id and attend_role is not user.role:
            raise PermissionDeniedError(
                f"You check in as {user.role.label}, your own role, not as "
                f"{attend_role.label}: each specialty's place in the quorum is taken by "
                "someone of that specialty. If you cover for a colleague, ask the "
                "coordinator or chair to record it."
            )
        row = session.scalars(
            select(Attendance).where(
                Attendance.meeting_id == meeting_id, Attendance.user_id == user_id
            )
        ).first()
        before = None if row is None else {"present": row.present, "role": row.role}
        if row is None:
            row = Attendance(
                meeting_id=meeting_id,
                user_id=user_id,
                role=attend_role,
                present=present,
                recorded_at=now,
            )
            session.add(row)
        else:
            row.present = present
            row.role = attend_role
            row.recorded_at = now
        session.flush()
        record(
            session,
            actor,
            "attendance.record",
            "attendance",
            row.id,
            before=before,
            after={
                "meeting_id": meeting_id,
                "user_id": user_id,
                "present": present,
                "role": attend_role,
            },
            at=now,
        )
        return _detail(session, meeting)


def record_all_invited_present(
    db: Database,
    actor: Actor,
    meeting_id: int,
    expected_version: int,
    *,
    now: dt.datetime | None = None,
) -> MeetingDetail:
    """Record every invitee not yet recorded as present, each in their own role.

    One click at the start of the meeting instead of one per person. Invitees already
    recorded (present, or absent: apologies stay apologies) and those no longer active
    are left as they are. One transaction; one ``attendance.record`` audit event per
    person recorded. The meeting counts as changed (its version moves on).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who runs the meeting.
    meeting_id:
        The meeting.
    expected_version:
        The meeting's version as shown (its invitees may have changed since).
    now:
        The time it is recorded; now when ``None``.

    Returns
    -------
    MeetingDetail
        The meeting with its attendance and quorum.

    Raises
    ------
    InvalidStateError
        If the meeting is closed or cancelled, nobody is invited, or every invitee is
        already recorded.
    ConflictError
        If someone changed the meeting since ``expected_version``.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_RUN)
    now = now or utcnow()
    with _guarded(db, meeting_id=meeting_id) as session:
        meeting = _load_meeting(session, meeting_id)
        if meeting.version != expected_version:
            raise _meeting_conflict(session, meeting)
        _require_open(meeting)
        invited = session.scalars(
            select(User)
            .join(MeetingInvitee, MeetingInvitee.user_id == User.id)
            .where(MeetingInvitee.meeting_id == meeting_id)
            .order_by(User.display_name, User.id)
        ).all()
        if not invited:
            raise InvalidStateError(
                "Nobody is invited to this meeting: choose the invitees under Meeting details."
            )
        recorded = set(
            session.scalars(select(Attendance.user_id).where(Attendance.meeting_id == meeting_id))
        )
        to_record = [u for u in invited if u.is_active and u.id not in recorded]
        if not to_record:
            raise InvalidStateError("Every invited person already has their attendance recorded.")
        # The meeting row is stamped first: a second click elsewhere at the same moment
        # then fails as a conflict instead of recording everyone twice.
        _touch_meeting(actor, meeting, now)
        session.flush()
        for user in to_record:
            row = Attendance(
                meeting_id=meeting_id,
                user_id=user.id,
                role=user.role,
                present=True,
                recorded_at=now,
            )
            session.add(row)
            session.flush()
            record(
                session,
                actor,
                "attendance.record",
                "attendance",
                row.id,
                after={
                    "meeting_id": meeting_id,
                    "user_id": user.id,
                    "present": True,
                    "role": user.role,
                },
                detail="All invited present.",
                at=now,
            )
        return _detail(session, meeting)


def remove_attendance(
    db: Database, actor: Actor, attendance_id: int, *, now: dt.datetime | None = None
) -> MeetingDetail:
    """Delete an attendance row recorded by mistake (at ``now``; now when ``None``).

    Raises
    ------
    InvalidStateError
        If the meeting is closed or cancelled.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_RUN)
    with db.write() as session:
        row = session.get(Attendance, attendance_id)
        if row is None:
            raise NotFoundError("That attendance record does not exist.")
        meeting = _load_meeting(session, row.meeting_id)
        _require_open(meeting)
        before = {"meeting_id": row.meeting_id, "user_id": row.user_id, "role": row.role}
        session.delete(row)
        session.flush()
        record(
            session,
            actor,
            "attendance.remove",
            "attendance",
            attendance_id,
            before=before,
            at=now,
        )
        return _detail(session, meeting)


# ---------------------------------------------------------------------------
# Presenting: per-case timer
# ---------------------------------------------------------------------------


def _pause(session: Session, actor: Actor, item: AgendaItem, now: dt.datetime) -> None:
    if item.timer_started_at is None:
        return
    elapsed = max(0, int((now - item.timer_started_at).total_seconds()))
    item.discussion_seconds = (item.discussion_seconds or 0) + elapsed
    item.timer_started_at = None
    touch_item(actor, item, now)
    session.flush()
    record(
        session,
        actor,
        "agenda.timer_pause",
        "agenda_item",
        item.id,
        case_id=item.case_id,
        after={"discussion_seconds": item.discussion_seconds},
        at=now,
    )


def _pause_all(session: Session, actor: Actor, meeting_id: int, now: dt.datetime) -> None:
    for item in session.scalars(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.timer_started_at.is_not(None)
        )
    ):
        _pause(session, actor, item, now)


def run_timer(
    db: Database, actor: Actor, item_id: int, running: bool, *, now: dt.datetime | None = None
) -> MeetingDetail:
    """Start (pausing any other running timer of the meeting) or pause a case's timer.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who runs the meeting.
    item_id:
        The agenda item.
    running:
        ``True`` to start, ``False`` to pause.
    now:
        The time of the click (the demo board writes back-dated); now when ``None``.

    Returns
    -------
    MeetingDetail
        The meeting with the timers.

    Raises
    ------
    InvalidStateError
        If the meeting is not in progress.
    PermissionDeniedError, NotFoundError
        As their names say.
    """
    require(actor, Action.MEETING_RUN)
    now = now or utcnow()
    with _guarded(db, item_id=item_id) as session:
        item = _load_item(session, item_id)
        meeting = _load_meeting(session, item.meeting_id)
        if meeting.status is not MeetingStatus.IN_PROGRESS:
            raise InvalidStateError("Start the meeting to run the case timers.")
        if running:
            if item.timer_started_at is None:
                _pause_all(session, actor, meeting.id, now)
                item.timer_started_at = now
                touch_item(actor, item, now)
                session.flush()
                record(
                    session,
                    actor,
                    "agenda.timer_start",
                    "agenda_item",
                    item.id,
                    case_id=item.case_id,
                    at=now,
                )
        else:
            _pause(session, actor, item, now)
        return _detail(session, meeting)


def check_can_run(actor: Actor) -> None:
    """Raise unless the actor may run meetings (presenter controls).

    Raises
    ------
    PermissionDeniedError
        If the actor's role may not run meetings.
    """
    if not allowed(actor.role, Action.MEETING_RUN):
        raise PermissionDeniedError(
            f"Your role ({actor.role.label}) may not {Action.MEETING_RUN.label}."
        )
