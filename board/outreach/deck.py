"""The meeting deck: a PPTX (python-pptx) with a title slide and one slide per agenda case.

Each case slide shows, from the case read model (:mod:`board.cases.read_model`), the
presenting problem, red flags, levels, the scores with their categories, the NOMS
suggestion, up to two key images and each specialty's input. Text goes into text frames
as plain runs: no fields, no hyperlinks, nothing evaluated when the deck is opened.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image
from pptx import Presentation
from pptx.presentation import Presentation as Deck
from pptx.util import Emu, Inches, Pt
from sqlalchemy import select
from sqlalchemy.orm import Session

from board.accounts.users import display_names
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.read_model import CaseReadModel, load_case_read_model
from board.db.engine import Database
from board.db.models import AgendaItem, Meeting
from board.errors import NotFoundError
from board.localtime import fmt_local
from board.reports.model import REPORT_SCORES

#: Longest line put on a slide (longer ones end in "…": the case page has the rest).
MAX_LINE = 300
MAX_IMAGES = 2
WIDE = (Inches(13.333), Inches(7.5))


@dataclass(frozen=True, slots=True)
class DeckFile:
    """A rendered deck ready to download.

    Parameters
    ----------
    filename:
        A safe file name (meeting id and date).
    data:
        The PPTX bytes.
    slides:
        How many slides (title slide included).
    """

    filename: str
    data: bytes
    slides: int

    mime = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _plain(text: object) -> str:
    """One line of slide text: no control characters, clipped."""
    value = "".join(ch if ch == "\n" or ch.isprintable() else " " for ch in str(text))
    return value if len(value) <= MAX_LINE else value[: MAX_LINE - 1] + "…"


def case_lines(case: CaseReadModel) -> dict[str, list[str]]:
    """What a case slide says, by block, in order.

    Parameters
    ----------
    case:
        The case read model.

    Returns
    -------
    dict[str, list[str]]
        ``Presenting problem``, ``Red flags``, ``Scores``, ``NOMS suggestion`` and
        ``Specialty input``, each a list of lines.
    """
    presenting = [f"Referral question: {case.referral_question or '-'}", f"Pain: {case.pain}"]
    if case.symptoms:
        presenting.append("Symptoms: " + ", ".join(case.symptoms))
    presenting += [f"Performance status: {case.performance}", f"Neurology: {case.neurology}"]
    scores = []
    for key in REPORT_SCORES:
        score = case.scores.get(key)
        category = f" ({score.category})" if score.category else ""
        scores.append(f"{score.short_name}: {score.value}{category}")
    return {
        "Presenting problem": presenting,
        "Red flags": list(case.urgency_reasons) or ["None recorded."],
        "Scores": scores,
        "NOMS suggestion": [case.noms_summary],
        "Specialty input": [
            f"{r.role.label}: {r.summary if r.submitted else 'not submitted yet'}"
            for r in case.role_inputs
        ]
        or ["None recorded."],
    }


def _text_box(slide: object, left: int, top: int, width: int, height: int) -> object:
    box = slide.shapes.add_textbox(left, top, width, height)  # type: ignore[attr-defined]
    box.text_frame.word_wrap = True
    return box.text_frame


def _paragraph(frame: object, text: str, *, size: int, bold: bool = False, first: bool) -> None:
    paragraph = frame.paragraphs[0] if first else frame.add_paragraph()  # type: ignore[attr-defined]
    run = paragraph.add_run()
    run.text = _plain(text)
    run.font.size = Pt(size)
    run.font.bold = bold


def _image_size(png: bytes, max_width: int, max_height: int) -> tuple[int, int] | None:
    """The size of a key image fitted into a box, or ``None`` when it cannot be read."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            image.verify()
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
    except Exception:  # any decoder error: the image is left out, the slide stays
        return None
    scale = min(max_width / width, max_height / height)
    return int(width * scale), int(height * scale)


