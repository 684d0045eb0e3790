"""Apply the Alembic migrations (run at start-up and by ``python -m board init-db``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed).

    Parameters
    ----------
    engine:
        The engine to migrate; when omitted, env.py reads the settings.

    Returns
    -------
    Config
        The configuration.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database schema up to the newest migration.

    Parameters
    ----------
    engine:
        The engine to migrate.
    """
    command.upgrade(alembic_config(engine), "head")


def head_revision() -> str:
    """The newest migration's revision id (what a current schema is at).

    Returns
    -------
    str
        The head revision of ``board/db/migrations``.
    """
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the project always has migrations
        raise RuntimeError("no migrations found")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database's schema is at (``None`` for an empty database).

    Parameters
    ----------
    connection:
        An open connection to the database.

    Returns
    -------
    str | None
        The revision recorded in ``alembic_version``.
    """
    return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    """Every revision id of this code's migrations.

    Returns
    -------
    set[str]
        The ids (a database at one of them, but not the head, is behind).
    """
    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
