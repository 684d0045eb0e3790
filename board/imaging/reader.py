"""Turn what the user gave us (files, folders, zip archives, uploads) into input items.

Nothing here understands DICOM: it only finds the byte streams worth parsing and
refuses, with a reason, the ones that must not be read. Archives are read in memory
(``zipfile.ZipFile(f).open(info)``) and never extracted to disk, so member names such
as ``../../x`` cannot write anywhere; they are refused anyway because a real export
never has them. Members are streamed: listing an archive reads only its directory and
the first bytes of each member, and each member is read when it is parsed (by the
worker process that parses it), one at a time, under the limits of :class:`ReadLimits`
(count, size and compression ratio of every member).

Every generator here yields :class:`SourceFile` (bytes to parse) or
:class:`~board.imaging.common.Skipped` (with the reason) and never raises for bad
input: one bad file or archive does not stop the rest of the batch.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from board.imaging.common import DICOMDIR_REASON, Skipped, clean_text, format_bytes

__all__ = [
    "DEFAULT_LIMITS",
    "MemberReadError",
    "ReadLimits",
    "SourceFile",
    "close_archives",
    "is_zip_bytes",
    "iter_sources",
    "iter_uploads",
]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SEP = " › "
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Caps that keep a hostile or accidental input from exhausting memory or time.

    Archive members are read one at a time, when they are parsed (never all at once),
    so memory depends on the largest member, not on the archive: within these limits
    no import takes more than 400 MB (``bench/zip_memory.py``).

    Parameters
    ----------
    max_file_bytes:
        Largest single file on disk (or upload) that is read into memory.
    max_member_bytes:
        Largest archive member that is read (uncompressed).
    max_archive_members:
        Most files one archive (nested archives included) may list.
    max_archive_total_bytes:
        Most bytes one archive (nested archives included) may expand to.
    max_compression_ratio:
        Highest uncompressed/compressed ratio accepted for every member, whatever its
        size (deflate bombs reach about 1000:1; DICOM images rarely exceed 20:1).
    max_nesting:
        How many levels of zip-inside-zip are opened (1: a zip inside the upload).
    """

    max_file_bytes: int = 512 * _MIB
    max_member_bytes: int = 128 * _MIB
    max_archive_members: int = 50_000
    max_archive_total_bytes: int = 4 * 1024 * _MIB
    max_compression_ratio: float = 200.0
    max_nesting: int = 1


#: The limits used when none are given.
DEFAULT_LIMITS = ReadLimits()


class MemberReadError(OSError):
    """An archive member could not be read; ``reason`` is written for the user.

    Parameters
    ----------
    reason:
        Plain-English reason ("damaged file in the archive ...").
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One byte stream to parse: a file on disk, an archive member or an upload.

    Archive members and uploads carry their bytes (already read under the limits);
    files on disk are read when :meth:`read_bytes` is called, so a list of them is
    cheap and can be handed to worker processes.

    Parameters
    ----------
    display_name:
        How the input is shown to the user (path as given, ``scan.zip › IM0001``).
    path:
        File on disk, when the bytes are not carried.
    data:
        The bytes, when carried.
    size:
        Size in bytes, when known.
    archive, member:
        For an archive member read lazily (``iter_uploads(..., lazy=True)``): the
        open archive and the member, read when :meth:`read_bytes` is called.
    archive_path:
        For a member of a zip archive on disk: the archive, opened by each process
        that reads the member (forked workers must not share one open file).
    """

    display_name: str
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)
    size: int | None = None
    archive: zipfile.ZipFile | None = field(default=None, repr=False, compare=False)
    member: zipfile.ZipInfo | None = field(default=None, repr=False, compare=False)
    archive_path: Path | None = None

    def read_bytes(self) -> bytes:
        """Return the content.

        Returns
        -------
        bytes
            The whole file or member.

        Raises
        ------
        OSError
            When a file on disk can no longer be read (removed, permissions);
            :class:`MemberReadError` (with a reason) for a damaged archive member.
        """
        if self.data is not None:
            return self.data
        if self.member is not None and self.archive_path is not None:
            return _read_member(_open_archive(self.archive_path), self.member)
        if self.archive is not None and self.member is not None:
            return _read_member(self.archive, self.member)
        if self.path is None:
            return b""
        return self.path.read_bytes()

    def read_head(self, size: int) -> bytes:
        """Return the first ``size`` bytes (all of them for a shorter input).

        Parameters
        ----------
        size:
            How many bytes.

        Returns
        -------
        bytes
            The beginning of the content.

        Raises
        ------
        OSError
            As :meth:`read_bytes`.
        """
        if self.data is not None:
            return self.data[:size]
        if self.member is not None and self.archive_path is not None:
            return _read_member(_open_archive(self.archive_path), self.member, size)
        if self.archive is not None and self.member is not None:
            return _read_member(self.archive, self.member, size)
        if self.path is None:
            return b""
        with self.path.open("rb") as handle:
            return handle.read(size)


