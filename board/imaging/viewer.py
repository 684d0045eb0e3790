"""The series viewer: scroll the slices of a PACS series, windowed, from a bounded cache.

Frames come live from the hospital PACS over DICOMweb: the series of a study and its
instances are listed with QIDO-RS, each instance is retrieved with WADO-RS and decoded
with pydicom (pylibjpeg for compressed transfer syntaxes), the modality LUT applied
(Hounsfield units for CT), then windowed for the screen:

- CT: presets for bone (level 400, width 1800), soft tissue (40 / 400) and lung
  (-600 / 1500);
- MR and every other modality: automatic windowing, the 1st to 99th percentile of the
  slice's own values.

Decoded frames are held in a :class:`FrameCache`, one per browser session, bounded by
bytes (:data:`DEFAULT_CACHE_BYTES`, 64 MiB: about 64 CT slices of 512 x 512); the least
recently viewed frame goes first. Nothing of the viewer is written to disk or to the
database: closing the browser tab drops the cache. Choosing a slice as a series' key
image is :func:`board.imaging.key_image.set_key_image`.

Text from the PACS (series descriptions) is cleaned with
:func:`board.imaging.common.clean_text`; patient names and identifiers in the QIDO-RS
answers are never read.
"""

from __future__ import annotations

import enum
import io
import logging
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import requests
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, pixel_array

from board.errors import ValidationError
from board.imaging.common import clean_text
from board.imaging.enums import Modality
from board.imaging.pacs import PacsClient, PacsError
from board.imaging.parse import is_valid_uid
from board.imaging.thumbnail import percentile_window

__all__ = [
    "CT_PRESETS",
    "DEFAULT_CACHE_BYTES",
    "Frame",
    "FrameCache",
    "PacsSeries",
    "RenderedSlice",
    "SliceRef",
    "ViewerSession",
    "Window",
    "WindowPreset",
    "apply_window",
    "decode_frames",
    "frame_count",
    "list_pacs_series",
    "list_slices",
    "pacs_call",
    "presets_for",
    "render_frame",
    "render_slice",
    "window_frame",
]

log = logging.getLogger(__name__)

#: The bound of one session's frame cache: 64 MiB of decoded frames.
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024

#: Series and slice listings remembered per session (a few hundred bytes each).
LISTINGS_KEPT = 64

#: Largest frame decoded (rows x columns x samples): a 4096 x 4096 image.
MAX_FRAME_PIXELS = 4096 * 4096

_SERIES_FIELDS = ("0008103E", "00080060", "00200011", "00201209")
_INSTANCE_FIELDS = ("00200013", "00280008")


class WindowPreset(enum.StrEnum):
    """How the grey values of a slice are mapped to the screen."""

    AUTO = "auto"
    BONE = "bone"
    SOFT_TISSUE = "soft_tissue"
    LUNG = "lung"

    @property
    def label(self) -> str:
        """Plain-English name ("Bone", "Automatic")."""
        return {
            WindowPreset.AUTO: "Automatic",
            WindowPreset.BONE: "Bone",
            WindowPreset.SOFT_TISSUE: "Soft tissue",
            WindowPreset.LUNG: "Lung",
        }[self]


@dataclass(frozen=True, slots=True)
class Window:
    """A linear window: ``level - width / 2`` is black, ``level + width / 2`` white.

    Parameters
    ----------
    level:
        Centre of the window (Hounsfield units for CT).
    width:
        Width of the window; more than 0.

    Raises
    ------
    ValidationError
        For a width of 0 or less, or a value that is not a finite number.
    """

    level: float
    width: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.level) and np.isfinite(self.width)):
            raise ValidationError("A window's level and width must be numbers.", field="window")
        if self.width <= 0:
            raise ValidationError("A window's width must be more than 0.", field="window")

    @property
    def label(self) -> str:
        """``"level 400 / width 1800"``."""
        return f"level {self.level:g} / width {self.width:g}"


#: CT window presets (Hounsfield units).
CT_PRESETS: Mapping[WindowPreset, Window] = {
    WindowPreset.BONE: Window(400, 1800),
    WindowPreset.SOFT_TISSUE: Window(40, 400),
    WindowPreset.LUNG: Window(-600, 1500),
}


