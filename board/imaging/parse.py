"""Parse one DICOM file into the de-identified metadata the board keeps.

:func:`parse_dicom` reads the header only (``stop_before_pixels=True``), never with
``force=True`` (text and PDF files would then "parse"), and turns every failure into
a :class:`~board.imaging.common.Skipped` with a plain-English reason: reading and
attribute extraction are wrapped together, because pydicom reports many problems only
when a value is first accessed.

De-identification: a :class:`ParsedInstance` holds only what the board needs (UIDs,
study date and time, modality, descriptions, series data, acquisition hints, safety
flags). Patient name, birth date, sex, address, patient and other IDs, institution,
physicians, operators and every other identifier of the PS3.15 Annex E basic profile
are never copied. The patient is represented by :attr:`ParsedInstance.patient_key`,
a keyed HMAC-SHA256 of Patient ID + Issuer of Patient ID, and the accession number by
another keyed hash. Study and series descriptions are kept (the Annex E "clean
descriptors" option): they are cleaned of control characters and any word of the
patient's name, IDs, accession number or birth date, and of the names of the
referring, performing, reading and requesting physicians, the operators, the
institution, its department and the station read from the same file, found in them is
replaced by ``***`` (:func:`board.imaging.normalise.scrub_identifiers`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import logging
import re
import struct
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from pydicom import dcmread
from pydicom.charset import convert_encodings, decode_bytes
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileDataset
from pydicom.errors import BytesLengthException, InvalidDicomError
from pydicom.multival import MultiValue

from board.imaging.common import DICOMDIR_REASON, Skipped, clean_text
from board.imaging.enums import BodyRegion, Modality, SequenceHint
from board.imaging.links import MIN_KEY_BYTES, check_key, patient_key_for
from board.imaging.normalise import (
    identifier_words,
    normalise_body_region,
    scrub_identifiers,
    sequence_hint,
)
from board.imaging.reader import SourceFile, is_zip_bytes

__all__ = [
    "MIN_KEY_BYTES",
    "REQUIRED_ATTRIBUTES",
    "SECONDARY_CAPTURE_SOP_CLASSES",
    "ParsedInstance",
    "accession_key_for",
    "is_valid_uid",
    "parse_dicom",
    "parse_dicom_head",
    "parse_source",
    "parse_sources",
    "patient_key_for",
]

log = logging.getLogger(__name__)

#: Attributes without which a file cannot be placed in a study and series.
REQUIRED_ATTRIBUTES = ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "Modality")

#: Secondary Capture SOP classes (single-frame and the four multi-frame ones).
SECONDARY_CAPTURE_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.7",
        "1.2.840.10008.5.1.4.1.1.7.1",
        "1.2.840.10008.5.1.4.1.1.7.2",
        "1.2.840.10008.5.1.4.1.1.7.3",
        "1.2.840.10008.5.1.4.1.1.7.4",
    }
)
_MEDIA_DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10"


#: Bytes read first from a large file: headers nearly always fit (see parse_dicom_head).
HEAD_BYTES = 128 * 1024

# Digits and dots, no empty component, at most 64 characters. Leading zeros inside a
# component are tolerated: some vendors write them and a real study must not be lost.
_UID = re.compile(r"^[0-9]+(?:\.[0-9]+)*$")
_MODALITY_CODE = re.compile(r"^[A-Z0-9_ ]{1,16}$")
_DATE = re.compile(r"^(\d{4})\.?(\d{2})\.?(\d{2})$")
_TIME = re.compile(r"^(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?(?:\.(\d{1,6}))?$")
_PIXEL_ELEMENTS = (0x0008, 0x0009, 0x0010)
_PREAMBLE_AND_MARKER = 132
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
#: Deflated transfer syntaxes: the data is inflated into another buffer, so where the
#: reading of the original stream stopped says nothing.
_DEFLATED = frozenset({"1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.8.1"})
_LONG_LENGTH_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN", b"SQ", b"UT", b"UC", b"UR"}
_UNDEFINED = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class ParsedInstance:
    """The de-identified metadata of one DICOM instance (one file).

    Text fields are ``""`` when the header does not have them; numbers and dates
    are ``None``.

    Parameters
    ----------
    display_name:
        Where the file came from, as given by the caller (not read from the file).
    sop_instance_uid, sop_class_uid, study_instance_uid, series_instance_uid:
        The UIDs (``sop_class_uid`` may be ``""``).
    modality:
        Normalised modality; :attr:`Modality.OTHER` for codes outside the enum.
    modality_code:
        The (0008,0060) code as written, upper-cased (``"MR"``, ``"REG"``).
    transfer_syntax_uid:
        How the pixel data is encoded (tells whether a thumbnail needs a decoder).
    study_date, study_time:
        (0008,0020), (0008,0030) when valid.
    study_description, series_description:
        Cleaned descriptions (identifiers found in them replaced by ``***``).
    series_number, instance_number:
        (0020,0011), (0020,0013) when valid integers.
    body_part_examined:
        (0018,0015) code as written (``"LSPINE"``), cleaned.
    body_region:
        Normalised region from the body part and both descriptions.
    sequence_hint:
        MR weighting (T1, T2, STIR, ...), ``None`` for other modalities or unknown.
    convolution_kernel:
        CT reconstruction kernel(s), joined with ``" / "``.
    radiopharmaceutical:
        PET/NM tracer (``"Fluorodeoxyglucose"``), with the radionuclide when given.
    manufacturer, manufacturer_model:
        Scanner make and model.
    burned_in_annotation:
        (0028,0301) is ``YES``: the pixels may show patient details.
    secondary_or_screen_capture:
        Secondary Capture SOP class or an ImageType of ``SECONDARY`` / screen capture:
        the pixels may show patient details.
    number_of_frames:
        Frames in the instance (1 for single-frame).
    rows, columns:
        Image size, ``None`` for objects without an image (SR, RTPLAN).
    patient_key:
        Keyed HMAC-SHA256 (hex) of Patient ID + Issuer; ``None`` when the file has
        no Patient ID.
    accession_key:
        Keyed HMAC-SHA256 (hex) of the accession number, or ``None``.
    patient_id_key:
        Keyed hash of the Patient ID alone (no issuer), compared with a case's
        hospital number (``patient_key_for(hospital_number, None, key)``).
    """

    display_name: str
    sop_instance_uid: str
    sop_class_uid: str
    study_instance_uid: str
    series_instance_uid: str
    modality: Modality
    modality_code: str
    transfer_syntax_uid: str
    study_date: date | None
    study_time: time | None
    study_description: str
    series_number: int | None
    series_description: str
    body_part_examined: str
    body_region: BodyRegion
    sequence_hint: SequenceHint | None
    convolution_kernel: str
    radiopharmaceutical: str
    manufacturer: str
    manufacturer_model: str
    instance_number: int | None
    burned_in_annotation: bool
    secondary_or_screen_capture: bool
    number_of_frames: int
    rows: int | None
    columns: int | None
    patient_key: str | None
    accession_key: str | None
    patient_id_key: str | None = None

    @property
    def is_image(self) -> bool:
        """True when the instance has an image matrix (rows and columns)."""
        return bool(self.rows) and bool(self.columns)

    @property
    def thumbnail_allowed(self) -> bool:
        """False when the pixels may show patient details (burned-in text, captures)."""
        return not (self.burned_in_annotation or self.secondary_or_screen_capture)


class _Skip(Exception):
    """Internal: stop parsing with a reason for the user."""

    def __init__(self, reason: str, *, missing: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


# -- public functions -------------------------------------------------------------------


def accession_key_for(accession_number: str | None, key: bytes) -> str | None:
    """Keyed hash of an accession number (kept to match PACS orders, never shown).

    Parameters
    ----------
    accession_number:
        (0008,0050); surrounding spaces ignored.
    key:
        Secret HMAC key, at least :data:`MIN_KEY_BYTES` bytes.

    Returns
    -------
    str | None
        64 hex characters, or ``None`` when empty.

    Raises
    ------
    ValueError
        If the key is shorter than :data:`MIN_KEY_BYTES`.
    """
    _check_key(key)
    acc = (accession_number or "").strip()
    if not acc:
        return None
    return hmac.new(key, b"accession\x00" + acc.encode("utf-8"), hashlib.sha256).hexdigest()


def is_valid_uid(value: str) -> bool:
    """True for a plausible DICOM UID: digits and dots, at most 64 characters.

    Parameters
    ----------
    value:
        The candidate UID.

    Returns
    -------
    bool
        Whether it is accepted.
    """
    return 0 < len(value) <= 64 and _UID.match(value) is not None


def parse_dicom(
    data: bytes,
    display_name: str,
    *,
    key: bytes,
    stop_before_pixels: bool = True,
    header_only: bool = False,
) -> ParsedInstance | Skipped:
    """Parse one DICOM file held in memory.

    Parameters
    ----------
    data:
        The whole file.
    display_name:
        How the file is shown to the user; copied to the result.
    key:
        Secret HMAC key for :attr:`ParsedInstance.patient_key` (at least
        :data:`MIN_KEY_BYTES` bytes).
    stop_before_pixels:
        Read the header only (default). Pixel data is checked for truncation from
        its declared length without being read.
    header_only:
        The data is a header without its pixel data on purpose (metadata from the
        PACS): a file that ends before its image is then not reported as truncated.

    Returns
    -------
    ParsedInstance | Skipped
        The metadata, or the reason the file was not accepted ("not a DICOM file",
        "truncated or damaged DICOM file", "missing required attribute
        SeriesInstanceUID", "DICOMDIR index file ...").

    Raises
    ------
    ValueError
        Only for a programming error: a key shorter than :data:`MIN_KEY_BYTES`.
    """
    _check_key(key)
    if not data:
        return Skipped(display_name, "empty file")
    stream = io.BytesIO(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = dcmread(stream, stop_before_pixels=stop_before_pixels)
            if stop_before_pixels and _pixel_data_truncated(ds, data, stream.tell()):
                raise _Skip("truncated or damaged DICOM file (the image data is incomplete)")
            if _dataset_truncated(ds):
                raise _Skip("truncated or damaged DICOM file (it ends in the middle of a value)")
            at_end = (
                not header_only
                and stream.tell() >= len(data)
                and _meta_uid(getattr(ds, "file_meta", None), 0x00020010) not in _DEFLATED
            )
            try:
                instance = _extract(ds, display_name, key)
            except _Skip as skip:
                cut = _ends_early(ds, at_end, skip.missing)
                raise _Skip(cut or skip.reason) from None
            cut = _ends_early(ds, at_end, None)
            if cut:
                raise _Skip(cut)
            return instance
    except _Skip as skip:
        return Skipped(display_name, skip.reason)
    except InvalidDicomError:
        return Skipped(display_name, _not_dicom_reason(data))
    except (BytesLengthException, struct.error, EOFError, OSError, OverflowError, MemoryError):
        return Skipped(display_name, "truncated or damaged DICOM file")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, LookupError):
        return Skipped(display_name, "damaged DICOM file (a header value could not be read)")
    except NotImplementedError:
        return Skipped(display_name, "DICOM file in an encoding that is not supported")
    except Exception as exc:  # the contract is "never an exception" for any input
        log.warning("unexpected %s while parsing a DICOM file", type(exc).__name__)
        return Skipped(display_name, "damaged DICOM file (could not be read)")


def parse_dicom_head(
    head: bytes, total_size: int, display_name: str, *, key: bytes
) -> ParsedInstance | Skipped | None:
    """Parse a DICOM file from its first bytes only, when the header fits in them.

    The fast path of :func:`parse_source`: for a 500 KB image only the header (a few
    tens of KB) is read and decompressed. The result is the same as
    :func:`parse_dicom` on the whole file would give, or ``None`` whenever that cannot
    be known from the beginning alone (the header goes on past ``head``, the image is
    compressed, the file has no pixel data, or anything looks wrong): the caller then
    parses the whole file.

    Parameters
    ----------
    head:
        The first bytes of the file.
    total_size:
        The size of the whole file.
    display_name:
        How the file is shown to the user.
    key:
        Secret HMAC key (see :func:`parse_dicom`).

    Returns
    -------
    ParsedInstance | Skipped | None
        The metadata, the reason it is refused, or ``None``: parse the whole file.

    Raises
    ------
    ValueError
        Only for a key shorter than :data:`MIN_KEY_BYTES`.
    """
    _check_key(key)
    if len(head) >= total_size:
        return parse_dicom(head[:total_size], display_name, key=key)
    stream = io.BytesIO(head)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = dcmread(stream, stop_before_pixels=True)
            pos = stream.tell()
            if pos + 12 > len(head) or not _at_pixel_data(ds, head, pos):
                return None
            if _pixel_data_truncated(ds, head, pos, total_size):
                return None
            if _dataset_truncated(ds):
                return None
            return _extract(ds, display_name, key)
    except _Skip as skip:
        return Skipped(display_name, skip.reason)
    except InvalidDicomError:
        # Not DICOM from its first bytes on: the rest need not be read (unless they are
        # all blank, which only the whole file can tell).
        if len(head) >= _PREAMBLE_AND_MARKER and head.strip(b"\x00 \t\r\n"):
            return Skipped(display_name, _not_dicom_reason(head))
        return None
    except Exception:  # any doubt: the whole file decides
        return None


def _at_pixel_data(ds: Dataset, data: bytes, pos: int) -> bool:
    """Whether reading stopped at a native (not encapsulated) pixel data element."""
    _implicit, little = ds.original_encoding
    order = ">" if little is False else "<"
    group, element = struct.unpack_from(order + "HH", data, pos)
    return group == 0x7FE0 and element in _PIXEL_ELEMENTS


def parse_source(
    source: SourceFile | Skipped, *, key: bytes, stop_before_pixels: bool = True
) -> ParsedInstance | Skipped:
    """Read and parse one item from :mod:`board.imaging.reader`.

    Parameters
    ----------
    source:
        A :class:`SourceFile`, or a :class:`Skipped` that is passed through.
    key:
        Secret HMAC key (see :func:`parse_dicom`).
    stop_before_pixels:
        See :func:`parse_dicom`.

    Returns
    -------
    ParsedInstance | Skipped
        The parse result; a file that can no longer be read becomes a Skipped.

    Raises
    ------
    ValueError
        Only for a key shorter than :data:`MIN_KEY_BYTES`.
    """
    if isinstance(source, Skipped):
        return source
    try:
        if stop_before_pixels and source.data is None and (source.size or 0) > HEAD_BYTES:
            result = parse_dicom_head(
                source.read_head(HEAD_BYTES), source.size or 0, source.display_name, key=key
            )
            if result is not None:
                return result
        data = source.read_bytes()
    except OSError as exc:
        reason = getattr(exc, "reason", None) or "could not be read (missing, or no permission)"
        return Skipped(source.display_name, reason)
    return parse_dicom(data, source.display_name, key=key, stop_before_pixels=stop_before_pixels)


def parse_sources(
    sources: Iterable[SourceFile | Skipped], *, key: bytes
) -> Iterator[ParsedInstance | Skipped]:
    """Parse a stream of inputs lazily, one result per input, in order.

    Parameters
    ----------
    sources:
        Items from :func:`~board.imaging.reader.iter_sources` or
        :func:`~board.imaging.reader.iter_uploads`.
    key:
        Secret HMAC key (see :func:`parse_dicom`).

    Yields
    ------
    ParsedInstance | Skipped
        One result per input.

    Raises
    ------
    ValueError
        Only for a key shorter than :data:`MIN_KEY_BYTES`.
    """
    _check_key(key)
    for source in sources:
        yield parse_source(source, key=key)


# -- reading checks ---------------------------------------------------------------------


def _check_key(key: bytes) -> None:
    check_key(key)


def _not_dicom_reason(data: bytes) -> str:
    head = data[:8]
    if not data.strip(b"\x00"):
        return "not a DICOM file (it holds only zero bytes)"
    if not data.strip(b" \t\r\n"):
        return "not a DICOM file (it holds only blank space)"
    if head.startswith(b"\x1f\x8b"):
        return "gzip-compressed file, not DICOM: unpack it, or put the files in a zip archive"
    if head.startswith(b"%PDF"):
        return "PDF document, not a DICOM file"
    if is_zip_bytes(head):
        return "zip archive where a DICOM file was expected"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff"):
        return "picture file (PNG or JPEG), not a DICOM file"
    if head[:2] in (b"\x08\x00", b"\x00\x08", b"\x02\x00"):
        return (
            "DICOM data without the standard file header (no 'DICM' marker); "
            "export the images again as standard DICOM files"
        )
    return "not a DICOM file"


def _pixel_data_truncated(
    ds: Dataset, data: bytes, pos: int, total_size: int | None = None
) -> bool:
    """Whether the pixel data element that reading stopped at is cut short.

    ``total_size`` is the size of the whole file when ``data`` is only its beginning.
    """
    if pos + 8 > len(data):
        return False
    implicit, little = ds.original_encoding
    order = ">" if little is False else "<"
    group, element = struct.unpack_from(order + "HH", data, pos)
    if group != 0x7FE0 or element not in _PIXEL_ELEMENTS:
        return False
    vr = data[pos + 4 : pos + 6]
    if implicit or not (vr.isalpha() and vr.isupper()):
        # Implicit VR (some writers switch to it for the pixel data element only).
        (length,) = struct.unpack_from(order + "I", data, pos + 4)
        start = pos + 8
    elif vr in _LONG_LENGTH_VRS:
        if pos + 12 > len(data):
            return True
        (length,) = struct.unpack_from(order + "I", data, pos + 8)
        start = pos + 12
    else:
        (length,) = struct.unpack_from(order + "H", data, pos + 6)
        start = pos + 8
    if length == _UNDEFINED:
        # Encapsulated: the sequence delimitation item must be there.
        return data.rfind(b"\xfe\xff\xdd\xe0", start) < 0
    return start + length > (len(data) if total_size is None else total_size)


def _ends_early(ds: Dataset, at_end: bool, missing: str | None) -> str | None:
    """The reason for a file that ends inside its header, or ``None``.

    pydicom stops without an error when a file ends between two elements. Such a file
    is recognised when reading went on to the end of the data and either a required
    attribute is missing while every element read comes before it (elements are
    stored in tag order), or the header describes an image (Rows, Columns) whose
    pixel data never comes. (A file cut between its last required attribute and Rows
    cannot be told from a header-only file, which some exports hold: it is accepted
    as an instance without image.)
    """
    if not at_end or any(keyword in ds for keyword in _PIXEL_KEYWORDS):
        return None
    keys = list(ds.keys())
    last = int(keys[-1]) if keys else 0
    if missing is not None:
        tag = tag_for_keyword(missing)
        if tag is not None and last < tag:
            return f"truncated DICOM file (it ends before the {missing} it needs)"
        return None
    if "Rows" in ds and "Columns" in ds:
        return "truncated DICOM file (it ends before the image data)"
    return None


def _dataset_truncated(ds: Dataset) -> bool:
    """Whether the last element read (deepest, last in file order) is cut short.

    pydicom silently returns a short value when a file ends inside an element.
    """
    keys = ds.keys()
    if not keys:
        return False
    last = ds.get_item(list(keys)[-1])
    if isinstance(last, RawDataElement):
        value = last.value
        return last.length != _UNDEFINED and value is not None and len(value) < last.length
    if last.VR == "SQ" and last.value:
        item = last.value[-1]
        return isinstance(item, Dataset) and _dataset_truncated(item)
    return False


# -- extraction -------------------------------------------------------------------------


def _extract(ds: Dataset, display_name: str, key: bytes) -> ParsedInstance:
    meta = getattr(ds, "file_meta", None)
    media_class = _meta_uid(meta, 0x00020002)
    if media_class == _MEDIA_DIRECTORY_SOP_CLASS or 0x00041220 in ds:
        raise _Skip(DICOMDIR_REASON)

    uids: dict[str, str] = {}
    for keyword in REQUIRED_ATTRIBUTES:
        text = _text(ds, keyword, 256)
        if not text:
            raise _Skip(f"missing required attribute {keyword}", missing=keyword)
        if keyword.endswith("UID") and not is_valid_uid(text):
            raise _Skip(f"invalid {keyword} (expected digits and dots, at most 64 characters)")
        uids[keyword] = text
    modality_code = uids["Modality"].upper()
    if not _MODALITY_CODE.match(modality_code):
        raise _Skip("invalid Modality (expected a short code such as MR, CT or PT)")
    modality = Modality.from_code(modality_code)

    sop_class = _text(ds, "SOPClassUID", 64)
    if not is_valid_uid(sop_class):
        sop_class = ""
    transfer_syntax = _meta_uid(meta, 0x00020010)
    forbidden = _identifier_words(ds)
    study_description = _scrub(_text(ds, "StudyDescription"), forbidden)
    series_description = _scrub(_text(ds, "SeriesDescription"), forbidden)
    protocol_name = _scrub(_text(ds, "ProtocolName"), forbidden)
    body_part = _text(ds, "BodyPartExamined", 16)
    image_type = [v.upper() for v in _strings(ds, "ImageType")]

    hint: SequenceHint | None = None
    if modality is Modality.MR:
        hint = _sequence_hint(
            series_description,
            protocol_name,
            _text(ds, "SequenceName"),
            tuple(_strings(ds, "ScanningSequence")),
            _float(ds, "InversionTime"),
            _float(ds, "RepetitionTime"),
            _float(ds, "EchoTime"),
            _text(ds, "ContrastBolusAgent"),
        )

    return ParsedInstance(
        display_name=display_name,
        sop_instance_uid=uids["SOPInstanceUID"],
        sop_class_uid=sop_class,
        study_instance_uid=uids["StudyInstanceUID"],
        series_instance_uid=uids["SeriesInstanceUID"],
        modality=modality,
        modality_code=modality_code,
        transfer_syntax_uid=transfer_syntax if is_valid_uid(transfer_syntax) else "",
        study_date=_date(_text(ds, "StudyDate")),
        study_time=_time(_text(ds, "StudyTime")),
        study_description=study_description,
        series_number=_int(ds, "SeriesNumber"),
        series_description=series_description,
        body_part_examined=body_part,
        body_region=_body_region(body_part, study_description, series_description, protocol_name),
        sequence_hint=hint,
        convolution_kernel=" / ".join(_strings(ds, "ConvolutionKernel")),
        radiopharmaceutical=_radiopharmaceutical(ds),
        manufacturer=_text(ds, "Manufacturer"),
        manufacturer_model=_text(ds, "ManufacturerModelName"),
        instance_number=_int(ds, "InstanceNumber"),
        burned_in_annotation=_text(ds, "BurnedInAnnotation").upper() == "YES",
        secondary_or_screen_capture=(
            sop_class in SECONDARY_CAPTURE_SOP_CLASSES
            or "SECONDARY" in image_type
            or any("SCREEN" in v or "CAPTURE" in v for v in image_type)
        ),
        number_of_frames=max(_int(ds, "NumberOfFrames") or 1, 1),
        rows=_int(ds, "Rows"),
        columns=_int(ds, "Columns"),
        patient_key=patient_key_for(_text(ds, "PatientID"), _text(ds, "IssuerOfPatientID"), key),
        accession_key=accession_key_for(_text(ds, "AccessionNumber"), key),
        patient_id_key=patient_key_for(_text(ds, "PatientID"), None, key),
    )


_VAGUE_REGIONS = (BodyRegion.SPINE, BodyRegion.OTHER, BodyRegion.UNKNOWN)


@functools.lru_cache(maxsize=1024)
def _sequence_hint(
    series_description: str,
    protocol_name: str,
    sequence_name: str,
    scanning_sequence: tuple[str, ...],
    inversion_time: float | None,
    repetition_time: float | None,
    echo_time: float | None,
    contrast_agent: str,
) -> SequenceHint | None:
    """Cached :func:`sequence_hint`: all instances of a series ask the same question."""
    return sequence_hint(
        series_description=series_description,
        protocol_name=protocol_name,
        sequence_name=sequence_name,
        scanning_sequence=scanning_sequence,
        inversion_time=inversion_time,
        repetition_time=repetition_time,
        echo_time=echo_time,
        contrast_agent=contrast_agent,
    )


@functools.lru_cache(maxsize=1024)
def _body_region(body_part: str, study: str, series: str, protocol: str) -> BodyRegion:
    """Series-level words first; the study description only when they are vague."""
    region = normalise_body_region(body_part, series, protocol)
    if region not in _VAGUE_REGIONS:
        return region
    broader = normalise_body_region(body_part, study, series, protocol)
    if broader not in _VAGUE_REGIONS or region is BodyRegion.UNKNOWN:
        return broader
    return region


def _meta_uid(meta: Dataset | None, tag: int) -> str:
    """A UID from the file meta information, decoded from the raw bytes when possible."""
    if meta is None:
        return ""
    elem = meta.get_item(tag)
    if elem is None:
        return ""
    value = elem.value
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value or "").strip(" \x00")


_OPTIONAL_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError, LookupError)

# Value representations decoded with the dataset's character set; the others are ASCII.
_TEXT_VRS = frozenset({"LO", "SH", "PN", "LT", "ST", "UT", "UC"})
_UNSPLIT_VRS = frozenset({"LT", "ST", "UT"})
_PN_DELIMITERS = {0x5E, 0x3D}


@functools.lru_cache(maxsize=512)
def _tag_and_vr(keyword: str) -> tuple[int, str]:
    tag = tag_for_keyword(keyword)
    if tag is None:  # pragma: no cover - programming error
        raise KeyError(keyword)
    return tag, dictionary_VR(tag)


@functools.lru_cache(maxsize=64)
def _encodings(raw_charset: bytes) -> tuple[str, ...]:
    terms = [t.strip(" \x00") for t in raw_charset.decode("latin-1").split("\\")]
    try:
        return tuple(convert_encodings(terms if any(terms) else None))
    except (LookupError, ValueError):
        return ("iso8859",)


def _value(ds: Dataset, keyword: str) -> Any:
    """The converted value (pydicom's slow path), ``None`` when absent or unreadable."""
    try:
        return ds.get(keyword)
    except _OPTIONAL_ERRORS:
        if keyword in REQUIRED_ATTRIBUTES:
            raise
        return None


def _strings(ds: Dataset, keyword: str) -> list[str]:
    """All values of a string attribute, cleaned; empty values dropped.

    For a dataset read from a file the raw bytes are decoded here (ASCII for code
    strings, the dataset's character set for text), which is several times faster
    than pydicom's value conversion and cannot fail on a malformed value.
    """
    tag, vr = _tag_and_vr(keyword)
    elem = ds.get_item(tag)
    if elem is None:
        return []
    if isinstance(elem, RawDataElement) and isinstance(ds, FileDataset):
        raw = elem.value
        if not raw:
            return []
        if vr in _TEXT_VRS:
            charset = ds.get_item(0x00080005)
            raw_charset = charset.value if isinstance(charset, RawDataElement) else None
            encodings = _encodings(bytes(raw_charset or b""))
            delimiters = _PN_DELIMITERS if vr == "PN" else set()
            text = decode_bytes(bytes(raw), list(encodings), delimiters)
        else:
            text = bytes(raw).decode("latin-1")
        parts = [text] if vr in _UNSPLIT_VRS else text.split("\\")
    else:
        value = _value(ds, keyword)
        if value is None:
            return []
        parts = (
            [str(v) for v in value]
            if isinstance(value, list | tuple | MultiValue)
            else [str(value)]
        )
    return [text for text in (clean_text(p, 256) for p in parts) if text]


def _text(ds: Dataset, keyword: str, max_length: int = 64) -> str:
    return clean_text("\\".join(_strings(ds, keyword)), max_length)


def _int(ds: Dataset, keyword: str) -> int | None:
    tag, vr = _tag_and_vr(keyword)
    if vr in ("US", "SS"):
        elem = ds.get_item(tag)
        if isinstance(elem, RawDataElement) and isinstance(ds, FileDataset):
            raw = elem.value
            if not raw or len(raw) < 2:
                return None
            little = ds.original_encoding[1] is not False
            fmt = ("<" if little else ">") + ("H" if vr == "US" else "h")
            return int(struct.unpack_from(fmt, raw)[0])
        value = _value(ds, keyword)
        if isinstance(value, list | tuple | MultiValue):
            value = next(iter(value), None)
        return value if isinstance(value, int) else None
    values = _strings(ds, keyword)
    if not values:
        return None
    try:
        number = int(float(values[0]))
    except (ValueError, OverflowError):
        return None
    return number if -(2**31) <= number < 2**31 else None


def _float(ds: Dataset, keyword: str) -> float | None:
    values = _strings(ds, keyword)
    if not values:
        return None
    try:
        return float(values[0])
    except (ValueError, OverflowError):
        return None


def _date(text: str) -> date | None:
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _time(text: str) -> time | None:
    match = _TIME.match(text)
    if match is None:
        return None
    fraction = (match[4] or "").ljust(6, "0")
    try:
        return time(
            int(match[1]), int(match[2] or 0), min(int(match[3] or 0), 59), int(fraction or 0)
        )
    except ValueError:
        return None


def _radiopharmaceutical(ds: Dataset) -> str:
    sequence = _value(ds, "RadiopharmaceuticalInformationSequence")
    if not sequence:
        return ""
    try:
        item = sequence[0]
        name = _text(item, "Radiopharmaceutical")
        if not name:
            codes = _value(item, "RadiopharmaceuticalCodeSequence")
            name = _text(codes[0], "CodeMeaning") if codes else ""
        nuclide_codes = _value(item, "RadionuclideCodeSequence")
        nuclide = _text(nuclide_codes[0], "CodeMeaning") if nuclide_codes else ""
    except _OPTIONAL_ERRORS:
        return ""
    if nuclide and nuclide.replace("^", "").lower() not in name.replace("^", "").lower():
        return clean_text(f"{name} ({nuclide})" if name else nuclide)
    return name


_STAFF_NAME_KEYWORDS = (
    "ReferringPhysicianName",
    "PerformingPhysicianName",
    "OperatorsName",
    "NameOfPhysiciansReadingStudy",
    "PhysiciansOfRecord",
    "RequestingPhysician",
)
_PLACE_KEYWORDS = (
    "InstitutionName",
    "InstitutionalDepartmentName",
    "StationName",
    "PerformedStationName",
)


_PATIENT_ID_KEYWORDS = ("PatientID", "AccessionNumber", "PatientBirthDate", "OtherPatientIDs")
_WORD_TAGS = tuple(
    int(tag_for_keyword(k) or 0)
    for k in (
        "SpecificCharacterSet",
        "PatientName",
        *_PATIENT_ID_KEYWORDS,
        *_STAFF_NAME_KEYWORDS,
        *_PLACE_KEYWORDS,
    )
)
_WORDS_CACHE: dict[tuple[object, ...], tuple[str, ...]] = {}
_WORDS_CACHE_SIZE = 256


def _identifier_words(ds: Dataset) -> tuple[str, ...]:
    """Words of the patient's name, IDs, accession number and birth date, and of the
    names of staff, institution, department and station read from the same file.

    The instances of a series carry the same values: the words are computed once per
    distinct set of raw values (a small per-process cache).
    """
    raw: list[object] = []
    for tag in _WORD_TAGS:
        elem = ds.get_item(tag)
        value = None if elem is None else elem.value
        raw.append(bytes(value) if isinstance(value, bytes | bytearray) else repr(value))
    key = tuple(raw)
    words = _WORDS_CACHE.get(key)
    if words is None:
        if len(_WORDS_CACHE) >= _WORDS_CACHE_SIZE:
            _WORDS_CACHE.clear()
        words = _WORDS_CACHE[key] = _compute_identifier_words(ds)
    return words


def _compute_identifier_words(ds: Dataset) -> tuple[str, ...]:
    return identifier_words(
        patient_names=[_text(ds, "PatientName", 200)],
        identifiers=[value for keyword in _PATIENT_ID_KEYWORDS for value in _strings(ds, keyword)],
        staff_names=[value for keyword in _STAFF_NAME_KEYWORDS for value in _strings(ds, keyword)],
        places=[value for keyword in _PLACE_KEYWORDS for value in _strings(ds, keyword)],
    )


def _scrub(text: str, words: tuple[str, ...]) -> str:
    return scrub_identifiers(text, words)
