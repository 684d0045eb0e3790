"""Calendar invitations (.ics, RFC 5545) for board meetings, written with ``icalendar``.

One meeting is one event with a stable UID: a moved meeting (or a new place, link or
title) is sent again with the same UID and a higher SEQUENCE, which calendars take as an
update; a cancelled meeting is a ``METHOD:CANCEL`` with ``STATUS:CANCELLED``. The
description lists the agenda by pseudonym only, never a name.

Text is set as property values, which ``icalendar`` escapes (commas, semicolons, line
breaks): nothing a person typed can add a property or a component.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import AgendaItem, Case, Meeting, MeetingInvitee, Patient, User, utcnow
from board.errors import NotFoundError
from board.meetings.enums import MeetingStatus

#: How long an invitation blocks in calendars (meetings have a start, not an end).
MEETING_MINUTES = 60
PRODUCT_ID = "-//Tumor Board//Meeting invitation//EN"


@dataclass(frozen=True, slots=True)
class CalendarFile:
    """An .ics file ready to download.

    Parameters
    ----------
    filename:
        A safe file name (meeting id and date).
    data:
        The iCalendar bytes.
    uid, sequence, method:
        The event's UID, SEQUENCE and the calendar's METHOD (``REQUEST`` or ``CANCEL``).
    """

    filename: str
    data: bytes
    uid: str
    sequence: int
    method: str

    mime = "text/calendar"


def meeting_uid(meeting_id: int, secret_key: str) -> str:
    """The meeting's invitation UID: the same for every update of one meeting.

    Parameters
    ----------
    meeting_id:
        The meeting.
    secret_key:
        The installation's secret; a hash of it keeps UIDs of two installations apart
        without revealing it.

    Returns
    -------
    str
        ``tumorboard-meeting-ID-INSTALLATION@tumorboard``.
    """
    installation = hashlib.sha256(f"calendar:{secret_key}".encode()).hexdigest()[:16]
    return f"tumorboard-meeting-{meeting_id}-{installation}@tumorboard"


def _plain(text: str) -> str:
    """Text without control characters other than line breaks and tabs."""
    return "".join(ch if ch in "\n\t" or ch.isprintable() else " " for ch in text)


def _pseudonyms(session: Session, meeting_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Patient.pseudonym)
            .join(Case, Case.patient_id == Patient.id)
            .join(AgendaItem, AgendaItem.case_id == Case.id)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def build_calendar(
    session: Session,
    meeting_id: int,
    *,
    secret_key: str,
    organizer: str | None = None,
    app_url: str | None = None,
    now: dt.datetime | None = None,
) -> CalendarFile:
    """The invitation (or cancellation) of a meeting, inside an open session.

    Parameters
    ----------
    session:
        An open session.
    meeting_id:
        The meeting.
    secret_key:
        The installation's secret (see :func:`meeting_uid`).
    organizer:
        The sender address of the board's mail (``TUMORBOARD_MAIL_FROM``), if any.
    app_url:
        The app's address; the description then links to the meeting.
    now:
        The DTSTAMP; now when ``None``.

    Returns
    -------
    CalendarFile
        The .ics file.

    Raises
    ------
    NotFoundError
        If there is no such meeting.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.")
    cancelled = meeting.status is MeetingStatus.CANCELLED
    method = "CANCEL" if cancelled else "REQUEST"
    uid = meeting_uid(meeting.id, secret_key)
    sequence = meeting.calendar_sequence or 0
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", (now or utcnow()).astimezone(dt.UTC).replace(microsecond=0))
    start = meeting.starts_at.astimezone(dt.UTC)
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=MEETING_MINUTES))
    event.add("summary", vText(_plain(meeting.title)))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    place = meeting.location or meeting.video_link
    if place:
        event.add("location", vText(_plain(place)))
    pseudonyms = _pseudonyms(session, meeting.id)
    lines = []
    if cancelled:
        lines.append("This meeting is cancelled.")
    if meeting.video_link:
        lines.append(f"Video link: {meeting.video_link}")
        event.add("url", meeting.video_link)
    lines.append(
        "Agenda (pseudonyms): " + (", ".join(pseudonyms) if pseudonyms else "no cases yet")
    )
    if app_url:
        lines.append(f"Open the meeting in Tumor Board: {app_url}/meetings?meeting={meeting.id}")
    event.add("description", vText(_plain("\n".join(lines))))
    if organizer:
        event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    for name, email in session.execute(
        select(User.display_name, User.email)
        .join(MeetingInvitee, MeetingInvitee.user_id == User.id)
        .where(MeetingInvitee.meeting_id == meeting.id, User.email.is_not(None))
        .order_by(User.id)
    ):
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(_plain(name))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    day = meeting.starts_at.astimezone(dt.UTC).date().isoformat()
    suffix = "-cancelled" if cancelled else ""
    return CalendarFile(
        f"board-meeting-{meeting.id}-{day}{suffix}.ics", calendar.to_ical(), uid, sequence, method
    )


def export_calendar(
    db: Database,
    actor: Actor,
    meeting_id: int,
    *,
    secret_key: str,
    organizer: str | None = None,
    app_url: str | None = None,
    channel: str = "app",
) -> CalendarFile:
    """A meeting's calendar invitation as a file (audited).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who downloads (needs the export permission).
    meeting_id:
        The meeting.
    secret_key, organizer, app_url:
        See :func:`build_calendar`.
    channel:
        Where it was asked for (``app``, ``cli``), for the audit trail.

    Returns
    -------
    CalendarFile
        The .ics file; one ``calendar.export`` audit event is written.

    Raises
    ------
    PermissionDeniedError
        If the actor may not export.
    NotFoundError
        If there is no such meeting.
    """
    require(actor, Action.EXPORT)
    with db.read() as session:
        file = build_calendar(
            session, meeting_id, secret_key=secret_key, organizer=organizer, app_url=app_url
        )
    with db.write() as session:
        record(
            session,
            actor,
            "calendar.export",
            "meeting",
            meeting_id,
            after={
                "channel": channel,
                "method": file.method,
                "sequence": file.sequence,
                "bytes": len(file.data),
            },
        )
    return file