def is_zip_bytes(head: bytes) -> bool:
    """True when ``head`` starts like a zip archive (local header or empty archive).

    Parameters
    ----------
    head:
        At least the first four bytes of the input.

    Returns
    -------
    bool
        Whether the magic bytes of a zip archive are present.
    """
    return head[:4] in _ZIP_MAGIC


def iter_sources(
    paths: Iterable[str | os.PathLike[str]], *, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[SourceFile | Skipped]:
    """Yield every input found under ``paths``: files, folders and zip archives.

    Folders are walked recursively in name order (symbolic links to folders are not
    followed). A file named ``DICOMDIR`` is skipped with a reason; the images of a
    DICOMDIR tree are ordinary files in the same folder tree and are read as such.
    When a DICOMDIR file itself is given, its folder is read. A file reached twice
    (a folder and a file inside it both given) is yielded once. Zip archives are
    recognised by their first bytes, not by their name.

    Parameters
    ----------
    paths:
        Files and folders, as given by the user.
    limits:
        Size, count and ratio caps for archives and files.

    Yields
    ------
    SourceFile | Skipped
        One item per file or archive member, in a stable order.
    """
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        display = str(raw)
        try:
            if path.is_dir():
                yield from _iter_folder(path, limits, seen)
            elif path.is_file():
                if path.name.upper() == "DICOMDIR":
                    yield from _iter_dicomdir_given(path, display, limits, seen)
                else:
                    yield from _iter_file(path, display, limits, seen)
            elif path.exists():
                yield Skipped(display, "not a regular file or folder")
            else:
                yield Skipped(display, "no such file or folder")
        except OSError:
            yield Skipped(display, "could not be read (missing, or no permission)")


def iter_uploads(
    name: str, data: bytes, *, limits: ReadLimits = DEFAULT_LIMITS, lazy: bool = False
) -> Iterator[SourceFile | Skipped]:
    """Yield the inputs contained in one uploaded file.

    There is no file-name filter: a zip archive is recognised by its magic bytes and
    opened in memory; anything else is passed on to be tried as DICOM.

    Parameters
    ----------
    name:
        The name the browser sent (display only; never used as a path).
    data:
        The uploaded bytes.
    limits:
        Size, count and ratio caps.
    lazy:
        Do not read archive members yet: each :class:`SourceFile` reads its member
        when asked (so worker processes can read and parse in parallel, and only the
        first bytes are read here). A damaged member then fails in ``read_bytes``
        with :class:`MemberReadError` carrying the same reason.

    Yields
    ------
    SourceFile | Skipped
        The upload itself, or one item per archive member.
    """
    display = clean_text(name, 255) or "upload"
    if is_zip_bytes(data):
        yield from _iter_zip(io.BytesIO(data), display, limits, 0, _Budget(limits), lazy)
    elif len(data) > limits.max_file_bytes:
        yield Skipped(display, _too_large(len(data), limits))
    else:
        yield SourceFile(display, data=data, size=len(data))


# -- files and folders ----------------------------------------------------------------


def _iter_folder(root: Path, limits: ReadLimits, seen: set[Path]) -> Iterator[SourceFile | Skipped]:
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append, followlinks=False):
        while errors:
            failed = errors.pop(0)
            yield Skipped(
                str(failed.filename or dirpath), "folder could not be read (no permission)"
            )
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            display = str(path)
            try:
                if path.is_symlink():
                    yield Skipped(display, "symbolic link inside a folder; not followed")
                elif filename.upper() == "DICOMDIR":
                    if _first_visit(path, seen):
                        yield Skipped(display, DICOMDIR_REASON)
                elif path.is_file():
                    yield from _iter_file(path, display, limits, seen)
            except OSError:
                yield Skipped(display, "could not be read (missing, or no permission)")
    for failed in errors:
        yield Skipped(str(failed.filename or root), "folder could not be read (no permission)")


