"""Accessibility of the pages (AppTest): the keyboard case picker of the worklist, key
images with a text alternative, charts with a text summary, and pages a role may not
use. The browser checks (axe-core, keyboard only) are in
tests/e2e/test_accessibility_browser.py."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from PIL import Image
from sqlalchemy import select

from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AgendaItem, ImagingSeries, ImagingStudy
from board.ui.navigation import pages_for, pages_not_for
from board.ui.worklist_grid import OPEN_LABEL, PICKER_LABEL
from tests.pages.helpers import open_case, plain, signed_in


def _run_ok(at: Any) -> Any:
    at.run()
    assert not at.exception, at.exception
    return at


def _picker(at: Any) -> Any:
    return next(s for s in at.selectbox if s.label == PICKER_LABEL)


def _open_button(at: Any) -> Any:
    return next(b for b in at.button if b.label == OPEN_LABEL)


def test_the_worklist_picker_opens_the_chosen_case(demo_db: Database) -> None:
    at = signed_in(demo_db)
    assert at.title[0].value == "Worklist"
    picker = _picker(at)
    assert picker.value is None  # nothing chosen until the person chooses
    # every case of the page, named with its urgency, status and readiness in words
    grid = at.dataframe[0].value
    assert len(picker.options) == len(grid)
    first = picker.options[0]
    assert first.startswith(str(grid.iloc[0]["Case"]) + " (")
    assert "ready" in first or "input missing" in first
    chosen = picker.options[1]
    pseudonym = chosen.split(" (")[0]
    picker.select(chosen)
    _run_ok(at)
    _open_button(at).click()
    _run_ok(at)
    assert plain(at.title[0].value) == f"Case {pseudonym}"


def test_open_case_without_a_choice_says_what_to_choose(demo_db: Database) -> None:
    at = signed_in(demo_db)
    _open_button(at).click()
    _run_ok(at)
    assert at.title[0].value == "Worklist"
    assert [e.value for e in at.error] == [f"Choose a case in '{PICKER_LABEL}' first."]


def test_every_page_is_for_a_role_or_explained_to_it() -> None:
    for role in Role:
        allowed = {p.url_path for p in pages_for(role)}
        refused = {p.url_path for p in pages_not_for(role)}
        assert not allowed & refused
        assert allowed | refused == {p.url_path for p in (*pages_for(role), *pages_not_for(role))}
    assert [p.url_path for p in pages_not_for(Role.COORDINATOR)] == ["admin"]
    assert "presenter" in [p.url_path for p in pages_not_for(Role.ADMIN)]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (8, 8), 128).save(out, format="PNG")
    return out.getvalue()


def _alts(at: Any) -> list[str]:
    return [img.alt for element in at.get("image") for img in element.proto.imgs]


def test_key_images_carry_their_text_alternative(demo_db: Database) -> None:
    with demo_db.write() as session:
        case_id = session.scalars(
            select(AgendaItem.case_id)
            .where(AgendaItem.meeting_id == 1)
            .order_by(AgendaItem.position)
        ).first()
        assert case_id is not None
        study = ImagingStudy(
            case_id=case_id,
            source="manual",
            modality="MR",
            study_date=dt.date(2026, 1, 2),
            description="MRI whole spine",
        )
        session.add(study)
        session.flush()
        session.add(
            ImagingSeries(
                study_id=study.id,
                series_uid="1.2.3.9",
                modality="MR",
                series_number=4,
                description="SAG STIR",
                body_region="lumbar",
                thumbnail_png=_png(),
            )
        )
    expected = "Key image: MRI, series 4 SAG STIR, 2026-01-02, Lumbar spine; case levels "

    at = open_case(signed_in(demo_db), case_id, "Imaging")
    assert any(alt.startswith(expected) for alt in _alts(at)), _alts(at)

    at = signed_in(demo_db)
    at.switch_page("pages/presenter.py")
    at.query_params["meeting"] = "1"
    at.query_params["item"] = "1"
    _run_ok(at)
    assert any(alt.startswith(expected) for alt in _alts(at)), _alts(at)


def test_every_analytics_chart_says_what_it_shows(demo_db: Database) -> None:
    at = signed_in(demo_db)
    at.switch_page("pages/analytics.py")
    _run_ok(at)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 4
    captions = [plain(c.value) for c in at.caption]
    descriptions = [json.loads(chart.proto.spec)["description"] for chart in charts]
    for description in descriptions:
        assert description in captions  # read out, and shown under the chart
    meetings, adherence, pain, survival = descriptions
    assert meetings.startswith("Bar chart of ") and "discussed in all" in meetings
    assert adherence.startswith("Bar chart of plan adherence: ")
    assert pain.startswith("Bar chart of pain response: ")
    assert survival.startswith("Kaplan-Meier curves ") and "All cases with a decision: " in survival
