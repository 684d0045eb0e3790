"""Imaging tab: attach studies (upload, PACS, by hand) and see them as study > series.

Thin: each widget action makes one service call and renders what comes back. Text from
DICOM files or people is shown in tables, ``st.text`` or through ``md_escape``; never
as HTML.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.cases.read_model import CaseReadModel
from board.db.engine import Database
from board.imaging.alt_text import key_image_alt
from board.imaging.correction import EARLIEST_STUDY_DATE, correct_study
from board.imaging.enums import BodyRegion, Modality
from board.imaging.importer import import_uploads
from board.imaging.links import derive_key
from board.imaging.listing import list_studies
from board.imaging.manual import add_manual_study
from board.imaging.pacs import PacsClient, PacsSearch, PacsStudy, describe_modalities
from board.imaging.pacs_attach import attach_pacs_studies, search_pacs
from board.imaging.pacs_send import PacsSendReport, send_uploads_to_pacs
from board.imaging.views import ImportReport, ManualStudyInput, StudyView
from board.ui import actions, context
from board.ui.errors import user_errors
from board.ui.series_viewer import series_viewer, session_client, viewer_session
from board.ui.text import md_escape
from board.ui.widgets import fmt_date, fmt_datetime
from board.wording import plural, plural_of

_MANUAL_MODALITIES = (
    Modality.MR,
    Modality.CT,
    Modality.PT,
    Modality.NM,
    Modality.CR,
    Modality.DX,
)
_REGIONS = tuple(BodyRegion)
_MODALITIES = tuple(Modality)


def render(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the imaging tab of ``case``.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in user.
    case:
        The case shown.
    """
    settings = context.settings()
    key = derive_key(settings.secret_key)
    client = session_client(settings)
    if allowed(actor.role, Action.IMAGING_ATTACH):
        upload = st.expander("Upload DICOM files", expanded=True, icon=":material/upload:")
        pacs_tab = st.expander("Search the hospital PACS", icon=":material/search:")
        manual = st.expander("Enter a study by hand", icon=":material/edit_note:")
        with upload, user_errors():
            _upload(db, actor, case, key, client)
        with pacs_tab, user_errors():
            if client is None:
                st.info(
                    "No PACS is configured. An administrator can set TUMORBOARD_PACS_URL "
                    "(see the README) to search the hospital PACS from here."
                )
            else:
                _pacs(db, actor, case, key, client)
        with manual, user_errors():
            _manual(db, actor, case)
    else:
        st.caption("Radiologists and coordinators attach imaging; you can view it here.")
    _report(case.id)
    st.subheader("Imaging studies")
    studies = list_studies(db, actor, case.id, viewer_template=settings.viewer_url_template)
    if not studies:
        st.info("No imaging attached yet.")
        return
    st.dataframe(
        [
            {
                "Date": fmt_date(s.study_date),
                "Modality": s.modality,
                "Description": s.description,
                "Region": s.body_region.label if s.body_region else "",
                "Series": len(s.series),
                "Images": s.instance_count,
                "Source": s.source.label,
            }
            for s in studies
        ],
        hide_index=True,
        key=f"imaging_studies_{case.id}",
    )
    st.subheader("Series viewer")
    series_viewer(db, actor, studies, client, key=f"viewer_{case.id}")
    correct = allowed(actor.role, Action.IMAGING_ATTACH)
    for study in studies:
        _study(study, (db, actor) if correct else None, case.levels)


# ---------------------------------------------------------------------------
# Attaching
# ---------------------------------------------------------------------------


def _count(count: int | None, noun: str) -> str:
    """A count the PACS may not report: "3 images", or "? images" when unknown."""
    return plural(count, noun) if count else f"? {plural_of(noun)}"