def _iter_dicomdir_given(
    path: Path, display: str, limits: ReadLimits, seen: set[Path]
) -> Iterator[SourceFile | Skipped]:
    if _first_visit(path, seen):
        yield Skipped(display, DICOMDIR_REASON)
    yield from _iter_folder(path.parent, limits, seen)


def _iter_file(
    path: Path, display: str, limits: ReadLimits, seen: set[Path]
) -> Iterator[SourceFile | Skipped]:
    if not _first_visit(path, seen):
        return
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(4)
        if is_zip_bytes(head):
            handle.seek(0)
            yield from _iter_zip(handle, display, limits, 0, _Budget(limits), True, path)
            return
    if size > limits.max_file_bytes:
        yield Skipped(display, _too_large(size, limits))
    else:
        yield SourceFile(display, path=path, size=size)


def _first_visit(path: Path, seen: set[Path]) -> bool:
    key = path.resolve()
    if key in seen:
        return False
    seen.add(key)
    return True


def _too_large(size: int, limits: ReadLimits) -> str:
    return (
        f"file is {format_bytes(size)}, more than the limit of "
        f"{format_bytes(limits.max_file_bytes)} per file; not read"
    )


# -- zip archives -----------------------------------------------------------------------


class _Budget:
    """Members and bytes still allowed for one top-level archive (nested ones share it)."""

    __slots__ = ("bytes_left", "members_left", "nested_bytes_left")

    def __init__(self, limits: ReadLimits) -> None:
        self.members_left = limits.max_archive_members
        self.bytes_left = limits.max_archive_total_bytes
        # Inner archives are held in memory while their members are read: all of them
        # together may take no more than one member.
        self.nested_bytes_left = limits.max_member_bytes


def _iter_zip(
    handle: BinaryIO,
    display: str,
    limits: ReadLimits,
    depth: int,
    budget: _Budget,
    lazy: bool = False,
    path: Path | None = None,
) -> Iterator[SourceFile | Skipped]:
    declared = _declared_entry_count(handle)
    if declared is not None and declared > budget.members_left:
        yield Skipped(display, _too_many(declared, limits))
        return
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        yield Skipped(display, "damaged or unsupported zip archive; nothing in it was read")
        return
    try:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if not infos:
            yield Skipped(display, "empty zip archive (no files in it)")
            return
        if len(infos) > budget.members_left:
            yield Skipped(display, _too_many(len(infos), limits))
            return
        total = sum(info.file_size for info in infos)
        if total > budget.bytes_left:
            yield Skipped(
                display,
                f"zip archive would expand to {format_bytes(total)}, more than the limit of "
                f"{format_bytes(limits.max_archive_total_bytes)} (possibly a zip bomb); "
                "nothing in it was read",
            )
            return
        budget.members_left -= len(infos)
        budget.bytes_left -= total
        for info in infos:
            yield from _iter_member(archive, info, display, limits, depth, budget, lazy, path)
    finally:
        if not lazy or path is not None:  # lazy members of an upload need it open
            archive.close()


_OPEN_ARCHIVES: dict[tuple[int, Path], zipfile.ZipFile] = {}


_ARCHIVES_LOCK = threading.Lock()


def _open_archive(path: Path) -> zipfile.ZipFile:
    """The zip archive at ``path``, opened once per process (workers open their own:
    a file opened before a fork shares its read position with the parent)."""
    key = (os.getpid(), path)
    with _ARCHIVES_LOCK:
        archive = _OPEN_ARCHIVES.get(key)
        if archive is None:
            try:
                archive = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
                raise MemberReadError("the archive could no longer be read") from exc
            for other in [k for k in _OPEN_ARCHIVES if k[0] != key[0]]:
                _OPEN_ARCHIVES.pop(other)  # inherited from the parent: not ours to close
            _OPEN_ARCHIVES[key] = archive
        return archive


def close_archives() -> None:
    """Close the zip archives on disk that this process opened to read members."""
    with _ARCHIVES_LOCK:
        for key in [k for k in _OPEN_ARCHIVES if k[0] == os.getpid()]:
            _OPEN_ARCHIVES.pop(key).close()


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int | None = None
) -> bytes:
    """Read a member (all of it, or its first ``limit`` bytes); reasons as exceptions."""
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1 if limit is None else limit)
    except RuntimeError as exc:
        raise MemberReadError("password-protected file in the archive; not read") from exc
    except NotImplementedError as exc:
        raise MemberReadError("file in the archive uses an unsupported compression method") from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, struct.error) as exc:
        raise MemberReadError("damaged file in the archive (could not be decompressed)") from exc
    if len(data) > info.file_size:
        raise MemberReadError("file in the archive is larger than the archive declares; not read")
    return data


