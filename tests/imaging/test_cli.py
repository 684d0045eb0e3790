"""``python -m board import-dicom``: JSON lines, dry run, exit codes, the whole corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.cli import main
from board.db.engine import Database
from board.db.models import ImagingStudy
from board.imaging.synth import synth_mr_spine_study

from .helpers import corpus_root

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", "c" * 40)


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.mark.slow
def test_corpus_dry_run_json_in_a_subprocess(cli_env: None) -> None:
    root = corpus_root()
    done = subprocess.run(
        [sys.executable, "-m", "board", "import-dicom", str(root), "--dry-run", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = _lines(done.stdout)
    summary = lines[-1]
    files = lines[:-1]
    n_files = sum(1 for p in root.rglob("*") if p.is_file())
    assert summary["summary"] is True and summary["files"] == n_files == len(files)
    for line in files:
        assert set(line) == {"path", "status", "reason", "study_uid", "series_uid"}
        assert line["status"] in ("imported", "duplicate", "skipped")
        if line["status"] != "imported":
            assert line["reason"]
    by_name = {Path(str(line["path"])).name: line for line in files}
    assert by_name["CT_small.dcm"]["study_uid"] and by_name["CT_small.dcm"]["series_uid"]
    assert by_name["MR_small.dcm"]["study_uid"] and by_name["MR_small.dcm"]["series_uid"]
    assert "DICOMDIR" in str(by_name["DICOMDIR"]["reason"])


def test_import_into_a_case_and_exit_codes(
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    db: Database,
    database_url: str,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    case = create_case(db, make_user(Role.COORDINATOR), new_case())
    folder = tmp_path / "export"
    folder.mkdir()
    for index, data in enumerate(synth_mr_spine_study(2, rows=16, columns=16)):
        (folder / f"IM{index}").write_bytes(data)
    (folder / "junk.txt").write_text("not an image")

    assert main(["import-dicom", str(folder), "--case", str(case.id), "--json"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert lines[-1]["imported"] == 6 and lines[-1]["skipped"] == 1
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ImagingStudy)) == 1

    # Again: everything is a duplicate, which is not a failure.
    assert main(["import-dicom", str(folder), "--case", str(case.id)]) == 0
    out = capsys.readouterr().out
    assert "0 of 7 files imported (6 duplicate, 1 skipped)" in out

    # Nothing usable: non-zero.
    assert main(["import-dicom", str(folder / "junk.txt"), "--dry-run"]) == 1
    assert "not a DICOM file" in capsys.readouterr().out
    assert main(["import-dicom", str(tmp_path / "missing"), "--dry-run", "--json"]) == 1
    assert _lines(capsys.readouterr().out)[-2]["reason"] == "no such file or folder"
    # A missing case is a one-line error.
    assert main(["import-dicom", str(folder), "--case", "999999"]) == 1
    assert "does not exist" in capsys.readouterr().err
