"""The backup file: a zip of JSON lines, one file per table, and a manifest.

Portable across SQLite and PostgreSQL: a backup of either restores into either.

``manifest.json``
    ``format`` (``tumorboard-backup``), ``format_version``, ``alembic_revision`` (the
    schema the rows belong to), ``created_at``, ``source_dialect``, ``key_fingerprint``
    (tells whether the restoring installation has the same secret key, without
    revealing it) and, per table in insertion order, its columns with their *kind* and
    its number of rows and SHA-256 of its file.
``tables/<table>.jsonl``
    One JSON array per row, the values in the manifest's column order, encoded by kind
    (:func:`encode`): times as ISO 8601 text in UTC, binary data as base64, JSON
    columns as their JSON text (so SQL NULL and JSON ``null`` stay apart).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Column
from sqlalchemy.types import JSON

from board.errors import ValidationError

FORMAT = "tumorboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES_FOLDER = "tables"
KINDS = ("bool", "int", "float", "decimal", "str", "datetime", "date", "time", "bytes", "json")


@dataclass(frozen=True, slots=True)
class TableEntry:
    """One table in a backup.

    Parameters
    ----------
    name:
        The table's name.
    columns:
        ``(column name, kind)`` in the order of each row's values.
    rows:
        How many rows the table file holds.
    sha256:
        SHA-256 of the table file (hexadecimal).
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    rows: int
    sha256: str

    @property
    def path(self) -> str:
        """The table file's name inside the zip."""
        return f"{TABLES_FOLDER}/{self.name}.jsonl"


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a backup holds (``manifest.json``).

    Parameters
    ----------
    alembic_revision:
        The schema revision the rows belong to.
    created_at:
        When the snapshot was read (UTC).
    source_dialect:
        ``sqlite`` or ``postgresql``.
    key_fingerprint:
        :func:`key_fingerprint` of the installation's secret key.
    tables:
        The tables, parents before children (the order of insertion).
    """

    alembic_revision: str
    created_at: dt.datetime
    source_dialect: str
    key_fingerprint: str
    tables: tuple[TableEntry, ...]

    @property
    def total_rows(self) -> int:
        """Rows in all tables together."""
        return sum(t.rows for t in self.tables)

    def to_json(self) -> str:
        """The manifest as JSON text."""
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "alembic_revision": self.alembic_revision,
                "created_at": self.created_at.isoformat(),
                "source_dialect": self.source_dialect,
                "key_fingerprint": self.key_fingerprint,
                "tables": [
                    {
                        "name": t.name,
                        "columns": [list(c) for c in t.columns],
                        "rows": t.rows,
                        "sha256": t.sha256,
                    }
                    for t in self.tables
                ],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read a manifest, checking its form.

        Parameters
        ----------
        text:
            The content of ``manifest.json``.

        Returns
        -------
        Manifest
            The manifest.

        Raises
        ------
        ValidationError
            When it is not a Tumor Board backup manifest of a known format version.
        """
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError("format")
            if data.get("format_version") != FORMAT_VERSION:
                raise ValidationError(
                    f"The backup has format version {data.get('format_version')}; this "
                    f"version of Tumor Board reads version {FORMAT_VERSION}."
                )
            tables = tuple(
                TableEntry(
                    name=str(t["name"]),
                    columns=tuple((str(n), str(k)) for n, k in t["columns"]),
                    rows=int(t["rows"]),
                    sha256=str(t["sha256"]),
                )
                for t in data["tables"]
            )
            if any(kind not in KINDS for t in tables for _, kind in t.columns):
                raise ValueError("kind")
            return cls(
                alembic_revision=str(data["alembic_revision"]),
                created_at=dt.datetime.fromisoformat(data["created_at"]),
                source_dialect=str(data["source_dialect"]),
                key_fingerprint=str(data.get("key_fingerprint", "")),
                tables=tables,
            )
        except ValidationError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValidationError(
                "The file is not a Tumor Board backup (its manifest is missing or malformed)."
            ) from exc


def key_fingerprint(secret_key: str) -> str:
    """A short keyed digest that tells two secret keys apart without revealing either.

    Parameters
    ----------
    secret_key:
        The installation's ``TUMORBOARD_SECRET_KEY``.

    Returns
    -------
    str
        16 hexadecimal characters.
    """
    digest = hmac.new(secret_key.encode(), b"tumorboard backup key check", hashlib.sha256)
    return digest.hexdigest()[:16]


def column_kind(column: Column[Any]) -> str:
    """How a column's values are written in a backup (one of :data:`KINDS`).

    Parameters
    ----------
    column:
        A reflected column.

    Returns
    -------
    str
        The kind.
    """
    if isinstance(column.type, JSON):
        return "json"
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return "str"
    for kind, types in (
        ("bool", (bool,)),
        ("int", (int,)),
        ("float", (float,)),
        ("decimal", (Decimal,)),
        ("datetime", (dt.datetime,)),
        ("date", (dt.date,)),
        ("time", (dt.time,)),
        ("bytes", (bytes, bytearray, memoryview)),
    ):
        if issubclass(python_type, types):
            return kind
    return "str"


def encode(kind: str, value: Any) -> Any:
    """A database value as JSON (see the module documentation).

    Parameters
    ----------
    kind:
        The column's kind.
    value:
        The value as the driver returned it (JSON columns: their JSON text).

    Returns
    -------
    Any
        A JSON-serialisable value; ``None`` for SQL NULL.
    """
    if value is None:
        return None
    if kind == "datetime":
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat()
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "decimal":
        return str(value)
    if kind == "json" and not isinstance(value, str):
        return json.dumps(value)  # a driver that already parsed it
    return value


def decode(kind: str, value: Any, *, timezone_aware: bool) -> Any:
    """A backup value as the value to insert.

    Parameters
    ----------
    kind:
        The column's kind.
    value:
        The JSON value from the table file.
    timezone_aware:
        For times: whether the target column keeps a time zone (else naive UTC).

    Returns
    -------
    Any
        The value to bind (JSON columns: their JSON text, inserted as is).
    """
    if value is None:
        return None
    if kind == "datetime":
        moment = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
        return moment if timezone_aware else moment.replace(tzinfo=None)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "decimal":
        return Decimal(value)
    return value
