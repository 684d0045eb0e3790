"""Report benchmark: median time to build the board report PDF.

Two cases on a fresh temporary SQLite database with the demo board:
- the richest demo case (TB-DEMO01) with a plan, dissent, action items, signatures,
  attendance and a key-image thumbnail;
- the same kind of case with 100 notes of about 60 words each.

"Build" means what a download does: load the report model from the database and
render the PDF. Prints the median (and min/max) over ``--runs`` runs, in wall-clock
time and in CPU time of this process (steadier on a shared machine).

    python3 bench/report.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from board.db.engine import Database  # noqa: E402
from board.db.migrate import upgrade_to_head  # noqa: E402
from board.demo import load_demo  # noqa: E402
from board.reports.builder import load_report  # noqa: E402
from board.reports.pdf import render_pdf  # noqa: E402
from tests.reports.helpers import (  # noqa: E402
    add_notes,
    case_id_of,
    enrich,
    plan_demo_case,
)


def build(db: Database, case_id: int) -> bytes:
    """Load the report model and render the PDF once."""
    with db.read() as session:
        report = load_report(session, case_id)
    return render_pdf(report)


def measure(db: Database, case_id: int, runs: int) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU timings in seconds, the PDF size and its page count."""
    from io import BytesIO

    from pypdf import PdfReader

    pdf = build(db, case_id)  # warm-up (font parsing, template)
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = build(db, case_id)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return times, cpu, len(pdf), len(PdfReader(BytesIO(pdf)).pages)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database.from_url(f"sqlite:///{folder}/bench.db")
        upgrade_to_head(db.engine)
        load_demo(db)
        rich = case_id_of(db, "TB-DEMO01")
        enrich(db, rich)
        plan = plan_demo_case(db, rich, finalize=False)
        noted = case_id_of(db, "TB-DEMO03")
        enrich(db, noted)
        add_notes(db, noted, 100, plan.coordinator)
        for label, case_id in (
            ("richest demo case (TB-DEMO01, full plan)", rich),
            ("case with 100 notes (TB-DEMO03)", noted),
        ):
            times, cpu, size, pages = measure(db, case_id, args.runs)
            print(
                f"{label}: median {statistics.median(times) * 1000:.0f} ms "
                f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, "
                f"{args.runs} runs; CPU median {statistics.median(cpu) * 1000:.0f} ms), "
                f"{pages} pages, {size / 1024:.0f} KiB"
            )
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
