"""The import write: DICOM files, folders, zip archives and uploads into a case.

Every function that writes checks the actor's permission (:attr:`Action.IMAGING_ATTACH`),
opens one transaction for the whole action and appends its audit events to it, so an
import either lands completely or not at all: there is never a half-imported study.
The same write serves studies attached from the PACS (:mod:`board.imaging.pacs_attach`).

The pipeline of an import (the slow parts run before the write transaction opens)::

    reader (files, folders, zips, uploads) -> parse (header only; several processes when
    the batch is large, :mod:`board.imaging.pool`) -> group into study > series (new SOP
    instances only) -> patient check -> one thumbnail per new series (pixels of its
    middle image decoded once; checked for burned-in text with OCR and blacked out,
    :mod:`board.imaging.burned_in`) -> one transaction: studies, series, instances, audit
    events

Thumbnails are kept as PNG bytes in the database (``imaging_series.thumbnail_png``):
they are small (a few KB at 256 px), they are written in the same transaction as their
series (no orphan files, no half-imported study), they are part of every database
backup, and a PostgreSQL installation with several app servers needs no shared disk.

Patient identity: the files' Patient ID + Issuer is kept only as a keyed hash
(HMAC-SHA256 with a key derived from the installation's secret key,
:func:`board.imaging.links.derive_key`). A study whose patient differs from the case's
other studies, or from the case's hospital number when one is set, is refused with a
clear message unless the user gives a reason, which is stored on the study and audited.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import Case, ImagingInstance, ImagingSeries, ImagingStudy, Patient
from board.errors import NotFoundError, ValidationError
from board.imaging.burned_in import check_key_image
from board.imaging.common import MAX_DESCRIPTION_LENGTH, Skipped, clean_text
from board.imaging.enums import ImportStatus, Modality, StudySource
from board.imaging.grouping import SeriesSummary, StudySummary, group_instances
from board.imaging.parse import ParsedInstance, patient_key_for
from board.imaging.pool import ProgressCallback, parse_all
from board.imaging.reader import (
    DEFAULT_LIMITS,
    ReadLimits,
    SourceFile,
    close_archives,
    iter_sources,
    iter_uploads,
)
from board.imaging.thumbnail import Thumbnail, make_thumbnail
from board.imaging.views import FileResult, IdentityConflict, ImportReport

__all__ = ["MAX_REASON_LENGTH", "import_paths", "import_sources", "import_uploads"]

MAX_REASON_LENGTH = 2_000
#: Key images made and checked for burned-in text at the same time (OCR runs in its
#: own process, so threads are enough).
KEY_IMAGE_THREADS = 2


@dataclass(frozen=True, slots=True)
class CaseIdentity:
    """What the case knows about its patient before the import."""

    patient_keys: frozenset[str]
    hospital_key: str | None
    known_sop_uids: frozenset[str]


def case_identity(session: Session, case_id: int, key: bytes) -> CaseIdentity:
    """The case's patient keys, to compare with the files' (used by PACS attach too)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    patient = session.get(Patient, case.patient_id)
    keys = {
        k
        for k in session.scalars(
            select(ImagingStudy.patient_key).where(
                ImagingStudy.case_id == case_id,
                ImagingStudy.patient_key.is_not(None),
                ImagingStudy.identity_override_reason.is_(None),
            )
        )
        if k
    }
    if patient is not None and patient.dicom_patient_key:
        keys.add(patient.dicom_patient_key)
    hospital = patient.hospital_number if patient is not None else None
    known = frozenset(
        session.scalars(
            select(ImagingInstance.sop_uid)
            .join(ImagingSeries, ImagingSeries.id == ImagingInstance.series_id)
            .join(ImagingStudy, ImagingStudy.id == ImagingSeries.study_id)
            .where(ImagingStudy.case_id == case_id)
        )
    )
    return CaseIdentity(
        frozenset(keys), patient_key_for(hospital, None, key) if hospital else None, known
    )


def _describe(study: StudySummary) -> str:
    date = study.study_date.isoformat() if study.study_date else "undated"
    modalities = "/".join(m.value for m in study.modalities) or "?"
    return f"{date} {modalities} {study.study_description or '(no description)'}".strip()