def presets_for(modality: str) -> tuple[WindowPreset, ...]:
    """The window presets offered for a modality, the default first.

    Parameters
    ----------
    modality:
        DICOM modality code (``"CT"``, ``"MR"``, ...).

    Returns
    -------
    tuple[WindowPreset, ...]
        CT: bone, soft tissue, lung, automatic; any other modality: automatic only.
    """
    if Modality.from_code(modality) is Modality.CT:
        return (WindowPreset.BONE, WindowPreset.SOFT_TISSUE, WindowPreset.LUNG, WindowPreset.AUTO)
    return (WindowPreset.AUTO,)


def apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """Map grey values to 0-255 through a linear window.

    Parameters
    ----------
    values:
        Grey values after the modality LUT.
    window:
        Level and width.

    Returns
    -------
    numpy.ndarray
        ``uint8``: values at or below ``level - width/2`` are 0, at or above
        ``level + width/2`` are 255, linear (rounded) between; NaN becomes 0.
    """
    low = window.level - window.width / 2
    out = values.astype(np.float32)
    out -= np.float32(low)
    out *= np.float32(255.0 / window.width)
    np.clip(out, 0, 255, out=out)
    np.rint(out, out=out)
    np.nan_to_num(out, copy=False, nan=0.0)
    return out.astype(np.uint8)


# ---------------------------------------------------------------------------
# Frames and the cache
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: grey values after the modality LUT, or RGB.

    Parameters
    ----------
    values:
        ``float32`` (rows, columns) grey values, or ``uint8`` (rows, columns, 3) colour.
    invert:
        MONOCHROME1 (or an inverse presentation LUT): high values are shown dark.
    aspect:
        Physical height / width of a pixel (row spacing / column spacing).
    """

    values: np.ndarray = field(repr=False)
    invert: bool = False
    aspect: float = 1.0

    @property
    def nbytes(self) -> int:
        """The memory the frame's pixels take."""
        return int(self.values.nbytes)

    @property
    def is_colour(self) -> bool:
        """An RGB frame (shown as it is, never windowed)."""
        return self.values.ndim == 3


CacheKey = tuple[str, str, str, int]  # study, series, SOP instance UID, frame (0-based)


class FrameCache:
    """Decoded frames of one session, least recently used first out, bounded by bytes.

    Parameters
    ----------
    max_bytes:
        The bound: the frames held never take more than this; a frame larger than the
        whole bound is not kept at all.

    Raises
    ------
    ValidationError
        For a negative bound.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes < 0:
            raise ValidationError("The cache bound must be 0 bytes or more.", field="max_bytes")
        self.max_bytes = max_bytes
        self._frames: OrderedDict[CacheKey, Frame] = OrderedDict()
        self._bytes = 0

    @property
    def bytes_used(self) -> int:
        """Bytes held now (always at most :attr:`max_bytes`)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)

    def __contains__(self, key: object) -> bool:
        return key in self._frames

    def held_keys(self) -> Iterator[CacheKey]:
        """The keys held, least recently used first."""
        return iter(list(self._frames))

    def get(self, key: CacheKey) -> Frame | None:
        """The frame for ``key`` (now the most recently used), or ``None``.

        Parameters
        ----------
        key:
            (study UID, series UID, SOP instance UID, frame index).

        Returns
        -------
        Frame | None
            The frame, when held.
        """
        frame = self._frames.get(key)
        if frame is not None:
            self._frames.move_to_end(key)
        return frame

    def put(self, key: CacheKey, frame: Frame) -> bool:
        """Keep a frame, dropping the least recently used ones to stay within the bound.

        Parameters
        ----------
        key:
            (study UID, series UID, SOP instance UID, frame index).
        frame:
            The decoded frame.

        Returns
        -------
        bool
            ``False`` when the frame alone is larger than the bound (not kept).
        """
        old = self._frames.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes
        if frame.nbytes > self.max_bytes:
            return False
        while self._frames and self._bytes + frame.nbytes > self.max_bytes:
            _key, dropped = self._frames.popitem(last=False)
            self._bytes -= dropped.nbytes
        self._frames[key] = frame
        self._bytes += frame.nbytes
        return True

    def clear(self) -> None:
        """Drop every frame."""
        self._frames.clear()
        self._bytes = 0


