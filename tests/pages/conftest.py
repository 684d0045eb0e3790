"""Fixtures for page tests with Streamlit's AppTest, each on a fresh SQLite database.

Migrating and loading the demo board take seconds, so each is done once per test
process into a template file (the same ones the other tests copy, tests/conftest.py),
and every test gets its own copy of the template.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from board.db.engine import Database


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


@pytest.fixture(scope="session")
def _empty_template(_sqlite_template: Path) -> Path:
    """The migrated database file every test process makes once (tests/conftest.py)."""
    return _sqlite_template


@pytest.fixture(scope="session")
def _demo_template(_sqlite_demo_template: Path) -> Path:
    """The demo database file every test process makes once (tests/conftest.py)."""
    return _sqlite_demo_template


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
