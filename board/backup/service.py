"""Back up a running board and restore it into an empty database (SQLite or PostgreSQL).

:func:`backup_board` reads every table in ONE consistent snapshot (a read transaction:
SQLite's write-ahead log keeps the snapshot of its first read; PostgreSQL runs it
``REPEATABLE READ READ ONLY``), so people keep working while it runs and the backup is
the board as it was at one moment. It writes the portable file described in
:mod:`board.backup.archive` (private to its owner, complete or not there at all).

:func:`restore_board` checks the file (format, checksums, a schema revision this code
knows), refuses a database that holds any row, migrates the empty database to the
backup's revision, inserts every row in one transaction (parents before children;
a reference to a row not inserted yet is filled in afterwards), resets PostgreSQL's id
sequences, records the restore in the audit trail and finally migrates to the newest
schema. Sign-in sessions are not backed up: after a restore everyone signs in again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy import (
    table as table_named,
)
from sqlalchemy.dialects.postgresql import JSONB

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.backup.archive import (
    MANIFEST,
    Manifest,
    TableEntry,
    column_kind,
    decode,
    encode,
    key_fingerprint,
)
from board.db.engine import (
    PRIVATE_FILE_MODE,
    Database,
    unavailable_as_user_error,
)
from board.db.migrate import alembic_config, current_revision, head_revision, known_revisions
from board.db.models import DERIVED_TABLES
from board.errors import InvalidStateError, ValidationError

#: Alembic's own table: its one row is the manifest's ``alembic_revision``.
VERSION_TABLE = "alembic_version"
#: Tables whose rows are not backed up (their schema is): sign-in sessions, and the
#: derived analytics tables (restoring the cases lists every one for the analytics to
#: compute again).
ROWS_NOT_BACKED_UP = frozenset({"user_sessions"}) | DERIVED_TABLES
BATCH_ROWS = 1000
#: Called with a table's name and its number of rows as each table is done.
Progress = Callable[[str, int], None]
_RAW_JSON = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What :func:`backup_board` wrote.

    Parameters
    ----------
    path:
        The backup file.
    manifest:
        Its manifest (revision, tables, rows).
    size_bytes:
        The file's size.
    seconds:
        How long it took.
    """

    path: Path
    manifest: Manifest
    size_bytes: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    """What :func:`restore_board` restored.

    Parameters
    ----------
    manifest:
        The backup's manifest.
    schema_revision:
        The schema the database is at afterwards (the newest).
    same_key:
        Whether this installation's secret key is the one the backup was made with
        (identifier hashes, such as the imaging Patient ID key, depend on it).
    seconds:
        How long it took.
    """

    manifest: Manifest
    schema_revision: str
    same_key: bool
    seconds: float


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """A connection inside one read-only transaction that sees one moment of the board."""
    with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if db.dialect == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection


def _write_table(
    connection: Connection, table: Table, archive: zipfile.ZipFile, skip_rows: bool
) -> TableEntry:
    columns = [(c.name, column_kind(c)) for c in table.columns]
    selected = [
        cast(c, Text).label(c.name) if kind == "json" else c
        for c, (_, kind) in zip(table.columns, columns, strict=True)
    ]
    order = list(table.primary_key.columns) or list(table.columns)
    digest = hashlib.sha256()
    rows = 0
    entry = TableEntry(table.name, tuple(columns), 0, "")
    with archive.open(entry.path, "w", force_zip64=True) as handle:
        if not skip_rows:
            result = connection.execution_options(yield_per=BATCH_ROWS).execute(
                select(*selected).order_by(*order)
            )
            for row in result:
                line = json.dumps(
                    [encode(kind, value) for (_, kind), value in zip(columns, row, strict=True)],
                    ensure_ascii=False,
                    separators=(",", ":"),
                )
                data = (line + "\n").encode("utf-8")
                digest.update(data)
                handle.write(data)
                rows += 1
    return TableEntry(table.name, tuple(columns), rows, digest.hexdigest())