def _identity_conflicts(
    studies: Sequence[StudySummary], identity: CaseIdentity, *, require_patient_id: bool = False
) -> list[IdentityConflict]:
    """Studies of the batch whose patient differs from the case's patient (or, with
    ``require_patient_id``, cannot be checked because they have no Patient ID)."""
    reference = set(identity.patient_keys)
    against = "that of the imaging already attached to this case"
    if not reference:
        against = "that of the largest study in these files"
        # No study yet: the batch's largest study names the patient.
        keyed = [s for s in studies if len(s.patient_keys) == 1]
        if keyed:
            reference = set(max(keyed, key=lambda s: s.instance_count).patient_keys)
    conflicts: list[IdentityConflict] = []
    for study in studies:
        reason = ""
        id_keys = {i.patient_id_key for s in study.series for i in s.instances if i.patient_id_key}
        if len(study.patient_keys) > 1:
            reason = "the files of this study name more than one patient (different Patient IDs)"
        elif study.patient_keys and reference and not study.patient_keys <= reference:
            reason = f"the study's Patient ID differs from {against} (a different patient?)"
        elif identity.hospital_key and id_keys and identity.hospital_key not in id_keys:
            reason = "the study's Patient ID differs from the case's hospital number"
        elif require_patient_id and not study.patient_keys and not id_keys:
            reason = (
                "the study has no Patient ID, so it cannot be checked that it is this patient's"
            )
        if reason:
            conflicts.append(IdentityConflict(study.study_instance_uid, _describe(study), reason))
    return conflicts


def _thumbnail_for(
    series: SeriesSummary, sources: dict[str, SourceFile]
) -> tuple[bytes | None, str | None]:
    refusal = series.thumbnail_refusal
    if refusal:
        return None, refusal
    middle = series.middle_instance
    if middle is None or not middle.is_image:
        return None, "no thumbnail: the series has no images"
    source = sources.get(middle.sop_instance_uid)
    if source is None:
        return None, "no thumbnail: the image could not be read again"
    try:
        data = source.read_bytes()
    except OSError:
        return None, "no thumbnail: the image could not be read again"
    result = make_thumbnail(data)
    if isinstance(result, Thumbnail):
        return result.png_bytes, None
    return None, clean_text(result.reason, 200)


def _study_modality(study: StudySummary) -> str:
    for preferred in (Modality.MR, Modality.PT, Modality.CT, Modality.NM):
        if preferred in study.modalities:
            return preferred.value
    codes = [s.modality_code for s in study.series if s.modality_code]
    return (codes[0] if codes else Modality.OTHER.value)[:16]


