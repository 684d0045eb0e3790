"""Per-run access to settings, the database and the signed-in user.

The engine is the only thing cached process-wide (``st.cache_resource`` keyed by the
database URL); sessions are opened per action by the services, never cached.
"""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.db.engine import Database
from board.db.migrate import upgrade_to_head
from board.errors import ConfigurationError
from board.settings import Settings, load_settings

ACTOR_KEY = "actor"


def settings() -> Settings:
    """The validated settings; a configuration error stops the page with its message."""
    try:
        return load_settings()
    except ConfigurationError as exc:
        st.error(f"The app is not configured correctly: {exc}")
        st.stop()
        raise  # pragma: no cover - st.stop raises


@st.cache_resource(show_spinner="Opening the database...")
def _database(url: str) -> Database:
    db = Database.from_url(url)
    upgrade_to_head(db.engine)
    return db


def database() -> Database:
    """The installation's database, migrated to the newest schema on first use."""
    return _database(settings().database_url)


def current_actor() -> Actor | None:
    """The signed-in user of this browser tab, if any."""
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def sign_in_as(actor: Actor) -> None:
    """Remember the signed-in user for this tab."""
    st.session_state[ACTOR_KEY] = actor


def sign_out() -> None:
    """Forget the signed-in user."""
    st.session_state.pop(ACTOR_KEY, None)


def require_actor() -> Actor:
    """The signed-in user; stops the page when nobody is signed in."""
    actor = current_actor()
    if actor is None:
        st.info("Please sign in first.")
        st.stop()
        raise AssertionError("unreachable")  # pragma: no cover
    return actor
