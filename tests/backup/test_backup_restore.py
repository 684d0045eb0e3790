"""Backup of a running board and restore into an empty database, on both backends.

The demo board is loaded once (SQLite) and backed up; each test restores that backup
into its own fresh database (so PostgreSQL gets the demo board through a restore too).
Round trips: the restored board holds exactly the backed-up rows and reads back the
same, case by case; a backup taken while people keep writing is one moment of the
board; a backup made on one backend restores on the other.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text

from board.auth.actor import Actor
from board.backup.archive import MANIFEST, Manifest
from board.backup.service import backup_board, read_manifest, restore_board
from board.cases.service import add_note, get_case
from board.cli import main
from board.db.engine import Database
from board.db.migrate import alembic_config, head_revision, upgrade_to_head
from board.db.models import AuditEvent, Case, Note, User
from board.demo import load_demo
from board.errors import InvalidStateError, PermissionDeniedError, ValidationError
from board.worklist.service import list_worklist
from tests.conftest import (
    _create_postgres_database,
    _database_url,
    _drop_postgres_database,
    postgres_test_url,
)

KEY = "backup-test-" + "k" * 40
SYSTEM = Actor.system("backup test")
VOLATILE = {"user_sessions"}


@pytest.fixture(scope="session")
def demo_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the demo board (loaded once, on SQLite)."""
    folder = tmp_path_factory.mktemp("demo-backup")
    db = Database.from_url(f"sqlite:///{folder / 'demo.db'}")
    try:
        upgrade_to_head(db.engine)
        load_demo(db)
        backup_board(db, SYSTEM, folder / "demo.zip", secret_key=KEY)
    finally:
        db.dispose()
    return folder / "demo.zip"


@pytest.fixture
def demo_board(db: Database, demo_backup: Path) -> Database:
    """This test's fresh database (on its backend) with the demo board restored into it."""
    restore_board(db, SYSTEM, demo_backup, secret_key=KEY)
    return db


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A new database without any table, on the test's backend."""
    yield from _empty(backend, tmp_path, "restored")


def _empty(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    server = postgres_test_url()
    assert server is not None
    database = _create_postgres_database(server)
    try:
        yield _database_url(server, database)
    finally:
        _drop_postgres_database(server, database)


def _rows(path: Path) -> dict[str, list[Any]]:
    """Every table's rows in a backup file, as comparable values."""
    with zipfile.ZipFile(path) as archive:
        manifest = Manifest.from_json(archive.read(MANIFEST).decode())
        found = {}
        for entry in manifest.tables:
            kinds = [kind for _, kind in entry.columns]
            rows = []
            for line in archive.read(entry.path).decode().splitlines():
                values = json.loads(line)
                rows.append(
                    [
                        json.loads(v) if k == "json" and v is not None else v
                        for k, v in zip(kinds, values, strict=True)
                    ]
                )
            found[entry.name] = rows
        return found


def _without_the_restore_event(
    restored: dict[str, list[Any]], backed_up: dict[str, list[Any]]
) -> dict[str, list[Any]]:
    """The restored rows less the one audit event the restore itself added."""
    added = [r for r in restored["audit_events"] if r not in backed_up["audit_events"]]
    assert [r[5] for r in added] == ["board.restore"]
    return {**restored, "audit_events": [r for r in restored["audit_events"] if r not in added]}


def _coordinator(db: Database) -> Actor:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == "demo.coordinator")).one()
        return Actor(user.id, user.username, user.display_name, user.role)


def _every_case(db: Database, actor: Actor) -> dict[int, Any]:
    with db.read() as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    return {case_id: get_case(db, actor, case_id) for case_id in ids}


def _count(db: Database, query: Any) -> int:
    with db.read() as session:
        return int(session.scalar(query) or 0)


NOTES = select(func.count()).select_from(Note)
NOTE_EVENTS = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "note.add")


