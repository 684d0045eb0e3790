"""Board analytics benchmark: does ``board_analytics`` stay quick as the board grows?

Builds a synthetic board (cases with MRI studies, meetings with agendas, finalized plans
with a baseline, follow-ups with treatment start, adherence and pain response, deaths)
with bulk inserts of the ORM tables (the triggers list every case and meeting; the
first view computes their facts), then prints, at 10,000 cases and at 100 cases:

- the median time of ``board_analytics`` as the page calls it, and the ratio of the two
  (the goal: at most 0.2 s and 10x for 100x the data);
- the same after one follow-up changed (the view computes that case's facts first);
- the exports' call (``list_limit=None``: every urgent miss and deviation listed);
- the first view after the bulk load (every case's facts computed).

Runs on SQLite (a temporary file) always, and on PostgreSQL when
TUMORBOARD_TEST_DATABASE_URL or ``--pg URL`` is given (a scratch database is created
and dropped). Usage::

    python3 bench/analytics.py [--cases 10000] [--repeats 7] [--pg URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from board.analytics.service import board_analytics  # noqa: E402
from board.auth.actor import Actor  # noqa: E402
from board.auth.roles import Role  # noqa: E402
from board.db.engine import Database  # noqa: E402
from board.db.migrate import upgrade_to_head  # noqa: E402
from board.db.models import (  # noqa: E402
    AgendaItem,
    Case,
    FollowUp,
    ImagingStudy,
    Meeting,
    Patient,
    PlanVersion,
)

BANDS = ["under_6_months", "6_months_or_more", "1_year_or_more", None]
PAIN = ["complete", "partial", "progression", "indeterminate", None]
ADHERENCE = ["as_planned", "as_planned", "modified", "not_given", "not_started", None]
CASES_PER_MEETING = 20


def populate(db: Database, n_cases: int, seed: int = 11) -> None:
    """Insert ``n_cases`` synthetic cases and everything the analytics read."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
    rows: dict[Any, list[dict[str, Any]]] = {
        m: [] for m in (Patient, Case, ImagingStudy, Meeting, AgendaItem, PlanVersion, FollowUp)
    }
    n_meetings = max(1, n_cases // CASES_PER_MEETING)
    for m in range(1, n_meetings + 1):
        rows[Meeting].append(
            {
                "id": m,
                "starts_at": start + dt.timedelta(days=7 * m, hours=5),
                "title": f"Board {m}",
                "status": "closed" if rng.random() < 0.95 else "cancelled",
                "required_roles": [],
                "version": 1,
                "updated_at": start,
            }
        )
    for i in range(1, n_cases + 1):
        meeting = (i - 1) % n_meetings + 1
        meeting_at = start + dt.timedelta(days=7 * meeting, hours=5)
        referred = meeting_at - dt.timedelta(days=rng.randint(3, 30))
        urgent = rng.random() < 0.1
        decided = meeting_at + dt.timedelta(hours=rng.randint(1, 48))
        rows[Patient].append({"id": i, "pseudonym": f"TB-A{i:06d}", "sex": "unknown"})
        died = rng.random() < 0.35
        rows[Case].append(
            {
                "id": i,
                "patient_id": i,
                "status": "in_follow_up",
                "urgency": "urgent" if urgent else "routine",
                "priority": int(urgent),
                "urgency_reasons": [],
                "primary_site": "breast",
                "known_cancer": True,
                "levels": "T7",
                "referral_question": "synthetic",
                "created_at": referred,
                "updated_at": referred,
                "version": 1,
                "died_on": (decided + dt.timedelta(days=rng.randint(5, 700))).date()
                if died
                else None,
            }
        )
        for k in range(rng.randint(0, 2)):
            rows[ImagingStudy].append(
                {
                    "case_id": i,
                    "source": "manual",
                    "modality": "MR" if k == 0 else rng.choice(["MR", "CT"]),
                    "study_date": (referred + dt.timedelta(days=rng.randint(-5, 10))).date(),
                    "created_at": referred,
                    "updated_at": referred,
                    "version": 1,
                }
            )
        discussed = rng.random() < 0.9
        rows[AgendaItem].append(
            {
                "meeting_id": meeting,
                "case_id": i,
                "position": i,
                "triage": "full_discussion",
                "discussed_at": meeting_at if discussed else None,
                "discussion_seconds": 0,
                "missing_at_discussion": rng.choice([[], [], ["Pathology"], None])
                if discussed
                else None,
                "version": 1,
                "updated_at": meeting_at,
            }
        )
        if rng.random() < 0.8:
            band = rng.choice(BANDS)
            rows[PlanVersion].append(
                {
                    "case_id": i,
                    "number": 1,
                    "status": "finalized",
                    "meeting_id": meeting,
                    "summary": "",
                    "noms_suggestion": {},
                    "acknowledged_warnings": [],
                    "revision": 1,
                    "created_at": decided,
                    "finalized_at": decided,
                    "baseline": {"tokuhashi_band": band, "pain_nrs": 6},
                    "version": 1,
                    "updated_at": decided,
                }
            )
            for f in range(3):
                done_on = (decided + dt.timedelta(days=30 * (f + 1))).date()
                rows[FollowUp].append(
                    {
                        "case_id": i,
                        "kind": "visit",
                        "status": "done" if f < 2 else "scheduled",
                        "due_on": done_on,
                        "done_on": done_on if f < 2 else None,
                        "treatment_started_at": decided + dt.timedelta(hours=rng.randint(4, 200))
                        if f == 0
                        else None,
                        "adherence": rng.choice(ADHERENCE) if f < 2 else None,
                        "deviation_reason": "synthetic reason",
                        "pain_response": rng.choice(PAIN) if f < 2 else None,
                        "rediscussion_requested": False,
                        "outcome": {},
                        "version": 1,
                        "updated_at": decided,
                    }
                )
    with db.engine.begin() as conn:
        for model in (Patient, Case, ImagingStudy, Meeting, AgendaItem, PlanVersion, FollowUp):
            batch = rows[model]
            for first in range(0, len(batch), 5000):
                conn.execute(insert(model), batch[first : first + 5000])
        if conn.dialect.name == "postgresql":
            for table in ("patients", "cases", "meetings"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
        conn.execute(text("ANALYZE"))


def median_ms(func: Callable[[], object], repeats: int) -> float:
    func()  # warm-up
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        func()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def _change_one_follow_up(db: Database, rng: random.Random) -> None:
    """One follow-up's adherence changed, as recording a visit does."""
    with db.write() as session:
        follow_up = session.scalars(
            select(FollowUp).where(FollowUp.status == "done").offset(rng.randint(0, 99)).limit(1)
        ).one()
        follow_up.adherence = rng.choice(["as_planned", "modified", "not_given"])


def bench_backend(backend: str, urls: dict[int, str], repeats: int) -> None:
    actor = Actor(None, "bench", "Bench", Role.COORDINATOR)
    figures: dict[int, float] = {}
    for n, url in urls.items():
        db = Database.from_url(url)
        upgrade_to_head(db.engine)
        began = time.perf_counter()
        populate(db, n)
        built = time.perf_counter() - began
        began = time.perf_counter()
        result = board_analytics(db, actor)
        first = (time.perf_counter() - began) * 1000
        figures[n] = median_ms(lambda db=db: board_analytics(db, actor), repeats)
        rng = random.Random(5)
        changed = []
        for _ in range(repeats):
            _change_one_follow_up(db, rng)
            began = time.perf_counter()
            board_analytics(db, actor)
            changed.append((time.perf_counter() - began) * 1000)
        export = median_ms(lambda db=db: board_analytics(db, actor, list_limit=None), repeats)
        print(
            f"[{backend}] {n} cases (built in {built:.1f} s; {result.cases_decided} decided, "
            f"{len(result.meetings)} meetings): board_analytics median {figures[n]:.1f} ms "
            f"over {repeats} runs; after one follow-up changed "
            f"{statistics.median(changed):.1f} ms; every case listed (exports) {export:.1f} ms; "
            f"first view after the bulk load (every fact computed) {first:.0f} ms"
        )
        db.dispose()
    small, large = min(figures), max(figures)
    print(
        f"[{backend}] ratio {large} / {small} cases: {figures[large] / figures[small]:.1f}x "
        f"for {large / small:.0f}x the data"
    )


@contextmanager
def _pg_database(base: str) -> Iterator[str]:
    name = f"tb_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pg", help="PostgreSQL server URL (else TUMORBOARD_TEST_DATABASE_URL)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_backend(
            "sqlite",
            {args.small: f"sqlite:///{tmp}/small.db", args.cases: f"sqlite:///{tmp}/large.db"},
            args.repeats,
        )
    base = args.pg or os.environ.get("TUMORBOARD_TEST_DATABASE_URL")
    if base:
        with _pg_database(base) as small, _pg_database(base) as large:
            bench_backend("postgresql", {args.small: small, args.cases: large}, args.repeats)
    else:
        print("[postgresql] skipped: give --pg URL or set TUMORBOARD_TEST_DATABASE_URL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
