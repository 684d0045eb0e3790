"""Peak memory (max RSS) of a DICOM zip import, in the app's path and the command line's.

Run from the project root::

    python bench/zip_memory.py [--legit-mb 1024] [--folder /some/scratch/folder]

Builds, on disk, the zips the limits of :class:`board.imaging.reader.ReadLimits` must
hold to at most 400 MB of memory:

- ``zeros``: 1,200 members of one mebibyte of zeros, deflated (a 1.3 MB zip bomb), and
  the same with members one byte shorter (which the former ratio check skipped);
- ``near``: 1,200 members of one mebibyte compressed about 170:1 (just under the
  ratio limit, so every member is read: streamed one at a time);
- ``legit``: a legitimate study of 512x512 CT slices, stored (about ``--legit-mb``);
- ``upload``: the same kind of study at 190 MB (below the app's upload limit);
- ``largest``: one multi-frame MR member just under the 128 MiB member limit.

Each import runs in a fresh child process (a new SQLite database, a case, a
radiologist), in one of two modes:

- ``cli``: :func:`board.imaging.importer.import_paths` on the zip file, as
  ``python -m board import-dicom PATH --case ID`` does;
- ``app``: the zip's bytes in memory (as Streamlit holds an upload) passed to
  :func:`board.imaging.importer.import_uploads`, as the Imaging tab does.

The child reports its peak RSS during the import (``VmHWM``, reset just before the
import through ``/proc/self/clear_refs``: the set-up's password hashing peaks higher),
the max RSS of its largest child process, a parse worker or a Tesseract run
(``resource.getrusage(RUSAGE_CHILDREN)``; a forked worker's RSS counts the pages it
shares with its parent), and its RSS before the import (interpreter, libraries,
database). Streamlit's own memory is not included in the ``app`` figures. Not run as a
test (``tests/imaging/test_zip_memory.py`` checks the bomb and a smaller legitimate
zip).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024
LIMIT_MB = 400


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux 4.0+)."""
    Path("/proc/self/clear_refs").write_text("5")


def build_zeros(path: Path, members: int = 1200, size: int = MIB) -> None:
    """``members`` members of ``size`` bytes of zeros (one mebibyte), deflated."""
    zeros = b"\x00" * size
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(members):
            archive.writestr(f"zeros/{index:05d}.dcm", zeros)


