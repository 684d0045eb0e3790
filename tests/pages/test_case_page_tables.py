"""The case page's static tables (``board.ui.widgets.text_table``)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _script() -> None:
    from board.ui.widgets import rows_table, text_table

    text_table({"Field": ["Pseudonym", "Age"], "Value": ["TB\\-1", "58"]})
    rows_table([{"Input": "Pain", "Points": "3"}, {"Input": "Level", "Points": ""}])
    rows_table([])


def test_text_tables_show_the_cells_without_an_index() -> None:
    at = AppTest.from_function(_script).run()
    assert not at.exception
    assert len(at.table) == 2
    first, second = (table.value for table in at.table)
    assert list(first.columns) == ["Field", "Value"]
    assert first.to_dict("list") == {"Field": ["Pseudonym", "Age"], "Value": ["TB\\-1", "58"]}
    assert second.to_dict("list") == {"Input": ["Pain", "Level"], "Points": ["3", ""]}
    assert all(table.proto.hide_index for table in at.table)


def test_columns_of_different_lengths_are_refused() -> None:
    from board.ui.widgets import text_table

    with pytest.raises(ValueError, match="differ in length"):
        text_table({"Field": ["a", "b"], "Value": ["1"]})