def _iter_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    display: str,
    limits: ReadLimits,
    depth: int,
    budget: _Budget,
    lazy: bool = False,
    path: Path | None = None,
) -> Iterator[SourceFile | Skipped]:
    member_name = clean_text(info.filename, 255) or "(unnamed)"
    name = f"{display}{_SEP}{member_name}"
    refusal = _member_refusal(info, limits)
    if refusal is not None:
        yield Skipped(name, refusal)
        return
    try:
        data = _read_member(archive, info, 4 if lazy else None)
        if lazy and is_zip_bytes(data):
            data = _read_member(archive, info)
    except MemberReadError as error:
        yield Skipped(name, error.reason)
        return
    if is_zip_bytes(data):
        if depth >= limits.max_nesting:
            yield Skipped(
                name,
                "zip archive nested more than one level deep; not opened "
                "(unpack it and upload the inner archive)",
            )
        elif len(data) > budget.nested_bytes_left:
            yield Skipped(
                name,
                f"zip archives inside this archive add up to more than "
                f"{format_bytes(limits.max_member_bytes)}; not opened (unpack it and "
                "import the inner archives)",
            )
        else:
            budget.nested_bytes_left -= len(data)
            yield from _iter_zip(io.BytesIO(data), name, limits, depth + 1, budget, lazy)
        return
    base = PurePosixPath(info.filename.replace("\\", "/")).name
    if base.upper() == "DICOMDIR":
        yield Skipped(name, DICOMDIR_REASON)
    elif base.startswith("._") or info.filename.startswith("__MACOSX/"):
        yield Skipped(name, "macOS metadata file, not an image")
    elif lazy and path is not None:
        yield SourceFile(name, size=info.file_size, member=info, archive_path=path)
    elif lazy:
        yield SourceFile(name, size=info.file_size, archive=archive, member=info)
    else:
        yield SourceFile(name, data=data, size=len(data))


def _member_refusal(info: zipfile.ZipInfo, limits: ReadLimits) -> str | None:
    """Why a member must not be read, judged from the central directory alone."""
    raw = info.filename
    parts = PurePosixPath(raw.replace("\\", "/")).parts
    if (
        raw.startswith(("/", "\\"))
        or (len(raw) > 1 and raw[1] == ":")
        or ".." in parts
        or any(ord(ch) < 32 for ch in raw)
    ):
        return "unsafe file name in the archive (absolute path or '..'); not read"
    if info.flag_bits & 0x1:
        return "password-protected file in the archive; not read"
    if info.file_size > limits.max_member_bytes:
        return (
            f"file in the archive is {format_bytes(info.file_size)}, more than the limit of "
            f"{format_bytes(limits.max_member_bytes)} per file in an archive; not read"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_compression_ratio:
        return (
            f"file in the archive is compressed {ratio:.0f}:1, more than the limit of "
            f"{limits.max_compression_ratio:.0f}:1 (possibly a zip bomb); not read"
        )
    return None


def _too_many(count: int, limits: ReadLimits) -> str:
    return (
        f"zip archive lists {count:,} files, more than the limit of "
        f"{limits.max_archive_members:,}; nothing in it was read"
    )


def _declared_entry_count(handle: BinaryIO) -> int | None:
    """Number of entries the end-of-central-directory record declares, read cheaply.

    Checked before :class:`zipfile.ZipFile` parses the central directory, which would
    otherwise build one object per entry of an archive listing millions of files.
    Returns ``None`` when the record cannot be found (ZipFile then reports the damage).
    """
    try:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        tail_len = min(size, 22 + 65535 + 20)
        handle.seek(size - tail_len)
        tail = handle.read(tail_len)
        handle.seek(0)
    except (OSError, ValueError):
        return None
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    (entries,) = struct.unpack_from("<H", tail, pos + 10)
    if entries != 0xFFFF:
        return int(entries)
    # Zip64: the locator sits just before the classic record.
    loc = pos - 20
    if loc < 0 or tail[loc : loc + 4] != b"PK\x06\x07":
        return None
    (record_offset,) = struct.unpack_from("<Q", tail, loc + 8)
    try:
        handle.seek(record_offset)
        record = handle.read(56)
        handle.seek(0)
    except (OSError, ValueError, OverflowError):
        return None
    if len(record) < 40 or record[:4] != b"PK\x06\x06":
        return None
    (total,) = struct.unpack_from("<Q", record, 32)
    return int(total)
