"""CSV export of the worklist."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import pytest

from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action
from board.auth.roles import Role
from board.cases.enums import Urgency
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.errors import PermissionDeniedError
from board.worklist import csv_export
from board.worklist.csv_export import WORKLIST_COLUMNS, export_worklist_csv, neutralise
from board.worklist.views import WorklistFilter
from tests.meetings.helpers import events


def test_every_page_is_exported_with_formulas_neutralised(
    db: Database,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csv_export, "PAGE", 2)  # five cases over three pages
    coordinator = make_user(Role.COORDINATOR)
    create_case(
        db,
        coordinator,
        new_case(
            referral_question="x",
            histology='=HYPERLINK("http://evil")',
            weakness=True,
            pain_new_or_worse=True,
        ),
    )
    for _ in range(4):
        create_case(db, coordinator, new_case())
    out = export_worklist_csv(db, coordinator)
    frame = pd.read_csv(io.BytesIO(out.data), dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == WORKLIST_COLUMNS
    assert out.rows == len(frame) == 5
    assert frame["histology"].str.startswith("=").sum() == 0
    assert (frame["histology"] == '\'=HYPERLINK("http://evil")').sum() == 1
    assert frame.iloc[0]["urgency"] == "Immediate (MRI within 24 h)"  # urgent first, as on screen
    urgent = export_worklist_csv(db, coordinator, WorklistFilter(urgency=Urgency.URGENT))
    assert urgent.rows == 1
    exported = events(db, "worklist.export")
    assert len(exported) == 2 and exported[0].after is not None
    assert exported[0].after["rows"] == 5


def test_export_needs_permission(
    db: Database, make_user: Callable[..., Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset())
    with pytest.raises(PermissionDeniedError):
        export_worklist_csv(db, coordinator)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@x", "'@x"), ("ok", "ok"), (3, 3)],
)
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected
