"""The case page's Summary tab: its content in few elements, and its static tables."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from board.db.engine import Database
from tests.pages.helpers import case_id_of, open_case, open_expander, plain, signed_in


def test_summary_shows_referral_and_next_meeting_in_few_elements(demo_db: Database) -> None:
    at = open_case(signed_in(demo_db, "demo.oncologist"), case_id_of(demo_db, "TB-DEMO01"))
    # Every heading costs the browser a markdown render when the case is opened: the
    # referral question is a table row, the next meeting follows the readiness list.
    assert [s.value for s in at.subheader] == [
        "Patient and referral",
        "Presenting symptoms",
        "Readiness",
        "Notes",
    ]
    patient = at.table[0].value
    question = patient[patient["Field"] == "Referral question"]["Value"].iloc[0]
    assert plain(question) == "Painful T8 metastasis, no neurological deficit: radiotherapy alone?"
    readiness = next(t.value for t in at.text if "Next meeting:" in t.value)
    assert readiness.startswith("[x] MRI of the spine")
    assert "\nNext meeting: Spine tumor board, " in readiness
    assert readiness.endswith("\nOpen action items: 0")


def test_the_note_form_is_built_only_once_opened(demo_db: Database) -> None:
    case_id = case_id_of(demo_db, "TB-DEMO03")
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id)
    # A form with a text area on every case opened cost the browser ~100 ms a deep link.
    assert not at.text_area and not at.get("form")
    assert "Add a note" in [e.label for e in at.expander]

    open_expander(at, "add_note_open")
    at.text_area(key="note_body").input("Seen in clinic; pain controlled.")
    at.button(key="FormSubmitter:add_note-Add note").click().run()
    assert not at.exception
    assert "Note added." in [plain(s.value) for s in at.success]
    assert "Seen in clinic; pain controlled." in [t.value for t in at.text]
    # Still open for the next note, and emptied.
    assert at.text_area(key="note_body").value == ""


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
