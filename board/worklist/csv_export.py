"""CSV export of the worklist (pandas), audited.

Times are in the hospital's zone with its abbreviation (``2026-12-08 17:00 CET``).
Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with an apostrophe so that text typed by a
person never runs as a formula.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from board.audit.service import jsonable, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import utcnow
from board.localtime import fmt_local
from board.worklist.service import list_worklist
from board.worklist.views import WorklistFilter, WorklistRow

PAGE = 200
WORKLIST_COLUMNS = (
    "case_id",
    "pseudonym",
    "hospital_number",
    "primary_cancer",
    "histology",
    "levels",
    "status",
    "urgency",
    "urgency_reasons",
    "ready",
    "missing",
    "next_meeting",
    "open_action_items",
    "follow_up",
    "registered",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class CsvFile:
    """An exported table.

    Parameters
    ----------
    filename:
        A file name with the export time.
    data:
        UTF-8 CSV with a header row.
    rows:
        Number of data rows.
    """

    filename: str
    data: bytes
    rows: int


def neutralise(value: Any) -> Any:
    """Make a text cell safe to open in a spreadsheet.

    Parameters
    ----------
    value:
        A cell value.

    Returns
    -------
    Any
        The value, with ``'`` in front when it is text that starts like a formula.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(row: WorklistRow) -> dict[str, Any]:
    return {
        "case_id": row.id,
        "pseudonym": row.pseudonym,
        "hospital_number": row.hospital_number or "",
        "primary_cancer": row.primary_site_label,
        "histology": row.histology or "",
        "levels": ", ".join(row.levels),
        "status": row.status.label,
        "urgency": row.urgency.label,
        "urgency_reasons": "; ".join(row.urgency_reasons),
        "ready": row.ready,
        "missing": "; ".join(row.missing),
        "next_meeting": fmt_local(row.next_meeting.starts_at) if row.next_meeting else "",
        "open_action_items": row.open_action_items,
        "follow_up": row.follow_up_text,
        "registered": fmt_local(row.created_at),
    }


def export_worklist_csv(
    db: Database, actor: Actor, filters: WorklistFilter | None = None, *, channel: str = "app"
) -> CsvFile:
    """Every worklist row matching the filters (all pages) as CSV.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who exports (needs the export permission).
    filters:
        The worklist filters; all open and closed cases matching them are exported.
    channel:
        Where it was asked for (``app``, ``cli``), for the audit trail.

    Returns
    -------
    CsvFile
        The CSV; one ``worklist.export`` audit event is written.

    Raises
    ------
    PermissionDeniedError
        If the actor may not export.
    """
    require(actor, Action.EXPORT)
    filters = filters or WorklistFilter()
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        result = list_worklist(db, actor, filters, page=page, page_size=PAGE)
        rows.extend(_row(r) for r in result.rows)
        if page >= result.pages:
            break
        page += 1
    frame = pd.DataFrame(rows, columns=list(WORKLIST_COLUMNS))
    frame = frame.map(neutralise)
    data = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    with db.write() as session:
        record(
            session,
            actor,
            "worklist.export",
            "worklist",
            None,
            after={"channel": channel, "rows": len(rows), "filters": jsonable(asdict(filters))},
        )
    return CsvFile(f"worklist-{utcnow():%Y%m%d-%H%M}.csv", data, len(rows))
