"""Finalize benchmark: how long does finalizing a plan hold SQLite's write lock?

Builds the demo board on a temporary SQLite file, gives the richest demo case
(TB-DEMO01) a key image, 20 notes and a signed plan with a dissent and an action item
(as bench/report.py does), then finalizes that plan on a fresh copy of the file, run
after run, as the app does (the files rendered in the background after the commit).
Prints the median (min, max) time each write transaction held the write lock, from
``BEGIN IMMEDIATE`` to the end of ``COMMIT`` (the finalize, then storing the rendered
files), how long until ``finalize_plan`` returns (what the chair's click waits for),
and until the report and letter files are stored (rendered outside the lock).

    python3 bench/finalize_lock.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from board.db.engine import Database  # noqa: E402
from board.db.migrate import upgrade_to_head  # noqa: E402
from board.db.models import PlanVersion  # noqa: E402
from board.demo import load_demo  # noqa: E402
from board.plans.lifecycle import finalize_plan  # noqa: E402
from board.plans.report_files import wait_for_report_files  # noqa: E402
from tests.db.locks import write_lock_holds  # noqa: E402
from tests.reports.helpers import add_notes, case_id_of, enrich, plan_demo_case  # noqa: E402


def _ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:.0f} ms "
        f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
    )


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        db = Database.from_url(f"sqlite:///{template}")
        upgrade_to_head(db.engine)
        load_demo(db)
        rich = case_id_of(db, "TB-DEMO01")
        enrich(db, rich)
        plan = plan_demo_case(db, rich, finalize=False)
        add_notes(db, rich, 20, plan.coordinator)
        with db.engine.connect() as conn:  # fold the WAL into the file before copying
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        holds: list[float] = []
        file_holds: list[float] = []
        returns: list[float] = []
        totals: list[float] = []
        for run in range(args.runs):
            copy = Path(folder) / f"run{run}.db"
            shutil.copyfile(template, copy)
            db = Database.from_url(f"sqlite:///{copy}")
            with db.read() as session:
                draft = session.get(PlanVersion, plan.plan_id)
                assert draft is not None
                version = draft.version
            with write_lock_holds(db) as locks:
                start = time.perf_counter()
                finalize_plan(db, plan.chair, plan.plan_id, version, files_in_background=True)
                returns.append(time.perf_counter() - start)
                assert wait_for_report_files(timeout=120)
                totals.append(time.perf_counter() - start)
            finalizing, storing = locks.holds
            holds.append(finalizing)
            file_holds.append(storing)
            db.dispose()
        print(
            f"finalize of the richest demo case (TB-DEMO01, 20 notes), {args.runs} runs:\n"
            f"  write lock held by the finalize {_ms(holds)}\n"
            f"  write lock held storing the files {_ms(file_holds)}\n"
            f"  finalize_plan returns (the click) {_ms(returns)}\n"
            f"  report and letter files stored {_ms(totals)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
