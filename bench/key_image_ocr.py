"""Time of the burned-in text check of one key image (Tesseract OCR, blackout, re-check).

Run from the project root::

    python bench/key_image_ocr.py [--images 10]

Makes 256-pixel key images (from 512x512 synthetic MR slices, as the import does) of
three kinds: no text, text in the corners (name, ID, hospital) and text across the
anatomy (name, birth date), and reports the seconds per image of
:func:`board.imaging.burned_in.redact_burned_in_text` (median and maximum), and whether
every result is free of text by a second OCR. Not run as a test
(``tests/imaging/test_burned_in.py`` checks the behaviour and a generous bound).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from board.imaging.burned_in import find_text_regions, redact_burned_in_text
from board.imaging.synth import synth_series
from board.imaging.thumbnail import Thumbnail, make_thumbnail

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "board" / "reports" / "fonts" / "DejaVuSans.ttf"
SIZE = 512
KINDS = {
    "no text": (),
    "corners": (((8, 8), "DOE^JOHN {n}"), ((8, 40), "ID 1234{n:04d}"), ((300, 470), "ST MARY")),
    "across anatomy": (((150, 250), "SMITH ANNA {n}"), ((140, 330), "1960-01-{n:02d}")),
}


def key_image(texts: tuple[tuple[tuple[int, int], str], ...], n: int) -> bytes:
    """A key image of a textured disc with ``texts`` burned in (``{n}`` varies them)."""
    rng = np.random.default_rng(n)
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    radius = np.hypot(x - SIZE / 2, y - SIZE / 2)
    texture = 600 + 300 * np.sin(x / (8.0 + n % 3)) * np.cos(y / 13.0)
    pixels = np.clip(
        np.where(radius < SIZE * 0.4, texture + rng.normal(0, 20, x.shape), 0), 0, 1500
    )
    mask = Image.new("L", (SIZE, SIZE))
    draw = ImageDraw.Draw(mask)
    font = ImageFont.truetype(str(FONT), 22)
    for position, text in texts:
        draw.text(position, text.format(n=n), fill=255, font=font)
    pixels[np.array(mask) > 127] = 1500
    data = synth_series("MR", 1, rows=SIZE, columns=SIZE, pixel_values=pixels.astype(np.int64))[0]
    result = make_thumbnail(data)
    assert isinstance(result, Thumbnail)
    return result.png_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10)
    args = parser.parse_args()
    print(f"burned-in text check, {args.images} key images of each kind (256 px)")
    for kind, texts in KINDS.items():
        seconds: list[float] = []
        clean = kept = 0
        for n in range(args.images):
            png = key_image(texts, n)
            started = time.perf_counter()
            result = redact_burned_in_text(png)
            seconds.append(time.perf_counter() - started)
            if result.png_bytes is not None:
                kept += 1
                clean += not find_text_regions(Image.open(io.BytesIO(result.png_bytes)))
        print(
            f"{kind:15} median {statistics.median(seconds):5.2f} s  max {max(seconds):5.2f} s  "
            f"key image kept {kept}/{args.images}, no text left in {clean}/{kept}"
        )


if __name__ == "__main__":
    main()
