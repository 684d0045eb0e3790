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
