"""Fixtures for page tests with Streamlit's AppTest, each on a fresh SQLite database.

Migrating and loading the demo board take seconds, so each is done once per test
session into a template file, and every test gets its own copy of the template.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from board.db.engine import Database
from board.db.migrate import upgrade_to_head
from board.demo import load_demo


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


SECRET_KEY = "k" * 40


def _environment(monkeypatch: pytest.MonkeyPatch, path: Path) -> str:
    url = f"sqlite:///{path}"
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", url)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(path.parent))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("TUMORBOARD_PAGE_SIZE", raising=False)
    return url


def _template(folder: Path, demo: bool) -> Path:
    """A migrated database file (with the demo board when ``demo``), closed."""
    path = folder / "template.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        db = Database.from_url(_environment(monkeypatch, path))
        try:
            upgrade_to_head(db.engine)
            if demo:
                load_demo(db)
            with db.engine.connect() as conn:  # fold the WAL into the file before copying
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
    return path


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory.mktemp("page-template"), demo=False)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory.mktemp("demo-template"), demo=True)


def _copy(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    path = tmp_path / "pages.db"
    shutil.copyfile(template, path)
    db = Database.from_url(_environment(monkeypatch, path))
    yield db
    db.dispose()


@pytest.fixture
def page_db(
    _empty_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """A fresh, migrated SQLite database that the app under test will open."""
    yield from _copy(_empty_template, tmp_path, monkeypatch)


@pytest.fixture
def demo_db(
    _demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """A fresh page database with the demo board loaded."""
    yield from _copy(_demo_template, tmp_path, monkeypatch)
