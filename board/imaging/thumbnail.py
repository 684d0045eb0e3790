"""Key-image thumbnails: one small PNG of the middle image of a series.

:func:`make_thumbnail` decodes a single frame (the middle one of a multi-frame
instance), applies the modality LUT (rescale), then the VOI LUT or window from the
header, or a 1st-99th percentile window when the header has none; MONOCHROME1 is
inverted so that it looks like MONOCHROME2; colour images pass through. It refuses,
with a reason meant for the user, images that may show patient details (burned-in
annotation, secondary or screen captures) and images it cannot decode (for example a
compressed transfer syntax without an installed decoder). It never raises for bad
input.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.pixels import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi,
    apply_voi_lut,
    apply_windowing,
    get_decoder,
    pixel_array,
)
from pydicom.uid import UID

from board.imaging.burned_in import install_key_image_guard
from board.imaging.parse import SECONDARY_CAPTURE_SOP_CLASSES

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "STREAM_FRAME_BYTES",
    "Thumbnail",
    "ThumbnailRefused",
    "make_thumbnail",
    "refusal_reason",
    "select_middle_instance",
]

log = logging.getLogger(__name__)

# Whatever stores a thumbnail made here as a key image gets it checked for burned-in
# text (board.imaging.burned_in), even a code path that forgets to check it itself.
install_key_image_guard()

#: Largest frame (rows x columns x samples) decoded for a thumbnail.
DEFAULT_MAX_PIXELS = 64 * 1024 * 1024

#: Files larger than this are rendered without copying their pixel data: the frame
#: shown is read straight from the bytes.
STREAM_FRAME_BYTES = 8 * 1024 * 1024
_DEFER_BYTES = 64 * 1024

#: Percentiles are estimated from at most about this many pixels (a regular subsample).
_PERCENTILE_SAMPLE = 65536

_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A PNG thumbnail.

    Parameters
    ----------
    png_bytes:
        The PNG file (8-bit grey or RGB, no metadata).
    width, height:
        Size in pixels.
    frame_index:
        Which frame of the instance was used (0-based).
    """

    png_bytes: bytes = field(repr=False)
    width: int
    height: int
    frame_index: int = 0


@dataclass(frozen=True, slots=True)
class ThumbnailRefused:
    """No thumbnail, and why (shown to the user).

    Parameters
    ----------
    reason:
        Plain-English reason, e.g. "the image may show patient details: ...".
    """

    reason: str


class _Ordered(Protocol):
    @property
    def instance_number(self) -> int | None: ...  # pragma: no cover - protocol

    @property
    def sop_instance_uid(self) -> str: ...  # pragma: no cover - protocol


_T = TypeVar("_T", bound=_Ordered)


