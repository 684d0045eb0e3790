"""Report services: preview, downloads (audited), and the stored finalized report.

A finalized plan version keeps its report model as finalized (``report_snapshot``) and
the PDF and HTML rendered from it (``PlanVersion.report_pdf`` / ``report_html``), so the
same report can be fetched later; until the files are stored (they are rendered just
after the finalizing commit) they are rendered from the kept model. A draft's report is
rendered on demand and watermarked DRAFT.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
from board.db.models import AppSetting, PlanVersion, utcnow
from board.errors import ConflictError, ValidationError
from board.plans.enums import PlanStatus
from board.reports.builder import load_report, select_plan
from board.reports.html import render_html
from board.reports.letter import (
    LETTER_TEXTS_KEY,
    MAX_LETTER_TEXT,
    LetterTexts,
    build_letter,
    letter_texts,
    render_letter_docx,
    render_letter_pdf,
)
from board.reports.model import BoardReport
from board.reports.pdf import render_pdf
from board.reports.snapshot import report_from_snapshot, report_snapshot


class ReportFormat(StrEnum):
    """The formats a report can be downloaded in."""

    PDF = "pdf"
    HTML = "html"

    @property
    def mime(self) -> str:
        """The MIME type of the format."""
        return "application/pdf" if self is ReportFormat.PDF else "text/html"


@dataclass(frozen=True, slots=True)
class ReportFile:
    """A rendered report ready to download.

    Parameters
    ----------
    filename:
        A safe file name (pseudonym, plan version, format).
    mime:
        The MIME type.
    data:
        The bytes.
    stored:
        True when this is the file as finalized: the bytes stored at finalization, or,
        while those are being rendered, the same file rendered from the kept report.
    """

    filename: str
    mime: str
    data: bytes
    stored: bool


def get_report(
    db: Database, actor: Actor, case_id: int, *, case: CaseReadModel | None = None
) -> BoardReport:
    """The report model of a case, for the preview (not audited: nothing leaves the app).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking (needs permission to view cases).
    case_id:
        The case.
    case:
        The case read model the page loaded for this run, if any (it is not read again).

    Returns
    -------
    BoardReport
        The report of the case's latest plan version (or of the case without a plan).

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        return load_report(session, case_id, case=case)


def render(report: BoardReport, fmt: ReportFormat) -> bytes:
    """Render a report model.

    Parameters
    ----------
    report:
        The model.
    fmt:
        PDF or HTML.

    Returns
    -------
    bytes
        The PDF, or the HTML page as UTF-8.
    """
    if fmt is ReportFormat.PDF:
        return render_pdf(report)
    return render_html(report).encode("utf-8")


def _file_name(prefix: str, report: BoardReport, extension: str) -> str:
    """A safe file name: ``prefix``, pseudonym, plan version, DRAFT mark, extension."""
    head = report.header
    version = f"-plan-v{head.plan_number}" if head.plan_number is not None else ""
    draft = "-DRAFT" if head.draft else ""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in head.pseudonym)
    return f"{prefix}-{safe}{version}{draft}.{extension}"


def _audited_file(
    db: Database,
    actor: Actor,
    document: Literal["report", "letter"],
    case_id: int,
    plan_id: int | None,
    report: BoardReport,
    fmt: str,
    file: ReportFile,
    channel: str,
) -> ReportFile:
    """Record the download of ``file`` (one audit event) and hand it out."""
    action = "letter.export" if document == "letter" else "report.export"
    with db.write() as session:
        record(
            session,
            actor,
            action,
            "plan_version" if plan_id is not None else "case",
            plan_id if plan_id is not None else case_id,
            case_id=case_id,
            after={
                "format": fmt,
                "channel": channel,
                "stored": file.stored,
                "draft": report.header.draft,
                "bytes": len(file.data),
            },
        )
    return file


