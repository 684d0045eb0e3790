"""The outcome letter to the referring clinician: its model and its DOCX and PDF files.

The letter is built from the board report (:class:`~board.reports.model.BoardReport`),
so it says what the report says: who the patient is (pseudonym and hospital number), when
the board met and who attended, the consensus plan with its components, any dissent, the
follow-up schedule and whom to contact, between an opening and a closing text an
administrator can edit (:class:`LetterTexts`, kept in ``app_settings``).

Every text is written literally: python-docx runs (no fields, no hyperlinks) and fpdf2
cells (never its markdown or HTML modes).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from docx import Document
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from board.db.models import AppSetting
from board.plans.catalogue import COMPONENT_LABELS
from board.plans.enums import PlanComponent
from board.reports.model import CONFIDENTIALITY, BoardReport, when
from board.reports.pdf import FONT, _install_fonts, _safe

#: ``app_settings`` key of the administrator's letter texts.
LETTER_TEXTS_KEY = "letter_texts"
MAX_LETTER_TEXT = 2_000

DEFAULT_OPENING = (
    "Dear colleague,\n"
    "Thank you for referring this patient to the spine tumor board. The board discussed "
    "the patient and reached the decision below."
)
DEFAULT_CLOSING = "With kind regards,\nThe spine tumor board"
FOLLOW_UP_LABEL = COMPONENT_LABELS[PlanComponent.FOLLOW_UP]
DRAFT_LINE = "DRAFT: this plan is not finalized; the decision may still change."
DEFAULT_CONTACT = "The tumor board coordinator, through the hospital switchboard."


@dataclass(frozen=True, slots=True)
class LetterTexts:
    """The parts of the letter an administrator words: opening, closing and contact.

    Parameters
    ----------
    opening:
        The salutation and first paragraph.
    closing:
        The closing lines and signature.
    contact:
        Whom the referring clinician contacts with questions.
    """

    opening: str = DEFAULT_OPENING
    closing: str = DEFAULT_CLOSING
    contact: str = DEFAULT_CONTACT

    def as_json(self) -> dict[str, str]:
        """The texts as stored (and audited)."""
        return {"opening": self.opening, "closing": self.closing, "contact": self.contact}


def letter_texts(session: Session) -> LetterTexts:
    """The letter texts in force (the defaults until an administrator changes them).

    Parameters
    ----------
    session:
        An open session.

    Returns
    -------
    LetterTexts
        The texts.
    """
    setting = session.get(AppSetting, LETTER_TEXTS_KEY)
    stored = setting.value if setting is not None and isinstance(setting.value, dict) else {}
    defaults = LetterTexts()
    return LetterTexts(
        opening=str(stored.get("opening") or defaults.opening),
        closing=str(stored.get("closing") or defaults.closing),
        contact=str(stored.get("contact") or defaults.contact),
    )


@dataclass(frozen=True, slots=True)
class OutcomeLetter:
    """The outcome letter as plain text parts, rendered as DOCX and PDF.

    Parameters
    ----------
    pseudonym, hospital_number:
        Who the letter is about (no name, no birth date).
    board:
        The meeting line ("Spine tumor board, 2026-12-03 16:00 CET") or ``None``.
    board_date:
        The date of the board (hospital time zone) or ``None``.
    plan_number:
        The plan version the letter reports, or ``None`` without a plan.
    draft:
        True unless the plan version is finalized (the letter then says DRAFT).
    referral_question:
        What the board was asked.
    attended:
        "Name (Role)" of each member recorded present.
    intent, summary:
        The plan's intent and summary.
    components:
        (component, what is planned) per plan component.
    dose_lines:
        Radiation courses with BED and EQD2.
    dissents:
        One line per recorded dissent.
    follow_ups:
        The plan's follow-up schedule ("Clinic visit every 6 weeks, 2 times"), then
        (when already scheduled) each dated follow-up.
    actions:
        One line per action item.
    texts:
        The administrator's opening, closing and contact text.
    generated_at:
        When the letter was made.
    """

    pseudonym: str
    hospital_number: str | None
    board: str | None
    board_date: dt.date | None
    plan_number: int | None
    draft: bool
    referral_question: str
    attended: tuple[str, ...]
    intent: str | None
    summary: str
    components: tuple[tuple[str, str], ...]
    dose_lines: tuple[str, ...]
    dissents: tuple[str, ...]
    follow_ups: tuple[str, ...]
    actions: tuple[str, ...]
    texts: LetterTexts
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        """The letter's heading."""
        return "Spine tumor board: outcome letter"

    def facts(self) -> tuple[tuple[str, str], ...]:
        """The header lines: patient, hospital number, board, date, plan version."""
        return (
            ("Patient (pseudonym)", self.pseudonym),
            ("Hospital number", self.hospital_number or "-"),
            ("Board", self.board or "not discussed at a meeting yet"),
            ("Date of the board", when(self.board_date)),
            (
                "Plan",
                (f"version {self.plan_number}" if self.plan_number else "no plan yet")
                + (" (DRAFT: not finalized)" if self.draft else ", finalized"),
            ),
        )

    def sections(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The body: (heading, lines) in order, shared by both renderers."""
        plan = [f"Intent: {self.intent or 'not recorded'}"]
        if self.summary:
            plan.append(self.summary)
        plan += [f"{component}: {text}" for component, text in self.components]
        plan += [f"Radiation dose: {line}" for line in self.dose_lines]
        if not self.components:
            plan.append("No plan components recorded.")
        return (
            ("Referral question", (self.referral_question or "-",)),
            ("Consensus plan", tuple(plan)),
            ("Dissent", self.dissents or ("No dissent was recorded.",)),
            (
                "Follow-up schedule",
                self.follow_ups or ("No follow-up scheduled.",),
            ),
            ("Action items", self.actions or ("None.",)),
            ("Who attended", self.attended or ("Attendance not recorded.",)),
            ("Whom to contact", (self.texts.contact,)),
        )


def build_letter(report: BoardReport, texts: LetterTexts) -> OutcomeLetter:
    """The outcome letter of a board report.

    Parameters
    ----------
    report:
        The case's board report (the plan version the letter reports).
    texts:
        The administrator's opening, closing and contact text.

    Returns
    -------
    OutcomeLetter
        The letter.
    """
    head = report.header
    return OutcomeLetter(
        pseudonym=head.pseudonym,
        hospital_number=head.hospital_number,
        board=head.meeting,
        board_date=head.meeting_date,
        plan_number=head.plan_number,
        draft=head.draft,
        referral_question=report.referral_question,
        attended=tuple(f"{a.name} ({a.role})" for a in report.attendance if a.present),
        intent=report.plan_intent,
        summary=report.plan_summary,
        components=tuple((c.component, c.text) for c in report.plan_components),
        dose_lines=report.dose_lines,
        dissents=tuple(
            f"{d.author} ({d.role})"
            + (f", on version {d.on_version}" if d.on_version is not None else "")
            + f": {d.text}"
            for d in report.dissents
        ),
        follow_ups=(
            *(c.text for c in report.plan_components if c.component == FOLLOW_UP_LABEL),
            *(f"{f.kind}: due {when(f.due_on)} ({f.status.lower()})" for f in report.follow_ups),
        ),
        actions=tuple(
            f"{a.description} (owner: {a.owner}; due {when(a.due_on)})"
            + ("; done" if a.done else "")
            for a in report.action_items
        ),
        texts=texts,
        generated_at=report.generated_at,
    )


def _plain(text: object) -> str:
    """Text a DOCX can hold: XML-forbidden control characters replaced, kept literal."""
    return _safe(text)


def render_letter_docx(letter: OutcomeLetter) -> bytes:
    """The letter as a Word document (python-docx).

    Parameters
    ----------
    letter:
        The letter.

    Returns
    -------
    bytes
        The DOCX file.
    """
    document = Document()
    document.core_properties.title = letter.title
    document.core_properties.author = "Tumor Board"
    # Reproducible files: the same letter gives the same document properties.
    document.core_properties.created = letter.generated_at.replace(microsecond=0)
    document.core_properties.modified = letter.generated_at.replace(microsecond=0)
    document.core_properties.last_modified_by = "Tumor Board"
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    if letter.draft:
        warning = document.add_paragraph()
        warning.add_run(DRAFT_LINE).bold = True
    document.add_heading(letter.title, level=1)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in letter.facts():
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = _plain(value)
    document.add_paragraph()
    for paragraph in letter.texts.opening.split("\n"):
        document.add_paragraph(_plain(paragraph))
    for heading, lines in letter.sections():
        document.add_heading(heading, level=2)
        for line in lines:
            document.add_paragraph(_plain(line))
    document.add_paragraph()
    for paragraph in letter.texts.closing.split("\n"):
        document.add_paragraph(_plain(paragraph))
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = f"{CONFIDENTIALITY} Generated at {when(letter.generated_at)}."
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class _LetterPDF(FPDF):
    """A letter page: DRAFT mark when not finalized, confidentiality footer."""

    def __init__(self, letter: OutcomeLetter) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.letter = letter
        _install_fonts(self)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_margins(20, 18, 20)
        self.alias_nb_pages()
        self.set_title(letter.title)
        self.set_creator("Tumor Board")
        self.set_creation_date(letter.generated_at)

    def header(self) -> None:
        """The DRAFT watermark on a letter of an unfinalized plan."""
        if self.letter.draft:
            with self.local_context(text_color=(225, 225, 225)):
                self.set_font(FONT, "B", 90)
                with self.rotation(45, x=self.w / 2, y=self.h / 2):
                    self.text(self.w / 2 - 55, self.h / 2 + 10, "DRAFT")
        self.set_y(18)

    def footer(self) -> None:
        """Confidentiality line, "generated at" and "page X of Y"."""
        self.set_y(-18)
        self.set_font(FONT, "", 7)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 3.2, CONFIDENTIALITY, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(
            0,
            4,
            f"Generated at {when(self.letter.generated_at)} · Page {self.page_no()} of {{nb}}",
            align="C",
        )
        self.set_text_color(0, 0, 0)


def render_letter_pdf(letter: OutcomeLetter) -> bytes:
    """The letter as PDF (fpdf2 with the report's DejaVu fonts).

    Parameters
    ----------
    letter:
        The letter.

    Returns
    -------
    bytes
        The PDF file.
    """
    pdf = _LetterPDF(letter)
    pdf.add_page()

    def line(text: str, *, bold: bool = False, size: float = 10.5) -> None:
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.multi_cell(0, 5.2, _safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if letter.draft:
        line(DRAFT_LINE, bold=True)
    line(letter.title, bold=True, size=15)
    pdf.ln(2)
    for label, value in letter.facts():
        line(f"{label}: {value}")
    pdf.ln(4)
    for paragraph in letter.texts.opening.split("\n"):
        line(paragraph)
    for heading, lines in letter.sections():
        pdf.ln(3)
        line(heading, bold=True, size=12)
        for text in lines:
            line(text)
    pdf.ln(5)
    for paragraph in letter.texts.closing.split("\n"):
        line(paragraph)
    return bytes(pdf.output())
