"""Search the hospital PACS and attach its studies to a case.

:mod:`board.imaging.pacs` is the DICOMweb client; this module checks the actor's
permission and sends the studies' metadata and rendered key images through the same
import write as files (:mod:`board.imaging.importer`): de-identification, patient
check, idempotency, one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.errors import ValidationError
from board.imaging.common import Skipped
from board.imaging.enums import StudySource
from board.imaging.grouping import SeriesSummary
from board.imaging.importer import case_identity, clean_reason, finish_import
from board.imaging.pacs import PacsClient, PacsSearch, PacsStudy
from board.imaging.parse import ParsedInstance
from board.imaging.pool import ProgressCallback
from board.imaging.views import ImportReport

__all__ = ["attach_pacs_studies", "search_pacs"]


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
    one transaction, key images checked for burned-in text); each instance gets a
    result line. A study without Patient ID is refused like one of a different
    patient: it is attached only with ``override_reason``.

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
    reason = clean_reason(override_reason)
    if not study_uids:
        raise ValidationError("Pick at least one study to attach.", field="study_uids")
    with db.read() as session:
        identity = case_identity(session, case_id, key)
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

    return finish_import(
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
        require_patient_id=True,
    )
