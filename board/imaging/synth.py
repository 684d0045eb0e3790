"""Synthetic DICOM data, built in memory, for tests, the demo board and benchmarks.

Every dataset is made up: UIDs come from :func:`pydicom.uid.generate_uid`, the patient
is ``TEST^SYNTHETIC`` with made-up IDs, address and birth date (present on purpose,
so that de-identification can be tested), and the pixels are a deterministic pattern.

Main entry points
-----------------
:func:`synth_series`
    ``synth_series("MR", 20) -> list[bytes]``: one series of Part 10 files.
:func:`synth_datasets`
    The same, as :class:`pydicom.dataset.FileDataset` objects to adjust before
    writing with :func:`dataset_to_bytes`.
:func:`synth_mr_spine_study`
    An MR spine study with several series (T1, T2, STIR by default).
:func:`synth_secondary_capture`
    A secondary capture with burned-in annotation (must never be thumbnailed).

Modality presets: MR (MR Image Storage, sagittal T2 TSE, spin-echo timing), CT (CT
Image Storage, rescale intercept -1024, a convolution kernel), PT (PET Image Storage
``1.2.840.10008.5.1.4.1.1.128``, Units BQML, FDG in the Radiopharmaceutical
Information Sequence), OT (Secondary Capture, ``DERIVED\\SECONDARY``, burned-in
annotation). CR, DX, NM, US, XA get their storage class and no extras.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian, generate_uid

from board.imaging.enums import Modality

__all__ = [
    "DEFAULT_MR_SERIES",
    "SOP_CLASSES",
    "SYNTHETIC_PATIENT_ID",
    "SYNTHETIC_PATIENT_NAME",
    "MrSeriesSpec",
    "dataset_to_bytes",
    "synth_datasets",
    "synth_mr_spine_study",
    "synth_secondary_capture",
    "synth_series",
]

SYNTHETIC_PATIENT_NAME = "TEST^SYNTHETIC"
SYNTHETIC_PATIENT_ID = "SYNTH-0001"

#: Storage SOP class per modality preset.
SOP_CLASSES: dict[Modality, str] = {
    Modality.MR: "1.2.840.10008.5.1.4.1.1.4",
    Modality.CT: "1.2.840.10008.5.1.4.1.1.2",
    Modality.PT: "1.2.840.10008.5.1.4.1.1.128",
    Modality.NM: "1.2.840.10008.5.1.4.1.1.20",
    Modality.CR: "1.2.840.10008.5.1.4.1.1.1",
    Modality.DX: "1.2.840.10008.5.1.4.1.1.1.1",
    Modality.US: "1.2.840.10008.5.1.4.1.1.6.1",
    Modality.XA: "1.2.840.10008.5.1.4.1.1.12.1",
    Modality.OT: "1.2.840.10008.5.1.4.1.1.7",
}

_DEFAULT_DESCRIPTIONS: dict[Modality, str] = {
    Modality.MR: "SAG T2 TSE",
    Modality.CT: "AX BONE 1.0",
    Modality.PT: "PET WB AC",
    Modality.OT: "SCREEN CAPTURE",
}
_DEFAULT_STUDY_DESCRIPTIONS: dict[Modality, str] = {
    Modality.MR: "MRI WHOLE SPINE",
    Modality.CT: "CT SPINE",
    Modality.PT: "PET-CT WHOLE BODY FDG",
}
_DEFAULT_BODY_PARTS: dict[Modality, str] = {
    Modality.MR: "SPINE",
    Modality.CT: "SPINE",
    Modality.PT: "WHOLEBODY",
}


@dataclass(frozen=True, slots=True)
class MrSeriesSpec:
    """One series of :func:`synth_mr_spine_study`.

    Parameters
    ----------
    description:
        Series description, e.g. ``"SAG T1 TSE"``.
    repetition_time, echo_time:
        Milliseconds.
    inversion_time:
        Milliseconds, for inversion-recovery series (STIR), else ``None``.
    """

    description: str
    repetition_time: float
    echo_time: float
    inversion_time: float | None = None


#: T1, T2 and STIR sagittal series of a spine MR.
DEFAULT_MR_SERIES: tuple[MrSeriesSpec, ...] = (
    MrSeriesSpec("SAG T1 TSE", 550.0, 10.0),
    MrSeriesSpec("SAG T2 TSE", 3500.0, 100.0),
    MrSeriesSpec("SAG STIR", 4000.0, 60.0, 160.0),
)


def synth_series(modality: Modality | str = Modality.MR, n: int = 1, **options: Any) -> list[bytes]:
    """Build one synthetic series as DICOM Part 10 files in memory.

    Parameters
    ----------
    modality:
        ``"MR"``, ``"CT"``, ``"PT"``, ``"OT"`` (secondary capture), ``"CR"``, ``"DX"``,
        ``"NM"``, ``"US"`` or ``"XA"``.
    n:
        Number of instances (slices).
    **options:
        Keyword options of :func:`synth_datasets`.

    Returns
    -------
    list[bytes]
        One file per instance, Instance Numbers 1..n.

    Raises
    ------
    ValueError
        For an unsupported modality or invalid sizes.
    """
    return [dataset_to_bytes(ds) for ds in synth_datasets(modality, n, **options)]


def synth_datasets(
    modality: Modality | str = Modality.MR,
    n: int = 1,
    *,
    study_instance_uid: str | None = None,
    series_instance_uid: str | None = None,
    series_number: int = 1,
    series_description: str | None = None,
    study_description: str | None = None,
    body_part: str | None = None,
    rows: int = 64,
    columns: int = 64,
    frames: int = 1,
    pixel_values: np.ndarray | None = None,
    window: tuple[float, float] | None = None,
    photometric: str = "MONOCHROME2",
    patient_name: str = SYNTHETIC_PATIENT_NAME,
    patient_id: str = SYNTHETIC_PATIENT_ID,
    issuer_of_patient_id: str = "SYNTHETIC",
    accession_number: str = "SYNTHACC0001",
    study_date: str = "20250115",
    study_time: str = "093000",
    kernel: str = "B70s",
    radiopharmaceutical: str = "Fluorodeoxyglucose",
    burned_in_annotation: bool | None = None,
    repetition_time: float = 3500.0,
    echo_time: float = 100.0,
    inversion_time: float | None = None,
    transfer_syntax: str = ExplicitVRLittleEndian,
    extra: Mapping[str, Any] | None = None,
) -> list[FileDataset]:
    """Build one synthetic series as datasets (see :func:`synth_series`).

    Parameters
    ----------
    modality:
        Modality preset (see the module docstring).
    n:
        Number of instances.
    study_instance_uid, series_instance_uid:
        Given UIDs, or new ones from :func:`pydicom.uid.generate_uid`.
    series_number, series_description, study_description, body_part:
        Header values; descriptions and body part default per modality (MR:
        ``MRI WHOLE SPINE`` / ``SAG T2 TSE`` / ``SPINE``).
    rows, columns:
        Image size.
    frames:
        Frames per instance (more than 1 makes multi-frame instances).
    pixel_values:
        Stored values, shape ``(rows, columns)`` or ``(frames, rows, columns)``,
        used for every instance; default: a gradient that changes with the slice.
    window:
        ``(center, width)`` to write as Window Center/Width, or ``None`` for none.
    photometric:
        ``MONOCHROME2`` or ``MONOCHROME1``.
    patient_name, patient_id, issuer_of_patient_id, accession_number:
        Synthetic identifiers (never real ones).
    study_date, study_time:
        DA and TM strings.
    kernel:
        CT convolution kernel.
    radiopharmaceutical:
        PET tracer name.
    burned_in_annotation:
        Write Burned In Annotation YES/NO; default YES for OT, absent otherwise.
    repetition_time, echo_time, inversion_time:
        MR timing in milliseconds (inversion time only when given; makes the
        scanning sequence IR).
    transfer_syntax:
        Transfer syntax of the files; compressed syntaxes need an installed encoder
        (RLE Lossless always works).
    extra:
        Further attributes by keyword, set last (``{"BodyPartExamined": "LSPINE"}``).

    Returns
    -------
    list[FileDataset]
        The datasets, ready for :func:`dataset_to_bytes`.

    Raises
    ------
    ValueError
        For an unsupported modality or invalid sizes.
    """
    mod = Modality.from_code(str(modality))
    if mod not in SOP_CLASSES:
        raise ValueError(f"no synthetic preset for modality {modality!r}")
    if n < 1 or rows < 1 or columns < 1 or frames < 1:
        raise ValueError("n, rows, columns and frames must be at least 1")
    study_uid = study_instance_uid or generate_uid()
    series_uid = series_instance_uid or generate_uid()
    frame_of_reference = generate_uid()
    description = series_description or _DEFAULT_DESCRIPTIONS.get(mod, f"{mod.value} SERIES")
    datasets: list[FileDataset] = []
    for index in range(n):
        ds = _base_dataset(mod, generate_uid())
        _set_patient_and_study(
            ds,
            patient_name=patient_name,
            patient_id=patient_id,
            issuer=issuer_of_patient_id,
            accession=accession_number,
            study_uid=study_uid,
            study_date=study_date,
            study_time=study_time,
            study_description=(
                study_description
                if study_description is not None
                else _DEFAULT_STUDY_DESCRIPTIONS.get(mod, f"{mod.value} STUDY")
            ),
        )
        ds.Modality = mod.value
        ds.SeriesInstanceUID = series_uid
        ds.SeriesNumber = series_number
        ds.SeriesDescription = description
        ds.ProtocolName = description
        ds.BodyPartExamined = (
            body_part if body_part is not None else _DEFAULT_BODY_PARTS.get(mod, "")
        )
        ds.InstanceNumber = index + 1
        ds.FrameOfReferenceUID = frame_of_reference
        ds.Manufacturer = "SYNTHETIC"
        ds.ManufacturerModelName = f"Synth{mod.value} 1000"
        ds.ImagePositionPatient = [0.0, 0.0, float(index) * 4.0]
        ds.ImageOrientationPatient = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]
        ds.SliceThickness = 4.0
        ds.SliceLocation = float(index) * 4.0
        ds.PixelSpacing = [0.8, 0.8]
        _set_modality_specifics(
            ds,
            mod,
            kernel=kernel,
            radiopharmaceutical=radiopharmaceutical,
            repetition_time=repetition_time,
            echo_time=echo_time,
            inversion_time=inversion_time,
        )
        if burned_in_annotation is None and mod is Modality.OT:
            ds.BurnedInAnnotation = "YES"
        elif burned_in_annotation is not None:
            ds.BurnedInAnnotation = "YES" if burned_in_annotation else "NO"
        _set_pixels(ds, mod, index, rows, columns, frames, pixel_values, photometric)
        if window is not None:
            ds.WindowCenter = window[0]
            ds.WindowWidth = window[1]
        for keyword, value in (extra or {}).items():
            setattr(ds, keyword, value)
        if UID(transfer_syntax).is_compressed:
            ds.compress(transfer_syntax)
        datasets.append(ds)
    return datasets


def synth_mr_spine_study(
    n_per_series: int = 10,
    *,
    series: Sequence[MrSeriesSpec] = DEFAULT_MR_SERIES,
    study_instance_uid: str | None = None,
    **options: Any,
) -> list[bytes]:
    """Build an MR spine study with several series (all files of all series).

    Parameters
    ----------
    n_per_series:
        Instances per series.
    series:
        The series to make, numbered 1, 2, ... in this order.
    study_instance_uid:
        The study UID, or a new one.
    **options:
        Keyword options of :func:`synth_datasets` for every series (``rows``,
        ``columns``, ``patient_id``, ...).

    Returns
    -------
    list[bytes]
        The files, series after series.
    """
    study_uid = study_instance_uid or generate_uid()
    files: list[bytes] = []
    for number, spec in enumerate(series, start=1):
        files.extend(
            synth_series(
                Modality.MR,
                n_per_series,
                study_instance_uid=study_uid,
                series_number=number,
                series_description=spec.description,
                repetition_time=spec.repetition_time,
                echo_time=spec.echo_time,
                inversion_time=spec.inversion_time,
                **options,
            )
        )
    return files


def synth_secondary_capture(**options: Any) -> bytes:
    """Build one secondary capture with Burned In Annotation YES.

    Parameters
    ----------
    **options:
        Keyword options of :func:`synth_datasets`.

    Returns
    -------
    bytes
        The Part 10 file.
    """
    return synth_series(Modality.OT, 1, **options)[0]


def dataset_to_bytes(ds: Dataset) -> bytes:
    """Write a dataset as a DICOM Part 10 file in memory.

    Parameters
    ----------
    ds:
        A dataset with ``file_meta`` (as made by :func:`synth_datasets`).

    Returns
    -------
    bytes
        The file, preamble and ``DICM`` prefix included.
    """
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


# -- building blocks --------------------------------------------------------------------


def _base_dataset(mod: Modality, sop_uid: str) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(SOP_CLASSES[mod])
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = FileDataset("synthetic", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = SOP_CLASSES[mod]
    ds.SOPInstanceUID = sop_uid
    ds.ContentDate = "20250115"
    ds.ContentTime = "093500"
    return ds


def _set_patient_and_study(
    ds: Dataset,
    *,
    patient_name: str,
    patient_id: str,
    issuer: str,
    accession: str,
    study_uid: str,
    study_date: str,
    study_time: str,
    study_description: str,
) -> None:
    # Identifiers present on purpose: the parser must drop them.
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.IssuerOfPatientID = issuer
    ds.OtherPatientIDs = f"{patient_id}-ALT"
    ds.PatientBirthDate = "19600101"
    ds.PatientSex = "O"
    ds.PatientAddress = "1 Synthetic Street, Testville"
    ds.InstitutionName = "Synthetic General Hospital"
    ds.InstitutionAddress = "2 Synthetic Road, Testville"
    ds.ReferringPhysicianName = "REFERRER^SYNTHETIC"
    ds.OperatorsName = "OPERATOR^SYNTHETIC"
    ds.StationName = "SYNTHSTATION1"
    ds.DeviceSerialNumber = "SN-SYNTH-42"
    ds.AccessionNumber = accession
    ds.StudyInstanceUID = study_uid
    ds.StudyID = "1"
    ds.StudyDate = study_date
    ds.StudyTime = study_time
    ds.SeriesDate = study_date
    ds.SeriesTime = study_time
    ds.AcquisitionDate = study_date
    ds.AcquisitionTime = study_time
    ds.StudyDescription = study_description


def _set_modality_specifics(
    ds: Dataset,
    mod: Modality,
    *,
    kernel: str,
    radiopharmaceutical: str,
    repetition_time: float,
    echo_time: float,
    inversion_time: float | None,
) -> None:
    if mod is Modality.MR:
        ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"]
        ds.ScanningSequence = ["SE", "IR"] if inversion_time is not None else ["SE"]
        ds.SequenceVariant = ["SK", "SP"]
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.SequenceName = "*tir2d1_13" if inversion_time is not None else "*tse2d1_15"
        ds.RepetitionTime = repetition_time
        ds.EchoTime = echo_time
        if inversion_time is not None:
            ds.InversionTime = inversion_time
        ds.MagneticFieldStrength = 1.5
        ds.EchoTrainLength = 15
    elif mod is Modality.CT:
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.ConvolutionKernel = kernel
        ds.KVP = 120
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.RescaleType = "HU"
    elif mod is Modality.PT:
        ds.ImageType = ["ORIGINAL", "PRIMARY"]
        ds.Units = "BQML"
        ds.CorrectedImage = ["ATTN", "DECY"]
        ds.DecayCorrection = "START"
        ds.SeriesType = ["WHOLE BODY", "IMAGE"]
        ds.RescaleIntercept = 0
        ds.RescaleSlope = 0.5
        nuclide = Dataset()
        nuclide.CodeValue = "C-111A1"
        nuclide.CodingSchemeDesignator = "SRT"
        nuclide.CodeMeaning = "^18^Fluorine"
        tracer = Dataset()
        tracer.CodeValue = "C-B1031"
        tracer.CodingSchemeDesignator = "SRT"
        tracer.CodeMeaning = "Fluorodeoxyglucose F^18^"
        info = Dataset()
        info.Radiopharmaceutical = radiopharmaceutical
        info.RadiopharmaceuticalStartTime = "083000"
        info.RadionuclideTotalDose = 350000000
        info.RadionuclideHalfLife = 6586.2
        info.RadionuclideCodeSequence = DicomSequence([nuclide])
        info.RadiopharmaceuticalCodeSequence = DicomSequence([tracer])
        ds.RadiopharmaceuticalInformationSequence = DicomSequence([info])
    elif mod is Modality.OT:
        ds.ImageType = ["DERIVED", "SECONDARY"]
        ds.ConversionType = "WSD"
    else:
        ds.ImageType = ["ORIGINAL", "PRIMARY"]


def _set_pixels(
    ds: Dataset,
    mod: Modality,
    index: int,
    rows: int,
    columns: int,
    frames: int,
    pixel_values: np.ndarray | None,
    photometric: str,
) -> None:
    if pixel_values is not None:
        values = np.asarray(pixel_values)
        if values.ndim == 2:
            values = np.broadcast_to(values, (frames, *values.shape))
        if values.shape != (frames, rows, columns):
            raise ValueError(
                f"pixel_values must have shape ({rows}, {columns}) or ({frames}, {rows}, {columns})"
            )
    else:
        values = _pattern(mod, index, rows, columns, frames)
    signed = bool(values.min() < 0)
    dtype = np.int16 if signed else np.uint16
    stored = values.astype(dtype)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = 16
    ds.BitsStored = 16 if signed or int(values.max()) > 4095 else 12
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = (stored if frames > 1 else stored[0]).tobytes()
    ds["PixelData"].VR = "OW"


def _pattern(mod: Modality, index: int, rows: int, columns: int, frames: int) -> np.ndarray:
    """A deterministic test image: diagonal gradient, a bright square, per-slice shift."""
    y, x = np.mgrid[0:rows, 0:columns]
    peak = {Modality.CT: 3000, Modality.PT: 4000}.get(mod, 1500)
    base = (x + y) * (peak // 2) // max(rows + columns - 2, 1)
    shift = (index * 7) % max(rows // 4, 1)
    top, left = rows // 3 + shift, columns // 3
    base[top : top + rows // 4, left : left + columns // 4] = peak
    stack = np.stack([base + frame * 10 for frame in range(frames)])
    return stack.astype(np.int64)