# ---------------------------------------------------------------------------
# Listing
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PacsSeries:
    """One series of a study as the PACS lists it (no patient details).

    Parameters
    ----------
    study_uid, series_uid:
        The UIDs.
    series_number:
        Series Number, when given.
    description:
        Series description (cleaned).
    modality:
        Modality code.
    instance_count:
        Number of instances, as the PACS reports it (``None``: not reported).
    """

    study_uid: str
    series_uid: str
    series_number: int | None
    description: str
    modality: str
    instance_count: int | None

    @property
    def label(self) -> str:
        """``"Series 3: SAG T2 (MR, 15 images)"``."""
        number = f"Series {self.series_number}" if self.series_number is not None else "Series"
        count = f", {self.instance_count} images" if self.instance_count else ""
        return f"{number}: {self.description or '(no description)'} ({self.modality}{count})"


@dataclass(frozen=True, slots=True)
class SliceRef:
    """One slice of a series: an instance, and its frame for a multi-frame instance.

    Parameters
    ----------
    sop_uid:
        SOP Instance UID.
    frame:
        0-based frame index within the instance (0 for single-frame instances).
    instance_number:
        Instance Number, when given.
    """

    sop_uid: str
    frame: int = 0
    instance_number: int | None = None


def _first(item: Mapping[str, Any], tag: str) -> Any:
    values = (item.get(tag) or {}).get("Value") or []
    return values[0] if values else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def pacs_call(what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a dicomweb-client call, turning its failures into :class:`PacsError`.

    Parameters
    ----------
    what:
        What the PACS was asked to do, for the message ("send the image").
    function:
        The dicomweb-client method.
    *args, **kwargs:
        Its arguments.

    Returns
    -------
    Any
        What the method returned.

    Raises
    ------
    PacsError
        When the PACS cannot be reached, refuses, or answers unreadably.
    """
    try:
        return function(*args, **kwargs)
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise PacsError(f"The PACS refused to {what} (HTTP {status}).") from exc
    except requests.RequestException as exc:
        raise PacsError(
            f"The PACS could not be reached to {what}; check the PACS address and that it "
            "is running."
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PacsError(f"The PACS gave an answer that could not be read ({what}).") from exc


def _check_uid(uid: str, what: str) -> None:
    if not is_valid_uid(uid):
        raise ValidationError(f"That is not a valid {what} UID.", field=what.lower())


def list_pacs_series(client: PacsClient, study_uid: str) -> list[PacsSeries]:
    """The series of a study in the PACS (QIDO-RS), by series number.

    Parameters
    ----------
    client:
        The PACS client.
    study_uid:
        Study Instance UID.

    Returns
    -------
    list[PacsSeries]
        Empty when the PACS does not hold the study.

    Raises
    ------
    ValidationError
        For a malformed UID.
    PacsError
        When the PACS cannot be reached or answers with an error.
    """
    _check_uid(study_uid, "Study Instance")
    items = pacs_call(
        "list the series of a study",
        client.client.search_for_series,
        study_instance_uid=study_uid,
        fields=list(_SERIES_FIELDS),
    )
    found: list[PacsSeries] = []
    for item in items or []:
        series_uid = str(_first(item, "0020000E") or "")
        if not is_valid_uid(series_uid):
            continue
        found.append(
            PacsSeries(
                study_uid=study_uid,
                series_uid=series_uid,
                series_number=_int(_first(item, "00200011")),
                description=clean_text(_first(item, "0008103E"), 200),
                modality=clean_text(_first(item, "00080060"), 16) or "OT",
                instance_count=_int(_first(item, "00201209")),
            )
        )
    found.sort(key=lambda s: (s.series_number is None, s.series_number or 0, s.series_uid))
    return found


def list_slices(client: PacsClient, study_uid: str, series_uid: str) -> list[SliceRef]:
    """The slices of a series (QIDO-RS), by instance number then frame.

    Parameters
    ----------
    client:
        The PACS client.
    study_uid, series_uid:
        The series.

    Returns
    -------
    list[SliceRef]
        One per frame; empty when the PACS does not hold the series.

    Raises
    ------
    ValidationError
        For a malformed UID.
    PacsError
        When the PACS cannot be reached or answers with an error.
    """
    _check_uid(study_uid, "Study Instance")
    _check_uid(series_uid, "Series Instance")
    items = pacs_call(
        "list the images of a series",
        client.client.search_for_instances,
        study_instance_uid=study_uid,
        series_instance_uid=series_uid,
        fields=list(_INSTANCE_FIELDS),
    )
    instances: list[tuple[int | None, str, int]] = []
    for item in items or []:
        sop_uid = str(_first(item, "00080018") or "")
        if not is_valid_uid(sop_uid):
            continue
        frames = max(_int(_first(item, "00280008")) or 1, 1)
        instances.append((_int(_first(item, "00200013")), sop_uid, frames))
    instances.sort(key=lambda i: (i[0] is None, i[0] or 0, i[1]))
    return [
        SliceRef(sop_uid, frame, number)
        for number, sop_uid, frames in instances
        for frame in range(frames)
    ]


# ---------------------------------------------------------------------------
# Decoding and rendering
# ---------------------------------------------------------------------------


def _aspect(ds: Dataset) -> float:
    try:
        spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
        if spacing is not None and len(spacing) == 2:
            row, col = float(spacing[0]), float(spacing[1])
            if row > 0 and col > 0 and 0.1 <= row / col <= 10:
                return row / col
    except (TypeError, ValueError, IndexError):
        pass
    return 1.0


def frame_count(ds: Dataset) -> int:
    """How many frames an instance holds (1 for a single-frame image).

    Parameters
    ----------
    ds:
        The instance.

    Returns
    -------
    int
        Number of Frames, at least 1.
    """
    try:
        return max(int(ds.get("NumberOfFrames") or 1), 1)
    except (TypeError, ValueError):
        return 1


def decode_frames(ds: Dataset, indices: Sequence[int] | None = None) -> list[Frame]:
    """Decode frames of an instance: modality LUT applied, ready to window.

    Frames are decoded one at a time, so a long multi-frame instance never has all its
    frames decoded at once unless asked.

    Parameters
    ----------
    ds:
        The instance with its pixel data (as retrieved over WADO-RS).
    indices:
        Which frames (0-based), in the order wanted; default: every frame.

    Returns
    -------
    list[Frame]
        One per index, in the order asked.

    Raises
    ------
    ValidationError
        When the instance has no image, an unsupported layout, is too large, a frame
        asked is not there, or its pixel data cannot be decoded here (the message says
        which).
    """
    if "PixelData" not in ds:
        raise ValidationError("This image has no pixel data (a report, plan or list).")
    rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    samples = int(ds.get("SamplesPerPixel") or 1)
    if rows < 1 or columns < 1:
        raise ValidationError("This image does not state its size.")
    if rows * columns * samples > MAX_FRAME_PIXELS:
        raise ValidationError("This image is too large to show here (over 4096 x 4096).")
    frames = frame_count(ds)
    wanted = list(range(frames)) if indices is None else list(indices)
    if any(not 0 <= index < frames for index in wanted):
        raise ValidationError(f"This image has {frames} frames; a frame asked is not there.")
    photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    colour = samples == 3
    invert = photometric == "MONOCHROME1"
    if str(ds.get("PresentationLUTShape", "")).strip().upper() == "INVERSE":
        invert = not invert
    aspect = _aspect(ds)
    decoded: list[Frame] = []
    for index in wanted:
        array = _pixels(ds, index if frames > 1 else None)
        if array.ndim != (3 if colour else 2):
            raise ValidationError("This image has a layout the viewer cannot show.")
        if colour:
            decoded.append(Frame(np.ascontiguousarray(array).astype(np.uint8), False, aspect))
        else:
            grey = np.asarray(apply_modality_lut(array, ds), dtype=np.float32)
            decoded.append(Frame(np.ascontiguousarray(grey), invert, aspect))
    return decoded


def _pixels(ds: Dataset, index: int | None) -> np.ndarray:
    """One frame's stored values (``index`` ``None``: the only frame)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pixel_array(ds) if index is None else pixel_array(ds, index=index)
    except (NotImplementedError, RuntimeError) as exc:
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        name = getattr(syntax, "name", "its transfer syntax")
        raise ValidationError(
            f"This image is compressed as {name}, which cannot be decoded here."
        ) from exc
    except (ValueError, KeyError, AttributeError, TypeError, IndexError, EOFError, OSError) as exc:
        raise ValidationError("This image's pixel data is damaged or incomplete.") from exc


def window_frame(frame: Frame, preset: WindowPreset) -> tuple[np.ndarray, str]:
    """Window a frame for the screen.

    Parameters
    ----------
    frame:
        The decoded frame.
    preset:
        A CT preset, or automatic (1st-99th percentile of the frame).

    Returns
    -------
    tuple[numpy.ndarray, str]
        The ``uint8`` image and the window in words ("Bone, level 400 / width 1800").
    """
    if frame.is_colour:
        return frame.values, "colour image, shown as stored"
    window = CT_PRESETS.get(preset)
    if window is None:
        grey = percentile_window(frame.values)
        words = "Automatic (1st to 99th percentile of the slice)"
    else:
        grey = apply_window(frame.values, window)
        words = f"{preset.label}, {window.label}"
    if frame.invert:
        grey = 255 - grey
    return grey, words


@dataclass(frozen=True, slots=True)
class RenderedSlice:
    """A slice ready for the screen.

    Parameters
    ----------
    png:
        The PNG (8-bit grey or RGB).
    width, height:
        Its size in pixels.
    window:
        The window in words.
    index, total:
        Which slice of how many (0-based index).
    slice_ref:
        The instance and frame.
    from_cache:
        The frame was in the session's cache (no request to the PACS).
    """

    png: bytes = field(repr=False)
    width: int
    height: int
    window: str
    index: int
    total: int
    slice_ref: SliceRef
    from_cache: bool


def render_frame(frame: Frame, preset: WindowPreset) -> tuple[bytes, int, int, str]:
    """Window a frame and encode it as PNG, with square pixels on screen.

    Parameters
    ----------
    frame:
        The decoded frame.
    preset:
        The window.

    Returns
    -------
    tuple[bytes, int, int, str]
        PNG bytes, width, height and the window in words.
    """
    pixels, words = window_frame(frame, preset)
    image = Image.fromarray(pixels)
    if abs(frame.aspect - 1.0) > 0.01:
        image = image.resize(
            (image.width, max(1, round(image.height * frame.aspect))), Image.Resampling.BILINEAR
        )
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue(), image.width, image.height, words


# ---------------------------------------------------------------------------
# A session's viewer
# ---------------------------------------------------------------------------


class ViewerSession:
    """What one browser session's viewer keeps in memory: listings and decoded frames.

    Parameters
    ----------
    max_bytes:
        The frame cache's bound (:data:`DEFAULT_CACHE_BYTES`).
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.frames = FrameCache(max_bytes)
        self._series: OrderedDict[str, list[PacsSeries]] = OrderedDict()
        self._slices: OrderedDict[tuple[str, str], list[SliceRef]] = OrderedDict()

    @staticmethod
    def _remember(store: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > LISTINGS_KEPT:
            store.popitem(last=False)

    def series(self, client: PacsClient, study_uid: str) -> list[PacsSeries]:
        """The study's series in the PACS (asked once per session, then remembered).

        Parameters
        ----------
        client:
            The PACS client.
        study_uid:
            The study.

        Returns
        -------
        list[PacsSeries]
            As :func:`list_pacs_series`.

        Raises
        ------
        ValidationError, PacsError
            As :func:`list_pacs_series`.
        """
        if study_uid not in self._series:
            self._remember(self._series, study_uid, list_pacs_series(client, study_uid))
        return self._series[study_uid]

    def slices(self, client: PacsClient, study_uid: str, series_uid: str) -> list[SliceRef]:
        """The series' slices (asked once per session, then remembered).

        Parameters
        ----------
        client:
            The PACS client.
        study_uid, series_uid:
            The series.

        Returns
        -------
        list[SliceRef]
            As :func:`list_slices`.

        Raises
        ------
        ValidationError, PacsError
            As :func:`list_slices`.
        """
        key = (study_uid, series_uid)
        if key not in self._slices:
            self._remember(self._slices, key, list_slices(client, study_uid, series_uid))
        return self._slices[key]

    def forget(self, study_uid: str) -> None:
        """Ask the PACS again next time (after files of the study were sent to it).

        Parameters
        ----------
        study_uid:
            The study.
        """
        self._series.pop(study_uid, None)
        for key in [k for k in self._slices if k[0] == study_uid]:
            del self._slices[key]

    def frame(
        self, client: PacsClient, study_uid: str, series_uid: str, slice_ref: SliceRef
    ) -> tuple[Frame, bool]:
        """A decoded frame: from the cache, else retrieved from the PACS (WADO-RS).

        Every frame of a retrieved instance is decoded and cached (a multi-frame
        instance is retrieved once).

        Parameters
        ----------
        client:
            The PACS client.
        study_uid, series_uid:
            The series.
        slice_ref:
            The instance and frame.

        Returns
        -------
        tuple[Frame, bool]
            The frame, and whether it came from the cache.

        Raises
        ------
        ValidationError
            When the image cannot be shown (the message says why).
        PacsError
            When the PACS cannot be reached or answers with an error.
        """
        key = (study_uid, series_uid, slice_ref.sop_uid, slice_ref.frame)
        cached = self.frames.get(key)
        if cached is not None:
            return cached, True
        ds = pacs_call(
            "send the image",
            client.client.retrieve_instance,
            study_uid,
            series_uid,
            slice_ref.sop_uid,
        )
        total = frame_count(ds)
        if not 0 <= slice_ref.frame < total:
            raise ValidationError("The PACS sent fewer frames than it listed for this image.")
        # The frame asked, then its neighbours (the next slices scrolled to) while they
        # take at most half the cache: a multi-frame instance is retrieved once.
        (shown,) = decode_frames(ds, [slice_ref.frame])
        budget = self.frames.max_bytes // 2 - shown.nbytes
        for index in _neighbours(slice_ref.frame, total):
            if budget < shown.nbytes:
                break
            (decoded,) = decode_frames(ds, [index])
            self.frames.put((study_uid, series_uid, slice_ref.sop_uid, index), decoded)
            budget -= decoded.nbytes
        self.frames.put(key, shown)  # the one on screen is the most recently used
        return shown, False


def _neighbours(index: int, total: int) -> Iterator[int]:
    """Frame indices around ``index``, nearest first (after, then before)."""
    for step in range(1, total):
        for candidate in (index + step, index - step):
            if 0 <= candidate < total:
                yield candidate


def render_slice(
    session: ViewerSession,
    client: PacsClient,
    series: PacsSeries,
    slices: Sequence[SliceRef],
    index: int,
    preset: WindowPreset,
) -> RenderedSlice:
    """The slice ``index`` of a series, windowed and encoded for the screen.

    Parameters
    ----------
    session:
        The session's viewer (cache and listings).
    client:
        The PACS client.
    series:
        The series.
    slices:
        Its slices (:meth:`ViewerSession.slices`).
    index:
        0-based slice index.
    preset:
        The window.

    Returns
    -------
    RenderedSlice
        The PNG and what it shows.

    Raises
    ------
    ValidationError
        For an index outside the series, or an image that cannot be shown.
    PacsError
        When the PACS cannot be reached or answers with an error.
    """
    if not slices:
        raise ValidationError("The PACS lists no images in this series.", field="slice")
    if not 0 <= index < len(slices):
        raise ValidationError(f"Choose a slice between 1 and {len(slices)}.", field="slice")
    slice_ref = slices[index]
    frame, cached = session.frame(client, series.study_uid, series.series_uid, slice_ref)
    png, width, height, words = render_frame(frame, preset)
    return RenderedSlice(png, width, height, words, index, len(slices), slice_ref, cached)
