"""Analytics CSV (neutralised, audited) and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from board.analytics.export import CSV_COLUMNS, analytics_csv, analytics_json
from board.analytics.service import AnalyticsPeriod, board_analytics
from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent
from board.errors import PermissionDeniedError
from tests.analytics.helpers import FORMULA_REASON, build_board, day


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _value(rows: list[dict[str, str]], section: str, measure: str, group: str = "") -> str:
    (row,) = [
        r for r in rows if (r["section"], r["measure"], r["group"]) == (section, measure, group)
    ]
    return row["value"]


def test_csv_long_table_neutralised_and_audited(db: Database, admin: Actor) -> None:
    build_board(db)
    file = analytics_csv(db, admin, AnalyticsPeriod(end=day(12, 31)))
    assert file.filename.startswith("board-analytics-") and file.filename.endswith(".csv")
    header = file.data.decode("utf-8").splitlines()[0]
    assert header == ",".join(CSV_COLUMNS)
    rows = _rows(file.data)
    assert file.rows == len(rows)

    assert (
        _value(
            rows, "cases per meeting", "cases on the agenda", "2026-01-05 14:00 UTC January board"
        )
        == "2"
    )
    assert _value(rows, "referral to MRI", "median (days)") == "2.0"
    tiers = "triage tiers (NICE NG234)"
    assert _value(rows, tiers, "cases referred", "Immediate (MRI within 24 h)") == "2"
    assert _value(rows, tiers, "cases referred", "Within a week (MRI within 7 days)") == "1"
    assert _value(rows, tiers, "cases referred", "Routine") == "1"
    assert (
        _value(
            rows, "decision to treatment start", "urgent cases started within 24 hours", "urgent"
        )
        == "1"
    )
    assert _value(rows, "complete at the meeting", "share complete") == "0.5"
    assert _value(rows, "pain response", "response rate (complete + partial)") == "0.6667"
    # The formula-looking deviation reason is prefixed with an apostrophe.
    deviation = _value(
        rows, "plan adherence", "deviation (given, but modified, 2026-01-15)", "TB-B"
    )
    assert deviation == "'" + FORMULA_REASON
    assert not any(v.startswith("=") for r in rows for v in r.values())
    # Kaplan-Meier steps and numbers at risk, per group.
    band = "Tokuhashi: predicted survival under 6 months"
    assert _value(rows, "survival from the board decision", "survival at day 20", band) == "0.5"
    assert _value(rows, "survival from the board decision", "number at risk at day 0", band) == "2"
    assert (
        _value(rows, "survival from the board decision", "median survival (days)", band) == "20.0"
    )

    with db.read() as session:
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "analytics.export")
        ).all()
        actor_name, after = event.actor_name, event.after
    assert actor_name == admin.display_name
    assert after == {"channel": "app", "rows": len(rows), "from": None, "to": "2026-12-31"}


def test_csv_needs_the_export_permission(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset({Role.ADMIN}))
    with pytest.raises(PermissionDeniedError):
        analytics_csv(db, Actor(None, "p", "P", Role.PHYSIOTHERAPIST))
    with db.read() as session:
        assert (
            session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")).all()
            == []
        )


def test_json_has_the_same_figures(db: Database, admin: Actor) -> None:
    build_board(db)
    result = board_analytics(db, admin)
    data = json.loads(json.dumps(analytics_json(result)))  # really JSON-ready
    assert data["period"] == {"from": None, "to": None}
    assert [m["on_agenda"] for m in data["meetings"]] == [2, 2]
    assert data["meetings"][0]["starts_at"] == "2026-01-05T14:00:00+00:00"
    assert data["referral_to_mri_days"] == {
        "n": 3,
        "median": 2.0,
        "q1": 1.0,
        "q3": 2.0,
        "mri_before_referral": 1,
        "no_mri": 1,
    }
    assert data["mri_to_decision_days"]["median"] == 3.0
    urgent = data["decision_to_treatment_hours"]["urgent"]
    assert (urgent["within_target"], urgent["share_within_target"]) == (1, 0.5)
    assert urgent["misses"][0]["pseudonym"] == "TB-B"
    assert data["complete_at_meeting"]["not_recorded"] == 1
    assert data["plan_adherence"]["deviations"][0]["date"] == "2026-01-15"
    assert data["pain_response"]["counts"] == {
        "complete": 1,
        "partial": 1,
        "progression": 0,
        "indeterminate": 1,
    }
    overall = data["survival"]["overall"]
    assert (overall["n"], overall["events"], overall["median_days"]) == (4, 2, 54.0)
    assert [p["at_risk"] for p in overall["number_at_risk"]] == [4, 0, 0, 0, 0]
    assert [g["group"] for g in data["survival"]["by_tokuhashi_band"]] == [
        "under_6_months",
        "1_year_or_more",
        "unknown",
    ]