def backup_board(
    db: Database,
    actor: Actor,
    out: Path,
    *,
    secret_key: str,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> BackupSummary:
    """Write a consistent backup of the whole board to ``out`` while it keeps running.

    Parameters
    ----------
    db:
        The board's database (SQLite or PostgreSQL).
    actor:
        Who backs up (administrators; the command line acts as the system).
    out:
        The backup file to write (replaced when it exists; written beside it first and
        renamed, so a file at ``out`` is always complete). Created private (0600).
    secret_key:
        The installation's secret key (only a fingerprint of it is stored).
    progress:
        Called after each table with its name and number of rows.
    now:
        The time recorded as the backup's (now when ``None``).

    Returns
    -------
    BackupSummary
        The file, its manifest, size and duration.

    Raises
    ------
    PermissionDeniedError
        If the actor may not back up the board.
    InvalidStateError
        If the database has no schema yet.
    DatabaseUnavailableError
        If the database cannot be read.
    """
    require(actor, Action.BOARD_BACKUP)
    started = time.monotonic()
    partial = out.with_name(out.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)
    try:
        with (
            os.fdopen(descriptor, "wb") as raw,
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
            unavailable_as_user_error(),
        ):
            with _snapshot(db) as connection:
                # The first read fixes the snapshot every later read sees.
                revision = current_revision(connection)
                created_at = now or dt.datetime.now(dt.UTC)
                if revision is None:
                    raise InvalidStateError("The database has no schema yet: nothing to back up.")
                metadata = MetaData()
                metadata.reflect(connection)
                entries = []
                for table in metadata.sorted_tables:
                    if table.name == VERSION_TABLE:
                        continue
                    skip = table.name in ROWS_NOT_BACKED_UP
                    entry = _write_table(connection, table, archive, skip_rows=skip)
                    entries.append(entry)
                    if progress is not None:
                        progress(entry.name, entry.rows)
            manifest = Manifest(
                alembic_revision=revision,
                created_at=created_at,
                source_dialect=db.dialect,
                key_fingerprint=key_fingerprint(secret_key),
                tables=tuple(entries),
            )
            archive.writestr(MANIFEST, manifest.to_json())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    with db.write() as session:
        record(
            session,
            actor,
            "board.backup",
            "board",
            None,
            after={"tables": len(manifest.tables), "rows": manifest.total_rows},
            detail=f"backup of schema {revision} written to {out.name}",
            at=now,
        )
    return BackupSummary(out, manifest, out.stat().st_size, time.monotonic() - started)


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file, after checking every table file's checksum.

    Parameters
    ----------
    path:
        The backup file.

    Returns
    -------
    Manifest
        Its manifest.

    Raises
    ------
    ValidationError
        If the file is not a Tumor Board backup or is damaged.
    """
    if not path.is_file():
        raise ValidationError(f"There is no backup file '{path}'.")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = Manifest.from_json(archive.read(MANIFEST).decode("utf-8"))
            for entry in manifest.tables:
                digest = hashlib.sha256()
                with archive.open(entry.path) as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
                if digest.hexdigest() != entry.sha256:
                    raise ValidationError(
                        f"The backup is damaged: the rows of table '{entry.name}' do not "
                        "match their checksum. Use another backup."
                    )
            return manifest
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ValidationError(
            f"'{path.name}' is not a readable Tumor Board backup (a zip with a manifest)."
        ) from exc


#: Tables the migrations themselves fill (the default plan templates): an empty, migrated
#: database has these rows; a restore replaces them with the backup's own.
MIGRATION_SEEDED_TABLES = frozenset({"plan_templates"})


def _rows_in_use(connection: Connection) -> dict[str, int]:
    found = {}
    for name in inspect(connection).get_table_names():
        if name == VERSION_TABLE or name in MIGRATION_SEEDED_TABLES or name in DERIVED_TABLES:
            continue
        query = select(func.count()).select_from(table_named(name))
        count = int(connection.execute(query).scalar() or 0)
        if count:
            found[name] = count
    return found


def _check_target(db: Database, manifest: Manifest) -> None:
    if manifest.alembic_revision not in known_revisions():
        raise InvalidStateError(
            f"The backup's schema ({manifest.alembic_revision}) is newer than this version "
            "of Tumor Board knows: upgrade the app first, then restore."
        )
    with unavailable_as_user_error(), db.engine.connect() as connection:
        in_use = _rows_in_use(connection)
        revision = current_revision(connection) if inspect(connection).get_table_names() else None
    if in_use:
        biggest = ", ".join(f"{n}: {c}" for n, c in sorted(in_use.items())[:5])
        raise InvalidStateError(
            f"The database is not empty ({sum(in_use.values())} rows; {biggest}). Restore "
            "only into a new, empty database; nothing was changed."
        )
    if revision is not None and revision != manifest.alembic_revision:
        raise InvalidStateError(
            f"The empty database already has schema {revision}, the backup has "
            f"{manifest.alembic_revision}. Restore into a new database without any tables "
            "(do not start the app on it first); nothing was changed."
        )


def _insert_table(
    connection: Connection,
    archive: zipfile.ZipFile,
    entry: TableEntry,
    target: Table,
    deferred: set[str],
    later: list[tuple[Table, str, list[dict[str, Any]]]],
) -> None:
    names = [name for name, _ in entry.columns]
    if set(names) != {c.name for c in target.columns}:
        raise ValidationError(
            f"The backup's table '{entry.name}' does not have the columns of the schema "
            f"{entry.name} has at that revision; the backup cannot be restored."
        )
    aware = {c.name: bool(getattr(c.type, "timezone", False)) for c in target.columns}
    insert_table = Table(
        entry.name,
        MetaData(),
        *(
            Column(name, _RAW_JSON if kind == "json" else target.c[name].type)
            for name, kind in entry.columns
        ),
    )
    key = [c.name for c in target.primary_key.columns]
    filled_in: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    with archive.open(entry.path) as handle:
        for line in handle:
            values = json.loads(line)
            row = {}
            for (name, kind), value in zip(entry.columns, values, strict=True):
                decoded = decode(kind, value, timezone_aware=aware[name])
                if kind == "json" and decoded is not None:
                    parsed = json.loads(decoded)
                    decoded = JSON.NULL if parsed is None else parsed
                row[name] = decoded
            if deferred:
                later_values = {n: row[n] for n in deferred if row[n] is not None}
                if later_values:
                    filled_in.append({**{f"key_{k}": row[k] for k in key}, **later_values})
                row.update(dict.fromkeys(deferred))
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                connection.execute(insert_table.insert(), batch)
                batch = []
    if batch:
        connection.execute(insert_table.insert(), batch)
    for name in sorted(deferred):
        rows = [
            {**{f"key_{k}": r[f"key_{k}"] for k in key}, "value": r[name]}
            for r in filled_in
            if name in r
        ]
        if rows:
            later.append((target, name, rows))


def _fill_in(connection: Connection, later: list[tuple[Table, str, list[dict[str, Any]]]]) -> None:
    for table, name, rows in later:
        key = [c.name for c in table.primary_key.columns]
        statement = (
            update(table)
            .where(*(table.c[k] == bindparam(f"key_{k}") for k in key))
            .values({name: bindparam("value")})
        )
        connection.execute(statement, rows)


def _reset_sequences(connection: Connection, metadata: MetaData) -> None:
    """Point PostgreSQL's id sequences past the restored ids."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            highest = connection.execute(select(func.max(column))).scalar()
            connection.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": highest or 1, "called": highest is not None},
            )