def select_middle_instance(instances: Sequence[_T]) -> _T | None:
    """Pick the middle image of a series by Instance Number.

    Instances without a number sort after numbered ones; ties are broken by SOP
    Instance UID so the choice is stable. With an even count the later of the two
    middle images is taken.

    Parameters
    ----------
    instances:
        The instances of one series (e.g. :class:`~board.imaging.parse.ParsedInstance`).

    Returns
    -------
    The middle instance, or ``None`` for an empty series.
    """
    if not instances:
        return None
    ordered = sorted(
        instances,
        key=lambda i: (i.instance_number is None, i.instance_number or 0, i.sop_instance_uid),
    )
    return ordered[len(ordered) // 2]


def refusal_reason(
    *, burned_in_annotation: bool, image_type: Sequence[str] = (), sop_class_uid: str = ""
) -> str | None:
    """Why an image must not be thumbnailed for privacy, or ``None``.

    Parameters
    ----------
    burned_in_annotation:
        (0028,0301) Burned In Annotation is ``YES``.
    image_type:
        (0008,0008) Image Type values.
    sop_class_uid:
        (0008,0016) SOP Class UID.

    Returns
    -------
    str | None
        The reason shown to the user, or ``None`` when a thumbnail is allowed.
    """
    if burned_in_annotation:
        return (
            "no thumbnail: the image is marked as having burned-in annotation, "
            "so it may show patient details"
        )
    upper = [v.upper() for v in image_type]
    if sop_class_uid in SECONDARY_CAPTURE_SOP_CLASSES or any(
        "SCREEN" in v or "CAPTURE" in v for v in upper
    ):
        return (
            "no thumbnail: the image is a secondary or screen capture, "
            "so it may show patient details"
        )
    if "SECONDARY" in upper:
        return (
            "no thumbnail: the image is marked SECONDARY (derived or captured), "
            "so it may show patient details"
        )
    return None


def make_thumbnail(
    data: bytes,
    max_size: int = 256,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    frame: int | None = None,
) -> Thumbnail | ThumbnailRefused:
    """Render a PNG thumbnail of one DICOM instance.

    Parameters
    ----------
    data:
        The whole DICOM file.
    max_size:
        Longest side of the thumbnail in pixels (images are never enlarged).
    max_pixels:
        Frames larger than this (rows x columns x samples) are refused.
    frame:
        The frame (0-based) of a multi-frame instance to use, as chosen in the series
        viewer; default: the middle one.

    Returns
    -------
    Thumbnail | ThumbnailRefused
        The PNG, or the reason there is none.
    """
    if max_size < 1:
        return ThumbnailRefused("no thumbnail: invalid thumbnail size")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _render(data, max_size, max_pixels, frame)
    except InvalidDicomError:
        return ThumbnailRefused("no thumbnail: not a DICOM file")
    except MemoryError:
        return ThumbnailRefused("no thumbnail: the image is too large")
    except Exception as exc:  # the contract is "never an exception" for any input
        log.info("thumbnail failed with %s", type(exc).__name__)
        return ThumbnailRefused("no thumbnail: the image data could not be decoded")


# -- rendering --------------------------------------------------------------------------


def _render(
    data: bytes, max_size: int, max_pixels: int, frame: int | None = None
) -> Thumbnail | ThumbnailRefused:
    # A large file is not copied: its pixel data stays deferred in the header and only
    # the frame shown is read from the bytes (memory stays near the size of the file).
    large = len(data) > STREAM_FRAME_BYTES
    ds = dcmread(io.BytesIO(data), defer_size=_DEFER_BYTES if large else None)
    reason = refusal_reason(
        burned_in_annotation=str(ds.get("BurnedInAnnotation", "")).strip().upper() == "YES",
        image_type=_strings(ds.get("ImageType")),
        sop_class_uid=str(ds.get("SOPClassUID", "")),
    )
    if reason is not None:
        return ThumbnailRefused(reason)
    if not any(keyword in ds for keyword in _PIXEL_KEYWORDS):
        return ThumbnailRefused("no thumbnail: the file has no image (a report, plan or list)")
    rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    samples = int(ds.get("SamplesPerPixel") or 1)
    if rows < 1 or columns < 1:
        return ThumbnailRefused("no thumbnail: the image size is missing")
    if rows * columns * samples > max_pixels:
        return ThumbnailRefused("no thumbnail: the image is too large")

    refused = _decoder_refusal(ds)
    if refused is not None:
        return refused
    frames = max(int(ds.get("NumberOfFrames") or 1), 1)
    index = frames // 2 if frame is None else frame
    if not 0 <= index < frames:
        return ThumbnailRefused(f"no thumbnail: the image has no frame {index + 1}")
    try:
        source: Dataset | io.BytesIO = io.BytesIO(data) if large else ds
        arr = pixel_array(source, index=index) if frames > 1 else pixel_array(source)
    except (NotImplementedError, RuntimeError):
        return ThumbnailRefused(f"no thumbnail: {_syntax_name(ds)} could not be decoded here")
    except (ValueError, KeyError, AttributeError, TypeError, IndexError, EOFError, OSError):
        return ThumbnailRefused("no thumbnail: the image data is damaged or incomplete")

    photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    if arr.ndim == 2:
        if photometric not in ("MONOCHROME1", "MONOCHROME2", "PALETTE COLOR", ""):
            return ThumbnailRefused(f"no thumbnail: unsupported colour format {photometric}")
        if photometric == "PALETTE COLOR":
            image = Image.fromarray(_to_uint8_colour(apply_color_lut(arr, ds)))
        else:
            grey = _render_grey(arr, ds)
            if photometric == "MONOCHROME1":
                grey = 255 - grey
            if str(ds.get("PresentationLUTShape", "")).strip().upper() == "INVERSE":
                grey = 255 - grey
            image = Image.fromarray(grey)
    elif arr.ndim == 3 and arr.shape[-1] == 3:
        image = Image.fromarray(_to_uint8_colour(arr, ds))
    else:
        return ThumbnailRefused("no thumbnail: unsupported image layout")

    image = _resize(image, ds, max_size)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return Thumbnail(buffer.getvalue(), image.width, image.height, index if frames > 1 else 0)


def _decoder_refusal(ds: Dataset) -> ThumbnailRefused | None:
    meta = getattr(ds, "file_meta", None)
    syntax = UID(str(meta.get("TransferSyntaxUID", ""))) if meta is not None else UID("")
    if not syntax or not syntax.is_transfer_syntax or not syntax.is_compressed:
        return None
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        decoder = None
    if decoder is None or not decoder.is_available:
        return ThumbnailRefused(
            f"no thumbnail: the image is compressed as {syntax.name}, "
            "and no decoder for it is installed"
        )
    return None


def _syntax_name(ds: Dataset) -> str:
    meta = getattr(ds, "file_meta", None)
    syntax = UID(str(meta.get("TransferSyntaxUID", ""))) if meta is not None else UID("")
    return f"the {syntax.name} image" if syntax and syntax.is_transfer_syntax else "the image"


def _render_grey(arr: np.ndarray, ds: Dataset) -> np.ndarray:
    """Modality LUT, then VOI LUT / window or percentile window; returns uint8."""
    values = apply_modality_lut(arr, ds)
    windowed = _apply_header_voi(values, ds)
    if windowed is not None:
        return windowed
    return percentile_window(values)


def _apply_header_voi(values: np.ndarray, ds: Dataset) -> np.ndarray | None:
    """Apply the header's VOI LUT or window, scaled to 0-255; ``None`` if there is none."""
    lut_items = ds.get("VOILUTSequence")
    has_lut = bool(lut_items) and "LUTDescriptor" in lut_items[0] and "LUTData" in lut_items[0]
    has_window = ds.get("WindowCenter") is not None and ds.get("WindowWidth") is not None
    if not (has_lut or has_window):
        return None
    try:
        out = apply_voi_lut(values, ds, index=0)
        if has_lut:
            descriptor = [int(v) for v in lut_items[0].LUTDescriptor]
            entries = descriptor[0] or 65536
            first = descriptor[1]
            table = apply_voi(np.arange(first, first + entries, dtype=np.int64), ds, index=0)
            low, high = float(table.min()), float(table.max())
        else:
            probe = apply_windowing(np.array([-1e15, 1e15], dtype=np.float64), ds, index=0)
            low, high = float(probe.min()), float(probe.max())
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, NotImplementedError):
        return None
    if not np.isfinite(low) or not np.isfinite(high) or high <= low:
        return None
    return _scale(out, low, high)


