"""Reader: files, folders, DICOMDIR trees, zip archives (hostile ones too), uploads."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest

from board.imaging.common import DICOMDIR_REASON, Skipped
from board.imaging.parse import ParsedInstance, parse_sources
from board.imaging.reader import ReadLimits, SourceFile, iter_sources, iter_uploads
from board.imaging.synth import synth_series

from .helpers import KEY, corpus_file, corpus_root

MIB = 1024 * 1024


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _by_name(items: list[SourceFile | Skipped]) -> dict[str, SourceFile | Skipped]:
    return {item.display_name: item for item in items}


def _reason(item: SourceFile | Skipped) -> str:
    assert isinstance(item, Skipped), item
    return item.reason


# -- files and folders ------------------------------------------------------------------


def test_folder_is_walked_recursively_in_order(tmp_path: Path) -> None:
    files = synth_series("MR", 3)
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a.dcm").write_bytes(files[0])
    (tmp_path / "b" / "IM0001").write_bytes(files[1])  # no extension
    (tmp_path / "b" / "deep" / "IM0002").write_bytes(files[2])
    (tmp_path / "notes.txt").write_text("not an image")
    items = list(iter_sources([tmp_path]))
    names = [Path(item.display_name).relative_to(tmp_path).as_posix() for item in items]
    assert names == ["a.dcm", "notes.txt", "b/IM0001", "b/deep/IM0002"]
    assert all(isinstance(item, SourceFile) for item in items)
    results = list(parse_sources(items, key=KEY))
    assert [type(r).__name__ for r in results] == [
        "ParsedInstance",
        "Skipped",
        "ParsedInstance",
        "ParsedInstance",
    ]


def test_missing_path_and_file_given_twice(tmp_path: Path) -> None:
    path = tmp_path / "x.dcm"
    path.write_bytes(synth_series("CT", 1)[0])
    items = list(iter_sources([tmp_path / "nope", path, tmp_path, str(path)]))
    assert _reason(items[0]) == "no such file or folder"
    assert [i.display_name for i in items[1:]] == [str(path)]  # once only


def test_large_file_is_skipped_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.dcm"
    path.write_bytes(b"\x00" * 5000)
    (item,) = list(iter_sources([path], limits=ReadLimits(max_file_bytes=4000)))
    assert "more than the limit" in _reason(item)


def test_source_file_reads_lazily_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"abc")
    (item,) = list(iter_sources([path]))
    assert isinstance(item, SourceFile) and item.data is None and item.size == 3
    assert item.read_bytes() == b"abc"


# -- DICOMDIR trees ---------------------------------------------------------------------


def test_corpus_dicomdir_tree(tmp_path: Path) -> None:
    root = corpus_root() / "dicomdirtests"
    items = list(iter_sources([root]))
    by_name = _by_name(items)
    assert _reason(by_name[str(root / "DICOMDIR")]) == DICOMDIR_REASON
    assert _reason(by_name[str(root / "TINY_ALPHA" / "DICOMDIR")]) == DICOMDIR_REASON
    referenced = str(root / "77654033" / "CR1" / "6154")
    assert isinstance(by_name[referenced], SourceFile)
    results = list(parse_sources(items, key=KEY))
    parsed = [r for r in results if isinstance(r, ParsedInstance)]
    assert len(parsed) >= 20 + 50  # the CT/MR/CR trees and TINY_ALPHA
    skipped = {r.display_name: r.reason for r in results if isinstance(r, Skipped)}
    # DICOMDIR variants under other names are recognised by content.
    assert skipped[str(root / "DICOMDIR-bigEnd")] == DICOMDIR_REASON


def test_dicomdir_given_directly_reads_its_folder_once() -> None:
    root = corpus_root() / "dicomdirtests" / "TINY_ALPHA"
    items = list(iter_sources([root / "DICOMDIR", root]))
    assert _reason(items[0]) == DICOMDIR_REASON
    images = [i for i in items if isinstance(i, SourceFile) and "IM0000" in i.display_name]
    assert len(images) == len({i.display_name for i in images}) > 40


# -- zip archives -----------------------------------------------------------------------


def test_zip_with_a_mix(tmp_path: Path) -> None:
    good = synth_series("MR", 3)
    inner = _zip({"inner/IM1": synth_series("CT", 1)[0], "inner/readme.txt": b"hello"})
    innermost = _zip({"x": b"y"})
    deeper = _zip({"level2.zip": innermost})
    archive = _zip(
        {
            "study/IM0001": good[0],
            "study/IM0002": good[1],
            "study/sub/IM0003.dcm": good[2],
            "study/notes.txt": b"plain text",
            "../../evil": good[0],
            "/absolute/evil": good[0],
            "C:/windows/evil": good[0],
            "nested.zip": inner,
            "nested2.zip": deeper,
            "study/DICOMDIR": b"whatever",
            "__MACOSX/study/._IM0001": b"\x00\x05\x16\x07",
        }
    )
    path = tmp_path / "upload"  # no extension: detected by magic bytes
    path.write_bytes(archive)
    before = set(os.listdir(tmp_path)) | set(os.listdir(tmp_path.parent))
    items = list(iter_sources([path]))
    after = set(os.listdir(tmp_path)) | set(os.listdir(tmp_path.parent))
    assert before == after  # nothing extracted anywhere
    by_name = _by_name(items)
    prefix = f"{path} › "
    for member in ("study/IM0001", "study/IM0002", "study/sub/IM0003.dcm", "study/notes.txt"):
        assert isinstance(by_name[prefix + member], SourceFile)
    for member in ("../../evil", "/absolute/evil", "C:/windows/evil"):
        assert "unsafe file name" in _reason(by_name[prefix + member])
    assert isinstance(by_name[prefix + "nested.zip › inner/IM1"], SourceFile)
    assert isinstance(by_name[prefix + "nested.zip › inner/readme.txt"], SourceFile)
    assert "nested more than one level" in _reason(by_name[prefix + "nested2.zip › level2.zip"])
    assert _reason(by_name[prefix + "study/DICOMDIR"]) == DICOMDIR_REASON
    assert "macOS" in _reason(by_name[prefix + "__MACOSX/study/._IM0001"])
    results = list(parse_sources(items, key=KEY))
    assert sum(isinstance(r, ParsedInstance) for r in results) == 4
    notes = next(r for r in results if r.display_name.endswith("notes.txt"))
    assert isinstance(notes, Skipped) and notes.reason == "not a DICOM file"


def test_zip_bomb_is_skipped_and_the_batch_continues(tmp_path: Path) -> None:
    bomb = _zip({f"zeros{i}.dcm": b"\x00" * (4 * MIB) for i in range(3)})
    assert len(bomb) < 100_000
    bomb_path = tmp_path / "bomb.zip"
    bomb_path.write_bytes(bomb)
    good_path = tmp_path / "good.dcm"
    good_path.write_bytes(synth_series("MR", 1)[0])
    limits = ReadLimits(max_archive_total_bytes=8 * MIB)
    items = list(iter_sources([bomb_path, good_path], limits=limits))
    assert len(items) == 2
    assert "would expand to 12.0 MB" in _reason(items[0])
    assert "zip bomb" in _reason(items[0])
    assert isinstance(items[1], SourceFile)


def test_zip_member_with_extreme_ratio_is_skipped_others_read() -> None:
    archive = _zip({"zeros": b"\x00" * (2 * MIB), "ok": b"fine"})
    items = list(iter_uploads("a.zip", archive))
    assert "compressed" in _reason(items[0]) and "zip bomb" in _reason(items[0])
    assert isinstance(items[1], SourceFile) and items[1].read_bytes() == b"fine"


def test_zip_member_larger_than_per_file_limit() -> None:
    archive = _zip({"big": os.urandom(3000)})
    (item,) = list(iter_uploads("a.zip", archive, limits=ReadLimits(max_member_bytes=2000)))
    assert "per file" in _reason(item)


def test_zip_with_too_many_members_is_refused_before_reading() -> None:
    archive = _zip({f"f{i}": b"x" for i in range(30)})
    (item,) = list(iter_uploads("many.zip", archive, limits=ReadLimits(max_archive_members=10)))
    assert "lists 30 files" in _reason(item)


def test_nested_zips_share_the_budget() -> None:
    inner = _zip({f"i{i}": b"x" for i in range(8)})
    outer = _zip({"inner.zip": inner, "a": b"1", "b": b"2"})
    items = list(iter_uploads("o.zip", outer, limits=ReadLimits(max_archive_members=9)))
    assert "lists 8 files" in _reason(_by_name(items)["o.zip › inner.zip"])


def test_encrypted_member_is_refused() -> None:
    data = bytearray(_zip({"secret.dcm": b"data", "open.dcm": b"data"}))
    # Set the "encrypted" flag of the first member (local header and central directory).
    central = data.find(b"PK\x01\x02")
    data[6] |= 0x1
    data[central + 8] |= 0x1
    items = list(iter_uploads("enc.zip", bytes(data)))
    assert "password-protected" in _reason(items[0])
    assert isinstance(items[1], SourceFile)


def test_member_lying_about_its_size_is_refused() -> None:
    payload = os.urandom(1000)
    data = bytearray(_zip({"liar": payload}, zipfile.ZIP_STORED))
    # Shrink the uncompressed size in the central directory (and local header).
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    struct.pack_into("<I", data, 22, 10)
    (item,) = list(iter_uploads("liar.zip", bytes(data)))
    assert isinstance(item, Skipped)
    assert "damaged" in item.reason or "larger than the archive declares" in item.reason


def test_damaged_zip() -> None:
    archive = _zip({"a": b"x" * 1000})
    (item,) = list(iter_uploads("cut.zip", archive[: len(archive) // 2]))
    assert "damaged or unsupported zip archive" in _reason(item)


def test_damaged_member_data() -> None:
    data = bytearray(_zip({"a": os.urandom(2000)}))
    data[60:70] = b"\x00" * 10  # inside the member's compressed bytes
    (item,) = list(iter_uploads("bad.zip", bytes(data)))
    assert "damaged file in the archive" in _reason(item)


# -- uploads ----------------------------------------------------------------------------


def test_upload_without_extension_is_tried_as_dicom() -> None:
    data = synth_series("MR", 1)[0]
    (item,) = list(iter_uploads("IM000001", data))
    assert isinstance(item, SourceFile) and item.read_bytes() == data


def test_upload_named_zip_but_not_a_zip_is_tried_as_dicom() -> None:
    (item,) = list(iter_uploads("scan.zip", b"plain text"))
    assert isinstance(item, SourceFile)
    (result,) = list(parse_sources([item], key=KEY))
    assert isinstance(result, Skipped) and result.reason == "not a DICOM file"


def test_upload_zip_detected_by_magic_bytes() -> None:
    archive = _zip({"IM1": synth_series("MR", 1)[0]})
    (item,) = list(iter_uploads("export.bin", archive))
    assert item.display_name == "export.bin › IM1"


def test_upload_too_large() -> None:
    (item,) = list(iter_uploads("x", b"a" * 100, limits=ReadLimits(max_file_bytes=10)))
    assert "more than the limit" in _reason(item)


def test_upload_name_is_cleaned() -> None:
    (item,) = list(iter_uploads("evil\x1b[2J\nname", b"x"))
    assert item.display_name == "evil [2J name"


@pytest.mark.parametrize("name", ["zipMR.gz", "README.txt"])
def test_corpus_non_dicom_files_as_uploads(name: str) -> None:
    data = corpus_file(name).read_bytes()
    (result,) = list(parse_sources(iter_uploads(name, data), key=KEY))
    assert isinstance(result, Skipped)


def test_symlinks_inside_folders_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.dcm"
    outside.write_bytes(synth_series("MR", 1)[0])
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "link.dcm").symlink_to(outside)
    (item,) = list(iter_sources([folder]))
    assert "symbolic link" in _reason(item)


def test_unreadable_subfolder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_walk = os.walk

    def walk(root: str, onerror: object = None, followlinks: bool = False) -> object:
        assert callable(onerror)
        onerror(PermissionError(13, "Permission denied", str(Path(root) / "locked")))
        return real_walk(root, followlinks=followlinks)

    (tmp_path / "a.dcm").write_bytes(b"x")
    monkeypatch.setattr("board.imaging.reader.os.walk", walk)
    items = list(iter_sources([tmp_path]))
    assert "folder could not be read" in _reason(items[0])
    assert items[0].display_name.endswith("locked")
    assert isinstance(items[1], SourceFile)


# -- lazy archive members -----------------------------------------------------------------


def test_lazy_members_read_on_demand_with_the_same_reasons() -> None:
    good = synth_series("MR", 1)[0]
    data = bytearray(_zip({"a.dcm": good, "b.dcm": os.urandom(2000), "c.zip": _zip({"x": good})}))
    # Damage b.dcm's compressed bytes (its local header follows a.dcm's data).
    offset = data.find(b"b.dcm") + 5 + 40
    data[offset : offset + 10] = b"\x00" * 10
    eager = _by_name(list(iter_uploads("up.zip", bytes(data))))
    lazy = _by_name(list(iter_uploads("up.zip", bytes(data), lazy=True)))
    assert set(eager) == set(lazy)
    first = lazy["up.zip › a.dcm"]
    assert isinstance(first, SourceFile) and first.data is None and first.size == len(good)
    assert first.read_bytes() == good
    inner = lazy["up.zip › c.zip › x"]
    assert isinstance(inner, SourceFile) and inner.read_bytes() == good
    damaged = lazy["up.zip › b.dcm"]
    results = {r.display_name: r for r in parse_sources(lazy.values(), key=KEY)}
    assert isinstance(results["up.zip › a.dcm"], ParsedInstance)
    if isinstance(damaged, SourceFile):  # damage found only when the member is read
        reason = _reason(results["up.zip › b.dcm"])
    else:
        reason = damaged.reason
    assert reason == "damaged file in the archive (could not be decompressed)"
    assert _reason(eager["up.zip › b.dcm"]) == reason
