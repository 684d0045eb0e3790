"""Burned-in text in key images: generated images with names and IDs drawn in the corners
and across the anatomy, checked by OCR before any key image is stored (file import,
direct writes), and OCR of every stored key image finds no text."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytesseract
import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import ImagingSeries, ImagingStudy
from board.imaging.burned_in import (
    OCR_MIN_CONFIDENCE,
    find_text_regions,
    is_checked,
    redact_burned_in_text,
)
from board.imaging.importer import import_uploads
from board.imaging.synth import synth_series
from board.imaging.thumbnail import Thumbnail, make_thumbnail

from .helpers import KEY

FONT = Path(__file__).resolve().parents[2] / "board" / "reports" / "fonts" / "DejaVuSans.ttf"
SIZE = 512
#: What is burned in: (position, text), 512-pixel image (the key image is 256 pixels).
CORNERS = (((8, 8), "DOE^JOHN"), ((8, 40), "ID 12345678"), ((300, 470), "ST MARY HOSP"))
ACROSS = (((150, 250), "SMITH ANNA"), ((140, 330), "1960-01-01"))
DARK = (((180, 200), "PAT 778899"),)


def _anatomy() -> np.ndarray:
    """A textured disc (a stand-in for a body section) on black, values 0-1500."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    radius = np.hypot(x - SIZE / 2, y - SIZE / 2)
    texture = 600 + 300 * np.sin(x / 9.0) * np.cos(y / 13.0)
    noise = np.random.default_rng(7).normal(0, 20, (SIZE, SIZE))
    return np.clip(np.where(radius < SIZE * 0.4, texture + noise, 0), 0, 1500)