def report_data(
    session: Session, case_id: int, fmt: ReportFormat, *, case: CaseReadModel | None = None
) -> tuple[BoardReport, bytes, bool, int | None]:
    """The report of a case's latest plan version and its file, inside a session.

    Parameters
    ----------
    session:
        An open session.
    case_id:
        The case.
    fmt:
        PDF or HTML.
    case:
        The case read model, when the caller loaded it in this session.

    Returns
    -------
    tuple
        The model, the file (the bytes stored at finalization when there are some),
        whether the bytes are the stored ones, and the plan version id (or ``None``).

    Raises
    ------
    NotFoundError
        If there is no such case.
    """
    plan = select_plan(session, case_id)
    stored: bytes | None = None
    if plan is not None and plan.status is not PlanStatus.DRAFT:
        if fmt is ReportFormat.PDF and plan.report_pdf:
            stored = bytes(plan.report_pdf)
        elif fmt is ReportFormat.HTML and plan.report_html:
            stored = plan.report_html.encode("utf-8")
        elif (kept := _kept_report(plan)) is not None:
            # finalized a moment ago, its files still being rendered: the same report
            return kept[0], render(kept[0], fmt), True, plan.id
    report = load_report(session, case_id, plan_id=plan.id if plan else None, case=case)
    data = stored if stored is not None else render(report, fmt)
    return report, data, stored is not None, plan.id if plan else None


