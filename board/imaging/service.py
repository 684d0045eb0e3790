"""Imaging services: import DICOM files into a case, enter a study by hand, list studies.

Every function that writes checks the actor's permission (:attr:`Action.IMAGING_ATTACH`),
opens one transaction for the whole action and appends its audit events to it, so an
import either lands completely or not at all: there is never a half-imported study.

The pipeline of an import (the slow parts run before the write transaction opens)::

    reader (files, folders, zips, uploads) -> parse (header only; several processes when
    the batch is large) -> group into study > series (new SOP instances only) -> patient
    check -> one thumbnail per new series (pixels of its middle image decoded once) ->
    one transaction: studies, series, instances, audit events

Thumbnails are kept as PNG bytes in the database (``imaging_series.thumbnail_png``):
they are small (a few KB at 256 px), they are written in the same transaction as their
series (no orphan files, no half-imported study), they are part of every database
backup, and a PostgreSQL installation with several app servers needs no shared disk.

Patient identity: the files' Patient ID + Issuer is kept only as a keyed hash
(HMAC-SHA256 with a key derived from the installation's secret key). A study whose
patient differs from the case's other studies, or from the case's hospital number when
one is set, is refused with a clear message unless the user gives a reason, which is
stored on the study and audited.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import (
    Case,
    ImagingInstance,
    ImagingSeries,
    ImagingStudy,
    Patient,
    User,
)
from board.errors import NotFoundError, ValidationError
from board.imaging.common import Skipped, clean_text
from board.imaging.enums import BodyRegion, ImportStatus, Modality, StudySource
from board.imaging.grouping import SeriesSummary, StudySummary, group_instances
from board.imaging.pacs import PacsClient, PacsSearch, PacsStudy
from board.imaging.parse import ParsedInstance, parse_source, patient_key_for
from board.imaging.reader import (
    DEFAULT_LIMITS,
    ReadLimits,
    SourceFile,
    iter_sources,
    iter_uploads,
)
from board.imaging.thumbnail import Thumbnail, make_thumbnail
from board.imaging.views import (
    FileResult,
    IdentityConflict,
    ImportReport,
    ManualStudyInput,
    SeriesView,
    StudyView,
)

__all__ = [
    "PARALLEL_MIN_FILES",
    "ProgressCallback",
    "add_manual_study",
    "attach_pacs_studies",
    "derive_key",
    "import_paths",
    "import_sources",
    "import_uploads",
    "list_studies",
    "parse_all",
    "search_pacs",
    "viewer_url",
]

log = logging.getLogger(__name__)

#: ``progress(done, total, message)``: called while an import runs.
ProgressCallback = Callable[[int, int, str], None]

#: Batches with at least this many files are parsed by several processes.
PARALLEL_MIN_FILES = 200
_CHUNK = 50
#: A chunk of headers that takes longer than this is parsed again in this process.
CHUNK_TIMEOUT_SECONDS = 120.0
MAX_REASON_LENGTH = 2_000
MAX_REPORT_LENGTH = 50_000
MAX_DESCRIPTION_LENGTH = 200


def derive_key(secret_key: str) -> bytes:
    """The HMAC key for patient and accession hashes, derived from the secret key.

    Parameters
    ----------
    secret_key:
        The installation's ``TUMORBOARD_SECRET_KEY``.

    Returns
    -------
    bytes
        32 bytes, the same for the same secret.
    """
    label = b"tumorboard imaging keys v1"
    return hmac.new(secret_key.encode("utf-8"), label, hashlib.sha256).digest()


def viewer_url(template: str | None, study_uid: str | None) -> str | None:
    """The hospital viewer's address of a study, from the configured template.

    Parameters
    ----------
    template:
        ``TUMORBOARD_VIEWER_URL_TEMPLATE`` containing ``{study_uid}``, or ``None``.
    study_uid:
        The study's UID (``None`` for a study entered by hand).

    Returns
    -------
    str | None
        The link, or ``None`` when there is no template or no UID.
    """
    if not template or not study_uid:
        return None
    return template.replace("{study_uid}", study_uid)


# ---------------------------------------------------------------------------
# Parsing (optionally in several processes)
# ---------------------------------------------------------------------------

_FORK_ITEMS: list[SourceFile | Skipped] = []
_FORK_KEY: bytes = b""


def _parse_chunk(start: int, end: int) -> list[ParsedInstance | Skipped]:
    """Worker: parse the inherited items ``start:end`` (fork start method only)."""
    return [parse_source(item, key=_FORK_KEY) for item in _FORK_ITEMS[start:end]]


def _worker_count(n_files: int) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if n_files < PARALLEL_MIN_FILES or not cpus or cpus < 2:
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(cpus, 4)


def parse_all(
    items: Sequence[SourceFile | Skipped],
    *,
    key: bytes,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> tuple[list[ParsedInstance | Skipped], int]:
    """Parse every item (header only), in order; several processes for large batches.

    Worker processes are forked, so they inherit the items already in memory instead
    of receiving them through a pipe; only the small parse results travel back. If the
    pool cannot be used, the items are parsed in this process.

    Parameters
    ----------
    items:
        From :func:`~board.imaging.reader.iter_sources` or ``iter_uploads``.
    key:
        HMAC key for the patient and accession hashes.
    progress:
        Called after every chunk with (done, total, message).
    workers:
        Processes to use; by default 1 for small batches, else the usable cores (at
        most 4).

    Returns
    -------
    tuple[list[ParsedInstance | Skipped], int]
        One result per item, and the number of processes used.
    """
    global _FORK_ITEMS, _FORK_KEY
    total = len(items)
    n = _worker_count(total) if workers is None else max(1, workers)
    if n > 1:
        import multiprocessing

        _FORK_ITEMS, _FORK_KEY = list(items), key
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"))
        try:
            results: list[ParsedInstance | Skipped] = []
            futures = [
                pool.submit(_parse_chunk, start, min(start + _CHUNK, total))
                for start in range(0, total, _CHUNK)
            ]
            for future in futures:
                results.extend(future.result(timeout=CHUNK_TIMEOUT_SECONDS))
                if progress:
                    progress(len(results), total, "Reading DICOM headers")
            return results, n
        except Exception as exc:  # a broken or stuck pool must not lose the batch
            log.warning("parallel parsing failed (%r); parsing in one process", exc)
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            _FORK_ITEMS, _FORK_KEY = [], b""
    results = []
    for index, item in enumerate(items, start=1):
        results.append(parse_source(item, key=key))
        if progress and (index % _CHUNK == 0 or index == total):
            progress(index, total, "Reading DICOM headers")
    return results, 1


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CaseIdentity:
    """What the case knows about its patient before the import."""

    patient_keys: frozenset[str]
    hospital_key: str | None
    known_sop_uids: frozenset[str]


def _case_identity(session: Session, case_id: int, key: bytes) -> _CaseIdentity:
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
    return _CaseIdentity(
        frozenset(keys), patient_key_for(hospital, None, key) if hospital else None, known
    )


def _describe(study: StudySummary) -> str:
    date = study.study_date.isoformat() if study.study_date else "undated"
    modalities = "/".join(m.value for m in study.modalities) or "?"
    return f"{date} {modalities} {study.study_description or '(no description)'}".strip()


def _identity_conflicts(
    studies: Sequence[StudySummary], identity: _CaseIdentity
) -> list[IdentityConflict]:
    """Studies of the batch whose patient differs from the case's patient."""
    reference = set(identity.patient_keys)
    if not reference:
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
            reason = (
                "the study's Patient ID differs from that of the imaging already attached "
                "to this case (a different patient?)"
            )
        elif identity.hospital_key and id_keys and identity.hospital_key not in id_keys:
            reason = "the study's Patient ID differs from the case's hospital number"
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


