"""Secrets and database files stay private: git-ignored and readable by their owner only."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from board.db.engine import Database, create_private_file, sqlite_file
from board.db.migrate import upgrade_to_head
from board.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A umask that would make new files world-readable (022, a common default)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_streamlit_secrets_file_is_git_ignored() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of the project")
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", ".streamlit/secrets.toml"],
        cwd=ROOT,
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, ".streamlit/secrets.toml (single sign-on secret) is not ignored"


@pytest.mark.usefixtures("permissive_umask")
def test_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "board.db"
    db = Database.from_url(f"sqlite:///{path}")
    try:
        upgrade_to_head(db.engine)
        with db.write() as session:  # a write keeps the -wal and -shm files open
            session.execute(text("CREATE TABLE probe (x INTEGER)"))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            files = [path, path.with_name("board.db-wal"), path.with_name("board.db-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        db.dispose()


@pytest.mark.usefixtures("permissive_umask")
def test_private_file_is_created_private_and_an_existing_file_is_left_alone(
    tmp_path: Path,
) -> None:
    new = tmp_path / "new.db"
    create_private_file(new)
    assert _mode(new) == 0o600
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"data")
    existing.chmod(0o640)
    create_private_file(existing)
    assert (_mode(existing), existing.read_bytes()) == (0o640, b"data")


def test_sqlite_file_of_urls(tmp_path: Path) -> None:
    assert sqlite_file(f"sqlite:///{tmp_path}/a.db") == tmp_path / "a.db"
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u@h:5432/db") is None


@pytest.mark.usefixtures("permissive_umask")
def test_generated_secret_key_file_is_private(tmp_path: Path) -> None:
    load_settings({"TUMORBOARD_DATA_DIR": str(tmp_path)})
    assert _mode(tmp_path / ".secret_key") == 0o600