def _with_text(
    texts: Sequence[tuple[tuple[int, int], str]],
    *,
    value: int = 1500,
    base: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel values with ``texts`` drawn in, and the mask of the text's pixels."""
    font = ImageFont.truetype(str(FONT), 22)
    mask = Image.new("L", (SIZE, SIZE))
    draw = ImageDraw.Draw(mask)
    for position, text in texts:
        draw.text(position, text, fill=255, font=font)
    strokes = np.array(mask) > 127
    pixels = (_anatomy() if base is None else base).copy()
    pixels[strokes] = value
    return pixels.astype(np.int64), strokes


def _key_image(pixels: np.ndarray) -> bytes:
    data = synth_series("MR", 1, rows=SIZE, columns=SIZE, pixel_values=pixels)[0]
    result = make_thumbnail(data)
    assert isinstance(result, Thumbnail)
    return result.png_bytes


def ocr_words(png: bytes) -> list[str]:
    """Every word of two or more letters or digits an independent OCR pass reads.

    Tesseract on the grey image and on its inverse, enlarged 4 times, sparse text: words
    read with a confidence of at least 30, and words of four or more letters or digits
    whatever their confidence.
    """
    with Image.open(io.BytesIO(png)) as image:
        grey = image.convert("L")
    words: list[str] = []
    for picture in (grey, Image.eval(grey, lambda v: 255 - v)):
        big = picture.resize((picture.width * 4, picture.height * 4), Image.Resampling.LANCZOS)
        data = pytesseract.image_to_data(
            big, config="--psm 11", output_type=pytesseract.Output.DICT
        )
        for text, confidence in zip(data["text"], data["conf"], strict=True):
            characters = sum(ch.isalnum() for ch in text)
            if characters >= 4 or (characters >= 2 and float(confidence) >= OCR_MIN_CONFIDENCE):
                words.append(text)
    return words


def _assert_no_text(png: bytes) -> None:
    assert find_text_regions(Image.open(io.BytesIO(png))) == []
    words = ocr_words(png)
    assert words == [], words
    joined = " ".join(words).upper()
    for secret in ("DOE", "JOHN", "1234", "SMITH", "ANNA", "MARY", "7788"):
        assert secret not in joined


def _black_where(png: bytes, strokes: np.ndarray) -> float:
    """Share of the text's pixels (mapped to the key image) that are black."""
    with Image.open(io.BytesIO(png)) as image:
        grey = np.array(image.convert("L"))
    factor = SIZE // grey.shape[0]
    small = strokes.reshape(grey.shape[0], factor, grey.shape[1], factor).any(axis=(1, 3))
    return float((grey[small] <= 10).mean())


@pytest.mark.parametrize(
    ("texts", "value"),
    [(CORNERS, 1500), (ACROSS, 1500), (CORNERS + ACROSS, 1500), (DARK, 0)],
    ids=["corners", "across-anatomy", "both", "dark-text-on-anatomy"],
)
def test_text_is_blacked_out_and_ocr_then_finds_none(
    texts: tuple[tuple[tuple[int, int], str], ...], value: int
) -> None:
    pixels, strokes = _with_text(texts, value=value)
    original = _key_image(pixels)
    assert ocr_words(original) or find_text_regions(Image.open(io.BytesIO(original)))
    started = time.perf_counter()
    result = redact_burned_in_text(original)
    seconds = time.perf_counter() - started
    assert result.png_bytes is not None, result.note
    assert result.regions and result.note and "blacked out" in result.note
    assert result.png_bytes != original
    _assert_no_text(result.png_bytes)
    if value:  # bright strokes: each one is now black
        assert _black_where(result.png_bytes, strokes) > 0.95
    assert is_checked(result.png_bytes)
    print(f"OCR check of one key image with text: {seconds:.2f} s")
    assert seconds < 15.0


def test_an_image_without_text_is_kept_unchanged_quickly() -> None:
    png = _key_image(_anatomy().astype(np.int64))
    started = time.perf_counter()
    result = redact_burned_in_text(png)
    seconds = time.perf_counter() - started
    assert result.png_bytes == png and result.note is None and result.regions == ()
    print(f"OCR check of one key image without text: {seconds:.2f} s")
    assert seconds < 3.0


def test_no_key_image_when_the_check_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    png = _key_image(_with_text(CORNERS)[0])
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    result = redact_burned_in_text(png)
    assert result.png_bytes is None
    assert result.note == (
        "no key image: the check for text in the image is not available (tesseract-ocr missing)"
    )
    assert redact_burned_in_text(b"not a picture").png_bytes is None


def test_no_key_image_when_text_keeps_coming_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from board.imaging import burned_in

    always = [burned_in.TextRegion(0, 0, 4, 4, 90.0)]
    monkeypatch.setattr(burned_in, "find_text_regions", lambda *_a, **_k: always)
    result = redact_burned_in_text(_key_image(_anatomy().astype(np.int64)))
    assert result.png_bytes is None
    assert result.note and result.note.startswith("no key image: text was found in the image")


# ---------------------------------------------------------------------------
# Every stored key image, on every backend
# ---------------------------------------------------------------------------


@pytest.fixture
def radiologist(make_user: Callable[..., Actor]) -> Actor:
    return make_user(Role.RADIOLOGIST)


def _stored(db: Database, case_id: int) -> list[tuple[bytes | None, str | None]]:
    """(key image, note) of every series of the case, as stored."""
    with db.read() as session:
        rows = session.execute(
            select(ImagingSeries.thumbnail_png, ImagingSeries.thumbnail_note)
            .join(ImagingStudy, ImagingStudy.id == ImagingSeries.study_id)
            .where(ImagingStudy.case_id == case_id)
        )
        return [(row[0], row[1]) for row in rows]


def test_file_import_stores_only_key_images_without_text(
    db: Database, radiologist: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, radiologist, new_case())
    uploads = []
    for number, texts in enumerate((CORNERS, ACROSS, ()), start=1):
        pixels, _ = _with_text(texts)
        files = synth_series(
            "MR", 3, rows=SIZE, columns=SIZE, pixel_values=pixels, series_number=number
        )
        uploads += [(f"s{number}-{i}.dcm", data) for i, data in enumerate(files)]
    started = time.perf_counter()
    report = import_uploads(db, radiologist, case.id, uploads, key=KEY)
    print(f"import of 3 series (OCR of 3 key images): {time.perf_counter() - started:.2f} s")
    assert report.series_added == 3
    stored = _stored(db, case.id)
    assert len(stored) == 3
    for png, note in stored:
        assert png is not None, note
        _assert_no_text(png)
    notes = sorted(note or "" for _png, note in stored)
    assert notes[0] == "" and all("blacked out" in n for n in notes[1:])


def test_a_key_image_written_by_any_other_path_is_checked(
    db: Database, radiologist: Actor, new_case: Callable[..., CaseInput]
) -> None:
    case = create_case(db, radiologist, new_case())
    report = import_uploads(
        db, radiologist, case.id, [("a.dcm", synth_series("MR", 1)[0])], key=KEY
    )
    assert report.series_added == 1
    pixels, _ = _with_text(CORNERS + ACROSS)
    unchecked = _key_image(pixels)
    assert not is_checked(unchecked)
    with db.write() as session:  # as a future "choose this slice" would, without checking
        series = session.scalars(select(ImagingSeries)).one()
        series.thumbnail_png = unchecked
        series.thumbnail_note = None
    ((png, note),) = _stored(db, case.id)
    assert png is not None and png != unchecked
    assert note and "blacked out" in note
    _assert_no_text(png)


def test_no_key_image_when_the_check_does_not_finish_in_time() -> None:
    png = _key_image(_with_text(CORNERS)[0])
    started = time.perf_counter()
    result = redact_burned_in_text(png, timeout=0.05)
    assert time.perf_counter() - started < 2.0
    assert result.png_bytes is None
    assert result.note == "no key image: the check for text in the image did not finish"
