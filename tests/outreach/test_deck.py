"""The meeting deck, opened with python-pptx and checked against the case read model."""

from __future__ import annotations

import io
import zipfile

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from sqlalchemy import select

from board.auth.permissions import PERMISSIONS, Action
from board.cases.read_model import load_case_read_model
from board.db.engine import Database
from board.db.models import AgendaItem, Case, Meeting
from board.errors import NotFoundError, PermissionDeniedError
from board.outreach.deck import export_deck
from board.reports.model import REPORT_SCORES
from tests.meetings.helpers import events
from tests.reports.helpers import actors, case_id_of, enrich

TRAP = '=HYPERLINK("http://evil.example") { DATE } <a:fld type="datetime"/> ≥ 5'


def _slide_text(slide: object) -> str:
    return "\n".join(
        shape.text_frame.text  # type: ignore[attr-defined]
        for shape in slide.shapes  # type: ignore[attr-defined]
        if shape.has_text_frame
    )


@pytest.fixture
def meeting(demo_database: Database) -> tuple[Database, int, list[int]]:
    """The demo meeting with the most agenda cases; its first case has a key image and a
    referral question that looks like a formula and a field."""
    db = demo_database
    with db.write() as session:
        counts = {
            m.id: len(m.agenda) for m in session.scalars(select(Meeting).order_by(Meeting.id))
        }
        meeting_id = max(counts, key=lambda m: (counts[m], -m))
        case_ids = list(
            session.scalars(
                select(AgendaItem.case_id)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        )
        first = session.get(Case, case_ids[0])
        assert first is not None
        first.referral_question = TRAP
    enrich(db, case_ids[0])
    return db, meeting_id, case_ids


def test_the_deck_has_a_title_slide_and_one_slide_per_agenda_case(
    meeting: tuple[Database, int, list[int]],
) -> None:
    db, meeting_id, case_ids = meeting
    assert len(case_ids) >= 2
    coordinator = next(a for r, a in actors(db).items() if r.value == "coordinator")
    file = export_deck(db, coordinator, meeting_id)
    deck = Presentation(io.BytesIO(file.data))
    slides = list(deck.slides)
    assert len(slides) == len(case_ids) + 1 == file.slides
    with db.read() as session:
        title = session.get(Meeting, meeting_id)
        assert title is not None
        meeting_title, location = title.title, title.location
        cases = [load_case_read_model(session, case_id) for case_id in case_ids]
    cover = _slide_text(slides[0])
    assert meeting_title in cover
    assert f"{len(case_ids)} cases on the agenda" in cover
    if location:
        assert f"Place: {location}" in cover
    for position, (slide, case) in enumerate(zip(slides[1:], cases, strict=True), start=1):
        text = _slide_text(slide)
        assert f"{position}. {case.pseudonym}" in text
        for level in case.levels:
            assert level in text
        assert f"Referral question: {case.referral_question}" in text
        assert f"Pain: {case.pain}" in text
        for reason in case.urgency_reasons:
            assert reason in text
        for key in REPORT_SCORES:
            score = case.scores.get(key)
            line = f"{score.short_name}: {score.value}"
            assert line in text
            if score.category:
                assert f"{line} ({score.category})" in text
        assert case.noms_summary in text
        for role_input in case.role_inputs:
            assert f"{role_input.role.label}: " in text
            if role_input.submitted:
                assert role_input.summary[:80] in text
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == min(2, len([i for i in case.images if i.png]))
    # The first case's key image is on its slide, and its formula-like text is literal.
    assert cases[0].images
    first = _slide_text(slides[1])
    assert f"Referral question: {TRAP}" in first
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        xml = "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("ppt/slides/slide")
        )
    assert "<a:fld" not in xml and "&lt;a:fld" in xml and "hlinkClick" not in xml
    exported = events(db, "deck.export")
    assert len(exported) == 1 and exported[0].entity_id == str(meeting_id)
    assert exported[0].after["slides"] == len(case_ids) + 1


def test_the_deck_is_permission_checked(
    meeting: tuple[Database, int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, meeting_id, _ = meeting
    coordinator = next(a for r, a in actors(db).items() if r.value == "coordinator")
    with pytest.raises(NotFoundError):
        export_deck(db, coordinator, 999_999)
    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset())
    with pytest.raises(PermissionDeniedError):
        export_deck(db, coordinator, meeting_id)
    assert events(db, "deck.export") == []
    assert case_id_of(db)  # the demo board is there
