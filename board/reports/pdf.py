"""Render a :class:`~board.reports.model.BoardReport` as PDF with fpdf2.

Text is written with the bundled DejaVu Sans (Unicode), never through fpdf2's markdown
or HTML modes: what a person or a DICOM file wrote appears literally.
"""

from __future__ import annotations

import copy
import io
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont
from PIL import Image

from board.reports.model import SECTION_TITLES, BoardReport, when

FONT = "DejaVu"
FONT_DIR = Path(str(resources.files("board.reports") / "fonts"))
LINE = 5.0
MAX_TEXT = 20_000


def _font_files() -> tuple[Path, Path]:
    return FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"


@cache
def _parsed_fonts() -> tuple[tuple[str, TTFFont, bytes], ...]:
    """The regular and bold DejaVu faces, parsed by fpdf2 once per process.

    Parsing a face (character map, widths, glyph ids) costs tens of milliseconds; every
    PDF takes a copy of these instead (:func:`_install_fonts`).

    Returns
    -------
    tuple[tuple[str, TTFFont, bytes], ...]
        Per face: fpdf2's font key, the parsed font, and the font file's bytes.
    """
    template = FPDF()
    regular, bold = _font_files()
    template.add_font(FONT, "", str(regular))
    template.add_font(FONT, "B", str(bold))
    faces = []
    for key, font in template.fonts.items():
        if isinstance(font, TTFFont):  # add_font makes TrueType fonts
            faces.append((key, font, Path(font.ttffile).read_bytes()))
    return tuple(faces)


def _install_fonts(pdf: FPDF) -> None:
    """Give ``pdf`` its own copy of the parsed faces (what ``add_font`` would add).

    What fpdf2 reads while writing (the character map, widths, glyph ids, font
    descriptor) is shared. What one document changes is its own: the glyphs it uses
    (``subset``), the missing glyphs, the largest size used, and the fontTools font,
    which ``output()`` cuts down to the used glyphs in place, so each document gets a
    fresh one, opened lazily from the bytes in memory (no parsing until output).

    Parameters
    ----------
    pdf:
        A new document without fonts of its own yet.
    """
    for key, parsed, data in _parsed_fonts():
        font = copy.copy(parsed)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
        font.cw = copy.copy(parsed.cw)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        pdf.fonts[key] = font


def _safe(text: object) -> str:
    """Plain text for fpdf2: control characters out, very long text clipped."""
    value = str(text)
    value = "".join(ch if ch in "\n\t" or ch.isprintable() else " " for ch in value)
    if len(value) > MAX_TEXT:
        value = value[: MAX_TEXT - 1] + "…"
    return value


def _right_to_left(texts: Sequence[object]) -> bool:
    """Whether any text has right-to-left letters (Hebrew, Arabic, ...)."""
    return any(
        unicodedata.bidirectional(ch) in ("R", "AL")
        for text in texts
        if isinstance(text, str)
        for ch in text
        if ord(ch) >= 0x0590
    )


