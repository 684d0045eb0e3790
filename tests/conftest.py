"""Shared fixtures: a fresh database per test on every configured backend.

``db`` is parametrized over the backends: SQLite always (a new file in ``tmp_path``),
PostgreSQL when ``TUMORBOARD_TEST_DATABASE_URL`` is set (a uniquely named database on
that server per test process, created through the server's ``postgres`` database,
emptied before each test and dropped at the end). Both carry the schema made by
:func:`upgrade_to_head`, as the app does at start-up.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, Table, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from board.accounts.users import create_first_admin, create_user
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import Sex
from board.cases.service import primary_site_options
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.migrate import upgrade_to_head
from board.db.models import DERIVED_TABLES, Base
from board.demo import load_demo
from tests.meetings.helpers import Board, make_board

PG_URL_VARIABLE = "TUMORBOARD_TEST_DATABASE_URL"
TEST_PASSWORD = "correct-horse-battery-staple"

# Sane property-test settings: no per-example deadline (CI machines are slow and
# shared), the rest of Hypothesis' defaults. Select another with HYPOTHESIS_PROFILE.
hypothesis_settings.register_profile(
    "tumorboard",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "ci",
    parent=hypothesis_settings.get_profile("tumorboard"),
    derandomize=True,
    print_blob=True,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tumorboard"))


def postgres_test_url() -> str | None:
    """The PostgreSQL server URL for tests, or ``None`` when not configured."""
    return os.environ.get(PG_URL_VARIABLE) or None


# ---------------------------------------------------------------------------
# Fresh databases
#
# Every test gets its own database. Migrating each one from scratch costs about a
# second on PostgreSQL, so each backend is migrated once per session into a template
# (with upgrade_to_head, as the app does) and every test gets a fresh copy of it:
# ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, a file copy on SQLite. Running the
# migrations from an empty database is tested on its own (``empty_database_url``).
# ---------------------------------------------------------------------------


def _admin_engine(server_url: str) -> Engine:
    """An AUTOCOMMIT engine on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    return create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )


def _database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _create_postgres_database(server_url: str, template: str | None = None) -> str:
    name = f"tb_test_{uuid.uuid4().hex[:16]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    finally:
        admin.dispose()
    return name


def _drop_postgres_database(server_url: str, name: str) -> None:
    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


