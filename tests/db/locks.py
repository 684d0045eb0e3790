"""How long write transactions hold SQLite's write lock (for tests and benchmarks)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from board.db.engine import Database

_SINCE = "tumorboard_write_lock_since"


@dataclass
class WriteLocks:
    """What :func:`write_lock_holds` saw.

    Parameters
    ----------
    holds:
        Seconds each ended write transaction held the lock, in the order they ended.
    open:
        Write transactions holding the lock right now.
    """

    holds: list[float] = field(default_factory=list)
    open: int = 0


@contextmanager
def write_lock_holds(db: Database) -> Iterator[WriteLocks]:
    """Watch how long each write transaction holds SQLite's write lock.

    From the moment ``BEGIN IMMEDIATE`` has taken the lock to the moment the connection
    is handed back to the pool, i.e. after its ``COMMIT`` or ``ROLLBACK`` (SQLite only:
    PostgreSQL has no such lock and records nothing).

    Parameters
    ----------
    db:
        The database to watch.

    Yields
    ------
    WriteLocks
        Filled in as write transactions begin and end.
    """
    locks = WriteLocks()

    def began(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.strip().upper() == "BEGIN IMMEDIATE":
            conn.info[_SINCE] = time.perf_counter()
            locks.open += 1

    def released(dbapi_connection: Any, record: Any) -> None:
        since = record.info.pop(_SINCE, None) if record is not None else None
        if since is not None:
            locks.holds.append(time.perf_counter() - since)
            locks.open -= 1

    event.listen(db.engine, "after_cursor_execute", began)
    event.listen(db.engine, "checkin", released)
    try:
        yield locks
    finally:
        event.remove(db.engine, "after_cursor_execute", began)
        event.remove(db.engine, "checkin", released)
