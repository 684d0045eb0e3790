"""Small shared widgets and formatters for the pages (plain text only, never HTML)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from board.localtime import fmt_local

TRI_STATE: tuple[bool | None, ...] = (None, True, False)


def tri_state_label(value: bool | None) -> str:
    """'Yes', 'No' or 'Unknown'."""
    return "Unknown" if value is None else ("Yes" if value else "No")


def tri_state(label: str, key: str, value: bool | None = None, help: str | None = None) -> Any:
    """A yes / no / unknown radio; returns True, False or None."""
    return st.radio(
        label,
        TRI_STATE,
        index=TRI_STATE.index(value),
        format_func=tri_state_label,
        horizontal=True,
        key=key,
        help=help,
    )


def fmt_datetime(value: dt.datetime | None) -> str:
    """A stored (UTC) timestamp in the hospital's zone: 'YYYY-MM-DD HH:MM CET'."""
    return fmt_local(value)


def fmt_date(value: dt.date | None) -> str:
    """A date as ISO text, or empty."""
    return "" if value is None else value.isoformat()


def lazy_expander(label: str, *, key: str, icon: str | None = None) -> Any | None:
    """An expander whose content is built only while it is open.

    A closed ``st.expander`` still sends all of its content to the browser, which
    draws it hidden: a form of a dozen inputs costs every run of the page and every
    deep link. This one reruns when it is opened or closed (``on_change="rerun"``;
    inside a tab's fragment only the tab reruns) and keeps its state under ``key``, so
    it stays open across the page's runs, also when a message appears above it.

    Parameters
    ----------
    label:
        The expander's label.
    key:
        Its session-state key (``True`` while open).
    icon:
        An optional icon.

    Returns
    -------
    ExpanderContainer or None
        The expander to fill while it is open; ``None`` while it is closed.
    """
    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    return box if box.open else None
