"""Benchmark of the whole DICOM import against a bare header-reading loop.

Run from the project root::

    python bench/dicom_import.py [--instances 1000] [--series 5] [--rounds 3]
                                 [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/x]

Builds a 1,000-instance MR study in memory (several series, 512x512 pixels, a header
of realistic size: the usual MR attributes plus ~20 KB of vendor private data, as a
scanner writes) as a zip archive (stored, as exports usually are: image data hardly
compresses), then reports instances per second for

(a) a bare loop of ``pydicom.dcmread(zf.open(member), stop_before_pixels=True)`` over
    the members (one process), and
(b) the app's full import of the same zip as an upload into a new case: reading the
    archive safely, parsing and de-identifying every header (several processes when
    the batch is large), grouping, one thumbnail per series, and the database write
    with its audit events,

and the ratio b/a, each the median over the rounds. SQLite always; PostgreSQL too
when ``--postgres`` (or ``TUMORBOARD_TEST_DATABASE_URL``) names a server: a temporary
database is created there and dropped afterwards. Not run as a test.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydicom import dcmread
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from board.accounts.users import create_first_admin, create_user
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.enums import Sex
from board.cases.service import create_case, primary_site_options
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.migrate import upgrade_to_head
from board.imaging.importer import import_uploads
from board.imaging.links import derive_key
from board.imaging.synth import DEFAULT_MR_SERIES, MrSeriesSpec, dataset_to_bytes, synth_datasets

KEY = derive_key("benchmark-secret-key-not-a-real-one-0123456789")


def _realistic(ds, index: int) -> None:  # type: ignore[no-untyped-def]
    """Add the attributes a real MR header carries (public and vendor private)."""
    ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    ds.ImagePositionPatient = [-10.0 + index * 0.5, -120.0, 180.0]
    ds.SliceLocation = -10.0 + index * 0.5
    ds.SliceThickness = 3.0
    ds.SpacingBetweenSlices = 3.3
    ds.PixelSpacing = [0.6, 0.6]
    ds.FlipAngle = 150
    ds.MagneticFieldStrength = 1.5
    ds.ImagingFrequency = 63.6
    ds.EchoTrainLength = 17
    ds.NumberOfAverages = 2
    ds.PercentSampling = 100
    ds.PercentPhaseFieldOfView = 100
    ds.PixelBandwidth = 190
    ds.AcquisitionMatrix = [0, 384, 269, 0]
    ds.InPlanePhaseEncodingDirection = "ROW"
    ds.SAR = 1.2
    ds.dBdt = 0
    ds.ReceiveCoilName = "SpineMatrix"
    ds.TransmitCoilName = "Body"
    ds.SoftwareVersions = "syngo MR E11"
    ds.DeviceSerialNumber = "00000"
    ds.StationName = "MRC00000"
    ds.InstitutionName = "Synthetic Hospital"
    ds.InstitutionAddress = "1 Nowhere Road"
    ds.ReferringPhysicianName = "SYNTH^REFERRER"
    ds.PerformingPhysicianName = "SYNTH^PERFORMER"
    ds.OperatorsName = "SYNTH^OPERATOR"
    ds.PatientSex = "F"
    ds.PatientAge = "064Y"
    ds.PatientWeight = 70
    ds.PatientSize = 1.7
    ds.PatientPosition = "HFS"
    ds.AcquisitionDate = ds.StudyDate
    ds.ContentDate = ds.StudyDate
    ds.AcquisitionTime = "093512.500000"
    ds.ContentTime = "093512.500000"
    ds.AcquisitionNumber = 1
    ds.FrameOfReferenceUID = "1.2.826.0.1.3680043.8.498.1"
    ds.PositionReferenceIndicator = ""
    ds.WindowCenter = 600
    ds.WindowWidth = 1200
    ds.RequestedProcedureDescription = "MRI WHOLE SPINE"
    ds.PerformedProcedureStepDescription = "MRI WHOLE SPINE"
    block = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    block.add_new(0x08, "CS", "IMAGE NUM 4")
    block.add_new(0x09, "LO", "20100114")
    block.add_new(0x10, "OB", bytes(range(256)) * 32)  # 8 KB image CSA header
    block.add_new(0x18, "CS", "MR")
    block.add_new(0x20, "OB", bytes(range(256)) * 48)  # 12 KB series CSA header


def build_zip(instances: int, n_series: int, size: int) -> tuple[bytes, int]:
    """The study as a stored zip in memory, and the mean header size in bytes."""
    specs = (DEFAULT_MR_SERIES * (n_series // len(DEFAULT_MR_SERIES) + 1))[:n_series]
    specs = tuple(
        MrSeriesSpec(
            f"{spec.description} {n}", spec.repetition_time, spec.echo_time, spec.inversion_time
        )
        for n, spec in enumerate(specs, start=1)
    )
    per_series = [
        instances // n_series + (1 if i < instances % n_series else 0) for i in range(n_series)
    ]
    buffer = io.BytesIO()
    study_uid = None
    header_sizes: list[int] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number, (spec, count) in enumerate(zip(specs, per_series, strict=True), start=1):
            datasets = synth_datasets(
                "MR",
                count,
                study_instance_uid=study_uid,
                series_number=number,
                series_description=spec.description,
                repetition_time=spec.repetition_time,
                echo_time=spec.echo_time,
                inversion_time=spec.inversion_time,
                rows=size,
                columns=size,
            )
            study_uid = str(datasets[0].StudyInstanceUID)
            for index, ds in enumerate(datasets):
                _realistic(ds, index)
                data = dataset_to_bytes(ds)
                header_sizes.append(len(data) - size * size * 2)
                archive.writestr(f"DICOM/S{number:03d}/IM{index:05d}", data)
    return buffer.getvalue(), int(statistics.mean(header_sizes))


def bare_loop(blob: bytes) -> float:
    """(a): instances per second of dcmread(stop_before_pixels=True) over the members."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            infos = archive.infolist()
            for info in infos:
                with archive.open(info) as member:
                    dcmread(member, stop_before_pixels=True)
    return len(infos) / (time.perf_counter() - start)