def _migrate(url: str) -> None:
    database = Database.from_url(url)
    try:
        upgrade_to_head(database.engine)
        if database.dialect == "sqlite":
            with database.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test run: ``sqlite`` or ``postgresql``."""
    name: str = request.param
    if name == "postgresql" and postgres_test_url() is None:
        pytest.skip(
            f"PostgreSQL tests need {PG_URL_VARIABLE} "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test); .ci/run sets it"
        )
    return name


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    server = postgres_test_url()
    assert server is not None
    name = _create_postgres_database(server)
    try:
        _migrate(_database_url(server, name))
        yield name
    finally:
        _drop_postgres_database(server, name)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty (not migrated) database on ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = postgres_test_url()
    assert server is not None
    name = _create_postgres_database(server)
    try:
        yield _database_url(server, name)
    finally:
        _drop_postgres_database(server, name)


@dataclass
class _Scratch:
    """A PostgreSQL database this test process empties and reuses for test after test.

    ``seed`` holds the rows the migrations write (default plan templates, ...) and
    ``sequences`` each id sequence's state, as in a fresh copy of the template.
    """

    url: str
    engine: Engine
    seed: TableRows
    sequences: list[tuple[str, int, bool]]


@pytest.fixture(scope="session")
def _postgres_scratch(_postgres_template: str) -> Iterator[_Scratch]:
    server = postgres_test_url()
    assert server is not None
    name = _create_postgres_database(server, template=_postgres_template)
    url = _database_url(server, name)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            sequences = [
                (row.sequencename, row.value, row.is_called)
                for row in conn.execute(
                    text(
                        "SELECT sequencename, coalesce(last_value, start_value) AS value, "
                        "last_value IS NOT NULL AS is_called "
                        "FROM pg_sequences WHERE schemaname = 'public'"
                    )
                )
            ]
        seed = table_rows(Database(engine))
        yield _Scratch(url, engine, [(t, rows) for t, rows in seed if rows], sequences)
    finally:
        engine.dispose()
        _drop_postgres_database(server, name)


def _empty_again(scratch: _Scratch, *, seeded: bool = True) -> None:
    """Make the scratch database what a fresh copy of the template is: nobody else
    connected, every table empty but for the rows the migrations write (none when not
    ``seeded``), every id sequence where the template has it."""
    with scratch.engine.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        # the derived tables last: deleting the others lists their rows as changed
        for table in sorted(
            reversed(Base.metadata.sorted_tables), key=lambda t: t.name in DERIVED_TABLES
        ):
            conn.execute(table.delete())
        if seeded:
            _insert_rows(conn, scratch.seed)
        for sequence, value, is_called in scratch.sequences:
            conn.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, :c)"),
                {"s": f'"{sequence}"', "v": value, "c": is_called},
            )


@pytest.fixture
def private_database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """URL of a migrated database made for this test alone and dropped after it.

    For tests that change the schema itself (the others share ``database_url``).
    """
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "board.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server = postgres_test_url()
    assert server is not None
    name = _create_postgres_database(server, template=request.getfixturevalue("_postgres_template"))
    try:
        yield _database_url(server, name)
    finally:
        _drop_postgres_database(server, name)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh database, migrated to the newest schema, for this test.

    On SQLite a copy of the template file. On PostgreSQL this process's scratch
    database, emptied before the test: making and dropping a database per test took
    most of a second each (a schema change needs ``private_database_url``).
    """
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "board.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    scratch: _Scratch = request.getfixturevalue("_postgres_scratch")
    _empty_again(scratch)
    yield scratch.url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A fresh, migrated database (one per test, on every configured backend)."""
    database = Database.from_url(database_url)
    yield database
    database.dispose()


# ---------------------------------------------------------------------------
# The demo board
#
# Loading the demo writes every case, plan and report through the services (eight
# stored report PDFs, accounts with real password hashes): seconds per load. It is
# loaded once per test process and backend, and every test that needs it gets a fresh
# copy: the SQLite file copied, or on PostgreSQL the demo's rows written into a fresh
# migrated database (plain INSERTs: no template database that a background process
# could be connected to when it is copied).
# ---------------------------------------------------------------------------

#: Rows of every table, in an order that satisfies the foreign keys.
TableRows = list[tuple[Table, list[dict[str, Any]]]]


def _checkpoint(database: Database) -> None:
    if database.dialect == "sqlite":
        with database.engine.connect() as conn:  # fold the WAL into the file
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def table_rows(database: Database) -> TableRows:
    """Every row of every table, parents before children, each table in key order."""
    with database.engine.connect() as conn:
        return [
            (table, [dict(row._mapping) for row in conn.execute(
                select(table).order_by(*table.primary_key.columns)
            )])
            for table in Base.metadata.sorted_tables
        ]  # fmt: skip


def _insert_rows(conn: Connection, rows: TableRows) -> None:
    for table, data in rows:
        # the derived tables are filled by the triggers as the others are written
        if data and table.name not in DERIVED_TABLES:
            conn.execute(table.insert(), data)


def write_rows(database: Database, rows: TableRows) -> None:
    """Write ``rows`` (from :func:`table_rows`) into an empty migrated database."""
    with database.engine.begin() as conn:
        _insert_rows(conn, rows)
        if conn.dialect.name == "postgresql":  # the id sequences continue after the rows
            for table, data in rows:
                if data and "id" in table.c and table.c.id.autoincrement:
                    conn.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                        {"t": table.name, "n": max(row["id"] for row in data)},
                    )


@pytest.fixture(scope="session")
def _sqlite_demo_template(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Path:
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    shutil.copyfile(_sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    try:
        load_demo(database)
        _checkpoint(database)
    finally:
        database.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_demo_rows(_postgres_template: str) -> TableRows:
    server = postgres_test_url()
    assert server is not None
    name = _create_postgres_database(server, template=_postgres_template)
    try:
        database = Database.from_url(_database_url(server, name))
        try:
            load_demo(database)
            return table_rows(database)
        finally:
            database.dispose()
    finally:
        _drop_postgres_database(server, name)


@pytest.fixture
def demo_database(
    backend: str, database_url: str, request: pytest.FixtureRequest
) -> Iterator[Database]:
    """A fresh database holding the demo board (loaded once per process and backend).

    Like ``db`` (and instead of it): on every configured backend.
    """
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_demo_template")
        shutil.copyfile(template, make_url(database_url).database or "")
        database = Database.from_url(database_url)
    else:
        # the demo's rows include those the migrations write: start from nothing
        _empty_again(request.getfixturevalue("_postgres_scratch"), seeded=False)
        database = Database.from_url(database_url)
        write_rows(database, request.getfixturevalue("_postgres_demo_rows"))
    yield database
    database.dispose()


def table_row_counts(db: Database) -> dict[str, int]:
    """Number of rows in every table of the schema."""
    with db.read() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }


@pytest.fixture
def row_counts(db: Database) -> Callable[[], dict[str, int]]:
    """``row_counts()``: rows per table now, to prove an action left nothing behind."""
    return lambda: table_row_counts(db)


# ---------------------------------------------------------------------------
# Users and cases
# ---------------------------------------------------------------------------


@pytest.fixture
def admin(db: Database) -> Actor:
    """The first administrator, created the way a first start does."""
    return create_first_admin(db, "admin", "Ada Admin", TEST_PASSWORD).as_actor()


@pytest.fixture
def make_user(db: Database, admin: Actor) -> Callable[..., Actor]:
    """Factory: ``make_user(Role.RADIOLOGIST)`` creates an account and returns its actor."""
    counter = iter(range(1, 10_000))

    def _make(role: Role, username: str | None = None, display_name: str | None = None) -> Actor:
        n = next(counter)
        name = username or f"{role.value.replace('_', '-')}-{n}"
        full_name = display_name or f"{role.label} {n}"
        return create_user(db, admin, name, full_name, role, TEST_PASSWORD).as_actor()

    return _make


def valid_primary_site() -> str:
    """A stored value of a real primary site (taken from the service's own list)."""
    return primary_site_options()[0][0]


@pytest.fixture
def new_case() -> Callable[..., CaseInput]:
    """Factory of a valid new-case form; keyword arguments override fields."""

    def _make(**overrides: Any) -> CaseInput:
        values: dict[str, Any] = {
            "primary_site": valid_primary_site(),
            "levels": ("T7",),
            "histology": "Adenocarcinoma",
            "hospital_number": None,
            "age": 64,
            "sex": Sex.FEMALE,
            "known_cancer": True,
            "pain_score": 3,
            "pain_character": "mechanical",
            "pain_new_or_worse": False,
            "numbness": False,
            "weakness": False,
            "gait_disturbance": False,
            "bladder_bowel_dysfunction": False,
            "radicular_pain": False,
            "symptom_onset": dt.date.today() - dt.timedelta(days=10),
            "referral_question": "Stabilisation or radiotherapy?",
        }
        values.update(overrides)
        return CaseInput(**values)

    return _make


@pytest.fixture
def board(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> Board:
    """One user per role, with helpers for cases and meetings."""
    return make_board(db, admin, make_user, new_case)


#: Argon2id at the smallest cost for the accounts tests create: hashing with the
#: production parameters (about 0.2 s an account on these machines) was a large part of
#: the suite's time. Hashes are still salted argon2id and verify the same way; the
#: production parameters are tested with ``real_password_hashing``.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    import board.accounts.users

    production = board.accounts.users._hasher
    board.accounts.users._hasher = CHEAP_HASHER
    yield
    board.accounts.users._hasher = production


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with the app's production parameters in this test."""
    import board.accounts.users

    monkeypatch.setattr(board.accounts.users, "_hasher", PasswordHasher())


@pytest.fixture(autouse=True)
def _report_files_finished() -> Iterator[None]:
    """A finalize in the app renders its files in a background thread: let it finish
    before the test's database goes away (no thread outlives its test)."""
    yield
    from board.plans.report_files import wait_for_report_files

    assert wait_for_report_files(timeout=120), "a report is still being rendered"
