"""The worklist grid: the columns a person chose (kept for the session), sized to fit.

The column catalogue and widths are :data:`board.worklist.views.GRID_COLUMNS`; the
defaults fit a 1440-pixel screen, the others are added with the "Columns" picker.

The grid (a canvas) cannot open a case by keyboard: its Open link and row selection do
nothing with Enter or Space. :func:`case_picker` beside it is a labelled select box of
the page's cases and an "Open case" button, both reached with Tab.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from board.ui.widgets import fmt_datetime
from board.worklist.views import GRID_COLUMNS, GridColumn, WorklistRow, grid_columns

#: The keyboard case picker's label (its select box) and button.
PICKER_LABEL = "Open a case (keyboard)"
OPEN_LABEL = "Open case"

PICKER_KEY = "wl_columns"
#: The choice, kept apart from the widget so it survives a visit to another page
#: (Streamlit forgets a widget's state when a run does not draw it).
SAVED_KEY = "wl_columns_saved"
OPTIONAL = tuple(c.heading for c in GRID_COLUMNS if not c.fixed)
DEFAULT = tuple(c.heading for c in GRID_COLUMNS if c.default and not c.fixed)


def _save_choice() -> None:
    st.session_state[SAVED_KEY] = list(st.session_state.get(PICKER_KEY) or [])


def choose_columns() -> tuple[GridColumn, ...]:
    """The "Columns" picker; returns the columns to show, in display order.

    Returns
    -------
    tuple[GridColumn, ...]
        The fixed columns and the chosen ones (the defaults until the person picks).
    """
    if PICKER_KEY not in st.session_state:
        saved = st.session_state.get(SAVED_KEY)
        st.session_state[PICKER_KEY] = [
            h for h in (saved if isinstance(saved, list) else DEFAULT) if h in OPTIONAL
        ]
    # An expander, not a popover: picking an option (a list drawn outside the popover)
    # would close a popover after every column.
    with st.expander("Columns", icon=":material/view_column:"):
        chosen = st.multiselect(
            "Columns shown (Case and Open always are)",
            OPTIONAL,
            key=PICKER_KEY,
            on_change=_save_choice,
        )
    return grid_columns(chosen)


def _cells(row: WorklistRow) -> dict[str, Any]:
    return {
        "Case": row.pseudonym,
        "Urgency": row.urgency.label,
        "Primary cancer": row.primary_site_label + (f" ({row.histology})" if row.histology else ""),
        "Levels": ", ".join(row.levels),
        "Status": row.status.label,
        "Readiness": "Ready" if row.ready else "Missing: " + "; ".join(row.missing),
        "Next meeting": fmt_datetime(row.next_meeting.starts_at) if row.next_meeting else "",
        "Open actions": row.open_action_items,
        "Follow-up": row.follow_up_text,
        "Open": f"case?case={row.id}",
    }


def worklist_grid(rows: Sequence[WorklistRow], columns: Sequence[GridColumn]) -> list[int]:
    """Draw the worklist rows in the chosen columns; returns the selected row indexes.

    Parameters
    ----------
    rows:
        The rows of the current page.
    columns:
        The columns to show (:func:`choose_columns`).

    Returns
    -------
    list[int]
        The index of the row the person clicked, if any.
    """
    headings = [c.heading for c in columns]
    table = [{h: cells[h] for h in headings} for cells in map(_cells, rows)]
    config: dict[str, Any] = {
        c.heading: st.column_config.Column(width=c.width) for c in columns if c.heading != "Open"
    }
    config["Open"] = st.column_config.LinkColumn("Open", display_text="Open", width=60)
    selection = st.dataframe(
        table,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="wl_table",
        column_config=config,
    )
    return list(selection.selection.rows) if selection else []


def case_label(row: WorklistRow) -> str:
    """How the keyboard case picker names a case: pseudonym, urgency, status, readiness.

    Parameters
    ----------
    row:
        A worklist row.

    Returns
    -------
    str
        Plain text (select box options are shown literally).
    """
    readiness = "ready" if row.ready else "input missing"
    return f"{row.pseudonym} ({row.urgency.label}, {row.status.label}, {readiness})"


def case_picker(rows: Sequence[WorklistRow]) -> int | None:
    """A select box of the page's cases and an "Open case" button: the keyboard way in.

    Parameters
    ----------
    rows:
        The rows of the current worklist page, in the grid's order.

    Returns
    -------
    int | None
        The id of the case to open once the button was pressed with a case chosen.
    """
    by_id = {row.id: row for row in rows}
    pick, go = st.columns([4, 1], vertical_alignment="bottom")
    chosen = pick.selectbox(
        PICKER_LABEL,
        list(by_id),
        index=None,
        format_func=lambda case_id: case_label(by_id[case_id]),
        placeholder="Choose a case on this page",
        key="wl_pick",
        help="Tab to this box, type part of the pseudonym, press Enter, then Tab to "
        "Open case and press Enter.",
    )
    pressed = go.button(OPEN_LABEL, key="wl_open", icon=":material/folder_open:")
    if not pressed:
        return None
    if chosen is None:
        pick.error(f"Choose a case in '{PICKER_LABEL}' first.")
        return None
    return int(chosen)
