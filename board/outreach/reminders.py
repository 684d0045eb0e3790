"""Reminder e-mails: what is due, and sending it once (``python -m board notify``).

What is due (each to people whose account has an e-mail address and reminders on):

- **the day before a meeting** (in the hospital's time zone): each person whose role's
  input is missing for a case on its agenda, one message listing those cases;
- **an action item that falls due or is overdue**: its owner (the person, else every
  active member of the owning role);
- **an overdue follow-up**: the coordinators;
- **a case in the immediate tier** (suspected metastatic spinal cord compression): at
  once (on the next run), the configured MSCC coordinator address.

Never twice: every reminder has a key (kind, subject, recipient and the date it is
about) that is claimed in ``reminders_sent`` (unique) before the message goes out; a
claim that fails means it was sent already. A message that cannot be sent gives its
claim back, so the next run tries again.

Messages are plain text and carry the case's pseudonym and a link into the app, never a
name, a hospital number or free text someone typed.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.queries import readiness_of
from board.db.engine import Database
from board.db.models import (
    ActionItem,
    AgendaItem,
    Case,
    FollowUp,
    Meeting,
    Patient,
    ReminderSent,
    User,
    utcnow,
)
from board.errors import BoardError
from board.followup.enums import FollowUpStatus
from board.localtime import fmt_local
from board.meetings.enums import MeetingStatus
from board.outreach.enums import ReminderKind
from board.outreach.mail import make_message, smtp_connection
from board.settings import SMTP_SCHEMES, Settings
from board.wording import plural

OPT_OUT_LINE = "You can turn these reminders off on your account page: {url}/account"
OPEN_CASES = (
    CaseStatus.PREPARING,
    CaseStatus.READY,
    CaseStatus.DISCUSSED,
    CaseStatus.PLAN_FINALIZED,
    CaseStatus.IN_FOLLOW_UP,
)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder e-mail.

    Parameters
    ----------
    key:
        What makes it unique (never sent twice).
    kind:
        Why it is sent.
    recipient:
        The address.
    subject, body:
        The plain text.
    user_id, case_id, meeting_id:
        What it is about (``None`` where it does not apply).
    pseudonyms:
        The cases it names, by pseudonym.
    """

    key: str
    kind: ReminderKind
    recipient: str
    subject: str
    body: str
    user_id: int | None = None
    case_id: int | None = None
    meeting_id: int | None = None
    pseudonyms: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """What ``notify --json`` prints of it (no message body)."""
        return {
            "key": self.key,
            "kind": self.kind.value,
            "to": self.recipient,
            "subject": self.subject,
            "case_id": self.case_id,
            "meeting_id": self.meeting_id,
            "pseudonyms": list(self.pseudonyms),
        }