def _fresh_case(db: Database, actor: Actor, n: int) -> int:
    site = primary_site_options()[0][0]
    data = CaseInput(primary_site=site, levels=("T7",), sex=Sex.FEMALE, referral_question=f"{n}")
    return create_case(db, actor, data).id


def full_import(
    db: Database, actor: Actor, blob: bytes, n: int, rounds: int
) -> list[tuple[float, int]]:
    """(b): instances per second of the app's import, one new case per round."""
    figures = []
    for round_index in range(rounds):
        case_id = _fresh_case(db, actor, round_index)
        start = time.perf_counter()
        report = import_uploads(db, actor, case_id, [("study.zip", blob)], key=KEY)
        seconds = time.perf_counter() - start
        assert report.instances_added == n, report.summary
        figures.append((n / seconds, report.workers))
    return figures


def _setup_database(url: str) -> tuple[Database, Actor]:
    db = Database.from_url(url)
    upgrade_to_head(db.engine)
    admin = create_first_admin(db, "admin", "Bench Admin", "benchmark-password-1")
    radiologist = create_user(
        db, admin.as_actor(), "rad", "Bench Radiologist", Role.RADIOLOGIST, "benchmark-password-1"
    )
    return db, radiologist.as_actor()


def _report(name: str, bare: list[float], ours: list[tuple[float, int]]) -> None:
    a = statistics.median(bare)
    b = statistics.median(f for f, _ in ours)
    workers = max(w for _, w in ours)
    print(f"[{name}] (a) bare dcmread loop:  {a:8.0f} instances/s")
    print(f"[{name}] (b) full import:        {b:8.0f} instances/s ({workers} parsing processes)")
    print(f"[{name}] ratio b/a: {b / a:.2f} (target >= 0.75)")


def main() -> None:
    """Build the study, time (a) and (b) on each database, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--series", type=int, default=5)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("TUMORBOARD_TEST_DATABASE_URL"))
    args = parser.parse_args()

    blob, header = build_zip(args.instances, args.series, args.size)
    print(
        f"{args.instances} MR instances in {args.series} series, {args.size}x{args.size}, "
        f"header ~{header / 1024:.0f} KB, zip {len(blob) / 1024 / 1024:.0f} MB; "
        f"{os.cpu_count()} CPUs; median of {args.rounds} rounds; "
        f"load average {os.getloadavg()[0]:.1f} (other work on the machine skews (b) most)"
    )
    bare_loop(blob)  # warm-up: imports, caches
    bare = [bare_loop(blob) for _ in range(args.rounds)]

    with tempfile.TemporaryDirectory() as folder:
        db, actor = _setup_database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            full_import(db, actor, blob, args.instances, 1)  # warm-up
            _report("SQLite", bare, full_import(db, actor, blob, args.instances, args.rounds))
        finally:
            db.dispose()

    if args.postgres:
        server = make_url(args.postgres)
        name = f"tb_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = server.set(database=name).render_as_string(hide_password=False)
            db, actor = _setup_database(url)
            try:
                full_import(db, actor, blob, args.instances, 1)
                _report(
                    "PostgreSQL", bare, full_import(db, actor, blob, args.instances, args.rounds)
                )
            finally:
                db.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()


if __name__ == "__main__":
    main()