def percentile_window(
    values: np.ndarray, low_pct: float = 1.0, high_pct: float = 99.0
) -> np.ndarray:
    """Window an image to its own ``low_pct``-``high_pct`` percentile range.

    Parameters
    ----------
    values:
        Grey values after the modality LUT.
    low_pct, high_pct:
        Percentiles mapped to black and white.

    Returns
    -------
    numpy.ndarray
        ``uint8`` image; all black when the image has a single value.
    """
    sample = values
    if sample.size > _PERCENTILE_SAMPLE:
        step = int(np.ceil(np.sqrt(sample.size / _PERCENTILE_SAMPLE)))
        sample = sample[::step, ::step] if sample.ndim == 2 else sample.ravel()[:: step * step]
    if sample.dtype.kind == "f":
        sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    low, high = (float(v) for v in np.percentile(sample, [low_pct, high_pct]))
    if high <= low:
        low, high = float(sample.min()), float(sample.max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    return _scale(values, low, high)


def _scale(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map ``low``..``high`` linearly to 0..255 (clipped, rounded; NaN becomes 0)."""
    out = values.astype(np.float32)
    out -= np.float32(low)
    out *= np.float32(255.0 / (high - low))
    np.clip(out, 0, 255, out=out)
    np.rint(out, out=out)
    if values.dtype.kind == "f":
        np.nan_to_num(out, copy=False, nan=0.0)
    return out.astype(np.uint8)


def _to_uint8_colour(arr: np.ndarray, ds: Dataset | None = None) -> np.ndarray:
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if arr.dtype.kind in "ui":
        bits = int(ds.get("BitsStored") or 0) if ds is not None else 0
        bits = bits if 8 < bits <= arr.dtype.itemsize * 8 else arr.dtype.itemsize * 8
        shifted = np.clip(arr.astype(np.int64), 0, None) >> (bits - 8)
        return np.clip(shifted, 0, 255).astype(np.uint8)
    return percentile_window(arr)


def _resize(image: Image.Image, ds: Dataset, max_size: int) -> Image.Image:
    """Fit into ``max_size`` keeping the physical aspect ratio; never enlarge."""
    row_mm, col_mm = _spacing(ds)
    width_phys, height_phys = image.width * col_mm, image.height * row_mm
    box = min(max_size, max(image.width, image.height))
    scale = box / max(width_phys, height_phys)
    size = (max(1, round(width_phys * scale)), max(1, round(height_phys * scale)))
    if size == image.size:
        return image
    factor = min(image.width // size[0], image.height // size[1])
    if factor >= 2:  # box-average by an integer factor first: fast and alias-free
        image = image.reduce(factor)
        if image.size == size:
            return image
    return image.resize(size, Image.Resampling.BILINEAR)


def _spacing(ds: Dataset) -> tuple[float, float]:
    """(row spacing, column spacing); equal when unknown or implausible."""
    try:
        values = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
        if values is not None and len(values) == 2:
            row, col = float(values[0]), float(values[1])
        else:
            ratio = ds.get("PixelAspectRatio")
            if ratio is None or len(ratio) != 2:
                return 1.0, 1.0
            row, col = float(ratio[0]), float(ratio[1])
    except (ValueError, TypeError, IndexError):
        return 1.0, 1.0
    if row <= 0 or col <= 0 or not 0.1 <= row / col <= 10:
        return 1.0, 1.0
    return row, col


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | MultiValue):
        return [str(v) for v in value]
    return [str(value)]