@dataclass(frozen=True, slots=True)
class NotifyResult:
    """What one ``notify`` run did.

    Parameters
    ----------
    mail_enabled:
        Whether an SMTP server is configured.
    dry_run:
        Whether nothing was sent on purpose.
    due:
        The reminders due and not sent before.
    sent:
        Those sent now.
    failed:
        (reminder, reason) of those that could not be sent (tried again next run).
    without_address:
        People who would be reminded but have no e-mail address on their account.
    """

    mail_enabled: bool
    dry_run: bool
    due: tuple[Reminder, ...]
    sent: tuple[Reminder, ...] = ()
    failed: tuple[tuple[Reminder, str], ...] = ()
    without_address: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The result for ``notify --json``."""
        return {
            "mail_enabled": self.mail_enabled,
            "dry_run": self.dry_run,
            "due": [r.as_json() for r in self.due],
            "sent": [r.as_json() for r in self.sent],
            "failed": [{**r.as_json(), "reason": reason} for r, reason in self.failed],
            "without_address": list(self.without_address),
        }

    def summary(self) -> str:
        """One plain line for the console."""
        if self.dry_run or not self.mail_enabled:
            head = (
                "Dry run, nothing sent"
                if self.dry_run
                else "E-mail is off (TUMORBOARD_SMTP_URL is not set), nothing sent"
            )
            text = f"{head}: {plural(len(self.due), 'reminder')} due."
        else:
            text = f"Sent {plural(len(self.sent), 'reminder')}"
            if self.failed:
                text += f"; {len(self.failed)} could not be sent and will be tried again"
            text += "."
        if self.without_address:
            text += (
                f" {plural(len(self.without_address), 'account')} without an e-mail address: "
                + ", ".join(self.without_address)
                + "."
            )
        return text


@dataclass
class _Recipients:
    """Active people who want reminders, and those who have no address."""

    session: Session
    without_address: set[str] = field(default_factory=set)
    _users: list[User] | None = None

    def users(self) -> list[User]:
        if self._users is None:
            self._users = list(
                self.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id))
            )
        return self._users

    def wanting(self, users: Iterable[User]) -> list[User]:
        found = []
        for user in users:
            if not user.reminders_enabled:
                continue
            if not user.email:
                self.without_address.add(user.username)
                continue
            found.append(user)
        return found

    def of_role(self, role: Role) -> list[User]:
        return self.wanting(u for u in self.users() if u.role is role)

    def by_id(self, user_id: int) -> list[User]:
        return self.wanting(u for u in self.users() if u.id == user_id)


def _pseudonyms(session: Session, case_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Case.id, Patient.pseudonym)
            .join(Patient, Patient.id == Case.patient_id)
            .where(Case.id.in_(ids))
        ).all()
    )


def _case_link(app_url: str, case_id: int) -> str:
    return f"{app_url}/case?case={case_id}"


def _meeting_input(
    session: Session, people: _Recipients, now: dt.datetime, zone: ZoneInfo, app_url: str
) -> list[Reminder]:
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    meetings = [
        m
        for m in session.scalars(
            select(Meeting)
            .where(
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at > now,
                Meeting.starts_at < now + dt.timedelta(days=3),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
        if m.starts_at.astimezone(zone).date() == tomorrow
    ]
    found: list[Reminder] = []
    for meeting in meetings:
        case_ids = list(
            session.scalars(
                select(AgendaItem.case_id)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        )
        readiness = readiness_of(session, case_ids, now.astimezone(zone).date())
        names = _pseudonyms(session, case_ids)
        by_user: dict[int, tuple[User, list[int]]] = {}
        for case_id in case_ids:
            for role in readiness[case_id].missing_roles:
                for user in people.of_role(role):
                    by_user.setdefault(user.id, (user, []))[1].append(case_id)
        for user, cases in by_user.values():
            lines = [
                f"The tumor board meets tomorrow, {fmt_local(meeting.starts_at, zone)}.",
                f"Your specialty's input ({user.role.label}) is still missing for "
                f"{plural(len(cases), 'case')}:",
                "",
                *(f"- {names[c]}: {_case_link(app_url, c)}" for c in cases),
                "",
                f"The meeting: {app_url}/meetings?meeting={meeting.id}",
                "",
                OPT_OUT_LINE.format(url=app_url),
            ]
            found.append(
                Reminder(
                    key=f"meeting-input:{meeting.id}:{user.id}:{tomorrow.isoformat()}",
                    kind=ReminderKind.MEETING_INPUT,
                    recipient=user.email or "",
                    subject=f"Tumor board tomorrow: your input is missing for "
                    f"{plural(len(cases), 'case')}",
                    body="\n".join(lines),
                    user_id=user.id,
                    meeting_id=meeting.id,
                    pseudonyms=tuple(names[c] for c in cases),
                )
            )
    return found


def _action_items(
    session: Session, people: _Recipients, today: dt.date, app_url: str
) -> list[Reminder]:
    items = list(
        session.scalars(
            select(ActionItem)
            .join(Case, Case.id == ActionItem.case_id)
            .where(
                ActionItem.done_at.is_(None),
                ActionItem.due_on.is_not(None),
                ActionItem.due_on <= today,
                Case.status.in_(OPEN_CASES),
            )
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )
    names = _pseudonyms(session, (i.case_id for i in items))
    found: list[Reminder] = []
    for item in items:
        assert item.due_on is not None
        if item.owner_user_id is not None:
            owners = people.by_id(item.owner_user_id)
        elif item.owner_role is not None:
            owners = people.of_role(item.owner_role)
        else:
            owners = []
        state = "is due today" if item.due_on == today else f"was due on {item.due_on}"
        word = "due" if item.due_on == today else "overdue"
        for user in owners:
            found.append(
                Reminder(
                    key=f"action:{item.id}:{user.id}:{item.due_on.isoformat()}",
                    kind=ReminderKind.ACTION_DUE,
                    recipient=user.email or "",
                    subject=f"Tumor board action item {word}: {names[item.case_id]}",
                    body="\n".join(
                        [
                            f"An action item of case {names[item.case_id]} that you own {state} "
                            "and is not marked done.",
                            f"Open the case: {_case_link(app_url, item.case_id)}",
                            "",
                            OPT_OUT_LINE.format(url=app_url),
                        ]
                    ),
                    user_id=user.id,
                    case_id=item.case_id,
                    pseudonyms=(names[item.case_id],),
                )
            )
    return found


def _follow_ups(
    session: Session, people: _Recipients, today: dt.date, app_url: str
) -> list[Reminder]:
    rows = list(
        session.scalars(
            select(FollowUp)
            .join(Case, Case.id == FollowUp.case_id)
            .where(
                FollowUp.status == FollowUpStatus.SCHEDULED,
                FollowUp.due_on < today,
                Case.status.in_(OPEN_CASES),
                Case.died_on.is_(None),
            )
            .order_by(FollowUp.due_on, FollowUp.id)
        )
    )
    if not rows:
        return []
    names = _pseudonyms(session, (f.case_id for f in rows))
    coordinators = people.of_role(Role.COORDINATOR)
    found: list[Reminder] = []
    for row in rows:
        for user in coordinators:
            found.append(
                Reminder(
                    key=f"follow-up:{row.id}:{user.id}:{row.due_on.isoformat()}",
                    kind=ReminderKind.FOLLOW_UP_OVERDUE,
                    recipient=user.email or "",
                    subject=f"Tumor board follow-up overdue: {names[row.case_id]}",
                    body="\n".join(
                        [
                            f"A follow-up of case {names[row.case_id]} was due on "
                            f"{row.due_on} and has not been recorded.",
                            f"Open the case: {_case_link(app_url, row.case_id)}",
                            "",
                            OPT_OUT_LINE.format(url=app_url),
                        ]
                    ),
                    user_id=user.id,
                    case_id=row.case_id,
                    pseudonyms=(names[row.case_id],),
                )
            )
    return found


def _mscc(session: Session, address: str | None, app_url: str) -> list[Reminder]:
    if address is None:
        return []
    rows = session.execute(
        select(Case.id, Patient.pseudonym)
        .join(Patient, Patient.id == Case.patient_id)
        .where(Case.urgency == Urgency.URGENT, Case.status.in_(OPEN_CASES))
        .order_by(Case.id)
    ).all()
    return [
        Reminder(
            key=f"mscc:{case_id}:{address.lower()}",
            kind=ReminderKind.MSCC_IMMEDIATE,
            recipient=address,
            subject=f"Immediate tier: suspected spinal cord compression, {pseudonym}",
            body="\n".join(
                [
                    f"Case {pseudonym} is in the immediate tier (suspected metastatic spinal "
                    "cord compression: MRI within 24 hours).",
                    f"Open the case: {_case_link(app_url, case_id)}",
                ]
            ),
            case_id=case_id,
            pseudonyms=(pseudonym,),
        )
        for case_id, pseudonym in rows
    ]


def due_reminders(
    session: Session,
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    app_url: str,
    mscc_address: str | None,
) -> tuple[list[Reminder], tuple[str, ...]]:
    """The reminders due now that were not sent before.

    Parameters
    ----------
    session:
        An open session.
    now:
        The time of the run.
    zone:
        The hospital's time zone ("tomorrow" and "today" are counted in it).
    app_url:
        The app's address, for the links.
    mscc_address:
        The MSCC coordinator's address, or ``None``.

    Returns
    -------
    tuple
        The reminders, and the user names of people left out for want of an address.
    """
    people = _Recipients(session)
    today = now.astimezone(zone).date()
    candidates = [
        *_mscc(session, mscc_address, app_url),
        *_meeting_input(session, people, now, zone, app_url),
        *_action_items(session, people, today, app_url),
        *_follow_ups(session, people, today, app_url),
    ]
    keys = [r.key for r in candidates]
    sent: set[str] = set()
    for start in range(0, len(keys), 500):
        sent.update(
            session.scalars(
                select(ReminderSent.key).where(ReminderSent.key.in_(keys[start : start + 500]))
            )
        )
    return [r for r in candidates if r.key not in sent], tuple(sorted(people.without_address))


def _claim(db: Database, actor: Actor, reminder: Reminder, now: dt.datetime) -> int | None:
    """Claim a reminder in the log (and audit it); ``None`` when it was claimed before."""
    try:
        with db.write() as session:
            row = ReminderSent(
                key=reminder.key,
                kind=reminder.kind.value,
                recipient=reminder.recipient,
                user_id=reminder.user_id,
                case_id=reminder.case_id,
                meeting_id=reminder.meeting_id,
                sent_at=now,
            )
            session.add(row)
            session.flush()
            record(
                session,
                actor,
                "reminder.send",
                "reminder",
                row.id,
                case_id=reminder.case_id,
                after={
                    "kind": reminder.kind.value,
                    "to": reminder.recipient,
                    "key": reminder.key,
                    "pseudonyms": list(reminder.pseudonyms),
                },
                at=now,
            )
            return row.id
    except IntegrityError:
        return None


def _give_back(db: Database, actor: Actor, claim: int, reminder: Reminder, reason: str) -> None:
    """Remove the claim of a message that could not be sent (the next run tries again)."""
    with db.write() as session:
        session.execute(delete(ReminderSent).where(ReminderSent.id == claim))
        record(
            session,
            actor,
            "reminder.failed",
            "reminder",
            claim,
            case_id=reminder.case_id,
            after={"kind": reminder.kind.value, "to": reminder.recipient, "key": reminder.key},
            detail=reason,
        )


def run_notify(
    db: Database,
    actor: Actor,
    settings: Settings,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    kinds: frozenset[ReminderKind] | None = None,
) -> NotifyResult:
    """Send every reminder that is due and was not sent before.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who runs it (the command line's system actor; needs the export permission).
    settings:
        The SMTP server, sender, app address, MSCC address and time zone.
    dry_run:
        List what is due; send and record nothing.
    now:
        The time of the run; now when ``None``.
    kinds:
        Only these kinds of reminder (all when ``None``): the immediate-tier alert
        sends :attr:`ReminderKind.MSCC_IMMEDIATE` alone, at once.

    Returns
    -------
    NotifyResult
        What was due, sent and not sent.

    Raises
    ------
    PermissionDeniedError
        If the actor may not export.
    MailServerError
        If the mail server cannot be reached, refuses the login or drops the connection
        (what was not sent is not recorded as sent: the next run sends it).
    """
    require(actor, Action.EXPORT)
    now = now or utcnow()
    app_url = settings.app_url or ""
    with db.read() as session:
        due, without = due_reminders(
            session,
            now=now,
            zone=settings.zone,
            app_url=app_url,
            mscc_address=settings.mscc_coordinator_email,
        )
    if kinds is not None:
        due = [r for r in due if r.kind in kinds]
    result = NotifyResult(settings.mail_enabled, dry_run, tuple(due), without_address=without)
    if dry_run or not settings.mail_enabled or not due:
        return result
    assert settings.smtp_url is not None
    sent: list[Reminder] = []
    failed: list[tuple[Reminder, str]] = []
    try:
        _send_all(db, actor, settings, due, now, sent, failed)
    except (OSError, smtplib.SMTPException) as exc:
        where = urlsplit(settings.smtp_url)
        raise MailServerError(
            f"The mail server {where.hostname}:{where.port or SMTP_SCHEMES[where.scheme]} "
            f"(TUMORBOARD_SMTP_URL) cannot be reached or refused the connection "
            f"({type(exc).__name__}); {plural(len(sent), 'reminder')} sent before that, "
            "the rest will be sent on the next run."
        ) from exc
    return NotifyResult(
        True, False, tuple(due), tuple(sent), tuple(failed), without_address=without
    )


class MailServerError(BoardError):
    """The mail server cannot be reached or refuses the connection (or the login)."""


def _send_all(
    db: Database,
    actor: Actor,
    settings: Settings,
    due: list[Reminder],
    now: dt.datetime,
    sent: list[Reminder],
    failed: list[tuple[Reminder, str]],
) -> None:
    """Claim and send each reminder over one connection (``sent``/``failed`` filled in)."""
    assert settings.smtp_url is not None and settings.mail_from is not None
    with smtp_connection(settings.smtp_url) as server:
        for reminder in due:
            claim = _claim(db, actor, reminder, now)
            if claim is None:
                continue  # another run sent it meanwhile
            message = make_message(
                settings.mail_from, reminder.recipient, reminder.subject, reminder.body
            )
            try:
                server.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                reason = f"{type(exc).__name__}: the mail server did not accept the message"
                _give_back(db, actor, claim, reminder, reason)
                failed.append((reminder, reason))
                gone = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
                    exc,
                    smtplib.SMTPException,  # (SMTPException is an OSError too)
                )
                if gone:
                    raise  # the connection is gone: the rest waits for the next run
                continue
            sent.append(reminder)
