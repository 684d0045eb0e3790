"""The MSCC alert at once: a case entering the immediate tier is mailed to the MSCC
coordinator right after the change is committed, not at the next ``notify`` run.

:func:`watch_immediate_tier` listens to the write transactions of one database: after a
flush it notes every case whose urgency became immediate (a new urgent case, a case edit
that adds a red flag, the radiologist's high-grade ESCC), and after the commit it sends
the immediate-tier alerts in a background thread, through :func:`run_notify` with the
MSCC kind only. The user's save never waits for the mail server and never fails because
of it; the alert keeps the never-twice rule of every reminder (a claim in
``reminders_sent`` with a unique key), so the next ``notify`` run does not send it again,
and an alert the server refused or could not take is sent by that run.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from board.auth.actor import Actor
from board.cases.enums import Urgency
from board.db.engine import Database
from board.db.models import Case
from board.logs import log_error, log_event
from board.outreach.enums import ReminderKind
from board.outreach.reminders import run_notify
from board.settings import Settings

_LOG = logging.getLogger("board.outreach.alerts")
_PENDING = "tb_entered_immediate_tier"
_KINDS = frozenset({ReminderKind.MSCC_IMMEDIATE})

#: Who sends the alert (audited as such in ``reminder.send``).
ALERT_ACTOR = Actor.system("immediate-tier alert")


def _entered_immediate_tier(case: Case, new: bool) -> bool:
    if case.urgency is not Urgency.URGENT:
        return False
    if new:
        return True
    history = inspect(case).attrs.urgency.history
    return bool(history.added) and Urgency.URGENT not in (history.deleted or ())


def _note(session: Session, _flush_context: Any) -> None:
    found: set[int] = session.info.setdefault(_PENDING, set())
    for obj in list(session.new) + list(session.dirty):
        new = obj in session.new
        if isinstance(obj, Case) and obj.id is not None and _entered_immediate_tier(obj, new):
            found.add(obj.id)


def watch_immediate_tier(
    db: Database, settings: Settings, *, wait: bool = False
) -> list[threading.Thread] | None:
    """Mail the MSCC coordinator as soon as a case enters the immediate tier.

    Installs two listeners on ``db``'s write transactions (once per database object).
    Nothing is installed when mail or the MSCC address is not configured.

    Parameters
    ----------
    db:
        The installation's database.
    settings:
        The mail settings (``TUMORBOARD_SMTP_URL``, ``TUMORBOARD_MAIL_FROM``,
        ``TUMORBOARD_APP_URL``) and ``TUMORBOARD_MSCC_COORDINATOR_EMAIL``.
    wait:
        For tests: the returned list collects the sending threads, to join them.

    Returns
    -------
    list[threading.Thread] | None
        ``None`` when nothing was installed; else a list that collects the sending
        threads when ``wait`` is true (empty otherwise).
    """
    if not (settings.mail_enabled and settings.mscc_coordinator_email):
        return None
    threads: list[threading.Thread] = []

    def send() -> None:
        try:
            result = run_notify(db, ALERT_ACTOR, settings, kinds=_KINDS)
            if result.sent or result.failed:
                log_event(
                    _LOG,
                    "immediate-tier alert",
                    sent=len(result.sent),
                    refused=len(result.failed),
                )
        except Exception as exc:  # never up into the user's action; notify retries
            log_error(_LOG, "immediate-tier alert not sent", exc, level=logging.WARNING)

    def after_commit(session: Session) -> None:
        if not session.info.pop(_PENDING, None):
            return
        thread = threading.Thread(target=send, name="immediate-tier-alert", daemon=True)
        thread.start()
        if wait:
            threads.append(thread)

    def after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    db.on_write("after_flush", _note)
    db.on_write("after_commit", after_commit)
    db.on_write("after_rollback", after_rollback)
    return threads