def test_a_backup_taken_while_people_write_is_one_moment_and_restores(
    database_url: str, demo_board: Database, empty_url: str, tmp_path: Path
) -> None:
    coordinator = _coordinator(demo_board)
    with demo_board.read() as session:
        busy_case = int(session.scalars(select(Case.id).order_by(Case.id)).first() or 0)
    # Each note is written with its audit event in one transaction: in any one moment of
    # the board the two counts differ by the same number.
    offset = _count(demo_board, NOTES) - _count(demo_board, NOTE_EVENTS)
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []
    first_writes = threading.Event()

    def writer() -> None:
        own = Database.from_url(database_url)
        try:
            while not stop.is_set():
                add_note(own, coordinator, busy_case, f"written while backing up {len(written)}")
                written.append(1)
                if len(written) >= 3:
                    first_writes.set()
        except BaseException as exc:  # any failure of the writer is a finding
            errors.append(exc)
            first_writes.set()
        finally:
            own.dispose()

    during: list[str] = []

    def progress(table: str, _rows: int) -> None:
        # A note (and its audit event) committed after the first table was read: a
        # consistent backup has neither.
        if not during:
            add_note(demo_board, coordinator, busy_case, "committed during the backup")
            during.append(table)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert first_writes.wait(60)
        out = tmp_path / "board.tbbackup"
        summary = backup_board(demo_board, SYSTEM, out, secret_key=KEY, progress=progress)
    finally:
        stop.set()
        thread.join(60)
    assert errors == []
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not list(tmp_path.glob("*.partial"))
    rows = _rows(out)
    note_events = [r for r in rows["audit_events"] if r[5] == "note.add"]
    assert len(rows["notes"]) - len(note_events) == offset
    assert "committed during the backup" not in {r[6] for r in rows["notes"]}
    assert rows["user_sessions"] == []
    assert summary.manifest.total_rows == sum(len(r) for r in rows.values())

    # Restore into an empty database: the same rows, the same board, case by case.
    restored = Database.from_url(empty_url)
    try:
        result = restore_board(restored, SYSTEM, out, secret_key=KEY)
        assert (result.schema_revision, result.same_key) == (head_revision(), True)
        again = tmp_path / "again.tbbackup"
        backup_board(restored, SYSTEM, again, secret_key=KEY)
        rows_again = _without_the_restore_event(_rows(again), rows)
        assert rows_again == rows
        source_cases = _every_case(demo_board, coordinator)
        restored_cases = _every_case(restored, coordinator)
        assert restored_cases.keys() == source_cases.keys()
        for case_id, case in restored_cases.items():
            if case_id != busy_case:  # the writer kept adding notes there
                assert case == source_cases[case_id], case_id
        assert list_worklist(restored, coordinator).total == len(source_cases)
        # New rows continue after the restored ids (PostgreSQL sequences reset).
        note = add_note(restored, coordinator, busy_case, "after the restore")
        assert note is not None
    finally:
        restored.dispose()


@pytest.mark.postgres
def test_a_backup_restores_on_the_other_backend(
    demo_board: Database, backend: str, tmp_path: Path
) -> None:
    if postgres_test_url() is None:
        pytest.skip("needs PostgreSQL (TUMORBOARD_TEST_DATABASE_URL)")
    out = tmp_path / "board.tbbackup"
    backup_board(demo_board, SYSTEM, out, secret_key=KEY)
    other = "postgresql" if backend == "sqlite" else "sqlite"
    for url in _empty(other, tmp_path, "other"):
        restored = Database.from_url(url)
        try:
            restore_board(restored, SYSTEM, out, secret_key=KEY)
            again = tmp_path / "again.tbbackup"
            backup_board(restored, SYSTEM, again, secret_key=KEY)
            rows = _rows(out)
            assert _without_the_restore_event(_rows(again), rows) == rows
            coordinator = _coordinator(demo_board)
            assert _every_case(restored, coordinator) == _every_case(demo_board, coordinator)
        finally:
            restored.dispose()


def test_restore_refuses_a_database_in_use_and_changes_nothing(
    demo_board: Database, database_url: str, demo_backup: Path
) -> None:
    before = _count(demo_board, select(func.count()).select_from(AuditEvent))
    with pytest.raises(InvalidStateError, match="not empty"):
        restore_board(demo_board, SYSTEM, demo_backup, secret_key=KEY)
    assert _count(demo_board, select(func.count()).select_from(AuditEvent)) == before


def test_restore_refuses_a_database_at_another_schema(empty_url: str, demo_backup: Path) -> None:
    target = Database.from_url(empty_url)
    try:
        command.upgrade(alembic_config(target.engine), "0007")
        with pytest.raises(InvalidStateError, match="already has schema 0007"):
            restore_board(target, SYSTEM, demo_backup, secret_key=KEY)
    finally:
        target.dispose()