def restore_board(
    db: Database,
    actor: Actor,
    source: Path,
    *,
    secret_key: str,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> RestoreSummary:
    """Restore a backup into ``db``, which must be empty; migrate it to the newest schema.

    Parameters
    ----------
    db:
        An empty database: no tables at all, or the backup's schema without any row.
    actor:
        Who restores (the command line acts as the system).
    source:
        The backup file.
    secret_key:
        This installation's secret key (compared with the backup's by fingerprint).
    progress:
        Called after each table with its name and number of rows.
    now:
        The time recorded for the restore in the audit trail (now when ``None``).

    Returns
    -------
    RestoreSummary
        The manifest, the schema afterwards, whether the secret key matches, the time.

    Raises
    ------
    PermissionDeniedError
        If the actor may not restore the board.
    ValidationError
        If the file is not a backup, is damaged, or does not fit the schema.
    InvalidStateError
        If the database holds rows or another schema, or the backup is newer than
        this code.
    DatabaseUnavailableError
        If the database cannot be reached.
    """
    require(actor, Action.BOARD_BACKUP)
    started = time.monotonic()
    manifest = read_manifest(source)
    _check_target(db, manifest)
    with unavailable_as_user_error():
        command.upgrade(alembic_config(db.engine), manifest.alembic_revision)
    order = {entry.name: index for index, entry in enumerate(manifest.tables)}
    with zipfile.ZipFile(source) as archive, db.write() as session:
        connection = session.connection()
        metadata = MetaData()
        metadata.reflect(connection)
        missing = sorted(set(order) - set(metadata.tables))
        if missing:
            raise ValidationError(
                f"The backup has tables the schema does not: {', '.join(missing)}."
            )
        later: list[tuple[Table, str, list[dict[str, Any]]]] = []
        for entry in manifest.tables:
            target = metadata.tables[entry.name]
            deferred = set()
            for foreign_key in target.foreign_keys:
                referenced = foreign_key.column.table.name
                if order.get(referenced, -1) >= order[entry.name]:
                    if not foreign_key.parent.nullable:
                        raise ValidationError(
                            f"Table '{entry.name}' refers to '{referenced}' in a way rows "
                            "cannot be inserted in order; the backup cannot be restored."
                        )
                    deferred.add(foreign_key.parent.name)
            if entry.name in MIGRATION_SEEDED_TABLES:
                connection.execute(target.delete())  # the migration's defaults
            _insert_table(connection, archive, entry, target, deferred, later)
            if progress is not None:
                progress(entry.name, entry.rows)
        _fill_in(connection, later)
        if db.dialect == "postgresql":
            _reset_sequences(connection, metadata)
    head = head_revision()
    with unavailable_as_user_error():
        if manifest.alembic_revision != head:
            command.upgrade(alembic_config(db.engine), "head")
    with db.write() as session:
        record(
            session,
            actor,
            "board.restore",
            "board",
            None,
            after={"tables": len(manifest.tables), "rows": manifest.total_rows},
            detail=(
                f"restored from a backup of {manifest.created_at:%Y-%m-%d %H:%M} UTC "
                f"(schema {manifest.alembic_revision}, {manifest.source_dialect})"
            ),
            at=now,
        )
    return RestoreSummary(
        manifest=manifest,
        schema_revision=head,
        same_key=manifest.key_fingerprint == key_fingerprint(secret_key),
        seconds=time.monotonic() - started,
    )