def _clean_reason(override_reason: str | None) -> str | None:
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
        HMAC key (:func:`derive_key` of the secret key).
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
    reason = _clean_reason(override_reason)
    if case_id is not None or not dry_run:
        if db is None or actor is None or case_id is None:
            raise ValidationError("Choose the case to import the images into.", field="case")
        require(actor, Action.IMAGING_ATTACH)
        with db.read() as session:
            identity = _case_identity(session, case_id, key)
    else:
        identity = _CaseIdentity(frozenset(), None, frozenset())

    items = list(sources)
    if progress:
        progress(0, len(items), "Reading DICOM headers")
    parsed, workers_used = parse_all(items, key=key, progress=progress, workers=workers)
    by_uid: dict[str, SourceFile] = {}
    for item, result in zip(items, parsed, strict=True):
        if isinstance(item, SourceFile) and isinstance(result, ParsedInstance):
            by_uid.setdefault(result.sop_instance_uid, item)
    return _finish_import(
        db,
        actor,
        case_id,
        identity,
        parsed,
        lambda series: _thumbnail_for(series, by_uid),
        key=key,
        dry_run=dry_run,
        reason=reason,
        progress=progress,
        source=source,
        started=started,
        workers_used=workers_used,
    )


def _finish_import(
    db: Database | None,
    actor: Actor | None,
    case_id: int | None,
    identity: _CaseIdentity,
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
) -> ImportReport:
    """Group, check the patient, make key images and write (shared by files and PACS)."""
    total = len(parsed)
    for attempt in range(2):
        grouping = group_instances(parsed, known_sop_instance_uids=identity.known_sop_uids)
        conflicts = _identity_conflicts(grouping.studies, identity)
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
        thumbnails = {
            series.series_instance_uid: thumbnailer(series)
            for study in studies
            for series in study.series
        }
        if progress:
            progress(total, total, "Saving")
        try:
            with db.write() as session:
                fresh = _case_identity(session, case_id, key)
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
                identity = _case_identity(session, case_id, key)
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


