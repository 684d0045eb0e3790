"""Send uploaded DICOM files to the configured PACS (STOW-RS), so the viewer can show them.

The import keeps no DICOM file: it keeps de-identified metadata and one small key image
per series (see :mod:`board.imaging.importer`), and the uploaded bytes live only in the
browser session's memory while the page is open. The pixels of a study imported from
files can therefore reach the PACS only while its files are at hand: the radiologist
imports them, then sends the same upload with "Send to the PACS". Only instances that
are attached to the case are sent (never a file that was refused as another patient's,
nor one that is not DICOM), unchanged, as the hospital's PACS keeps them; one audit
event per study records how many were sent.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from sqlalchemy import select

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import Case, ImagingInstance, ImagingSeries, ImagingStudy
from board.errors import NotFoundError, ValidationError
from board.imaging.common import Skipped
from board.imaging.pacs import PacsClient
from board.imaging.reader import DEFAULT_LIMITS, ReadLimits, iter_uploads
from board.imaging.viewer import pacs_call
from board.wording import plural

__all__ = ["STOW_BATCH_BYTES", "PacsSendReport", "send_uploads_to_pacs"]

log = logging.getLogger(__name__)

#: Files are sent in STOW-RS requests of at most about this many bytes.
STOW_BATCH_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PacsSendReport:
    """What was sent to the PACS.

    Parameters
    ----------
    sent:
        Instances the PACS stored.
    not_attached:
        DICOM files that are not attached to this case (not imported, or refused as
        another patient's): not sent.
    unreadable:
        Inputs that are not DICOM or could not be read: not sent.
    failed:
        Instances the PACS refused.
    studies:
        Study Instance UIDs of what was sent.
    """

    sent: int
    not_attached: int
    unreadable: int
    failed: int
    studies: tuple[str, ...]

    @property
    def message(self) -> str:
        """One plain-English line."""
        text = f"{plural(self.sent, 'image')} sent to the PACS"
        if self.studies:
            text += f" ({plural(len(self.studies), 'study')})"
        text += "."
        if self.failed:
            text += f" The PACS refused {plural(self.failed, 'image')}."
        if self.not_attached:
            text += (
                f" {plural(self.not_attached, 'file')} not sent: not attached to this case "
                "(import them first; files of another patient are never sent)."
            )
        if self.unreadable:
            text += f" {plural(self.unreadable, 'file')} not sent: not DICOM or unreadable."
        return text


def _read(data: bytes) -> Dataset | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = dcmread(io.BytesIO(data))
            _ = (str(ds.SOPInstanceUID), str(ds.StudyInstanceUID))  # both required
            return ds
    except (InvalidDicomError, AttributeError, ValueError, TypeError, KeyError, OSError, EOFError):
        return None
    except Exception as exc:  # pydicom raises many kinds for damaged files: skip the file
        log.info("file not sent to the PACS (%s)", type(exc).__name__)
        return None


def _failed_count(answer: object) -> int:
    failed = getattr(answer, "FailedSOPSequence", None) if answer is not None else None
    return len(failed) if failed else 0


def send_uploads_to_pacs(
    db: Database,
    actor: Actor,
    case_id: int,
    client: PacsClient,
    uploads: Sequence[tuple[str, bytes]],
    *,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> PacsSendReport:
    """Send the uploaded files of studies attached to a case to the PACS (STOW-RS).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who sends (needs :attr:`Action.IMAGING_ATTACH`).
    case_id:
        The case the files were imported into.
    client:
        The configured PACS.
    uploads:
        ``(file name, bytes)`` pairs as the browser sent them (DICOM files or zips).
    limits:
        Archive and file size caps (as for the import).

    Returns
    -------
    PacsSendReport
        Counts of what was sent and not sent.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach imaging.
    NotFoundError
        If the case does not exist.
    ValidationError
        When no file is given.
    PacsError
        When the PACS cannot be reached or refuses the request (what was sent before
        is audited).
    """
    require(actor, Action.IMAGING_ATTACH)
    if not uploads:
        raise ValidationError("Choose the DICOM files to send first.", field="files")
    with db.read() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        attached = {
            (sop_uid, study_uid): study_id
            for sop_uid, study_uid, study_id in session.execute(
                select(ImagingInstance.sop_uid, ImagingStudy.study_uid, ImagingStudy.id)
                .join(ImagingSeries, ImagingSeries.id == ImagingInstance.series_id)
                .join(ImagingStudy, ImagingStudy.id == ImagingSeries.study_id)
                .where(ImagingStudy.case_id == case_id)
            )
        }
    not_attached = unreadable = failed = 0
    sent_per_study: dict[int, tuple[str, int]] = {}
    batch: list[tuple[int, str, Dataset]] = []
    batch_bytes = 0
    seen: set[str] = set()

    def flush() -> None:
        nonlocal batch, batch_bytes, failed
        if not batch:
            return
        answer = pacs_call(
            "store the images", client.client.store_instances, [ds for _, _, ds in batch]
        )
        refused = _failed_count(answer)
        failed += refused
        # The answer names refused instances; count the rest as sent per study.
        refused_uids = {
            str(item.get("ReferencedSOPInstanceUID", ""))
            for item in (getattr(answer, "FailedSOPSequence", None) or [])
        }
        for study_id, study_uid, ds in batch:
            if str(ds.SOPInstanceUID) in refused_uids:
                continue
            uid, count = sent_per_study.get(study_id, (study_uid, 0))
            sent_per_study[study_id] = (uid, count + 1)
        batch, batch_bytes = [], 0

    try:
        for name, data in uploads:
            for item in iter_uploads(name, data, limits=limits):
                if isinstance(item, Skipped):
                    unreadable += 1
                    continue
                try:
                    raw = item.read_bytes()
                except OSError:
                    unreadable += 1
                    continue
                ds = _read(raw)
                if ds is None:
                    unreadable += 1
                    continue
                sop_uid, study_uid = str(ds.SOPInstanceUID), str(ds.StudyInstanceUID)
                study_id = attached.get((sop_uid, study_uid))
                if study_id is None:
                    not_attached += 1
                    continue
                if sop_uid in seen:
                    continue
                seen.add(sop_uid)
                batch.append((study_id, study_uid, ds))
                batch_bytes += len(raw)
                if batch_bytes >= STOW_BATCH_BYTES:
                    flush()
        flush()
    finally:
        _audit(db, actor, case_id, sent_per_study)
    return PacsSendReport(
        sent=sum(count for _, count in sent_per_study.values()),
        not_attached=not_attached,
        unreadable=unreadable,
        failed=failed,
        studies=tuple(sorted({uid for uid, _ in sent_per_study.values()})),
    )


def _audit(
    db: Database, actor: Actor, case_id: int, sent_per_study: dict[int, tuple[str, int]]
) -> None:
    """One audit event per study sent (also when the PACS failed part way)."""
    if not sent_per_study:
        return
    with db.write() as session:
        for study_id, (study_uid, count) in sorted(sent_per_study.items()):
            record(
                session,
                actor,
                "imaging.send_to_pacs",
                "imaging_study",
                study_id,
                case_id=case_id,
                after={"study_uid": study_uid, "instances_sent": count},
            )
