"""What the download buttons hand out: report and export bytes, built on click.

Kept apart from the tabs so that the case page and the meeting's plan screen can both
use them without importing each other.
"""

from __future__ import annotations

from board.analytics.export import analytics_csv
from board.analytics.service import AnalyticsPeriod
from board.auth.actor import Actor
from board.db.engine import Database
from board.meetings.calendar import export_calendar
from board.outreach.deck import export_deck
from board.reports.service import LetterFormat, ReportFormat, export_letter, export_report
from board.settings import Settings, email_address


def report_bytes(db: Database, actor: Actor, case_id: int, fmt: ReportFormat) -> bytes:
    """The file a download button hands out (audited; the stored bytes when finalized).

    Parameters
    ----------
    db, actor, case_id:
        The database, who downloads, the case.
    fmt:
        PDF or HTML.

    Returns
    -------
    bytes
        The file.
    """
    return export_report(db, actor, case_id, fmt, channel="app").data


def fhir_bytes(db: Database, actor: Actor, case_id: int) -> bytes:
    """The FHIR R4 bundle a download button hands out (audited).

    Parameters
    ----------
    db, actor, case_id:
        The database, who downloads, the case.

    Returns
    -------
    bytes
        The bundle as JSON.
    """
    from board.reports.fhir import export_fhir

    return export_fhir(db, actor, case_id, channel="app").data


def analytics_csv_bytes(db: Database, actor: Actor, period: AnalyticsPeriod | None) -> bytes:
    """The board analytics CSV a download button hands out (audited).

    Parameters
    ----------
    db, actor:
        The database and who downloads.
    period:
        The period shown on the page.

    Returns
    -------
    bytes
        The CSV.
    """

    return analytics_csv(db, actor, period, channel="app").data


def letter_bytes(db: Database, actor: Actor, case_id: int, fmt: LetterFormat) -> bytes:
    """The outcome letter a download button hands out (audited; stored when finalized).

    Parameters
    ----------
    db, actor, case_id:
        The database, who downloads, the case.
    fmt:
        DOCX or PDF.

    Returns
    -------
    bytes
        The file.
    """
    return export_letter(db, actor, case_id, fmt, channel="app").data


def deck_bytes(db: Database, actor: Actor, meeting_id: int) -> bytes:
    """The meeting deck (PPTX) a download button hands out (audited).

    Parameters
    ----------
    db, actor, meeting_id:
        The database, who downloads, the meeting.

    Returns
    -------
    bytes
        The PPTX.
    """
    return export_deck(db, actor, meeting_id, channel="app").data


def calendar_bytes(db: Database, actor: Actor, meeting_id: int, settings: Settings) -> bytes:
    """The meeting's calendar invitation (.ics) a download button hands out (audited).

    Parameters
    ----------
    db, actor, meeting_id:
        The database, who downloads, the meeting.
    settings:
        The installation's settings (secret for the UID, sender, app address).

    Returns
    -------
    bytes
        The .ics file (a cancellation when the meeting is cancelled).
    """
    return export_calendar(
        db,
        actor,
        meeting_id,
        secret_key=settings.secret_key,
        organizer=email_address(settings.mail_from) if settings.mail_from else None,
        app_url=settings.app_url,
        channel="app",
    ).data