def _title_slide(deck: Deck, meeting: Meeting, chair: str | None, cases: int) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    frame = _text_box(slide, Inches(0.8), Inches(2.0), Inches(11.7), Inches(4.5))
    _paragraph(frame, meeting.title, size=40, bold=True, first=True)
    lines = [fmt_local(meeting.starts_at)]
    if meeting.location:
        lines.append(f"Place: {meeting.location}")
    if meeting.video_link:
        lines.append(f"Video link: {meeting.video_link}")
    if chair:
        lines.append(f"Chair: {chair}")
    lines.append(f"{cases} case{'' if cases == 1 else 's'} on the agenda")
    lines.append("Confidential: pseudonymised patients; for the treating teams only.")
    for line in lines:
        _paragraph(frame, line, size=20, first=False)


def _case_slide(deck: Deck, position: int, case: CaseReadModel) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    title = _text_box(slide, Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.8))
    levels = ", ".join(case.levels) or "levels not recorded"
    _paragraph(
        title,
        f"{position}. {case.pseudonym} · {levels} · {case.primary_site_label} · "
        f"{case.urgency.label}",
        size=24,
        bold=True,
        first=True,
    )
    blocks = case_lines(case)
    left = _text_box(slide, Inches(0.4), Inches(1.1), Inches(7.4), Inches(6.2))
    first = True
    for heading in ("Presenting problem", "Red flags", "Scores", "NOMS suggestion"):
        _paragraph(left, heading, size=14, bold=True, first=first)
        first = False
        for line in blocks[heading]:
            _paragraph(left, line, size=11, first=False)
    images = [i for i in case.images if i.png][:MAX_IMAGES]
    top = int(Inches(1.1))
    x = int(Inches(8.1))
    for image in images:
        size = _image_size(image.png, Inches(2.4), Inches(2.0))
        if size is None:
            continue
        slide.shapes.add_picture(
            io.BytesIO(image.png), x, top, width=Emu(size[0]), height=Emu(size[1])
        )
        caption = _text_box(slide, x + Inches(2.5), top, Inches(2.3), Inches(2.0))
        _paragraph(caption, image.caption or "Key image", size=10, first=True)
        top += int(Inches(2.1))
    right = _text_box(slide, x, top, Inches(4.9), Inches(7.3) - top)
    _paragraph(right, "Specialty input", size=14, bold=True, first=True)
    for line in blocks["Specialty input"]:
        _paragraph(right, line, size=11, first=False)


def build_deck(session: Session, meeting_id: int) -> DeckFile:
    """The deck of a meeting, inside an open session.

    Parameters
    ----------
    session:
        An open session.
    meeting_id:
        The meeting.

    Returns
    -------
    DeckFile
        The PPTX.

    Raises
    ------
    NotFoundError
        If there is no such meeting.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.")
    case_ids = list(
        session.scalars(
            select(AgendaItem.case_id)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    chair = display_names(session, [meeting.chair_id]).get(meeting.chair_id or 0)
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDE
    deck.core_properties.title = meeting.title
    deck.core_properties.author = "Tumor Board"
    _title_slide(deck, meeting, chair, len(case_ids))
    for position, case_id in enumerate(case_ids, start=1):
        _case_slide(deck, position, load_case_read_model(session, case_id))
    buffer = io.BytesIO()
    deck.save(buffer)
    day = meeting.starts_at.astimezone(dt.UTC).date().isoformat()
    return DeckFile(f"board-meeting-{meeting.id}-{day}.pptx", buffer.getvalue(), len(case_ids) + 1)


def export_deck(db: Database, actor: Actor, meeting_id: int, *, channel: str = "app") -> DeckFile:
    """A meeting's deck as a file (audited).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who downloads (needs the export permission).
    meeting_id:
        The meeting.
    channel:
        Where it was asked for (``app``, ``cli``), for the audit trail.

    Returns
    -------
    DeckFile
        The PPTX; one ``deck.export`` audit event is written.

    Raises
    ------
    PermissionDeniedError
        If the actor may not export.
    NotFoundError
        If there is no such meeting.
    """
    require(actor, Action.EXPORT)
    with db.read() as session:
        file = build_deck(session, meeting_id)
    with db.write() as session:
        record(
            session,
            actor,
            "deck.export",
            "meeting",
            meeting_id,
            after={"channel": channel, "slides": file.slides, "bytes": len(file.data)},
        )
    return file
