"""Micro-benchmark of the DICOM import core: header parsing and thumbnails.

Run from the project root::

    python bench/dicom_parse.py [--files 500] [--rounds 5] [--size 512]

Prints the median over the rounds of headers parsed per second for 500 synthetic MR
files (a bare ``pydicom.dcmread(stop_before_pixels=True)`` loop for reference, then
:func:`board.imaging.parse.parse_dicom`), and the median time of one thumbnail.
Single process, single core. Not run as a test.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydicom import dcmread

from board.imaging.parse import ParsedInstance, parse_dicom
from board.imaging.synth import synth_mr_spine_study
from board.imaging.thumbnail import Thumbnail, make_thumbnail

KEY = b"benchmark-key-not-secret-000000"


def _bare(files: list[bytes]) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data in files:
            dcmread(io.BytesIO(data), stop_before_pixels=True)
    return len(files) / (time.perf_counter() - start)


def _parse(files: list[bytes]) -> float:
    start = time.perf_counter()
    for index, data in enumerate(files):
        result = parse_dicom(data, f"IM{index:05d}", key=KEY)
        assert isinstance(result, ParsedInstance)
    return len(files) / (time.perf_counter() - start)


def main() -> None:
    """Build the files, time the loops, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=512, help="rows and columns")
    args = parser.parse_args()

    per_series = max(args.files // 3, 1)
    files = synth_mr_spine_study(per_series, rows=args.size, columns=args.size)
    files = (files * (args.files // len(files) + 1))[: args.files]
    mean_kb = statistics.mean(len(f) for f in files) / 1024
    print(f"{len(files)} synthetic MR files, {args.size}x{args.size}, {mean_kb:.0f} KB each")

    _parse(files[:50])  # warm-up (imports, caches)
    bare = [_bare(files) for _ in range(args.rounds)]
    ours = [_parse(files) for _ in range(args.rounds)]
    print(f"bare dcmread(stop_before_pixels=True): {statistics.median(bare):8.0f} headers/s")
    print(f"parse_dicom (read + checks + extract): {statistics.median(ours):8.0f} headers/s")
    print(f"ratio parse/bare: {statistics.median(ours) / statistics.median(bare):.2f}")

    sample = files[len(files) // 2]
    make_thumbnail(sample)  # warm-up
    timings = []
    for _ in range(max(args.rounds * 10, 20)):
        start = time.perf_counter()
        result = make_thumbnail(sample)
        timings.append((time.perf_counter() - start) * 1000)
        assert isinstance(result, Thumbnail)
    print(f"make_thumbnail ({args.size}x{args.size} -> 256): {statistics.median(timings):.1f} ms")


if __name__ == "__main__":
    main()
