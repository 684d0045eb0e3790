"""Command line: ``python -m board report`` and ``python -m board export-fhir``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from board.cli import main
from board.db.engine import Database
from tests.meetings.helpers import events
from tests.reports.helpers import ROOT, case_id_of, pdf_text, plan_demo_case, stored_report


@pytest.fixture
def cli_db(
    demo_database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    """The demo board (loaded once per process), where the command line finds it."""
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", "k" * 40)
    return demo_database


def test_report_pdf_to_a_file_is_the_stored_report(cli_db: Database, tmp_path: Path) -> None:
    plan = plan_demo_case(cli_db)
    out = tmp_path / "report.pdf"
    assert main(["report", str(plan.case_id), "--format", "pdf", "--out", str(out)]) == 0
    pdf, _html = stored_report(cli_db, plan.plan_id)
    assert out.read_bytes() == pdf
    (event,) = events(cli_db, "report.export")
    assert event.after is not None and event.after["channel"] == "cli"


def test_report_html_default_name_and_stdout(
    cli_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    case_id = case_id_of(cli_db)
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(case_id), "--format", "html"]) == 0
    (written,) = tmp_path.glob("board-report-*.html")
    assert "TB-DEMO01" in written.read_text() and "DRAFT" in written.read_text()
    capsysbinary.readouterr()
    assert main(["report", str(case_id), "--format", "html", "--out", "-"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"<!DOCTYPE html>")


def test_report_of_an_unknown_case_fails_cleanly(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "999999", "--format", "pdf", "--out", "-"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_export_fhir(cli_db: Database, tmp_path: Path) -> None:
    plan = plan_demo_case(cli_db)
    out = tmp_path / "bundle.json"
    assert main(["export-fhir", str(plan.case_id), "--out", str(out)]) == 0
    bundle = json.loads(out.read_text())
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert len(events(cli_db, "fhir.export")) == 1


def test_report_command_in_a_subprocess(cli_db: Database, tmp_path: Path) -> None:
    case_id = case_id_of(cli_db)
    out = tmp_path / "r.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "board", "report", str(case_id), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "TB-DEMO01" in pdf_text(out.read_bytes())