def _write_studies(
    session: Session,
    actor: Actor,
    case_id: int,
    studies: Sequence[StudySummary],
    thumbnails: dict[str, tuple[bytes | None, str | None]],
    *,
    source: StudySource,
    override_reason: str | None,
    overridden: set[str],
) -> tuple[int, int, int]:
    """Insert (or extend) studies, series and instances; audit each study."""
    studies_added = series_added = instances_added = 0
    first_key: str | None = None
    for study in studies:
        row = session.scalars(
            select(ImagingStudy).where(
                ImagingStudy.case_id == case_id,
                ImagingStudy.study_uid == study.study_instance_uid,
            )
        ).one_or_none()
        key = next(iter(study.patient_keys)) if len(study.patient_keys) == 1 else None
        is_override = study.study_instance_uid in overridden
        if row is None:
            row = ImagingStudy(
                case_id=case_id,
                study_uid=study.study_instance_uid,
                source=source.value,
                modality=_study_modality(study),
                study_date=study.study_date,
                description=clean_text(study.study_description, MAX_DESCRIPTION_LENGTH) or None,
                body_region=study.body_region.value,
                accession_hash=next(iter(sorted(study.accession_keys)), None),
                patient_key=key,
                identity_override_reason=override_reason if is_override else None,
                created_by_id=actor.user_id,
            )
            session.add(row)
            session.flush()
            studies_added += 1
        if key and not is_override and first_key is None:
            first_key = key
        existing_series = {
            s.series_uid: s
            for s in session.scalars(select(ImagingSeries).where(ImagingSeries.study_id == row.id))
        }
        new_series = 0
        new_instances = 0
        for series in study.series:
            series_row = existing_series.get(series.series_instance_uid)
            if series_row is None:
                png, note = thumbnails.get(series.series_instance_uid, (None, None))
                series_row = ImagingSeries(
                    study_id=row.id,
                    series_uid=series.series_instance_uid,
                    modality=series.modality_code[:16] or series.modality.value,
                    series_number=series.series_number,
                    description=clean_text(series.series_description, MAX_DESCRIPTION_LENGTH)
                    or None,
                    body_region=series.body_region.value,
                    instance_count=0,
                    sequence_hint=series.sequence_hint.value if series.sequence_hint else None,
                    ct_kernel=clean_text(series.convolution_kernel, 64) or None,
                    radiopharmaceutical=clean_text(series.radiopharmaceutical, 120) or None,
                    thumbnail_png=png,
                    thumbnail_note=note,
                )
                session.add(series_row)
                session.flush()
                new_series += 1
            series_row.instance_count = (series_row.instance_count or 0) + series.instance_count
            if series.instances:
                session.execute(
                    insert(ImagingInstance),
                    [
                        {
                            "series_id": series_row.id,
                            "sop_uid": i.sop_instance_uid,
                            "instance_number": i.instance_number,
                        }
                        for i in series.instances
                    ],
                )
            new_instances += series.instance_count
        series_added += new_series
        instances_added += new_instances
        record(
            session,
            actor,
            f"imaging.{source.value}",
            "imaging_study",
            row.id,
            case_id=case_id,
            after={
                "study_uid": study.study_instance_uid,
                "study_date": study.study_date,
                "modality": row.modality,
                "description": row.description,
                "series_added": new_series,
                "instances_added": new_instances,
            },
        )
        if is_override:
            record(
                session,
                actor,
                "imaging.identity_override",
                "imaging_study",
                row.id,
                case_id=case_id,
                after={"study_uid": study.study_instance_uid},
                detail=override_reason,
            )
    if first_key is not None:
        case = session.get(Case, case_id)
        patient = session.get(Patient, case.patient_id) if case is not None else None
        if patient is not None and not patient.dicom_patient_key:
            patient.dicom_patient_key = first_key
    return studies_added, series_added, instances_added


def clean_reason(override_reason: str | None) -> str | None:
    """The override reason, trimmed and checked for length; ``None`` when not given."""
    if override_reason is None:
        return None
    reason = clean_text(override_reason, MAX_REASON_LENGTH + 1)
    if not reason:
        return None
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"The reason is too long: at most {MAX_REASON_LENGTH} characters.", field="reason"
        )
    return reason


def import_sources(
    db: Database | None,
    actor: Actor | None,
    case_id: int | None,
    sources: Iterable[SourceFile | Skipped],
    *,
    key: bytes,
    dry_run: bool = False,
    override_reason: str | None = None,
    progress: ProgressCallback | None = None,
    source: StudySource = StudySource.UPLOAD,
    workers: int | None = None,
) -> ImportReport:
    """Import DICOM inputs into a case (or only check them, for a dry run).

    Every input gets a result: imported, duplicate (already in the case, or earlier in
    the batch) or skipped with the reason. Nothing in one bad input stops the others.
    All new studies, series and instances are written in one transaction.

    Parameters
    ----------
    db:
        The database; may be ``None`` for a dry run without a case.
    actor:
        Who imports (needs :attr:`Action.IMAGING_ATTACH`); may be ``None`` only for a
        dry run without a case.
    case_id:
        The case; ``None`` only for a dry run.
    sources:
        Items from :func:`~board.imaging.reader.iter_sources` / ``iter_uploads``.
    key:
        HMAC key (:func:`~board.imaging.links.derive_key` of the secret key).
    dry_run:
        Parse, group and check only; write nothing.
    override_reason:
        Attach studies of a different patient anyway, for this reason (audited).
    progress:
        Progress callback ``(done, total, message)``.
    source:
        Recorded as the studies' source.
    workers:
        Parsing processes (default: automatic).

    Returns
    -------
    ImportReport
        Per-file results and counts.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach imaging.
    NotFoundError
        If the case does not exist.
    ValidationError
        If a write was asked without a case, or the reason is too long.
    """
    started = time.perf_counter()
    reason = clean_reason(override_reason)
    if case_id is not None or not dry_run:
        if db is None or actor is None or case_id is None:
            raise ValidationError("Choose the case to import the images into.", field="case")
        require(actor, Action.IMAGING_ATTACH)
        with db.read() as session:
            identity = case_identity(session, case_id, key)
    else:
        identity = CaseIdentity(frozenset(), None, frozenset())

    try:
        items = list(sources)
        if progress:
            progress(0, len(items), "Reading DICOM headers")
        parsed, workers_used = parse_all(items, key=key, progress=progress, workers=workers)
        by_uid: dict[str, SourceFile] = {}
        for item, result in zip(items, parsed, strict=True):
            if isinstance(item, SourceFile) and isinstance(result, ParsedInstance):
                by_uid.setdefault(result.sop_instance_uid, item)
        return _finish_files(
            db,
            actor,
            case_id,
            identity,
            parsed,
            by_uid,
            key=key,
            dry_run=dry_run,
            reason=reason,
            progress=progress,
            source=source,
            started=started,
            workers_used=workers_used,
        )
    finally:
        close_archives()


