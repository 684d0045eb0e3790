"""Engine creation and the one-session-per-action unit of work.

SQLite (the embedded default) is set up for concurrent use: WAL journal, foreign keys
on, a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so a
read-then-write never fails half-way under a second writer (SQLAlchemy's documented
pysqlite recipe: the driver's own transaction handling is switched off and the
``begin`` event emits the BEGIN). PostgreSQL runs through psycopg 3.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from board.errors import DatabaseUnavailableError

SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN_OPTION = "tumorboard_sqlite_begin"
#: Mode of a new SQLite database file: readable and writable by its owner only. SQLite
#: gives the -wal and -shm files it makes beside it the same mode.
PRIVATE_FILE_MODE = 0o600


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and private to its owner (mode 0600) unless it exists.

    The file is created with that mode at once (never world-readable for a moment,
    whatever the process's umask).

    Parameters
    ----------
    path:
        The file to create; its folder must exist.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    try:
        # The umask may have taken bits away, never added any; make the mode exact.
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL, or ``None`` for an in-memory or URI-style database.

    Parameters
    ----------
    url:
        A SQLAlchemy database URL.

    Returns
    -------
    Path | None
        The database file (it may not exist yet); ``None`` when ``url`` names no file.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database could not serve the request.

    A refused or lost connection, a server that went away, a lock not had in time, a
    pool with no free connection: the database driver's ``OperationalError`` (SQLAlchemy
    wraps it), a connection SQLAlchemy found invalidated, or a pool timeout. A bug in a
    statement (``ProgrammingError``) or a broken rule (``IntegrityError``) is not.

    Parameters
    ----------
    error:
        Any exception.

    Returns
    -------
    bool
        ``True`` for the failures above.
    """
    if isinstance(error, DatabaseUnavailableError | sa_exc.OperationalError | sa_exc.TimeoutError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


@contextmanager
def unavailable_as_user_error() -> Iterator[None]:
    """Turn a database failure in flight into :class:`DatabaseUnavailableError`.

    Raises
    ------
    DatabaseUnavailableError
        For any error :func:`database_unavailable` recognises (chained to it).
    """
    try:
        yield
    except DatabaseUnavailableError:
        raise
    except Exception as error:
        if database_unavailable(error):
            raise DatabaseUnavailableError() from error
        raise


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the settings this app relies on.

    Parameters
    ----------
    url:
        SQLAlchemy database URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
    **kwargs:
        Passed on to :func:`sqlalchemy.create_engine`.

    Returns
    -------
    Engine
        A configured engine.
    """
    parsed = make_url(url)
    # SQL parameters (patient data) never appear in error messages or logs.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None and path.parent.is_dir():
            # A new database is private to its owner, like the secret key file.
            create_private_file(path)
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, open transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The database of one installation: an engine plus session factories.

    Service functions open exactly one session per user action through
    :meth:`write` (one transaction, committed once, ``BEGIN IMMEDIATE`` on SQLite) or
    :meth:`read`.

    Parameters
    ----------
    engine:
        An engine made by :func:`create_db_engine`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        write_bind = (
            engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
            if self.dialect == "sqlite"
            else engine
        )
        self._write_sessions = sessionmaker(bind=write_bind, expire_on_commit=False)
        self._read_sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """Create a database for ``url`` (see :func:`create_db_engine`)."""
        return cls(create_db_engine(url, **kwargs))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error.

        Yields
        ------
        Session
            A session whose transaction holds the write lock on SQLite.

        Raises
        ------
        DatabaseUnavailableError
            When the database cannot be reached or fails in flight (rolled back).
        """
        with unavailable_as_user_error(), self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end).

        Yields
        ------
        Session
            A session for queries.

        Raises
        ------
        DatabaseUnavailableError
            When the database cannot be reached or fails in flight.
        """
        with unavailable_as_user_error(), self._read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def on_write(self, event_name: str, listener: Callable[..., Any]) -> None:
        """Listen to a session event of every write transaction of this database.

        Parameters
        ----------
        event_name:
            A SQLAlchemy session event, e.g. ``"after_flush"`` or ``"after_commit"``.
        listener:
            Called as SQLAlchemy calls that event's listeners.
        """
        event.listen(self._write_sessions, event_name, listener)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