def _progress_bar() -> Any:
    bar = st.progress(0.0, text="Starting")

    def update(done: int, total: int, message: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{message} ({done}/{total})")

    return update


def _report_key(case_id: int) -> str:
    return f"imaging_report_{case_id}"


def _upload(
    db: Database, actor: Actor, case: CaseReadModel, key: bytes, client: PacsClient | None
) -> None:
    files = st.file_uploader(
        "DICOM files or zip archives (files without an extension are fine)",
        accept_multiple_files=True,
        key=f"imaging_upload_{case.id}",
    )
    if st.button("Import", key=f"imaging_import_{case.id}", disabled=not files, type="primary"):
        uploads = [(f.name, f.getvalue()) for f in files or []]
        report = import_uploads(db, actor, case.id, uploads, key=key, progress=_progress_bar())
        st.session_state[_report_key(case.id)] = ("upload", report)
    pending = st.session_state.get(_report_key(case.id))
    if pending and pending[0] == "upload" and pending[1].conflicts and files:
        reason = _override_form(case.id, pending[1], "upload")
        if reason:
            uploads = [(f.name, f.getvalue()) for f in files]
            report = import_uploads(
                db,
                actor,
                case.id,
                uploads,
                key=key,
                override_reason=reason,
                progress=_progress_bar(),
            )
            st.session_state[_report_key(case.id)] = ("upload", report)
    _send_to_pacs(db, actor, case, client, files)


def _send_to_pacs(
    db: Database, actor: Actor, case: CaseReadModel, client: PacsClient | None, files: Any
) -> None:
    """STOW-RS of the chosen files (those attached to the case) to the configured PACS."""
    if client is None:
        st.caption(
            "With a PACS configured (TUMORBOARD_PACS_URL), imported files can also be sent "
            "to it here, so that their series can be scrolled in the viewer."
        )
        return
    st.caption(
        "The board keeps no DICOM files, only their details and a key image per series. "
        "To scroll these images in the series viewer, send them to the PACS after the "
        "import; only files attached to this case are sent."
    )
    result_key = f"imaging_sent_{case.id}"
    if st.button(
        "Send to the PACS",
        key=f"imaging_send_pacs_{case.id}",
        disabled=not files,
        icon=":material/cloud_upload:",
    ):
        with st.spinner("Sending to the PACS"):
            sent = send_uploads_to_pacs(
                db, actor, case.id, client, [(f.name, f.getvalue()) for f in files or []]
            )
        for study_uid in sent.studies:
            viewer_session().forget(study_uid)
        st.session_state[result_key] = sent
    report: PacsSendReport | None = st.session_state.get(result_key)
    if report is not None:
        if report.sent:
            st.success(md_escape(report.message), icon=":material/cloud_done:")
        else:
            st.warning(md_escape(report.message), icon=":material/info:")


def _override_form(case_id: int, report: ImportReport, kind: str) -> str | None:
    st.warning(
        "Some studies look like they belong to a different patient and were not attached:",
        icon=":material/person_alert:",
    )
    st.dataframe(
        [{"Study": c.description, "Why": c.reason} for c in report.conflicts], hide_index=True
    )
    reason = st.text_input(
        "To attach them anyway, give the reason (recorded in the audit trail)",
        key=f"imaging_override_reason_{kind}_{case_id}",
    )
    if st.button("Attach anyway", key=f"imaging_override_{kind}_{case_id}"):
        if not reason.strip():
            st.error("Give the reason first.")
            return None
        return reason
    return None


def _report(case_id: int) -> None:
    pending = st.session_state.get(_report_key(case_id))
    if not pending:
        return
    report: ImportReport = pending[1]
    if report.imported:
        st.success(md_escape(report.message), icon=":material/check_circle:")
    else:
        st.warning(md_escape(report.message), icon=":material/info:")
    st.dataframe(
        [
            {
                "File": f.path,
                "Result": f.status.label,
                "Reason": f.reason,
                "Study UID": f.study_uid or "",
                "Series UID": f.series_uid or "",
            }
            for f in report.files
        ],
        hide_index=True,
        key=f"imaging_results_{case_id}",
    )


def _pacs(db: Database, actor: Actor, case: CaseReadModel, key: bytes, client: PacsClient) -> None:
    results_key = f"imaging_pacs_results_{case.id}"
    with st.form(f"imaging_pacs_search_{case.id}"):
        c1, c2 = st.columns(2)
        patient_id = c1.text_input("Hospital number", value=case.hospital_number or "")
        accession = c2.text_input("Accession number")
        c3, c4, c5 = st.columns(3)
        date_from = c3.date_input("From", value=None)
        date_to = c4.date_input("To", value=None)
        modality = c5.selectbox(
            "Modality",
            (None, Modality.MR, Modality.CT, Modality.PT, Modality.NM),
            format_func=lambda m: "Any" if m is None else m.label,
        )
        if st.form_submit_button("Search the PACS", icon=":material/search:"):
            criteria = PacsSearch(
                patient_id=patient_id,
                accession_number=accession,
                date_from=date_from if isinstance(date_from, dt.date) else None,
                date_to=date_to if isinstance(date_to, dt.date) else None,
                modality=modality,
            )
            st.session_state[results_key] = search_pacs(actor, client, criteria, key=key)
    found: list[PacsStudy] = st.session_state.get(results_key) or []
    if results_key in st.session_state and not found:
        st.info("No study found.")
    if not found:
        return
    labels = {
        s.study_uid: (
            f"{fmt_date(s.study_date) or 'undated'} {describe_modalities(s.modalities)} "
            f"{s.description or '(no description)'} "
            f"({_count(s.series_count, 'series')}, {_count(s.instance_count, 'image')})"
        )
        for s in found
    }
    chosen = st.multiselect(
        "Studies to attach",
        list(labels),
        format_func=lambda uid: labels[uid],
        key=f"imaging_pacs_pick_{case.id}",
    )
    attach = st.button(
        "Attach selected studies", key=f"imaging_pacs_attach_{case.id}", disabled=not chosen
    )
    if attach:
        report = attach_pacs_studies(
            db, actor, case.id, client, chosen, key=key, progress=_progress_bar()
        )
        st.session_state[_report_key(case.id)] = ("pacs", report)
    pending = st.session_state.get(_report_key(case.id))
    if pending and pending[0] == "pacs" and pending[1].conflicts and chosen:
        reason = _override_form(case.id, pending[1], "pacs")
        if reason:
            report = attach_pacs_studies(
                db, actor, case.id, client, chosen, key=key, override_reason=reason
            )
            st.session_state[_report_key(case.id)] = ("pacs", report)


def _manual(db: Database, actor: Actor, case: CaseReadModel) -> None:
    st.caption("For imaging done elsewhere when only the report is available.")
    with st.form(f"imaging_manual_{case.id}", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        modality = c1.selectbox("Modality", _MANUAL_MODALITIES, format_func=lambda m: m.label)
        study_date = c2.date_input("Study date", value=None, max_value=dt.date.today())
        region = c3.selectbox("Body region", _REGIONS, format_func=lambda r: r.label)
        description = st.text_input("Description", max_chars=200)
        report_text = st.text_area("Report", height=150)
        if st.form_submit_button("Add study", icon=":material/add:"):
            add_manual_study(
                db,
                actor,
                case.id,
                ManualStudyInput(
                    modality=modality,
                    study_date=study_date if isinstance(study_date, dt.date) else None,
                    body_region=region,
                    description=description,
                    report_text=report_text,
                ),
            )
            st.success("Study added.")


# ---------------------------------------------------------------------------
# Correcting
# ---------------------------------------------------------------------------


def _outcome_key(study_id: int) -> str:
    return f"imaging_corrected_{study_id}"


def _save_correction(db: Database, actor: Actor, study_id: int, version: int, form: str) -> str:
    """The form's action, run in its click callback (:func:`board.ui.actions.run`)."""
    state = st.session_state
    study_date = state.get(f"{form}_date")
    return correct_study(
        db,
        actor,
        study_id,
        expected_version=version,
        study_date=study_date if isinstance(study_date, dt.date) else None,
        modality=state[f"{form}_modality"],
        body_region=state[f"{form}_region"],
    ).message


def _correction_form(db: Database, actor: Actor, study: StudyView) -> None:
    actions.show_outcome(_outcome_key(study.id))
    form = f"imaging_correct_{study.id}_{study.version}"
    with (
        st.expander("Correct the date, modality or body region", icon=":material/edit:"),
        st.form(form),
    ):
        c1, c2, c3 = st.columns(3)
        c1.date_input(
            "Study date (leave empty when not known)",
            value=study.study_date,
            min_value=EARLIEST_STUDY_DATE,
            max_value=dt.date.today(),
            key=f"{form}_date",
        )
        modality = Modality.from_code(study.modality)
        c2.selectbox(
            "Modality",
            _MODALITIES,
            index=_MODALITIES.index(modality),
            format_func=lambda m: m.label,
            key=f"{form}_modality",
        )
        c3.selectbox(
            "Body region",
            _REGIONS,
            index=_REGIONS.index(study.body_region or BodyRegion.UNKNOWN),
            format_func=lambda r: r.label,
            key=f"{form}_region",
        )
        st.form_submit_button(
            "Save correction",
            on_click=actions.run,
            args=(
                _outcome_key(study.id),
                partial(_save_correction, db, actor, study.id, study.version, form),
            ),
        )


# ---------------------------------------------------------------------------
# Showing
# ---------------------------------------------------------------------------


def _study(
    study: StudyView, corrector: tuple[Database, Actor] | None, levels: tuple[str, ...]
) -> None:
    with st.container(border=True):
        region = study.body_region.label if study.body_region else "region not stated"
        title = (
            f"{fmt_date(study.study_date) or 'Undated'} | {study.modality_label} | "
            f"{study.description or '(no description)'} | {region}"
        )
        st.markdown("**" + md_escape(title) + "**")
        who = f" by {study.created_by}" if study.created_by else ""
        corrected = ""
        if study.corrected_at is not None:
            corrected = (
                f"; corrected by {study.corrected_by or 'another user'}, "
                f"{fmt_datetime(study.corrected_at)}"
            )
        st.caption(
            md_escape(
                f"{study.source.label}{who}, {plural(len(study.series), 'series')}, "
                f"{plural(study.instance_count, 'image')}{corrected}"
            )
        )
        if corrector is not None:
            _correction_form(*corrector, study)
        if study.viewer_url:
            st.link_button(
                "Open in the hospital viewer", study.viewer_url, icon=":material/open_in_new:"
            )
        if study.identity_override_reason:
            st.warning(
                "Attached although the patient ID differed. Reason given: "
                + md_escape(study.identity_override_reason),
                icon=":material/person_alert:",
            )
        if study.report_text:
            st.text(study.report_text)
        if not study.series:
            return
        st.dataframe(
            [
                {
                    "No.": s.series_number,
                    "Series": s.description,
                    "Modality": s.modality,
                    "Region": s.body_region.label if s.body_region else "",
                    "Images": s.instance_count,
                    "MR sequence": s.sequence_hint or "",
                    "CT kernel": s.ct_kernel or "",
                    "PET tracer": s.radiopharmaceutical or "",
                    "Key image": (
                        ("yes; " + s.thumbnail_note if s.thumbnail_note else "yes")
                        if s.thumbnail_png
                        else (s.thumbnail_note or "none")
                    ),
                }
                for s in study.series
            ],
            hide_index=True,
            key=f"imaging_series_{study.id}",
        )
        with_images = [s for s in study.series if s.thumbnail_png]
        for row_start in range(0, len(with_images), 4):
            columns = st.columns(4)
            row = with_images[row_start : row_start + 4]
            for column, series in zip(columns, row, strict=False):
                with column:
                    st.image(
                        series.thumbnail_png or b"",
                        width="stretch",
                        alt=key_image_alt(
                            series.modality,
                            series.series_number,
                            series.description,
                            study.study_date,
                            series.body_region,
                            levels,
                        ),
                    )
                    label = f"{series.series_number or ''} {series.description}".strip()
                    st.caption(md_escape(label or "series"))
