"""Worklist benchmark: does the worklist stay fast as the database grows?

Builds 10,000 synthetic cases (with patients, lesions, imaging studies, assessments,
notes and, for cases in follow-up, four scheduled follow-ups) with Core bulk inserts,
then reports:

- the median time of the worklist service query for one page (default filters, with
  the "input still missing from" filter, and with the "follow-up due or overdue" filter);
- the median AppTest run time of the worklist page at 10,000 cases divided by the same
  at 10 cases (target: at most 1.5, i.e. the page does not grow with the database).

Runs on SQLite always and on PostgreSQL when TUMORBOARD_TEST_DATABASE_URL is set (a
scratch database is created and dropped). Usage::

    python3 bench/worklist.py [--cases 10000] [--repeats 15]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from board.auth.actor import Actor  # noqa: E402
from board.auth.roles import CONTRIBUTING_ROLES, Role  # noqa: E402
from board.cases.service import primary_site_options  # noqa: E402
from board.db.engine import Database  # noqa: E402
from board.db.migrate import upgrade_to_head  # noqa: E402
from board.db.models import (  # noqa: E402
    Assessment,
    Case,
    FollowUp,
    ImagingStudy,
    Lesion,
    Note,
    Patient,
    User,
)
from board.worklist.service import list_worklist  # noqa: E402
from board.worklist.views import WorklistFilter  # noqa: E402

LEVELS = (
    [f"C{i}" for i in range(1, 8)]
    + [f"T{i}" for i in range(1, 13)]
    + [f"L{i}" for i in range(1, 6)]
)


def populate(db: Database, n_cases: int, seed: int = 7) -> Actor:
    """Insert ``n_cases`` synthetic cases with Core executemany; return a coordinator."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    sites = [value for value, _ in primary_site_options()]
    with db.engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {
                    "username": "bench.coordinator",
                    "display_name": "Bench Coordinator",
                    "role": Role.COORDINATOR,
                    "is_active": True,
                    "version": 1,
                    "failed_sign_ins": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        user_id = conn.execute(
            text("SELECT id FROM users WHERE username = 'bench.coordinator'")
        ).scalar_one()
        # Ids after any rows already there (bench/ui_latency.py adds to the demo board).
        first_patient = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM patients")).scalar_one()
        first_case = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM cases")).scalar_one()
        patients, cases, lesions, studies, notes, assessments = [], [], [], [], [], []
        follow_ups: list[dict[str, object]] = []
        for i in range(1, n_cases + 1):
            created = now - dt.timedelta(minutes=i)
            urgent = rng.random() < 0.05
            level_index = rng.randrange(len(LEVELS))
            patients.append(
                {
                    "id": first_patient + i,
                    "pseudonym": f"TB-B{i:06d}",
                    "sex": "unknown",
                    "age_at_referral": rng.randint(30, 90),
                    "created_at": created,
                }
            )
            status = rng.choice(
                ["preparing", "ready", "discussed", "plan_finalized", "in_follow_up"]
            )
            if status == "in_follow_up":
                first_due = now.date() + dt.timedelta(days=rng.randint(-60, 60))
                for k in range(4):
                    follow_ups.append(
                        {
                            "case_id": first_case + i,
                            "kind": "visit",
                            "status": "scheduled",
                            "due_on": first_due + dt.timedelta(weeks=6 * k),
                            "outcome": {},
                            "rediscussion_requested": False,
                            "version": 1,
                            "updated_at": created,
                        }
                    )
            cases.append(
                {
                    "id": first_case + i,
                    "patient_id": first_patient + i,
                    "status": status,
                    "urgency": "urgent" if urgent else "routine",
                    "priority": int(urgent),
                    "urgency_reasons": [],
                    "primary_site": rng.choice(sites),
                    "histology": "synthetic",
                    "known_cancer": True,
                    "levels": LEVELS[level_index],
                    "referral_question": "synthetic case",
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                    "created_by_id": user_id,
                    "updated_by_id": user_id,
                }
            )
            lesions.append(
                {
                    "case_id": first_case + i,
                    "level": LEVELS[level_index],
                    "level_index": level_index,
                    "findings": {},
                    "version": 1,
                    "updated_at": created,
                }
            )
            studies.append(
                {
                    "case_id": first_case + i,
                    "source": "manual",
                    "modality": "MR",
                    "study_date": (created - dt.timedelta(days=rng.randint(0, 90))).date(),
                    "body_region": "whole_spine",
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            for k in range(2):
                notes.append(
                    {
                        "case_id": first_case + i,
                        "author_id": user_id,
                        "author_name": "Bench",
                        "author_role": "coordinator",
                        "kind": "pre_meeting",
                        "body": f"note {k} of case {i}",
                        "created_at": created,
                    }
                )
            for role in rng.sample(CONTRIBUTING_ROLES, rng.randint(0, 4)):
                assessments.append(
                    {
                        "case_id": first_case + i,
                        "role": role,
                        "data": {},
                        "submitted_at": created,
                        "version": 1,
                        "updated_at": created,
                    }
                )
        for model, rows in (
            (Patient, patients),
            (Case, cases),
            (Lesion, lesions),
            (ImagingStudy, studies),
            (Note, notes),
            (Assessment, assessments),
            (FollowUp, follow_ups),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(model), rows[start : start + 5000])
        if conn.dialect.name == "postgresql":
            for table in ("patients", "cases"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return Actor(user_id, "bench.coordinator", "Bench Coordinator", Role.COORDINATOR)


def median_ms(func: Callable[[], object], repeats: int) -> float:
    func()  # warm-up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def apptest_ms(url: str, actor: Actor, repeats: int) -> float:
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")

    os.environ["TUMORBOARD_DATABASE_URL"] = url
    st.cache_resource.clear()

    def run() -> None:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["actor"] = actor
        at.run()
        assert not at.exception, at.exception
        assert at.dataframe, "worklist table missing"

    return median_ms(run, repeats)


def bench_backend(
    backend: str, small_url: str, large_url: str, n_cases: int, repeats: int
) -> dict[str, float]:
    figures: dict[str, float] = {}
    for label, url, n in (("small", small_url, 10), ("large", large_url, n_cases)):
        db = Database.from_url(url)
        upgrade_to_head(db.engine)
        start = time.perf_counter()
        actor = populate(db, n)
        figures[f"populate_{label}_s"] = time.perf_counter() - start
        figures[f"query_{label}_ms"] = median_ms(
            lambda db=db, actor=actor: list_worklist(db, actor, page=1, page_size=25), repeats
        )
        figures[f"query_filtered_{label}_ms"] = median_ms(
            lambda db=db, actor=actor: list_worklist(
                db, actor, WorklistFilter(missing_role=Role.RADIOLOGIST), page=3, page_size=25
            ),
            repeats,
        )
        figures[f"query_follow_up_{label}_ms"] = median_ms(
            lambda db=db, actor=actor: list_worklist(
                db, actor, WorklistFilter(follow_up_due=True), page=1, page_size=25
            ),
            repeats,
        )
        figures[f"apptest_{label}_ms"] = apptest_ms(url, actor, max(5, repeats // 2))
        db.dispose()
    figures["apptest_ratio"] = figures["apptest_large_ms"] / figures["apptest_small_ms"]
    print(f"[{backend}] {n_cases} cases built in {figures['populate_large_s']:.1f} s")
    print(
        f"[{backend}] worklist query, one page of 25: median "
        f"{figures['query_large_ms']:.2f} ms at {n_cases} cases, "
        f"{figures['query_small_ms']:.2f} ms at 10 cases"
    )
    print(
        f"[{backend}] worklist query with 'input missing from radiologist', page 3: median "
        f"{figures['query_filtered_large_ms']:.2f} ms at {n_cases} cases"
    )
    print(
        f"[{backend}] worklist query with 'follow-up due or overdue', page 1: median "
        f"{figures['query_follow_up_large_ms']:.2f} ms at {n_cases} cases"
    )
    print(
        f"[{backend}] worklist page (AppTest): median {figures['apptest_large_ms']:.0f} ms "
        f"at {n_cases} cases, {figures['apptest_small_ms']:.0f} ms at 10 cases, ratio "
        f"{figures['apptest_ratio']:.2f} (target <= 1.5)"
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        small = f"sqlite:///{tmp}/small.db"
        figures = bench_backend(
            "sqlite", small, f"sqlite:///{tmp}/large.db", args.cases, args.repeats
        )
        failed |= figures["apptest_ratio"] > 1.5
    base = os.environ.get("TUMORBOARD_TEST_DATABASE_URL")
    if base:
        with _pg_database(base) as small, _pg_database(base) as large:
            figures = bench_backend("postgresql", small, large, args.cases, args.repeats)
            failed |= figures["apptest_ratio"] > 1.5
    else:
        print("[postgresql] skipped: set TUMORBOARD_TEST_DATABASE_URL to include it")
    return 1 if failed else 0


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


if __name__ == "__main__":
    raise SystemExit(main())