def export_report(
    db: Database,
    actor: Actor,
    case_id: int,
    fmt: ReportFormat | str,
    *,
    channel: str = "app",
) -> ReportFile:
    """The report of a case as a file: the stored bytes of a finalized plan, else rendered.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who downloads (needs the export permission).
    case_id:
        The case.
    fmt:
        ``pdf`` or ``html``.
    channel:
        Where it was asked for (``app``, ``cli``), for the audit trail.

    Returns
    -------
    ReportFile
        The file; one ``report.export`` audit event is written.

    Raises
    ------
    ValidationError
        If the format is unknown.
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not export.
    """
    require(actor, Action.EXPORT)
    try:
        fmt = ReportFormat(fmt)
    except ValueError as exc:
        raise ValidationError(
            f"Unknown report format {fmt!r}: expected pdf or html.", field="format"
        ) from exc
    with db.read() as session:
        report, data, stored, plan_id = report_data(session, case_id, fmt)
    file = ReportFile(_file_name("board-report", report, fmt.value), fmt.mime, data, stored)
    return _audited_file(db, actor, "report", case_id, plan_id, report, fmt.value, file, channel)


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A report model with its PDF and HTML, rendered ahead of the transaction storing it.

    Parameters
    ----------
    report:
        The model the files were rendered from.
    pdf:
        The PDF file.
    html:
        The HTML page.
    texts:
        The letter texts the outcome letter was written with.
    letter_docx, letter_pdf:
        The outcome letter to the referring clinician.
    """

    report: BoardReport
    pdf: bytes
    html: str
    texts: LetterTexts
    letter_docx: bytes
    letter_pdf: bytes


def render_report(report: BoardReport, texts: LetterTexts | None = None) -> RenderedReport:
    """Render a report model as PDF and HTML, and its outcome letter as DOCX and PDF
    (no database: run it outside transactions).

    Parameters
    ----------
    report:
        The model.
    texts:
        The letter texts (read with :func:`~board.reports.letter.letter_texts`); the
        defaults when ``None``.

    Returns
    -------
    RenderedReport
        The model, both report files and both letter files.
    """
    texts = texts or LetterTexts()
    letter = build_letter(report, texts)
    return RenderedReport(
        report,
        render_pdf(report),
        render_html(report),
        texts,
        render_letter_docx(letter),
        render_letter_pdf(letter),
    )


def store_report_snapshot(
    session: Session,
    plan: PlanVersion,
    at: dt.datetime,
    *,
    case: CaseReadModel | None = None,
) -> tuple[BoardReport, LetterTexts]:
    """Keep the report of a plan version being finalized (same transaction).

    The report model and the letter texts are stored as JSON
    (:mod:`board.reports.snapshot`); the files are rendered from them after the commit
    (:func:`store_report_files`), so the write transaction holds no rendering.

    Parameters
    ----------
    session:
        The finalizing transaction.
    plan:
        The plan version, already marked finalized and flushed.
    at:
        The finalization time, printed as "generated at".
    case:
        The case read model the finalizing transaction loaded (loaded here when
        ``None``).

    Returns
    -------
    tuple[BoardReport, LetterTexts]
        The model and texts kept (to render from without reading them back).
    """
    report = load_report(session, plan.case_id, plan_id=plan.id, generated_at=at, case=case)
    texts = letter_texts(session)
    plan.report_snapshot = report_snapshot(report, texts)
    session.flush()
    return report, texts


def _kept_report(plan: PlanVersion) -> tuple[BoardReport, LetterTexts] | None:
    """The report and letter texts kept when ``plan`` was finalized, if any."""
    if plan.status is PlanStatus.DRAFT or plan.report_snapshot is None:
        return None
    return report_from_snapshot(plan.report_snapshot)


def store_report_files(
    db: Database,
    actor: Actor,
    plan_id: int,
    kept: tuple[BoardReport, LetterTexts] | None = None,
    *,
    rendered: RenderedReport | None = None,
    at: dt.datetime | None = None,
) -> bool:
    """Render a finalized plan version's report and letter and store the files.

    Rendering takes no lock; the files are written in a short transaction of their own,
    only where none are stored yet (the plan's version does not change: the files are
    part of what was finalized, not an edit).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who finalized (the files complete that action; recorded in the audit trail).
    plan_id:
        The plan version.
    kept:
        The model and texts just kept by :func:`store_report_snapshot`; read from the
        plan version when ``None``.
    rendered:
        The files already rendered from ``kept`` (elsewhere); rendered here when
        ``None``.
    at:
        The time recorded in the audit trail; now when ``None``.

    Returns
    -------
    bool
        Whether files were stored (``False`` when they already were, or the version
        keeps no report).
    """
    if kept is None:
        with db.read() as session:
            plan = session.get(PlanVersion, plan_id)
            if plan is None or plan.report_pdf is not None:
                return False
            kept = _kept_report(plan)
        if kept is None:
            return False
    if rendered is None:
        rendered = render_report(*kept)
    with db.write() as session:
        # a statement, not a flush: the plan's version (its optimistic lock) stays
        stored = cast(
            "CursorResult[Any]",
            session.execute(
                update(PlanVersion)
                .where(PlanVersion.id == plan_id, PlanVersion.report_pdf.is_(None))
                .values(
                    report_pdf=rendered.pdf,
                    report_html=rendered.html,
                    letter_docx=rendered.letter_docx,
                    letter_pdf=rendered.letter_pdf,
                )
                .execution_options(synchronize_session=False)
            ),
        )
        if not stored.rowcount:
            return False
        record(
            session,
            actor,
            "plan.report_stored",
            "plan_version",
            plan_id,
            case_id=kept[0].header.case_id,
            after={"files": ["report.pdf", "report.html", "letter.docx", "letter.pdf"]},
            at=at,
        )
    return True


class LetterFormat(StrEnum):
    """The formats of the outcome letter."""

    DOCX = "docx"
    PDF = "pdf"

    @property
    def mime(self) -> str:
        """The MIME type of the format."""
        if self is LetterFormat.PDF:
            return "application/pdf"
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def export_letter(
    db: Database,
    actor: Actor,
    case_id: int,
    fmt: LetterFormat | str = LetterFormat.DOCX,
    *,
    channel: str = "app",
) -> ReportFile:
    """The outcome letter to the referring clinician, as a file.

    A finalized (or superseded) plan version's letter is the one stored when it was
    finalized; otherwise the letter is written now and marked DRAFT.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who downloads (needs the export permission).
    case_id:
        The case.
    fmt:
        ``docx`` or ``pdf``.
    channel:
        Where it was asked for (``app``, ``cli``), for the audit trail.

    Returns
    -------
    ReportFile
        The file; one ``letter.export`` audit event is written.

    Raises
    ------
    ValidationError
        If the format is unknown.
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not export.
    """
    require(actor, Action.EXPORT)
    try:
        fmt = LetterFormat(fmt)
    except ValueError as exc:
        raise ValidationError(
            f"Unknown letter format {fmt!r}: expected docx or pdf.", field="format"
        ) from exc
    with db.read() as session:
        plan = select_plan(session, case_id)
        stored: bytes | None = None
        kept: tuple[BoardReport, LetterTexts] | None = None
        if plan is not None and plan.status is not PlanStatus.DRAFT:
            found = plan.letter_pdf if fmt is LetterFormat.PDF else plan.letter_docx
            stored = bytes(found) if found else None
            if stored is None:
                kept = _kept_report(plan)  # its files still being rendered
        plan_id = plan.id if plan is not None else None
        if kept is not None:
            report, texts = kept
        else:
            report = load_report(session, case_id, plan_id=plan_id)
            texts = letter_texts(session)
    if stored is not None:
        data = stored
    else:
        letter = build_letter(report, texts)
        data = render_letter_pdf(letter) if fmt is LetterFormat.PDF else render_letter_docx(letter)
    file = ReportFile(
        _file_name("outcome-letter", report, fmt.value),
        fmt.mime,
        data,
        stored is not None or kept is not None,
    )
    return _audited_file(db, actor, "letter", case_id, plan_id, report, fmt.value, file, channel)


def get_letter_texts(db: Database, actor: Actor) -> LetterTexts:
    """The letter's opening, closing and contact text, for the administrator's form.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who looks (needs the right to change settings).

    Returns
    -------
    LetterTexts
        The texts in force.

    Raises
    ------
    PermissionDeniedError
        If the actor may not change settings.
    """
    require(actor, Action.SETTINGS_ADMINISTER)
    with db.read() as session:
        return letter_texts(session)


def set_letter_texts(
    db: Database,
    actor: Actor,
    texts: LetterTexts,
    *,
    expected: LetterTexts,
    now: dt.datetime | None = None,
) -> LetterTexts:
    """Change the letter's opening, closing and contact text (audited).

    Letters of plans finalized before keep the text they were stored with.

    Parameters
    ----------
    db:
        The database.
    actor:
        An administrator.
    texts:
        The new texts; each 1 to 2,000 characters.
    expected:
        The texts the administrator saw: if someone changed them since, nothing is saved.
    now:
        The time of the change; now when ``None``.

    Returns
    -------
    LetterTexts
        The texts now in force.

    Raises
    ------
    PermissionDeniedError
        If the actor may not change settings.
    ValidationError
        If a text is empty or too long.
    ConflictError
        If the texts changed since ``expected`` was read.
    """
    require(actor, Action.SETTINGS_ADMINISTER)
    now = now or utcnow()
    cleaned = LetterTexts(
        opening=texts.opening.strip(), closing=texts.closing.strip(), contact=texts.contact.strip()
    )
    for name, value in cleaned.as_json().items():
        if not value:
            raise ValidationError(
                f"The letter's {name} text is empty: write a few words.", field=name
            )
        if len(value) > MAX_LETTER_TEXT:
            raise ValidationError(
                f"The letter's {name} text is {len(value):,} characters long: at most "
                f"{MAX_LETTER_TEXT:,} are allowed.",
                field=name,
            )
    with db.write() as session:
        current = letter_texts(session)
        if current != expected:
            raise ConflictError("The letter texts")
        if current == cleaned:
            return current
        setting = session.get(AppSetting, LETTER_TEXTS_KEY)
        if setting is None:
            session.add(AppSetting(key=LETTER_TEXTS_KEY, value=cleaned.as_json(), updated_at=now))
        else:
            setting.value = cleaned.as_json()
            setting.updated_at = now
        before, after = current.as_json(), cleaned.as_json()
        changed = [k for k in before if before[k] != after[k]]
        record(
            session,
            actor,
            "letter.texts",
            "app_setting",
            LETTER_TEXTS_KEY,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            at=now,
        )
        return cleaned