def build_near_limit(path: Path, members: int = 1200) -> None:
    """``members`` members of one mebibyte compressed about 170:1 (under the ratio limit)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(members):
            data = os.urandom(5000) + b"\x00" * (MIB - 5000)
            archive.writestr(f"near/{index:05d}.dcm", data)


def build_study(path: Path, megabytes: int) -> int:
    """A stored zip of 512x512 CT slices (one series per 200), about ``megabytes``."""
    from board.imaging.synth import dataset_to_bytes, synth_datasets

    per_slice = 512 * 512 * 2 + 2_000
    slices = max(1, megabytes * MIB // per_slice)
    study_uid = None
    written = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for series_number, start in enumerate(range(0, slices, 200), start=1):
            count = min(200, slices - start)
            datasets = synth_datasets(
                "CT",
                count,
                study_instance_uid=study_uid,
                series_number=series_number,
                rows=512,
                columns=512,
            )
            study_uid = str(datasets[0].StudyInstanceUID)
            for index, ds in enumerate(datasets):
                archive.writestr(f"DICOM/S{series_number:03d}/IM{index:05d}", dataset_to_bytes(ds))
                written += 1
    return written


def build_largest(path: Path) -> None:
    """One multi-frame MR member just under the 128 MiB member limit."""
    from board.imaging.synth import synth_series

    frames = (128 * MIB - 64 * 1024) // (512 * 512 * 2)
    (data,) = synth_series("MR", 1, rows=512, columns=512, frames=frames)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("DICOM/MULTIFRAME", data)


def child(mode: str, zip_path: str) -> None:
    """Import one zip in this (fresh) process and print the figures as JSON."""
    from board.accounts.users import create_first_admin, create_user
    from board.auth.roles import Role
    from board.cases.enums import Sex
    from board.cases.service import create_case, primary_site_options
    from board.cases.views import CaseInput
    from board.db.engine import Database
    from board.db.migrate import upgrade_to_head
    from board.imaging.importer import import_paths, import_uploads
    from board.imaging.links import derive_key

    key = derive_key("benchmark-secret-key-not-a-real-one-0123456789")
    folder = tempfile.mkdtemp(prefix="zipmem-")
    db = Database.from_url(f"sqlite:///{folder}/bench.db")
    upgrade_to_head(db.engine)
    admin = create_first_admin(db, "admin", "Bench Admin", "benchmark-password-1")
    actor = create_user(
        db, admin.as_actor(), "rad", "Bench Radiologist", Role.RADIOLOGIST, "benchmark-password-1"
    ).as_actor()
    site = primary_site_options()[0][0]
    case_id = create_case(
        db, actor, CaseInput(primary_site=site, levels=("T7",), sex=Sex.FEMALE)
    ).id
    setup_peak = _status_mb("VmHWM")  # password hashing (argon2) peaks here
    _reset_peak()
    before = _status_mb("VmRSS")
    started = time.perf_counter()
    if mode == "cli":
        report = import_paths(db, actor, case_id, [zip_path], key=key)
    else:
        upload = Path(zip_path).read_bytes()  # Streamlit holds an upload in memory
        report = import_uploads(db, actor, case_id, [("export.zip", upload)], key=key)
    seconds = time.perf_counter() - started
    deadline = time.monotonic() + 30
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)  # reap the parse workers, so that RUSAGE_CHILDREN counts them
    reasons: dict[str, int] = {}
    for result in report.files:
        if result.reason:
            reasons[result.reason] = reasons.get(result.reason, 0) + 1
    print(
        json.dumps(
            {
                "before_mb": round(before, 1),
                "import_peak_mb": round(_status_mb("VmHWM"), 1),
                "setup_peak_mb": round(setup_peak, 1),
                "child_max_mb": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
                ),
                "seconds": round(seconds, 1),
                "imported": report.imported,
                "files": len(report.files),
                "workers": report.workers,
                "reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:3]),
            }
        )
    )


def measure(mode: str, zip_path: Path) -> dict[str, object]:
    """Run :func:`child` in a fresh interpreter; its figures."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(zip_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--legit-mb", type=int, default=1024)
    parser.add_argument("--folder", default=None)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ZIP"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(dir=args.folder) as scratch:
        folder = Path(scratch)
        cases: list[tuple[str, Path, tuple[str, ...]]] = []
        zeros = folder / "zeros.zip"
        build_zeros(zeros)
        cases.append(("1,200 x 1 MiB of zeros", zeros, ("cli", "app")))
        under = folder / "zeros-under.zip"
        build_zeros(under, size=MIB - 1)  # the size the former ratio check skipped
        cases.append(("1,200 x (1 MiB - 1 B) of zeros", under, ("cli", "app")))
        near = folder / "near.zip"
        build_near_limit(near)
        cases.append(("1,200 x 1 MiB at about 170:1", near, ("cli", "app")))
        upload = folder / "upload.zip"
        build_study(upload, 190)
        cases.append(("190 MB study (upload size)", upload, ("cli", "app")))
        legit = folder / "legit.zip"
        build_study(legit, args.legit_mb)
        cases.append((f"{args.legit_mb} MB study", legit, ("cli",)))
        largest = folder / "largest.zip"
        build_largest(largest)
        cases.append(("one 128 MiB member", largest, ("cli", "app")))
        print(f"peak memory of a zip import (limit {LIMIT_MB} MB); python {sys.version.split()[0]}")
        for label, path, modes in cases:
            size = os.path.getsize(path) / 1e6
            for mode in modes:
                figures = measure(mode, path)
                print(f"{label:30} {size:8.1f} MB zip  {mode:3}  {json.dumps(figures)}")


if __name__ == "__main__":
    main()
