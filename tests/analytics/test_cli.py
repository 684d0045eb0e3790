"""``python -m board analytics``: JSON and plain text, the same figures as the service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from board.analytics.export import analytics_json
from board.analytics.service import AnalyticsPeriod, board_analytics
from board.auth.actor import Actor
from board.cli import main
from board.db.engine import Database
from tests.analytics.helpers import build_board, day


@pytest.fixture
def backend() -> str:
    """SQLite only: the figures are checked on both databases in test_service.py."""
    return "sqlite"


@pytest.fixture
def cli_db(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", "k" * 40)
    build_board(db)
    return db


def test_json_matches_the_service(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analytics", "--json", "--from", "2026-01-01", "--to", "2026-01-31"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = analytics_json(
        board_analytics(cli_db, Actor.system("test"), AnalyticsPeriod(day(1, 1), day(1, 31)))
    )
    printed.pop("generated_at")
    expected.pop("generated_at")
    assert printed == expected
    assert printed["period"] == {"from": "2026-01-01", "to": "2026-01-31"}
    assert printed["decision_to_treatment_hours"]["urgent"]["within_target"] == 1
    assert printed["tiers"] == [
        {"tier": "immediate", "urgency": "urgent", "label": "Immediate (MRI within 24 h)",
         "target_hours": 24, "cases_referred": 2},
        {"tier": "within_a_week", "urgency": "within_a_week",
         "label": "Within a week (MRI within 7 days)", "target_hours": 168, "cases_referred": 1},
        {"tier": "routine", "urgency": "routine", "label": "Routine", "target_hours": None,
         "cases_referred": 1},
    ]  # fmt: skip


def test_plain_summary(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analytics"]) == 0
    out = capsys.readouterr().out
    assert "Board analytics, all dates" in out
    assert "Immediate cases started within 24 hours: 1 of 2 with a start recorded (50%)" in out
    assert (
        "Triage tiers (cases referred): Immediate (MRI within 24 h): 2; "
        "Within a week (MRI within 7 days): 1; Routine: 1"
    ) in out
    assert "Complete at the meeting: 1 of 2 (50%); not recorded: 1" in out
    assert "Survival from the decision: 2 deaths among 4; median 54 days" in out
    assert "Tokuhashi: predicted survival under 6 months: 2 deaths among 2; median 20 days" in out


def test_period_the_wrong_way_round_is_a_one_line_error(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analytics", "--from", "2026-02-01", "--to", "2026-01-01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: The period starts on 2026-02-01") and "Traceback" not in err


def test_malformed_date_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["analytics", "--from", "01/02/2026"])
    assert info.value.code == 2
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(
    "period",
    [[], ["--from", "2026-02-01", "--to", "2026-02-28"], ["--from", "2030-01-01"]],
    ids=["all dates", "decisions but no referrals", "nothing in the period"],
)
def test_plain_summary_never_reads_none(
    cli_db: Database, period: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analytics", *period]) == 0
    out = capsys.readouterr().out
    assert out.strip() and "None" not in out and "nan" not in out.split()


def test_rebuild_computes_every_fact_again(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import update

    from board.analytics.facts import compute_case_facts, refresh_analytics_facts
    from board.db.models import AnalyticsCaseFacts

    refresh_analytics_facts(cli_db)
    with cli_db.write() as session:  # a row made wrong behind the triggers' back
        session.execute(update(AnalyticsCaseFacts).values(pseudonym="TB-WRONG"))
    assert main(["analytics", "--rebuild"]) == 0
    captured = capsys.readouterr()
    assert "Analytics facts computed again: 4 cases, 3 meetings." in captured.err
    with cli_db.read() as session:
        stored = [
            tuple(r)
            for r in session.execute(
                AnalyticsCaseFacts.__table__.select().order_by(AnalyticsCaseFacts.case_id)
            )
        ]
        assert stored == compute_case_facts(session)