def _finish_files(
    db: Database | None,
    actor: Actor | None,
    case_id: int | None,
    identity: CaseIdentity,
    parsed: Sequence[ParsedInstance | Skipped],
    by_uid: dict[str, SourceFile],
    **options: Any,
) -> ImportReport:
    return finish_import(
        db,
        actor,
        case_id,
        identity,
        parsed,
        lambda series: _thumbnail_for(series, by_uid),
        **options,
    )


def finish_import(
    db: Database | None,
    actor: Actor | None,
    case_id: int | None,
    identity: CaseIdentity,
    parsed: Sequence[ParsedInstance | Skipped],
    thumbnailer: Callable[[SeriesSummary], tuple[bytes | None, str | None]],
    *,
    key: bytes,
    dry_run: bool,
    reason: str | None,
    progress: ProgressCallback | None,
    source: StudySource,
    started: float,
    workers_used: int,
    require_patient_id: bool = False,
) -> ImportReport:
    """Group, check the patient, make key images and write (shared by files and PACS).

    With ``require_patient_id`` (PACS attach) a study without Patient ID is refused
    like one of a different patient, unless a reason is given.
    """
    total = len(parsed)
    for attempt in range(2):
        grouping = group_instances(parsed, known_sop_instance_uids=identity.known_sop_uids)
        conflicts = _identity_conflicts(
            grouping.studies, identity, require_patient_id=require_patient_id
        )
        refused = {c.study_uid: c for c in conflicts}
        overridden: set[str] = set()
        if reason is not None:
            overridden, refused = set(refused), {}
        results = tuple(_file_result(outcome, refused) for outcome in grouping.outcomes)
        studies = [s for s in grouping.studies if s.study_instance_uid not in refused]
        if dry_run:
            return ImportReport(
                results,
                studies_added=len(studies),
                series_added=sum(len(s.series) for s in studies),
                instances_added=sum(s.instance_count for s in studies),
                conflicts=tuple(refused.values()),
                dry_run=True,
                seconds=time.perf_counter() - started,
                workers=workers_used,
            )
        assert db is not None and actor is not None and case_id is not None
        if progress:
            progress(total, total, "Making key images")
        thumbnails = _key_images(studies, thumbnailer)
        if progress:
            progress(total, total, "Saving")
        try:
            with db.write() as session:
                fresh = case_identity(session, case_id, key)
                if fresh != identity:
                    raise _Changed(fresh)
                added = _write_studies(
                    session,
                    actor,
                    case_id,
                    studies,
                    thumbnails,
                    source=source,
                    override_reason=reason,
                    overridden=overridden & {s.study_instance_uid for s in studies},
                )
        except _Changed as changed:
            identity = changed.identity  # someone imported meanwhile: regroup once
            continue
        except IntegrityError:
            if attempt:
                raise
            with db.read() as session:
                identity = case_identity(session, case_id, key)
            continue
        return ImportReport(
            results,
            studies_added=added[0],
            series_added=added[1],
            instances_added=added[2],
            conflicts=tuple(refused.values()),
            seconds=time.perf_counter() - started,
            workers=workers_used,
        )
    raise ValidationError(  # pragma: no cover - two concurrent imports twice in a row
        "The case's imaging changed twice while importing; nothing was saved. Try again."
    )


