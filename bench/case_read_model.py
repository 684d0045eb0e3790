"""Case read model benchmark: one read of a case, how long and how many statements.

Builds the demo board on a fresh temporary SQLite database and reads every demo case
through :func:`board.cases.read_model.load_case_read_model` (what the case page, the
presenter, finalize, the report and the FHIR export share), counting the SQL
statements of each read. Also counts how often the scores are derived while one report
model is built from the read model, the way finalize does it.

    python3 bench/case_read_model.py [--runs 9]
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

from sqlalchemy import event, select  # noqa: E402

import board.cases.read_model as read_model  # noqa: E402
from board.cases.read_model import load_case_read_model  # noqa: E402
from board.db.engine import Database  # noqa: E402
from board.db.migrate import upgrade_to_head  # noqa: E402
from board.db.models import Case  # noqa: E402
from board.demo import load_demo  # noqa: E402
from board.reports.builder import load_report  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade_to_head(db.engine)
        started = time.perf_counter()
        load_demo(db)
        print(f"demo board loaded in {time.perf_counter() - started:.2f} s")
        statements = 0

        def count(*_args: object) -> None:
            nonlocal statements
            statements += 1

        event.listen(db.engine, "before_cursor_execute", count)
        with db.read() as session:
            ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        times: list[float] = []
        per_case: list[int] = []
        for case_id in ids:
            for _ in range(args.runs):
                statements = 0
                with db.read() as session:
                    t0 = time.perf_counter()
                    load_case_read_model(session, case_id)
                    times.append(time.perf_counter() - t0)
                per_case.append(statements)
        print(
            f"read model, {len(ids)} cases x {args.runs} runs: median "
            f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms; "
            f"SQL statements per read: median {statistics.median(per_case):.0f}, "
            f"max {max(per_case)}"
        )

        derived = 0
        original = read_model.derive_scores

        def counting(*a: object, **k: object) -> object:
            nonlocal derived
            derived += 1
            return original(*a, **k)  # type: ignore[arg-type]

        read_model.derive_scores = counting  # type: ignore[assignment]
        report_times: list[float] = []
        for _ in range(args.runs):
            with db.read() as session:
                t0 = time.perf_counter()
                case = load_case_read_model(session, ids[0])
                load_report(session, ids[0], case=case)
                report_times.append(time.perf_counter() - t0)
        read_model.derive_scores = original  # type: ignore[assignment]
        print(
            f"read model + report model (as finalize builds them): median "
            f"{statistics.median(report_times) * 1000:.1f} ms; scores derived "
            f"{derived / args.runs:.0f} time(s) per build"
        )
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
