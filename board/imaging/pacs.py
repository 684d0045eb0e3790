"""The hospital PACS over DICOMweb: QIDO-RS search, WADO-RS metadata, rendered key images.

Built on the ``dicomweb-client`` library with a ``requests`` session (basic auth when
credentials are configured). What comes back is reduced at once to what the board
keeps: the metadata of every instance goes through the same de-identifying parser as
uploaded files (:func:`board.imaging.parse.parse_dicom`), and search results carry only
UIDs, dates, descriptions, counts and keyed hashes, never the patient's name; their
descriptions are cleaned of the patient's and the staff's names, the institution and the
station (:func:`scrub_search_result`) before they are shown. A patient ID or accession
number made only of wildcards is refused: it would list every patient's studies.

Orthanc note: Orthanc does not decode percent-encoded query values, while
``dicomweb-client`` percent-encodes ``*``, ``?`` and ``^``; a wildcard search
(``PatientID=TB*``) therefore builds its query string itself.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.uid import ExplicitVRLittleEndian

from board.errors import UserError, ValidationError
from board.imaging.common import Skipped, clean_text
from board.imaging.enums import Modality
from board.imaging.normalise import identifier_words, scrub_identifiers
from board.imaging.parse import (
    ParsedInstance,
    is_valid_uid,
    parse_dicom,
    patient_key_for,
)

__all__ = [
    "PacsClient",
    "PacsError",
    "PacsSearch",
    "PacsStudy",
    "describe_modalities",
    "metadata_to_instance",
    "scrub_search_result",
]

log = logging.getLogger(__name__)

_STUDY_FIELDS = (
    "00080020",  # StudyDate
    "00080030",  # StudyTime
    "00080050",  # AccessionNumber
    "00080061",  # ModalitiesInStudy
    "00081030",  # StudyDescription
    "00100020",  # PatientID
    "00100021",  # IssuerOfPatientID
    "0020000D",  # StudyInstanceUID
    "00201206",  # NumberOfStudyRelatedSeries
    "00201208",  # NumberOfStudyRelatedInstances
)
#: Asked for only to scrub the names they hold from the description; never kept.
_NAME_FIELDS = (
    "00100010",  # PatientName
    "00100030",  # PatientBirthDate
    "00080090",  # ReferringPhysicianName
    "00081060",  # NameOfPhysiciansReadingStudy
    "00081048",  # PhysiciansOfRecord
    "00081050",  # PerformingPhysicianName
    "00081070",  # OperatorsName
    "00080080",  # InstitutionName
    "00081040",  # InstitutionalDepartmentName
    "00081010",  # StationName
)
_STAFF_FIELDS = ("00080090", "00081060", "00081048", "00081050", "00081070")
_PLACE_FIELDS = ("00080080", "00081040", "00081010")
_WILDCARDS = ("*", "?")
_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
MAX_RESULTS = 200


class PacsError(UserError):
    """The PACS could not be reached or answered with an error."""


@dataclass(frozen=True, slots=True)
class PacsSearch:
    """What to search the PACS for (at least a hospital number or an accession number).

    Parameters
    ----------
    patient_id:
        Hospital number (PatientID); ``*`` and ``?`` are wildcards.
    accession_number:
        Accession number.
    date_from, date_to:
        Study date range (inclusive), either end open.
    modality:
        Only studies containing this modality.
    """

    patient_id: str = ""
    accession_number: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    modality: Modality | None = None

    def filters(self) -> dict[str, str]:
        """The QIDO-RS query parameters.

        Returns
        -------
        dict[str, str]
            Attribute keyword -> value.

        Raises
        ------
        ValidationError
            When neither a hospital number nor an accession number is given, either
            is only wildcards (``*``, ``?*``), or the date range is reversed.
        """
        patient = clean_text(self.patient_id, 64)
        accession = clean_text(self.accession_number, 16)
        if not patient and not accession:
            raise ValidationError(
                "Enter the hospital number or the accession number to search the PACS.",
                field="patient_id",
            )
        for value, what, field in (
            (patient, "hospital number", "patient_id"),
            (accession, "accession number", "accession_number"),
        ):
            if value and not any(ch.isalnum() for ch in value):
                raise ValidationError(
                    f"The {what} cannot be only wildcards (* or ?): that would list every "
                    f"patient's studies. Enter the {what} with at least one letter or digit.",
                    field=field,
                )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationError("The 'from' date is after the 'to' date.", field="date_from")
        filters: dict[str, str] = {}
        if patient:
            filters["PatientID"] = patient
        if accession:
            filters["AccessionNumber"] = accession
        if self.date_from or self.date_to:
            start = self.date_from.strftime("%Y%m%d") if self.date_from else ""
            end = self.date_to.strftime("%Y%m%d") if self.date_to else ""
            filters["StudyDate"] = start if start == end else f"{start}-{end}"
        if self.modality is not None and self.modality is not Modality.OTHER:
            filters["ModalitiesInStudy"] = self.modality.value
        return filters


@dataclass(frozen=True, slots=True)
class PacsStudy:
    """One study found in the PACS (no names, no identifiers in clear).

    Parameters
    ----------
    study_uid:
        Study Instance UID.
    study_date:
        When it was done.
    description:
        Study description.
    modalities:
        Modalities in the study (``("MR",)``, ``("CT", "PT")``).
    series_count, instance_count:
        As the PACS reports them (``None`` when not reported).
    patient_key, patient_id_key:
        Keyed hashes of Patient ID + issuer, and of Patient ID alone.
    """

    study_uid: str
    study_date: dt.date | None
    description: str
    modalities: tuple[str, ...]
    series_count: int | None
    instance_count: int | None
    patient_key: str | None
    patient_id_key: str | None


def _first(item: Mapping[str, Any], tag: str) -> Any:
    element = item.get(tag) or {}
    values = element.get("Value") or []
    return values[0] if values else None


def _all(item: Mapping[str, Any], tag: str) -> list[Any]:
    element = item.get(tag) or {}
    return list(element.get("Value") or [])


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.datetime.strptime(str(value)[:8], "%Y%m%d").date()
    except (TypeError, ValueError):
        return None


def metadata_to_instance(
    item: Mapping[str, Any], display_name: str, *, key: bytes
) -> ParsedInstance | Skipped:
    """Turn one WADO-RS metadata object (DICOM JSON) into de-identified metadata.

    The JSON becomes a header-only DICOM file in memory, parsed by the same function
    as uploaded files, so the same rules (required UIDs, de-identification, hints)
    apply. Bulk data (pixels) is not fetched.

    Parameters
    ----------
    item:
        One element of the metadata array.
    display_name:
        How the instance is shown to the user.
    key:
        HMAC key.

    Returns
    -------
    ParsedInstance | Skipped
        The metadata, or the reason it could not be used.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = Dataset.from_json(dict(item), bulk_data_uri_handler=lambda *_args: b"")
            for tag in _PIXEL_TAGS:
                if tag in ds:
                    del ds[tag]
            meta = FileMetaDataset()
            meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", "1.2.840.10008.5.1.4.1.1.7")
            meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", "1.2.3")
            meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.file_meta = meta
            buffer = io.BytesIO()
            dcmwrite(buffer, ds, enforce_file_format=True)
    except Exception as exc:  # any malformed answer is one skipped instance, not a crash
        log.info("unusable PACS metadata (%s)", type(exc).__name__)
        return Skipped(display_name, "the PACS returned metadata that could not be read")
    return parse_dicom(buffer.getvalue(), display_name, key=key, header_only=True)


