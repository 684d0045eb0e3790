"""Fixtures for page tests with Streamlit's AppTest, each on a fresh SQLite database."""

from __future__ import annotations

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


@pytest.fixture
def page_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A fresh, migrated SQLite database that the app under test will open."""
    url = f"sqlite:///{tmp_path / 'pages.db'}"
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", url)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("TUMORBOARD_PAGE_SIZE", raising=False)
    db = Database.from_url(url)
    upgrade_to_head(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def demo_db(page_db: Database) -> Database:
    """The page database with the demo board loaded."""
    load_demo(page_db)
    return page_db
