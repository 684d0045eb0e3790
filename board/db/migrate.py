"""Apply the Alembic migrations (run at start-up and by ``python -m board init-db``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

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