def _person_names(item: Mapping[str, Any], tag: str) -> list[str]:
    """The names of a PN attribute of DICOM JSON (``{"Alphabetic": ...}`` or plain)."""
    names: list[str] = []
    for value in _all(item, tag):
        if isinstance(value, Mapping):
            names += [str(v) for v in value.values() if v]
        elif value:
            names.append(str(value))
    return names


def scrub_search_result(item: Mapping[str, Any]) -> str:
    """The study description of one QIDO-RS result, cleaned of every name it may hold.

    The patient's name, ID, birth date and accession number, and the names of the
    physicians, operators, institution, department and station that the PACS returned
    with the study, are replaced by ``***`` (as for files,
    :func:`board.imaging.normalise.scrub_identifiers`).

    Parameters
    ----------
    item:
        One study of the QIDO-RS answer (DICOM JSON).

    Returns
    -------
    str
        The cleaned description (at most 200 characters).
    """
    words = identifier_words(
        patient_names=_person_names(item, "00100010"),
        identifiers=[
            str(v) for tag in ("00100020", "00080050", "00100030") for v in _all(item, tag) if v
        ],
        staff_names=[name for tag in _STAFF_FIELDS for name in _person_names(item, tag)],
        places=[str(v) for tag in _PLACE_FIELDS for v in _all(item, tag) if v],
    )
    return scrub_identifiers(clean_text(_first(item, "00081030"), 200), words)