def _image_ok(png: bytes) -> bool:
    """Whether Pillow can read the image (a broken thumbnail must not stop the report)."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            image.verify()
    except Exception:  # any decoder error means "not usable"
        return False
    return True


class _ReportPDF(FPDF):
    """A page with the report header line, DRAFT watermark, and "page X of Y" footer."""

    def __init__(self, report: BoardReport) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        _install_fonts(self)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(15, 18, 15)
        self.alias_nb_pages()
        self.set_title(_safe(report.title))
        self.set_creator("Tumor Board")

    def header(self) -> None:
        """Running header and, on a draft, the DRAFT watermark."""
        if self.report.header.draft:
            with self.local_context(text_color=(225, 225, 225)):
                self.set_font(FONT, "B", 90)
                with self.rotation(45, x=self.w / 2, y=self.h / 2):
                    self.text(self.w / 2 - 55, self.h / 2 + 10, "DRAFT")
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.set_y(8)
        head = self.report.header
        self.cell(
            0,
            4,
            _safe(f"Tumor board report · {head.pseudonym} · case {head.case_id}"),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(0, 0, 0)
        self.set_y(18)

    def footer(self) -> None:
        """Confidentiality line, "generated at" and "page X of Y"."""
        self.set_y(-16)
        self.set_font(FONT, "", 7)
        self.set_text_color(90, 90, 90)
        self.multi_cell(
            0,
            3.2,
            _safe(self.report.confidentiality),
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.cell(
            0,
            4,
            f"Generated at {when(self.report.generated_at)} · Page {self.page_no()} of {{nb}}",
            align="C",
        )
        self.set_text_color(0, 0, 0)


class _Writer:
    """Small helpers over the PDF for sections, lines and tables."""

    def __init__(self, pdf: _ReportPDF) -> None:
        self.pdf = pdf

    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FONT, "B", 12)
        pdf.set_fill_color(230, 236, 245)
        pdf.cell(0, 7, _safe(text), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        pdf.set_font(FONT, "", 9.5)

    def shaping(self, texts: Sequence[object]) -> None:
        """Text shaping (bidi reading order, joined letters) only where it is needed.

        Shaping every line costs several times the plain rendering, so it is switched
        on for a line or table only when it holds right-to-left text.
        """
        self.pdf.set_text_shaping(_right_to_left(texts))

    def line(self, text: str, *, bold: bool = False) -> None:
        pdf = self.pdf
        self.shaping([text])
        pdf.set_font(FONT, "B" if bold else "", 9.5)
        pdf.multi_cell(
            0,
            LINE,
            _safe(text),
            markdown=False,
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_font(FONT, "", 9.5)

    def labelled(self, label: str, value: str) -> None:
        self.line(f"{label}: {value}")

    def empty(self, text: str = "None recorded.") -> None:
        with self.pdf.local_context(text_color=(100, 100, 100)):
            self.line(text)

    def table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
    ) -> None:
        """A table; a cell is text, or ``("img", png_bytes)`` for an image."""
        pdf = self.pdf
        self.shaping([v for values in rows for v in values])
        pdf.set_font(FONT, "", 8.5)
        with pdf.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=4.3,
            markdown=False,
            headings_style=FontFace(emphasis="BOLD", fill_color=(240, 240, 240)),
            padding=1,
        ) as table:
            head = table.row()
            for title in headings:
                head.cell(_safe(title))
            for values in rows:
                row = table.row()
                for value in values:
                    if isinstance(value, tuple) and value and value[0] == "img":
                        if _image_ok(value[1]):
                            row.cell(img=io.BytesIO(value[1]), img_fill_width=True)
                        else:
                            row.cell("thumbnail unavailable")
                    else:
                        row.cell(_safe(value))
        pdf.ln(1)
        pdf.set_font(FONT, "", 9.5)


def _header(w: _Writer, report: BoardReport) -> None:
    pdf = w.pdf
    head = report.header
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, _safe(report.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    age = f"{head.age}" if head.age is not None else "unknown"
    w.line(f"Pseudonym: {head.pseudonym}    Hospital number: {head.hospital_number or '-'}")
    w.line(f"Age: {age}    Sex: {head.sex}")
    w.line(f"Primary: {head.primary}    Histology: {head.histology or 'unknown'}")
    w.line(f"Spinal levels: {', '.join(head.levels) or '-'}")
    w.line(f"Meeting: {head.meeting or 'not discussed at a meeting yet'}")
    w.line(f"Meeting date: {when(head.meeting_date)}")
    plan = f"version {head.plan_number}" if head.plan_number is not None else "none"
    w.line(f"Plan: {plan}, status {head.plan_status}", bold=True)
    if head.finalized_at is not None:
        w.line(f"Finalized at: {when(head.finalized_at)}")
    if head.draft:
        w.line("DRAFT: this plan is not finalized and may still change.", bold=True)


def _render(w: _Writer, report: BoardReport) -> None:
    titles = iter(SECTION_TITLES)
    # Presenting problem and red flags
    w.heading(next(titles))
    w.labelled("Referral question", report.referral_question or "-")
    for text in report.presenting_problem:
        w.line(text)
    if report.urgent:
        w.line("URGENT: suspected metastatic spinal cord compression", bold=True)
    w.labelled("Red flags", "; ".join(report.red_flags) if report.red_flags else "none recorded")

    # Imaging
    w.heading(next(titles))
    if report.imaging:
        w.table(
            ("Key image", "Date", "Modality", "Study", "Series", "Study UID"),
            [
                (
                    ("img", r.thumbnail_png) if r.thumbnail_png else "-",
                    when(r.study_date),
                    r.modality,
                    "\n".join(x for x in (r.description, r.body_region, r.thumbnail_caption) if x),
                    str(r.series),
                    r.study_uid or "-",
                )
                for r in report.imaging
            ],
            (28, 20, 18, 52, 14, 48),
        )
    else:
        w.empty("No imaging attached.")

    # Pathology
    w.heading(next(titles))
    if report.pathology:
        w.table(
            ("Biopsy", "Status", "Date", "Site", "Histology / grade / markers", "Pathologist"),
            [
                (
                    p.kind,
                    p.status,
                    when(p.performed_on),
                    p.site or "-",
                    "\n".join(x for x in (p.histology, p.grade, p.markers, p.report_text) if x)
                    or "-",
                    p.pathologist or "-",
                )
                for p in report.pathology
            ],
            (26, 18, 20, 20, 60, 36),
        )
    else:
        w.empty("No biopsy recorded.")

    # Specialty input
    w.heading(next(titles))
    w.table(
        ("Specialty", "Submitted", "Input"),
        [(s.role, "yes" if s.submitted else "no", s.summary) for s in report.specialties],
        (40, 21, 119),
    )

    # Scores
    w.heading(next(titles))
    # compact: one short row per score; every input with who supplied it, and the
    # reasoning, are in the HTML report and on the case's Scores tab
    w.table(
        ("Score", "Result", "Key inputs", "Source"),
        report.compact_score_table(),
        (24, 44, 80, 32),
    )
    w.line(
        "Scores advise; the board decides. Each input's source and the reasoning are in "
        "the HTML report and on the case's Scores tab."
    )

    # NOMS and departure
    w.heading(next(titles))
    w.labelled("NOMS suggestion", report.noms_suggestion)
    if report.departures:
        for departure in report.departures:
            w.line(f"Departure: {departure}")
        w.labelled("Reason for departing", report.deviation_reason or "not recorded")
    else:
        w.line("The plan does not depart from the NOMS suggestion.")

    # Consensus plan
    w.heading(next(titles))
    w.labelled("Intent", report.plan_intent or "-")
    if report.plan_summary:
        w.labelled("Summary", report.plan_summary)
    if report.amendment_reason:
        w.labelled("Amendment reason", report.amendment_reason)
    if report.plan_components:
        w.table(
            ("Component", "Plan"),
            [(c.component, c.text) for c in report.plan_components],
            (40, 140),
        )
    else:
        w.empty("No plan components recorded.")
    if report.dose_lines:
        w.line("Radiation dose (BED and EQD2):", bold=True)
        for line in report.dose_lines:
            w.line(line)
    if report.safety_prompts:
        w.line("Safety prompts:", bold=True)
        for prompt in report.safety_prompts:
            w.line(prompt.line)

    # Action items
    w.heading(next(titles))
    if report.action_items:
        w.table(
            ("Action", "Owner", "Due", "Done"),
            [
                (a.description, a.owner, when(a.due_on), "yes" if a.done else "no")
                for a in report.action_items
            ],
            (100, 40, 24, 16),
        )
    else:
        w.empty("No action items.")

    # Follow-up schedule
    w.heading(next(titles))
    if report.follow_ups:
        w.table(
            ("Follow-up", "Due", "Status"),
            [(f.kind, when(f.due_on), f.status) for f in report.follow_ups],
            (80, 50, 50),
        )
    else:
        w.empty("No follow-up scheduled yet.")

    # Dissent
    w.heading(next(titles))
    if report.dissents:
        for d in report.dissents:
            w.line(d.heading, bold=True)
            w.line(d.text)
    else:
        w.empty("No dissent recorded.")

    # Attendance and sign-offs
    w.heading(next(titles))
    if report.attendance:
        w.table(
            ("Attendee", "Role", "Present", "Recorded"),
            [
                (a.name, a.role, "yes" if a.present else "no", when(a.recorded_at))
                for a in report.attendance
            ],
            (60, 50, 20, 50),
        )
    else:
        w.empty("No attendance recorded.")
    if report.sign_offs:
        w.table(
            ("Signed by", "Role", "Signed at", "Current"),
            [
                (s.name, s.role, when(s.signed_at), "yes" if s.current else "superseded")
                for s in report.sign_offs
            ],
            (60, 50, 44, 26),
        )
    else:
        w.empty("No sign-offs.")

    # Notes
    w.heading(next(titles))
    if report.notes:
        for n in report.notes:
            w.line(f"{n.author} ({n.role}, {n.kind}), {when(n.at)}:", bold=True)
            w.line(n.body)
            w.pdf.ln(1)
    else:
        w.empty("No notes.")
    w.pdf.ln(2)
    w.line(f"Generated at {when(report.generated_at)}.")


def render_pdf(report: BoardReport) -> bytes:
    """The report as a PDF document.

    Parameters
    ----------
    report:
        The report model.

    Returns
    -------
    bytes
        The PDF file.
    """
    pdf = _ReportPDF(report)
    pdf.add_page()
    writer = _Writer(pdf)
    _header(writer, report)
    _render(writer, report)
    return bytes(pdf.output())
