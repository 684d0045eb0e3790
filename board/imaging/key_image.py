"""A slice chosen in the series viewer becomes its series' key image.

The instance is retrieved from the PACS (WADO-RS) and goes through
:func:`board.imaging.thumbnail.make_thumbnail`, the function every key image of an
imported file goes through: the same privacy refusals (burned-in annotation, secondary
or screen captures) and the same checks added there apply to a chosen slice. The key
image is checked for burned-in text (:func:`board.imaging.burned_in.check_key_image`:
text regions are blacked out, or the slice is refused with the reason) and replaces the
series' stored one in one transaction with its audit event; the
study's row version guards against two people choosing at once.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import ImagingSeries, ImagingStudy, User, utcnow
from board.errors import ConflictError, NotFoundError, UserError, ValidationError
from board.imaging.burned_in import check_key_image
from board.imaging.enums import Modality
from board.imaging.pacs import PacsClient
from board.imaging.parse import is_valid_uid
from board.imaging.thumbnail import Thumbnail, make_thumbnail
from board.imaging.viewer import SliceRef, pacs_call

__all__ = ["KeyImageChoice", "KeyImageRefused", "set_key_image"]


class KeyImageRefused(UserError):
    """The chosen slice cannot be a key image (the reason says why; nothing changed)."""


@dataclass(frozen=True, slots=True)
class KeyImageChoice:
    """The outcome of choosing a key image.

    Parameters
    ----------
    series_id:
        The series.
    study_version:
        The study's row version after the change.
    width, height:
        Size of the stored key image.
    """

    series_id: int
    study_version: int
    width: int
    height: int

    @property
    def message(self) -> str:
        """One plain-English line for the radiologist."""
        return "Key image saved: the case page, presenter and report show this slice now."


def _load(session: Session, series_id: int) -> tuple[ImagingSeries, ImagingStudy]:
    series = session.get(ImagingSeries, series_id)
    if series is None:
        raise NotFoundError(
            f"Imaging series {series_id} does not exist (it may have been removed)."
        )
    study = session.get(ImagingStudy, series.study_id)
    if study is None:  # pragma: no cover - foreign key
        raise NotFoundError(f"The study of imaging series {series_id} does not exist.")
    return series, study


def _conflict(session: Session, study: ImagingStudy) -> ConflictError:
    who = session.get(User, study.updated_by_id) if study.updated_by_id else None
    date = study.study_date.isoformat() if study.study_date else "undated"
    return ConflictError(
        f"The {Modality.from_code(study.modality).label} study ({date})",
        changed_by=who.display_name if who else None,
        changed_at=study.updated_at,
    )


def _instance_bytes(client: PacsClient, study_uid: str, series_uid: str, sop_uid: str) -> bytes:
    ds = pacs_call(
        "send the image", client.client.retrieve_instance, study_uid, series_uid, sop_uid
    )
    if (
        str(ds.get("SOPInstanceUID", "")) != sop_uid
        or str(ds.get("SeriesInstanceUID", "")) != series_uid
    ):
        raise KeyImageRefused("The PACS sent a different image than the one chosen.")
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds.save_as(buffer, enforce_file_format=True)
    except (ValueError, AttributeError, TypeError) as exc:
        raise KeyImageRefused("The image from the PACS could not be read.") from exc
    return buffer.getvalue()


def set_key_image(
    db: Database,
    actor: Actor,
    series_id: int,
    client: PacsClient,
    slice_ref: SliceRef,
    *,
    expected_version: int,
    now: dt.datetime | None = None,
) -> KeyImageChoice:
    """Make a slice from the PACS the key image of an attached series.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who chooses (needs :attr:`Action.IMAGING_ATTACH`: radiologists and
        coordinators).
    series_id:
        The attached series (``SeriesView.id``).
    client:
        The PACS client.
    slice_ref:
        The instance and frame shown in the viewer.
    expected_version:
        The study's version the page loaded (``StudyView.version``).
    now:
        The time of the change; now when ``None``.

    Returns
    -------
    KeyImageChoice
        The new study version and the key image's size.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach imaging.
    NotFoundError
        If the series does not exist.
    ValidationError
        For a malformed SOP Instance UID or frame, or a study with no UID.
    KeyImageRefused
        When the slice may not or cannot be a key image (burned-in annotation, a
        secondary capture, an image that cannot be decoded); nothing changes.
    ConflictError
        If someone changed the study since ``expected_version``: nothing is overwritten.
    PacsError
        When the PACS cannot be reached or answers with an error.
    """
    require(actor, Action.IMAGING_ATTACH)
    if not is_valid_uid(slice_ref.sop_uid):
        raise ValidationError("That is not a valid SOP Instance UID.", field="sop_uid")
    if slice_ref.frame < 0:
        raise ValidationError("The frame number must be 1 or more.", field="frame")
    with db.read() as session:
        series, study = _load(session, series_id)
        if study.version != expected_version:
            raise _conflict(session, study)
        study_uid, series_uid = study.study_uid, series.series_uid
    if not study_uid:
        raise ValidationError("A study entered by hand has no images in the PACS.", field="study")
    data = _instance_bytes(client, study_uid, series_uid, slice_ref.sop_uid)
    result = make_thumbnail(data, frame=slice_ref.frame)
    if not isinstance(result, Thumbnail):
        reason = result.reason.removeprefix("no thumbnail: ")
        raise KeyImageRefused(f"This slice cannot be the key image: {reason}.")
    # Text burned into the pixels (names, IDs) is found and blacked out before storing.
    png, note = check_key_image(result.png_bytes, None)
    if png is None:
        why = (note or "text in the image could not be removed").rstrip(".")
        raise KeyImageRefused(f"This slice cannot be the key image: {why}.")
    now = now or utcnow()
    try:
        with db.write() as session:
            series, study = _load(session, series_id)
            if study.version != expected_version:
                raise _conflict(session, study)
            before = {"key_image": "stored" if series.thumbnail_png else "none"}
            series.thumbnail_png = png
            series.thumbnail_note = note
            study.updated_at = now
            study.updated_by_id = actor.user_id
            session.flush()
            record(
                session,
                actor,
                "imaging.key_image",
                "imaging_series",
                series.id,
                case_id=study.case_id,
                before=before,
                after={
                    "key_image": "chosen in the series viewer",
                    "sop_uid": slice_ref.sop_uid,
                    "frame": slice_ref.frame + 1,
                },
                at=now,
            )
            return KeyImageChoice(series.id, study.version, result.width, result.height)
    except StaleDataError:
        with db.read() as session:
            raise _conflict(session, _load(session, series_id)[1]) from None