class _Changed(Exception):
    def __init__(self, identity: _CaseIdentity) -> None:
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


# ---------------------------------------------------------------------------
# PACS
# ---------------------------------------------------------------------------


def search_pacs(
    actor: Actor, client: PacsClient, criteria: PacsSearch, *, key: bytes
) -> list[PacsStudy]:
    """Search the hospital PACS (QIDO-RS) for studies to attach.

    Parameters
    ----------
    actor:
        Who searches (needs :attr:`Action.IMAGING_ATTACH`).
    client:
        The PACS client (:meth:`PacsClient.from_settings`).
    criteria:
        Hospital number and/or accession number, date range, modality.
    key:
        HMAC key.

    Returns
    -------
    list[PacsStudy]
        The studies found, newest first.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach imaging.
    ValidationError
        For incomplete criteria.
    PacsError
        When the PACS cannot be reached.
    """
    require(actor, Action.IMAGING_ATTACH)
    return client.search(criteria, key=key)


def attach_pacs_studies(
    db: Database,
    actor: Actor,
    case_id: int,
    client: PacsClient,
    study_uids: Sequence[str],
    *,
    key: bytes,
    override_reason: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Attach PACS studies to a case: series from WADO-RS metadata, rendered key images.

    The same rules as for files apply (de-identification, patient check, idempotency,
    one transaction); each instance gets a result line.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who attaches (needs :attr:`Action.IMAGING_ATTACH`).
    case_id:
        The case.
    client:
        The PACS client.
    study_uids:
        The studies picked from :func:`search_pacs`.
    key:
        HMAC key.
    override_reason:
        Attach studies of a different patient anyway, for this reason (audited).
    progress:
        Progress callback.

    Returns
    -------
    ImportReport
        Per-instance results and counts.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach imaging.
    NotFoundError
        If the case does not exist.
    ValidationError
        For no study or a malformed UID.
    PacsError
        When the PACS cannot be reached.
    """
    started = time.perf_counter()
    require(actor, Action.IMAGING_ATTACH)
    reason = _clean_reason(override_reason)
    if not study_uids:
        raise ValidationError("Pick at least one study to attach.", field="study_uids")
    with db.read() as session:
        identity = _case_identity(session, case_id, key)
    parsed: list[ParsedInstance | Skipped] = []
    for index, uid in enumerate(dict.fromkeys(study_uids), start=1):
        if progress:
            progress(index - 1, len(study_uids), "Reading study metadata from the PACS")
        parsed.extend(client.study_instances(uid, key=key))

    def thumbnailer(series: SeriesSummary) -> tuple[bytes | None, str | None]:
        refusal = series.thumbnail_refusal
        if refusal:
            return None, refusal
        middle = series.middle_instance
        if middle is None or not middle.is_image:
            return None, "no thumbnail: the series has no images"
        png = client.rendered_thumbnail(
            series.study_instance_uid, series.series_instance_uid, middle.sop_instance_uid
        )
        if png is None:
            return None, "no thumbnail: the PACS could not render the image"
        return png, None

    return _finish_import(
        db,
        actor,
        case_id,
        identity,
        parsed,
        thumbnailer,
        key=key,
        dry_run=False,
        reason=reason,
        progress=progress,
        source=StudySource.PACS,
        started=started,
        workers_used=1,
    )


# ---------------------------------------------------------------------------
# Manual entry and listing
# ---------------------------------------------------------------------------


def add_manual_study(
    db: Database, actor: Actor, case_id: int, data: ManualStudyInput, *, today: Any = None
) -> int:
    """Attach a study entered by hand (outside-hospital imaging with only a report).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who enters it (needs :attr:`Action.IMAGING_ATTACH`).
    case_id:
        The case.
    data:
        Modality, date, region, description and report.
    today:
        Reference date for the "not in the future" check (default: today).

    Returns
    -------
    int
        The new study's id.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach imaging.
    NotFoundError
        If the case does not exist.
    ValidationError
        Naming the field that is not as expected.
    """
    import datetime as dt

    require(actor, Action.IMAGING_ATTACH)
    if not isinstance(data.modality, Modality):
        raise ValidationError("Choose the modality (MR, CT, PET, ...).", field="modality")
    if not isinstance(data.body_region, BodyRegion):
        raise ValidationError("Choose the body region.", field="body_region")
    reference = today or dt.date.today()
    if data.study_date is not None and data.study_date > reference:
        raise ValidationError("The study date cannot be in the future.", field="study_date")
    description = (data.description or "").strip()
    if not description:
        raise ValidationError(
            "Enter a short description, for example 'MRI whole spine with contrast'.",
            field="description",
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            f"The description is too long: at most {MAX_DESCRIPTION_LENGTH} characters.",
            field="description",
        )
    report = (data.report_text or "").strip()
    if len(report) > MAX_REPORT_LENGTH:
        raise ValidationError(
            f"The report is too long: at most {MAX_REPORT_LENGTH} characters.", field="report_text"
        )
    with db.write() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        study = ImagingStudy(
            case_id=case_id,
            study_uid=None,
            source=StudySource.MANUAL.value,
            modality=data.modality.value,
            study_date=data.study_date,
            description=description,
            body_region=data.body_region.value,
            report_text=report or None,
            created_by_id=actor.user_id,
        )
        session.add(study)
        session.flush()
        record(
            session,
            actor,
            "imaging.add_manual",
            "imaging_study",
            study.id,
            case_id=case_id,
            after={
                "modality": study.modality,
                "study_date": study.study_date,
                "body_region": study.body_region,
                "description": description,
            },
        )
        return study.id


def _region(value: str | None) -> BodyRegion | None:
    try:
        return BodyRegion(value) if value else None
    except ValueError:
        return None


def _source(value: str) -> StudySource:
    try:
        return StudySource(value)
    except ValueError:
        return StudySource.UPLOAD


def list_studies(
    db: Database, actor: Actor, case_id: int, *, viewer_template: str | None = None
) -> list[StudyView]:
    """The studies attached to a case, newest first, each with its series.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is asking (needs permission to view cases).
    case_id:
        The case.
    viewer_template:
        ``TUMORBOARD_VIEWER_URL_TEMPLATE``, to fill in each study's viewer link.

    Returns
    -------
    list[StudyView]
        Studies > series.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    NotFoundError
        If the case does not exist.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        rows = session.scalars(
            select(ImagingStudy)
            .where(ImagingStudy.case_id == case_id)
            .options(selectinload(ImagingStudy.series))
        ).all()
        names = {
            u.id: u.display_name
            for u in session.scalars(
                select(User).where(User.id.in_({r.created_by_id for r in rows if r.created_by_id}))
            )
        }
        views = [
            StudyView(
                id=r.id,
                study_uid=r.study_uid,
                source=_source(r.source),
                modality=r.modality,
                study_date=r.study_date,
                description=r.description or "",
                body_region=_region(r.body_region),
                report_text=r.report_text,
                identity_override_reason=r.identity_override_reason,
                created_at=r.created_at,
                created_by=names.get(r.created_by_id) if r.created_by_id else None,
                series=tuple(
                    SeriesView(
                        id=s.id,
                        series_uid=s.series_uid,
                        series_number=s.series_number,
                        description=s.description or "",
                        modality=s.modality,
                        body_region=_region(s.body_region),
                        instance_count=s.instance_count,
                        sequence_hint=s.sequence_hint,
                        ct_kernel=s.ct_kernel,
                        radiopharmaceutical=s.radiopharmaceutical,
                        thumbnail_png=bytes(s.thumbnail_png) if s.thumbnail_png else None,
                        thumbnail_note=s.thumbnail_note,
                    )
                    for s in sorted(
                        r.series,
                        key=lambda s: (s.series_number is None, s.series_number or 0, s.id),
                    )
                ),
                viewer_url=viewer_url(viewer_template, r.study_uid),
            )
            for r in rows
        ]
    views.sort(key=lambda v: (v.study_date is not None, v.study_date or v.created_at.date()))
    views.reverse()
    return views
