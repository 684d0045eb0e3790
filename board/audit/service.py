"""The append-only audit trail: one event per change, in the same transaction."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import AuditEvent


def jsonable(value: Any) -> Any:
    """Turn a value into something JSON can store (dates as ISO text, enums as values)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object | None,
    *,
    case_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one audit event to the current transaction.

    Parameters
    ----------
    session:
        The session of the action being audited (so both commit or neither does).
    actor:
        Who acted.
    action:
        A dotted verb such as ``case.create``.
    entity_type, entity_id:
        What was changed.
    case_id:
        The case the change belongs to, for the case's history.
    before, after:
        The changed fields before and after (only the fields that changed).
    detail:
        Optional free text (for example a reason).
    at:
        When it happened: the action's own clock (``now=`` of the write services, which
        the demo board sets to write its history back-dated); now when ``None``.

    Returns
    -------
    AuditEvent
        The (flushed) event.
    """
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_name=actor.display_name,
        actor_role=actor.role.value,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        case_id=case_id,
        before=jsonable(dict(before)) if before is not None else None,
        after=jsonable(dict(after)) if after is not None else None,
        detail=detail,
    )
    if at is not None:
        event.occurred_at = at
    session.add(event)
    session.flush()
    return event


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return only the keys whose values differ, as (before, after) dicts."""
    keys = [k for k in after if jsonable(before.get(k)) != jsonable(after.get(k))]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit event as shown to people."""

    id: int
    occurred_at: dt.datetime
    actor_name: str
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: str | None
    case_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None


def _entry(event: AuditEvent) -> AuditEntry:
    return AuditEntry(
        id=event.id,
        occurred_at=event.occurred_at,
        actor_name=event.actor_name,
        actor_role=event.actor_role,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        case_id=event.case_id,
        before=event.before,
        after=event.after,
        detail=event.detail,
    )


def case_history(db: Database, actor: Actor, case_id: int, limit: int = 500) -> list[AuditEntry]:
    """The audit trail of one case, newest first.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is asking (needs permission to view cases).
    case_id:
        The case.
    limit:
        At most this many events.

    Returns
    -------
    list[AuditEntry]
        The events.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        ).all()
        return [_entry(r) for r in rows]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to look for in the audit trail (every field optional).

    Parameters
    ----------
    case_id:
        Only events of this case.
    actor:
        Only events whose actor's name contains this text (case-insensitive).
    action:
        Only events whose action starts with this text (``auth.`` finds all sign-ins).
    since, until:
        Only events at or after ``since`` and before ``until``.
    """

    case_id: int | None = None
    actor: str | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_audit(
    db: Database, actor: Actor, criteria: AuditFilter, limit: int = 1000
) -> list[AuditEntry]:
    """The audit trail filtered by case, user, action and time, newest first.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is asking (needs permission to view the audit trail).
    criteria:
        The filter.
    limit:
        At most this many events.

    Returns
    -------
    list[AuditEntry]
        The matching events.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view the audit trail.
    """
    require(actor, Action.AUDIT_VIEW)
    query = select(AuditEvent)
    if criteria.case_id is not None:
        query = query.where(AuditEvent.case_id == criteria.case_id)
    if criteria.actor and criteria.actor.strip():
        pattern = f"%{_escape_like(criteria.actor.strip().lower())}%"
        query = query.where(func.lower(AuditEvent.actor_name).like(pattern, escape="\\"))
    if criteria.action and criteria.action.strip():
        pattern = f"{_escape_like(criteria.action.strip())}%"
        query = query.where(AuditEvent.action.like(pattern, escape="\\"))
    if criteria.since is not None:
        query = query.where(AuditEvent.occurred_at >= criteria.since)
    if criteria.until is not None:
        query = query.where(AuditEvent.occurred_at < criteria.until)
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    with db.read() as session:
        return [_entry(r) for r in session.scalars(query).all()]


CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_name",
    "actor_role",
    "action",
    "entity_type",
    "entity_id",
    "case_id",
    "before",
    "after",
    "detail",
)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is shown as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def export_audit_csv(
    db: Database, actor: Actor, criteria: AuditFilter, limit: int = 100_000
) -> bytes:
    """The filtered audit trail as CSV (UTF-8); the export itself is audited.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who exports (needs permission to view the audit trail and to export).
    criteria:
        The filter.
    limit:
        At most this many events.

    Returns
    -------
    bytes
        The CSV file, a header row then one row per event, newest first.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view the audit trail or export.
    """
    require(actor, Action.EXPORT)
    entries = search_audit(db, actor, criteria, limit=limit)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([_csv_cell(getattr(entry, column)) for column in CSV_COLUMNS])
    with db.write() as session:
        record(
            session,
            actor,
            "audit.export",
            "audit",
            None,
            after={
                "rows": len(entries),
                "case_id": criteria.case_id,
                "actor": criteria.actor,
                "action": criteria.action,
                "since": criteria.since,
                "until": criteria.until,
            },
        )
    return out.getvalue().encode("utf-8")