class PacsClient:
    """A DICOMweb client for the hospital PACS.

    Parameters
    ----------
    url:
        DICOMweb root (``http://host:8042/dicom-web``).
    username, password:
        Basic-auth credentials, or ``None``.
    timeout:
        Seconds per request.
    """

    def __init__(
        self,
        url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 20.0,
    ) -> None:
        from dicomweb_client.api import DICOMwebClient

        self.url = url.rstrip("/")
        self.session = requests.Session()
        if username is not None and password is not None:
            self.session.auth = (username, password)
        self.timeout = timeout
        self.client = DICOMwebClient(self.url, session=self.session, timeout=timeout)
        # One quick retry: a person is waiting (the library's default is five, backing off).
        self.client.set_http_retry_params(max_attempts=2, wait_exponential_multiplier=100)

    @classmethod
    def from_settings(cls, settings: Any) -> PacsClient | None:
        """A client for the configured PACS, or ``None`` when none is configured.

        Parameters
        ----------
        settings:
            :class:`board.settings.Settings`.

        Returns
        -------
        PacsClient | None
            The client.
        """
        if not getattr(settings, "pacs_url", None):
            return None
        return cls(settings.pacs_url, settings.pacs_username, settings.pacs_password)

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            raise PacsError(f"The PACS refused to {what} (HTTP {status}).") from exc
        except requests.RequestException as exc:
            raise PacsError(
                f"The PACS could not be reached to {what}; check the PACS address and "
                "that it is running."
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise PacsError(f"The PACS gave an answer that could not be read ({what}).") from exc

    def search(self, criteria: PacsSearch, *, key: bytes, limit: int = 50) -> list[PacsStudy]:
        """QIDO-RS study search.

        Parameters
        ----------
        criteria:
            Hospital number, accession number, date range, modality.
        key:
            HMAC key for the patient hashes.
        limit:
            At most this many studies (capped at :data:`MAX_RESULTS`).

        Returns
        -------
        list[PacsStudy]
            Newest first.

        Raises
        ------
        ValidationError
            For incomplete criteria.
        PacsError
            When the PACS cannot be reached or answers with an error.
        """
        filters = criteria.filters()
        limit = max(1, min(limit, MAX_RESULTS))
        if any(w in value for value in filters.values() for w in _WILDCARDS):
            items = self._call("search for studies", self._raw_search, filters, limit)
        else:
            items = self._call(
                "search for studies",
                self.client.search_for_studies,
                search_filters=filters,
                fields=[*_STUDY_FIELDS, *_NAME_FIELDS],
                limit=limit,
            )
        studies: list[PacsStudy] = []
        for item in items or []:
            uid = str(_first(item, "0020000D") or "")
            if not is_valid_uid(uid):
                continue
            patient_id = str(_first(item, "00100020") or "")
            issuer = str(_first(item, "00100021") or "")
            studies.append(
                PacsStudy(
                    study_uid=uid,
                    study_date=_date(_first(item, "00080020")),
                    description=scrub_search_result(item),
                    modalities=tuple(
                        clean_text(m, 16) for m in _all(item, "00080061") if clean_text(m, 16)
                    ),
                    series_count=_int(_first(item, "00201206")),
                    instance_count=_int(_first(item, "00201208")),
                    patient_key=patient_key_for(patient_id, issuer, key),
                    patient_id_key=patient_key_for(patient_id, None, key),
                )
            )
        studies.sort(key=lambda s: (s.study_date or dt.date.min, s.study_uid), reverse=True)
        return studies

    def _raw_search(self, filters: Mapping[str, str], limit: int) -> list[dict[str, Any]]:
        """QIDO-RS with the query string built here (wildcards left unencoded)."""
        parts = [f"{name}={quote(value, safe='*?^-')}" for name, value in filters.items()]
        parts += [f"includefield={tag}" for tag in (*_STUDY_FIELDS, *_NAME_FIELDS)]
        parts.append(f"limit={limit}")
        response = self.session.get(
            f"{self.url}/studies?{'&'.join(parts)}",
            headers={"Accept": "application/dicom+json"},
            timeout=self.timeout,
        )
        response.raise_for_status()
        if response.status_code == 204 or not response.content:
            return []
        data = response.json()
        return list(data) if isinstance(data, list) else []

    def study_instances(self, study_uid: str, *, key: bytes) -> list[ParsedInstance | Skipped]:
        """The de-identified metadata of every instance of a study (WADO-RS metadata).

        Parameters
        ----------
        study_uid:
            The study.
        key:
            HMAC key.

        Returns
        -------
        list[ParsedInstance | Skipped]
            One result per instance, series by series.

        Raises
        ------
        ValidationError
            For a malformed UID.
        PacsError
            When the PACS cannot be reached or answers with an error.
        """
        if not is_valid_uid(study_uid):
            raise ValidationError("That is not a valid Study Instance UID.", field="study_uid")
        series_items = self._call(
            "list the series of a study",
            self.client.search_for_series,
            study_instance_uid=study_uid,
        )
        results: list[ParsedInstance | Skipped] = []
        for series_item in series_items or []:
            series_uid = str(_first(series_item, "0020000E") or "")
            if not is_valid_uid(series_uid):
                continue
            number = _first(series_item, "00200011")
            metadata = self._call(
                "read series metadata",
                self.client.retrieve_series_metadata,
                study_uid,
                series_uid,
            )
            for index, item in enumerate(metadata or [], start=1):
                name = f"PACS › series {number if number is not None else '?'} › image {index}"
                results.append(metadata_to_instance(item, name, key=key))
        return results

    def rendered_thumbnail(
        self, study_uid: str, series_uid: str, sop_uid: str, max_size: int = 256
    ) -> bytes | None:
        """A PNG key image from the PACS's rendered endpoint, or ``None``.

        Parameters
        ----------
        study_uid, series_uid, sop_uid:
            The instance.
        max_size:
            Longest side in pixels.

        Returns
        -------
        bytes | None
            PNG bytes; ``None`` when the PACS could not render the image.
        """
        try:
            data = self.client.retrieve_instance_rendered(
                study_uid, series_uid, sop_uid, media_types=("image/png", "image/jpeg")
            )
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                picture = image.convert("L" if image.mode in ("L", "I", "I;16", "F") else "RGB")
            picture.thumbnail((max_size, max_size))
            out = io.BytesIO()
            picture.save(out, format="PNG")
            return out.getvalue()
        except Exception as exc:  # a thumbnail is optional: never fail the attach for it
            log.info("rendered thumbnail failed (%s)", type(exc).__name__)
            return None


def describe_modalities(modalities: Sequence[str]) -> str:
    """``"MR"`` or ``"CT/PT"`` for display.

    Parameters
    ----------
    modalities:
        Modality codes.

    Returns
    -------
    str
        Joined with slashes; ``"?"`` when empty.
    """
    return "/".join(modalities) or "?"
