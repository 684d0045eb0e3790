"""Bounded memory: zip members are streamed one at a time under limits on count, size
and compression ratio (every member, whatever its size); the peak RSS of an import, in a
fresh process, stays under 400 MB for a zip bomb and for a legitimate study (the app's
path and the command line's; ``bench/zip_memory.py`` measures the larger cases)."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import board.imaging.thumbnail as thumbnail
from board.imaging.common import Skipped
from board.imaging.reader import ReadLimits, SourceFile, iter_sources, iter_uploads
from board.imaging.synth import synth_series
from board.imaging.thumbnail import STREAM_FRAME_BYTES, Thumbnail, make_thumbnail

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "zip_memory.py"
MIB = 1024 * 1024
LIMIT_MB = 400


def _bench() -> ModuleType:
    """The benchmark module (its zip builders and its measuring child)."""
    spec = importlib.util.spec_from_file_location("zip_memory_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _measure(mode: str, path: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--child", mode, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    print(mode, path.name, figures)
    return figures


def _peak(figures: dict[str, object]) -> float:
    return max(float(str(figures["import_peak_mb"])), float(str(figures["child_max_mb"])))


@pytest.fixture(scope="module", params=[MIB, MIB - 1], ids=["1MiB", "1MiB-1B"])
def zeros_zip(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    path = tmp_path_factory.mktemp("zipmem") / "zeros.zip"
    _bench().build_zeros(path, size=request.param)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["cli", "app"])
def test_the_zeros_bomb_is_refused_member_by_member_in_little_memory(
    zeros_zip: Path, mode: str
) -> None:
    assert zeros_zip.stat().st_size < 1.5 * MIB  # 1,200 MiB of zeros in a 1.4 MB zip
    figures = _measure(mode, zeros_zip)
    assert figures["files"] == 1200 and figures["imported"] == 0
    reasons = figures["reasons"]
    assert isinstance(reasons, dict) and len(reasons) == 1
    (reason,) = reasons
    assert "compressed 10" in reason and "possibly a zip bomb" in reason
    assert _peak(figures) < LIMIT_MB


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["cli", "app"])
def test_a_legitimate_study_zip_imports_in_bounded_memory(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "study.zip"
    slices = _bench().build_study(path, 120)
    figures = _measure(mode, path)
    assert figures["imported"] == slices == figures["files"]
    assert _peak(figures) < LIMIT_MB


def test_every_member_is_ratio_checked_whatever_its_size() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("small-zeros", b"\x00" * (64 * 1024))  # 64 KiB, about 1000:1
        archive.writestr("ok", np.random.default_rng(1).bytes(64 * 1024))
    small, ok = list(iter_uploads("a.zip", buffer.getvalue(), lazy=True))
    assert isinstance(small, Skipped) and "possibly a zip bomb" in small.reason
    assert isinstance(ok, SourceFile)


def test_members_of_a_zip_on_disk_are_read_only_when_parsed(tmp_path: Path) -> None:
    files = synth_series("MR", 3)
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, data in enumerate(files):
            archive.writestr(f"{index}.dcm", data)
    items = list(iter_sources([path]))
    assert all(isinstance(i, SourceFile) and i.data is None for i in items)
    assert [i.read_bytes() for i in items if isinstance(i, SourceFile)] == files


def test_member_size_limit_and_inner_archives_are_bounded() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("x.dcm", np.random.default_rng(2).bytes(3000))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.zip", inner.getvalue())
        archive.writestr("b.zip", inner.getvalue())
        archive.writestr("big.dcm", np.random.default_rng(3).bytes(5000))
    limits = ReadLimits(max_member_bytes=4000)
    items = {i.display_name: i for i in iter_uploads("o.zip", outer.getvalue(), limits=limits)}
    assert isinstance(items["o.zip › a.zip › x.dcm"], SourceFile)
    refused = items["o.zip › b.zip"]
    assert isinstance(refused, Skipped)
    assert "inside this archive add up to more than" in refused.reason
    big = items["o.zip › big.dcm"]
    assert isinstance(big, Skipped) and "per file in an archive" in big.reason


def test_a_large_file_is_rendered_from_its_bytes_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frames = STREAM_FRAME_BYTES // (256 * 256 * 2) + 3
    (data,) = synth_series("MR", 1, rows=256, columns=256, frames=frames)
    assert len(data) > STREAM_FRAME_BYTES
    large = make_thumbnail(data)
    monkeypatch.setattr(thumbnail, "STREAM_FRAME_BYTES", len(data) + 1)  # in-memory path
    small = make_thumbnail(data)
    assert isinstance(large, Thumbnail) and isinstance(small, Thumbnail)
    assert large.png_bytes == small.png_bytes and large.frame_index == frames // 2
