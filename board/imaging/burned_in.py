"""Burned-in text in key images: found with OCR and blacked out before a key image is stored.

A series whose pixels carry the patient's name or ID (burned in by the scanner or a
workstation, without the BurnedInAnnotation flag) must not give a key image in which
they can be read. :func:`redact_burned_in_text` looks for text with Tesseract OCR
(Debian ``tesseract-ocr``, through ``pytesseract``) and blacks out every text region it
finds, then looks again; when text is still found after :data:`MAX_ROUNDS` rounds, or
the check cannot run or finish in time, no key image is kept and the reason says why.

Text is looked for in three renderings of the image, each enlarged so that the small
letters of a 256-pixel key image are big enough for OCR (``--psm 11``, sparse text):
the grey image itself (text on a plain background), the thin bright strokes left by a
white top-hat (light text drawn across the anatomy) and the thin dark strokes left by a
black top-hat (dark text on a light background).

Every key image goes through this check: :mod:`board.imaging.importer` checks the key
images of file imports and PACS attaches before its write transaction, and a guard on
the ``imaging_series`` table (:func:`install_key_image_guard`, installed when this
module is imported) checks any key image that reaches the database without having been
checked in this process, whatever code path stored it. The text read by OCR is never
kept or logged: only the position of each region.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter
from sqlalchemy import event, inspect

from board.db.models import ImagingSeries

__all__ = [
    "MAX_ROUNDS",
    "OCR_ANY_CONFIDENCE_CHARACTERS",
    "OCR_MIN_CHARACTERS",
    "OCR_MIN_CONFIDENCE",
    "OCR_TIMEOUT_SECONDS",
    "RedactionResult",
    "TextRegion",
    "check_key_image",
    "find_text_regions",
    "install_key_image_guard",
    "is_checked",
    "redact_burned_in_text",
]

log = logging.getLogger(__name__)

#: Seconds the whole check of one image may take (at most ``3 * (MAX_ROUNDS + 1)`` OCR
#: passes); an image not checked in time gets no key image.
OCR_TIMEOUT_SECONDS = 20.0
#: Rounds of "find text, black it out"; the image is checked once more after the last
#: one, and text still found then means no key image.
MAX_ROUNDS = 3
#: Tesseract word confidence (0-100) from which a word counts as text.
OCR_MIN_CONFIDENCE = 30
#: Letters and digits a word needs to count as text (single characters are what OCR
#: most often reads into anatomy, and cannot name a patient).
OCR_MIN_CHARACTERS = 2
#: A word of this many letters or digits counts as text whatever its confidence (small
#: text drawn across the anatomy is found, but read with a confidence near 0).
OCR_ANY_CONFIDENCE_CHARACTERS = 4
#: The image is enlarged so that its longest side is about this many pixels for OCR
#: (at most 4 times, never reduced).
_OCR_TARGET_SIDE = 1024
_MAX_OCR_SCALE = 4
#: Pixels added around each text region (in the key image's pixels).
_PAD = 2
#: Size of the top-hat structuring element and the stroke contrast kept.
_TOPHAT_SIZE = 5
_TOPHAT_THRESHOLD = 40

_NOTE_LIMIT = 200

# One OCR at a time per core is enough; Tesseract's own threads only compete.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True, slots=True)
class TextRegion:
    """Where text was found (key-image pixels); the text itself is never kept.

    Parameters
    ----------
    left, top, width, height:
        The region, padded and clipped to the image.
    confidence:
        Tesseract's confidence (0-100).
    """

    left: int
    top: int
    width: int
    height: int
    confidence: float


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """What may be stored as the key image, after the check for burned-in text.

    Parameters
    ----------
    png_bytes:
        The key image to store (PNG), text regions blacked out; ``None`` when no key
        image may be kept.
    note:
        For the series' key-image note: why there is no key image, or that text was
        blacked out; ``None`` when no text was found.
    regions:
        Every region blacked out.
    seconds:
        How long the check took.
    """

    png_bytes: bytes | None
    note: str | None
    regions: tuple[TextRegion, ...] = ()
    seconds: float = 0.0


class _Unavailable(Exception):
    """OCR could not run (Tesseract missing, timed out or failed)."""


# -- finding text ---------------------------------------------------------------------


def _renderings(grey: Image.Image) -> list[Image.Image]:
    """The grey image, its thin bright strokes and its thin dark strokes (black on white)."""
    opened = grey.filter(ImageFilter.MinFilter(_TOPHAT_SIZE)).filter(
        ImageFilter.MaxFilter(_TOPHAT_SIZE)
    )
    closed = grey.filter(ImageFilter.MaxFilter(_TOPHAT_SIZE)).filter(
        ImageFilter.MinFilter(_TOPHAT_SIZE)
    )
    bright = ImageChops.subtract(grey, opened)  # white top-hat
    dark = ImageChops.subtract(closed, grey)  # black top-hat
    return [
        grey,
        bright.point(lambda v: 0 if v >= _TOPHAT_THRESHOLD else 255),
        dark.point(lambda v: 0 if v >= _TOPHAT_THRESHOLD else 255),
    ]


def find_text_regions(
    image: Image.Image, *, timeout: float = OCR_TIMEOUT_SECONDS
) -> list[TextRegion]:
    """Find text in an image with Tesseract OCR.

    Parameters
    ----------
    image:
        Any Pillow image (grey or colour); small images are enlarged for OCR.
    timeout:
        Seconds the three OCR passes may take together.

    Returns
    -------
    list[TextRegion]
        Every word of at least :data:`OCR_MIN_CHARACTERS` letters or digits read
        with a confidence of at least :data:`OCR_MIN_CONFIDENCE`, and every word of
        at least :data:`OCR_ANY_CONFIDENCE_CHARACTERS` whatever its confidence, in
        the image's pixels (padded).

    Raises
    ------
    RuntimeError
        When Tesseract is not installed, fails, or the passes take longer than
        ``timeout``.
    """
    import pytesseract  # the OCR wrapper loads when a key image is first checked

    deadline = time.monotonic() + timeout

    grey = image.convert("L")
    longest = max(grey.width, grey.height, 1)
    scale = max(1, min(_MAX_OCR_SCALE, round(_OCR_TARGET_SIDE / longest)))
    regions: list[TextRegion] = []
    for rendering in _renderings(grey):
        big = rendering.resize(
            (rendering.width * scale, rendering.height * scale), Image.Resampling.LANCZOS
        )
        left_s = deadline - time.monotonic()
        if left_s <= 0:
            raise RuntimeError("tesseract-ocr did not finish in time")
        try:
            data = pytesseract.image_to_data(
                big, config="--psm 11", output_type=pytesseract.Output.DICT, timeout=left_s
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise RuntimeError("tesseract-ocr is not installed") from exc
        except (pytesseract.TesseractError, OSError) as exc:
            raise RuntimeError("tesseract-ocr failed") from exc
        for index, text in enumerate(data.get("text", [])):
            try:
                confidence = float(data["conf"][index])
            except (TypeError, ValueError):
                continue
            characters = sum(ch.isalnum() for ch in str(text))
            if characters < OCR_MIN_CHARACTERS or (
                confidence < OCR_MIN_CONFIDENCE and characters < OCR_ANY_CONFIDENCE_CHARACTERS
            ):
                continue
            left = int(data["left"][index]) // scale - _PAD
            top = int(data["top"][index]) // scale - _PAD
            right = -(-(int(data["left"][index]) + int(data["width"][index])) // scale) + _PAD
            bottom = -(-(int(data["top"][index]) + int(data["height"][index])) // scale) + _PAD
            left, top = max(left, 0), max(top, 0)
            right, bottom = min(right, grey.width), min(bottom, grey.height)
            if right > left and bottom > top:
                regions.append(TextRegion(left, top, right - left, bottom - top, confidence))
    return regions


# -- redaction ------------------------------------------------------------------------


def redact_burned_in_text(
    png_bytes: bytes, *, timeout: float = OCR_TIMEOUT_SECONDS
) -> RedactionResult:
    """Check a key image for burned-in text and black out every text region found.

    The image is checked again after each blackout (at most :data:`MAX_ROUNDS`
    blackouts, then a last check).
    It fails closed: when the check cannot run (Tesseract missing), does not finish in
    ``timeout``, the image cannot be read, or text is still found after the last
    round, no key image is kept and the note says why.

    Parameters
    ----------
    png_bytes:
        The key image (PNG, or any format Pillow reads).
    timeout:
        Seconds the whole check may take.

    Returns
    -------
    RedactionResult
        The image to store (``png_bytes`` unchanged when no text was found, else a new
        PNG with black boxes), or ``None`` with the reason.
    """
    started = time.perf_counter()
    try:
        with Image.open(io.BytesIO(png_bytes)) as opened:
            opened.load()
            image = opened.convert("RGB" if opened.mode in ("RGB", "RGBA", "P") else "L")
    except Exception:  # any unreadable picture: nothing is stored
        return _refused("the key image could not be read to check it for text", started)
    regions: list[TextRegion] = []
    deadline = time.monotonic() + timeout
    try:
        for done in range(MAX_ROUNDS + 1):
            found = find_text_regions(image, timeout=deadline - time.monotonic())
            if not found:
                break
            if done == MAX_ROUNDS:
                return _refused(
                    "text was found in the image and could not be removed, so it may show "
                    "patient details",
                    started,
                    regions,
                )
            regions.extend(found)
            draw = ImageDraw.Draw(image)
            fill: Any = (0, 0, 0) if image.mode == "RGB" else 0
            for region in found:
                draw.rectangle(
                    (
                        region.left,
                        region.top,
                        region.left + region.width - 1,
                        region.top + region.height - 1,
                    ),
                    fill=fill,
                )
    except RuntimeError as exc:
        log.warning("burned-in text check failed: %s", exc)
        if "not installed" in str(exc):
            why = "the check for text in the image is not available (tesseract-ocr missing)"
        else:
            why = "the check for text in the image did not finish"
        return _refused(why, started)
    if not regions:
        _remember(png_bytes)
        return RedactionResult(png_bytes, None, (), time.perf_counter() - started)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    redacted = out.getvalue()
    _remember(redacted)
    note = "text burned into the image was blacked out"
    return RedactionResult(redacted, note, tuple(regions), time.perf_counter() - started)


def _refused(why: str, started: float, regions: list[TextRegion] | None = None) -> RedactionResult:
    return RedactionResult(
        None,
        f"no key image: {why}"[:_NOTE_LIMIT],
        tuple(regions or ()),
        time.perf_counter() - started,
    )


def check_key_image(png_bytes: bytes | None, note: str | None) -> tuple[bytes | None, str | None]:
    """Apply :func:`redact_burned_in_text` to a ``(key image, note)`` pair.

    Parameters
    ----------
    png_bytes:
        The key image, or ``None`` (then the pair is returned unchanged).
    note:
        The note that came with it.

    Returns
    -------
    tuple[bytes | None, str | None]
        The image that may be stored and its note.
    """
    if png_bytes is None or is_checked(png_bytes):
        return png_bytes, note
    result = redact_burned_in_text(png_bytes)
    return result.png_bytes, result.note or note


# -- what has been checked in this process --------------------------------------------

_CHECKED: OrderedDict[bytes, None] = OrderedDict()
_CHECKED_LIMIT = 4096
_LOCK = threading.Lock()


def _digest(png_bytes: bytes) -> bytes:
    return hashlib.sha256(png_bytes).digest()


def _remember(png_bytes: bytes) -> None:
    with _LOCK:
        _CHECKED[_digest(png_bytes)] = None
        _CHECKED.move_to_end(_digest(png_bytes))
        while len(_CHECKED) > _CHECKED_LIMIT:
            _CHECKED.popitem(last=False)


def is_checked(png_bytes: bytes) -> bool:
    """Whether these exact bytes came out of :func:`redact_burned_in_text` in this process.

    Parameters
    ----------
    png_bytes:
        A key image.

    Returns
    -------
    bool
        ``True`` when the image may be stored without checking it again.
    """
    with _LOCK:
        return _digest(png_bytes) in _CHECKED


# -- the guard on the imaging_series table ----------------------------------------------


def _guard(_mapper: Any, _connection: Any, target: ImagingSeries) -> None:
    """Check a key image about to be written that was not checked in this process."""
    png = target.thumbnail_png
    if png is None or is_checked(png):
        return
    if inspect(target).persistent:
        history = inspect(target).attrs.thumbnail_png.history
        if not history.added:
            return  # an update that does not change the key image
    target.thumbnail_png, target.thumbnail_note = check_key_image(png, target.thumbnail_note)


def install_key_image_guard() -> None:
    """Check every key image written to ``imaging_series`` (insert and update).

    Installed when this module is imported; calling it again does nothing.
    """
    for name in ("before_insert", "before_update"):
        if not event.contains(ImagingSeries, name, _guard):
            event.listen(ImagingSeries, name, _guard)


install_key_image_guard()
