"""The worklist grid's columns: the defaults fit a 1440-pixel screen, the rest on demand."""

from __future__ import annotations

import datetime as dt

from board.cases.enums import CaseStatus, Urgency
from board.ui.worklist_grid import DEFAULT, OPTIONAL, _cells
from board.worklist.views import (
    GRID_BUDGET_PX,
    GRID_COLUMNS,
    WorklistRow,
    default_grid_width,
    grid_columns,
)


def test_default_columns_fit_the_budget() -> None:
    assert default_grid_width() <= GRID_BUDGET_PX
    # and adding any on-demand column would not: the defaults use the room they have
    smallest = min(c.width for c in GRID_COLUMNS if not c.default)
    assert default_grid_width() + smallest > GRID_BUDGET_PX - 20


def test_columns_keep_the_grid_order_and_the_fixed_ones() -> None:
    headings = [c.heading for c in grid_columns(["Follow-up", "Levels", "Nonsense"])]
    assert headings == ["Case", "Levels", "Follow-up", "Open"]
    assert [c.heading for c in grid_columns(None)] == [
        "Case", "Urgency", "Status", "Readiness", "Next meeting", "Open",
    ]  # fmt: skip
    assert [c.heading for c in grid_columns([])] == ["Case", "Open"]
    assert "Case" not in OPTIONAL and "Open" not in OPTIONAL
    assert set(DEFAULT) < set(OPTIONAL)


def test_every_column_has_its_cell() -> None:
    row = WorklistRow(
        id=7,
        pseudonym="TB-7",
        hospital_number=None,
        primary_site_label="Breast",
        histology="Lobular",
        levels=("T7", "T8"),
        status=CaseStatus.PREPARING,
        urgency=Urgency.ROUTINE,
        urgency_reasons=(),
        missing=("Histology",),
        missing_roles=(),
        next_meeting=None,
        open_action_items=1,
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    cells = _cells(row)
    assert set(cells) == {c.heading for c in GRID_COLUMNS}
    assert cells["Primary cancer"] == "Breast (Lobular)"
    assert cells["Readiness"] == "Missing: Histology"
    assert cells["Open"] == "case?case=7"
