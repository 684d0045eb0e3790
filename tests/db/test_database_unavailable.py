"""A database that goes away or fails in flight becomes the app's own error.

Services raise :class:`DatabaseUnavailableError` ("The database is unavailable; nothing
was saved. Try again.") instead of a raw driver ``OperationalError``, whatever the
backend: a server that refuses connections, a database whose connections were cut, a
write lock not had in time. Nothing half-written remains.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import add_note, create_case, get_case
from board.cases.views import CaseInput
from board.db.engine import Database, database_unavailable
from board.db.models import Note
from board.errors import DatabaseUnavailableError, ValidationError
from tests.conftest import _admin_engine, postgres_test_url

#: A PostgreSQL address where no server listens (port 1: connection refused at once).
NO_SERVER = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def _notes(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Note)) or 0)


def test_a_server_that_refuses_connections(admin: Actor) -> None:
    gone = Database.from_url(NO_SERVER, connect_args={"connect_timeout": 2})
    try:
        with pytest.raises(DatabaseUnavailableError) as info:
            get_case(gone, admin, 1)
    finally:
        gone.dispose()
    assert str(info.value) == "The database is unavailable; nothing was saved. Try again."
    assert database_unavailable(info.value.__cause__)  # type: ignore[arg-type]


def test_connections_cut_while_the_app_runs(
    backend: str,
    database_url: str,
    db: Database,
    admin: Actor,
    new_case: Callable[..., CaseInput],
    make_user: Callable[..., Actor],
    tmp_path: Path,
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    case = create_case(db, admin, new_case())
    app = Database.from_url(database_url)
    try:
        get_case(app, admin, case.id)  # the app has a live pooled connection
        if backend == "postgresql":
            # The server ends every connection and takes no new ones.
            name = make_url(database_url).database
            server = _admin_engine(postgres_test_url() or "")
            try:
                with server.connect() as conn:
                    conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                    conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": name},
                    )
            finally:
                server.dispose()
        else:
            # The file's folder is gone (a lost mount): no connection can open it.
            app.dispose()
            app = Database.from_url(f"sqlite:///{tmp_path / 'lost-mount' / 'board.db'}")
        with pytest.raises(DatabaseUnavailableError):
            add_note(app, coordinator, case.id, "Power 4/5 in both legs")
        with pytest.raises(DatabaseUnavailableError):
            get_case(app, admin, case.id)
    finally:
        app.dispose()
        if backend == "postgresql":
            # The test process reuses its scratch database: open it again.
            server = _admin_engine(postgres_test_url() or "")
            try:
                with server.connect() as conn:
                    conn.execute(
                        text(
                            f'ALTER DATABASE "{make_url(database_url).database}" '
                            "ALLOW_CONNECTIONS true"
                        )
                    )
            finally:
                server.dispose()


def test_a_write_lock_not_had_in_time(
    backend: str,
    database_url: str,
    db: Database,
    admin: Actor,
    new_case: Callable[..., CaseInput],
    make_user: Callable[..., Actor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's single writer lock")
    coordinator = make_user(Role.COORDINATOR)
    case = create_case(db, admin, new_case())
    monkeypatch.setattr("board.db.engine.SQLITE_BUSY_TIMEOUT_MS", 100)
    app = Database.from_url(database_url, connect_args={"timeout": 0.1})
    holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        before = _notes(db)
        with pytest.raises(DatabaseUnavailableError):
            add_note(app, coordinator, case.id, "Power 4/5 in both legs")
        holder.execute("ROLLBACK")
        assert _notes(db) == before
    finally:
        holder.close()
        app.dispose()


def test_other_errors_are_left_alone(db: Database, make_user: Callable[..., Actor]) -> None:
    coordinator = make_user(Role.COORDINATOR)
    with pytest.raises(ValidationError):
        add_note(db, coordinator, 1, "")
    assert not database_unavailable(ValueError("x"))