def _key_images(
    studies: Sequence[StudySummary],
    thumbnailer: Callable[[SeriesSummary], tuple[bytes | None, str | None]],
) -> dict[str, tuple[bytes | None, str | None]]:
    """Every new series' key image, checked for burned-in text.

    The key images are made one after the other (one image file in memory at a time,
    one PACS request at a time); the OCR checks, each in its own Tesseract process,
    run :data:`KEY_IMAGE_THREADS` at a time.
    """
    series = [s for study in studies for s in study.series]
    made = [thumbnailer(s) for s in series]
    if len(made) < 2:
        checked = [check_key_image(*pair) for pair in made]
    else:
        with ThreadPoolExecutor(max_workers=KEY_IMAGE_THREADS) as pool:
            checked = list(pool.map(lambda pair: check_key_image(*pair), made))
    return {s.series_instance_uid: pair for s, pair in zip(series, checked, strict=True)}


class _Changed(Exception):
    def __init__(self, identity: CaseIdentity) -> None:
        super().__init__("case imaging changed")
        self.identity = identity


def _file_result(outcome: Any, refused: dict[str, IdentityConflict]) -> FileResult:
    study_uid = outcome.study_instance_uid
    if outcome.status is ImportStatus.IMPORTED and study_uid in refused:
        conflict = refused[study_uid]
        return FileResult(
            outcome.display_name,
            ImportStatus.SKIPPED,
            f"refused: {conflict.reason}; to attach it anyway, give a reason",
            study_uid,
            outcome.series_instance_uid,
        )
    return FileResult(
        outcome.display_name,
        outcome.status,
        outcome.reason,
        study_uid,
        outcome.series_instance_uid,
    )


def import_paths(
    db: Database | None,
    actor: Actor | None,
    case_id: int | None,
    paths: Iterable[str | os.PathLike[str]],
    *,
    key: bytes,
    limits: ReadLimits = DEFAULT_LIMITS,
    **options: Any,
) -> ImportReport:
    """Import files, folders (recursively, DICOMDIR trees included) and zip archives.

    Parameters
    ----------
    db, actor, case_id:
        See :func:`import_sources`.
    paths:
        Files and folders.
    key:
        HMAC key.
    limits:
        Archive and file size caps.
    **options:
        ``dry_run``, ``override_reason``, ``progress``, ``workers``.

    Returns
    -------
    ImportReport
        Per-file results and counts.

    Raises
    ------
    PermissionDeniedError, NotFoundError, ValidationError
        As :func:`import_sources`.
    """
    return import_sources(
        db, actor, case_id, iter_sources(paths, limits=limits), key=key, **options
    )


def import_uploads(
    db: Database,
    actor: Actor,
    case_id: int,
    uploads: Sequence[tuple[str, bytes]],
    *,
    key: bytes,
    limits: ReadLimits = DEFAULT_LIMITS,
    **options: Any,
) -> ImportReport:
    """Import uploaded files (DICOM files or zip archives, recognised by content).

    Parameters
    ----------
    db, actor, case_id:
        See :func:`import_sources`.
    uploads:
        ``(file name, bytes)`` pairs as the browser sent them.
    key:
        HMAC key.
    limits:
        Archive and file size caps.
    **options:
        ``dry_run``, ``override_reason``, ``progress``, ``workers``.

    Returns
    -------
    ImportReport
        Per-file results and counts.

    Raises
    ------
    PermissionDeniedError, NotFoundError, ValidationError
        As :func:`import_sources`.
    """
    items: list[SourceFile | Skipped] = []
    for name, data in uploads:
        # Members are read lazily: by the parsing processes, in parallel.
        items.extend(iter_uploads(name, data, limits=limits, lazy=True))
    return import_sources(db, actor, case_id, items, key=key, **options)
