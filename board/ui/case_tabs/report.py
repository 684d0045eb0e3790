"""Report tab: a preview of the board report and downloads built on click.

The preview uses Streamlit's plain-text elements and tables only: text from people and
DICOM files is never rendered as markdown or HTML.
"""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
from board.reports.model import SECTION_TITLES, BoardReport, when
from board.reports.service import LetterFormat, ReportFormat, get_report
from board.ui.downloads import fhir_bytes, letter_bytes, report_bytes
from board.ui.errors import user_errors
from board.ui.text import md_escape
from board.ui.widgets import text_table
from board.wording import plural


def _table(rows: list[dict[str, str]]) -> None:
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.text("None recorded.")


def _preview(report: BoardReport) -> None:
    head = report.header
    if head.draft:
        st.warning("DRAFT: this plan is not finalized; the report may still change.")
    text_table(
        {
            "Field": [
                "Pseudonym",
                "Hospital number",
                "Age",
                "Sex",
                "Primary",
                "Histology",
                "Levels",
                "Meeting",
                "Plan",
            ],
            # Person-supplied text (hospital number, histology, meeting title): st.table
            # renders cells as markdown, so every value is escaped.
            "Value": [
                md_escape(value)
                for value in (
                    head.pseudonym,
                    head.hospital_number or "-",
                    "unknown" if head.age is None else str(head.age),
                    head.sex,
                    head.primary,
                    head.histology or "unknown",
                    ", ".join(head.levels) or "-",
                    head.meeting or "not discussed at a meeting yet",
                    (f"version {head.plan_number}, " if head.plan_number else "")
                    + head.plan_status,
                )
            ],
        }
    )
    titles = iter(SECTION_TITLES)
    st.markdown(f"**{next(titles)}**")
    st.text(
        "\n".join(
            [
                f"Referral question: {report.referral_question or '-'}",
                *report.presenting_problem,
                "Red flags: " + ("; ".join(report.red_flags) or "none recorded"),
            ]
        )
    )
    st.markdown(f"**{next(titles)}**")
    _table(
        [
            {
                "Date": when(r.study_date),
                "Modality": r.modality,
                "Study": r.description,
                "Series": str(r.series),
                "Study UID": r.study_uid or "-",
            }
            for r in report.imaging
        ]
    )
    for row in report.imaging:
        if row.thumbnail_png:
            st.image(row.thumbnail_png, width=140, alt=row.thumbnail_caption or "Key image")
            st.text(row.thumbnail_caption)
    st.markdown(f"**{next(titles)}**")
    _table(
        [
            {
                "Biopsy": p.kind,
                "Status": p.status,
                "Date": when(p.performed_on),
                "Histology": p.histology,
                "Markers": p.markers,
            }
            for p in report.pathology
        ]
    )
    st.markdown(f"**{next(titles)}**")
    _table(
        [
            {"Specialty": s.role, "Submitted": "yes" if s.submitted else "no", "Input": s.summary}
            for s in report.specialties
        ]
    )
    st.markdown(f"**{next(titles)}**")
    _table(
        [
            {
                "Score": s.name,
                "Result": s.value,
                "Category": s.category,
                "Components": "; ".join(s.components),
                "Source": s.source,
            }
            for s in report.scores
        ]
    )
    st.markdown(f"**{next(titles)}**")
    lines = [f"NOMS suggestion: {report.noms_suggestion}"]
    lines += [f"Departure: {d}" for d in report.departures]
    if report.departures:
        lines.append(f"Reason: {report.deviation_reason or 'not recorded'}")
    st.text("\n".join(lines))
    st.markdown(f"**{next(titles)}**")
    st.text(f"Intent: {report.plan_intent or '-'}\n{report.plan_summary}")
    _table([{"Component": c.component, "Plan": c.text} for c in report.plan_components])
    if report.dose_lines or report.safety_prompts:
        st.text(
            "\n".join(
                [f"Radiation dose: {line}" for line in report.dose_lines]
                + [f"Safety prompt: {p.line}" for p in report.safety_prompts]
            )
        )
    st.markdown(f"**{next(titles)}**")
    _table(
        [
            {"Action": a.description, "Owner": a.owner, "Due": when(a.due_on)}
            for a in report.action_items
        ]
    )
    st.markdown(f"**{next(titles)}**")
    _table(
        [
            {"Follow-up": f.kind, "Due": when(f.due_on), "Status": f.status}
            for f in report.follow_ups
        ]
    )
    st.markdown(f"**{next(titles)}**")
    _table(
        [
            {
                "By": f"{d.author} ({d.role})",
                "When": when(d.at)
                + (f" (on version {d.on_version})" if d.on_version is not None else ""),
                "Dissent": d.text,
            }
            for d in report.dissents
        ]
    )
    st.markdown(f"**{next(titles)}**")
    _table(
        [{"Signed by": s.name, "Role": s.role, "At": when(s.signed_at)} for s in report.sign_offs]
    )
    st.caption(
        f"{plural(len(report.notes), 'note')} and the attendance are in the downloaded report."
    )


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the report preview and the download buttons.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in user.
    case:
        The case shown.
    """
    st.subheader("Report")
    report = None
    with user_errors():
        report = get_report(db, actor, case.id, case=case)
    if report is None:
        return
    if allowed(actor.role, Action.EXPORT):
        pdf_col, html_col, fhir_col = st.columns(3)
        stem = f"board-report-{report.header.pseudonym}"
        pdf_col.download_button(
            "Download PDF",
            data=lambda: report_bytes(db, actor, case.id, ReportFormat.PDF),
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            key="report_pdf",
            on_click="ignore",
        )
        html_col.download_button(
            "Download HTML",
            data=lambda: report_bytes(db, actor, case.id, ReportFormat.HTML),
            file_name=f"{stem}.html",
            mime="text/html",
            key="report_html",
            on_click="ignore",
        )
        fhir_col.download_button(
            "Download FHIR bundle",
            data=lambda: fhir_bytes(db, actor, case.id),
            file_name=f"{stem}-fhir.json",
            mime="application/fhir+json",
            key="report_fhir",
            on_click="ignore",
        )
        docx_col, letter_pdf_col, _ = st.columns(3)
        letter = f"outcome-letter-{report.header.pseudonym}"
        docx_col.download_button(
            "Outcome letter (Word)",
            data=lambda: letter_bytes(db, actor, case.id, LetterFormat.DOCX),
            file_name=f"{letter}.docx",
            mime=LetterFormat.DOCX.mime,
            key="letter_docx",
            on_click="ignore",
            icon=":material/mail:",
        )
        letter_pdf_col.download_button(
            "Outcome letter (PDF)",
            data=lambda: letter_bytes(db, actor, case.id, LetterFormat.PDF),
            file_name=f"{letter}.pdf",
            mime=LetterFormat.PDF.mime,
            key="letter_pdf",
            on_click="ignore",
            icon=":material/mail:",
        )
        st.caption(
            "Files are built when you click; a finalized plan's report and outcome letter "
            "(to the referring clinician) are the ones stored at finalization. Downloads "
            "are recorded in the case history."
        )
    _preview(report)
