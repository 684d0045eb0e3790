"""Small shared widgets and formatters for the pages (plain text only, never HTML)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import streamlit as st

from board.localtime import fmt_local

TRI_STATE: tuple[bool | None, ...] = (None, True, False)


def text_table(columns: Mapping[str, Sequence[str]]) -> None:
    """A static table of text columns (``st.table``), handed over as an Arrow table.

    Given a dictionary or a list of rows, ``st.table`` builds a pandas frame twice (once
    to decide whether to show the index, once to serialize it): 1-2.5 ms per table on
    the server, in every run of the page. An Arrow table of strings is serialized
    directly (under 0.1 ms) and shows the same: no index column, the same headers.

    Parameters
    ----------
    columns:
        Column heading to the column's cells, top to bottom (the same number in each).
        The cells render as markdown: escape person-supplied text
        (:func:`board.ui.text.md_escape`).

    Raises
    ------
    ValueError
        If the columns differ in length.
    """
    lengths = {len(cells) for cells in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"Table columns differ in length: {sorted(lengths)}.")
    table = pa.table(
        {name: pa.array(list(cells), type=pa.string()) for name, cells in columns.items()}
    )
    st.table(table, hide_index=True)


def rows_table(rows: Sequence[Mapping[str, str]]) -> None:
    """:func:`text_table` from rows (dictionaries with the same keys, in column order).

    Parameters
    ----------
    rows:
        One mapping per row; nothing is drawn when there are none.
    """
    if not rows:
        return
    text_table({key: [row[key] for row in rows] for key in rows[0]})


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