def test_restore_refuses_damaged_and_foreign_files(
    empty_url: str, demo_backup: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.tbbackup"
    with zipfile.ZipFile(demo_backup) as source, zipfile.ZipFile(damaged, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "tables/patients.jsonl":
                data = data.replace(b"TB-", b"XX-", 1)
            copy.writestr(info, data)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    target = Database.from_url(empty_url)
    try:
        with pytest.raises(ValidationError, match="damaged"):
            restore_board(target, SYSTEM, damaged, secret_key=KEY)
        with pytest.raises(ValidationError, match="not a readable Tumor Board backup"):
            restore_board(target, SYSTEM, not_a_backup, secret_key=KEY)
        with pytest.raises(ValidationError, match="There is no backup file"):
            restore_board(target, SYSTEM, tmp_path / "missing.tbbackup", secret_key=KEY)
        with target.engine.connect() as connection:
            assert not connection.dialect.has_table(connection, "cases")  # untouched
    finally:
        target.dispose()


def test_restore_refuses_a_backup_of_a_newer_version(
    empty_url: str, demo_backup: Path, tmp_path: Path
) -> None:
    newer = tmp_path / "newer.tbbackup"
    with zipfile.ZipFile(demo_backup) as source, zipfile.ZipFile(newer, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == MANIFEST:
                manifest = json.loads(data)
                manifest["alembic_revision"] = "9999_future"
                data = json.dumps(manifest).encode()
            copy.writestr(info, data)
    target = Database.from_url(empty_url)
    try:
        with pytest.raises(InvalidStateError, match="upgrade the app first"):
            restore_board(target, SYSTEM, newer, secret_key=KEY)
    finally:
        target.dispose()


def test_a_backup_of_an_older_schema_is_restored_and_upgraded(backend: str, tmp_path: Path) -> None:
    urls = _empty(backend, tmp_path, "old")
    old_url = next(urls)
    old = Database.from_url(old_url)
    try:
        command.upgrade(alembic_config(old.engine), "0007")
        with old.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, display_name, role, is_active, "
                    "failed_sign_ins, version, created_at, updated_at) VALUES (7, 'old.admin', "
                    "'Old Admin', 'admin', TRUE, 0, 1, :t, :t)"
                ),
                {"t": "2025-01-02 03:04:05"},
            )
        out = tmp_path / "old.tbbackup"
        backup_board(old, SYSTEM, out, secret_key=KEY)
        assert read_manifest(out).alembic_revision == "0007"
    finally:
        old.dispose()
        urls.close()
    for url in _empty(backend, tmp_path, "new"):
        target = Database.from_url(url)
        try:
            summary = restore_board(target, SYSTEM, out, secret_key="another-key-" + "x" * 30)
            assert (summary.schema_revision, summary.same_key) == (head_revision(), False)
            with target.read() as session:
                user = session.get(User, 7)
                assert user is not None and user.username == "old.admin"
                assert user.created_at.isoformat() == "2025-01-02T03:04:05+00:00"
        finally:
            target.dispose()


def test_only_administrators_back_up(demo_board: Database, tmp_path: Path) -> None:
    coordinator = _coordinator(demo_board)
    with pytest.raises(PermissionDeniedError):
        backup_board(demo_board, coordinator, tmp_path / "x.tbbackup", secret_key=KEY)
    assert not list(tmp_path.glob("x.tbbackup*"))


def test_the_command_line_backs_up_and_restores(
    demo_board: Database,
    database_url: str,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", KEY)
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    out = tmp_path / "cli.tbbackup"
    assert main(["backup", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Backed up ") and str(out) in said
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", empty_url)
    assert main(["restore", str(out)]) == 0
    assert "Restored " in capsys.readouterr().out
    assert main(["restore", str(out)]) == 1  # now the database is in use
    assert "not empty" in capsys.readouterr().err
    restored = Database.from_url(empty_url)
    try:
        coordinator = _coordinator(demo_board)
        assert (
            _every_case(restored, coordinator).keys() == _every_case(demo_board, coordinator).keys()
        )
    finally:
        restored.dispose()


def test_case_read_models_compare_by_value() -> None:
    # The round-trip tests compare read models with ==: they must be plain values.
    from board.cases.read_model import CaseReadModel

    assert dataclasses.is_dataclass(CaseReadModel)
