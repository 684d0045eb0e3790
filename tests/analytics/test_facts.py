"""The analytics facts: every source change lists its case or meeting, and the stored
rows always equal a computation from scratch (both databases)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, insert, select, update

from board.analytics.facts import (
    REBUILD_ABOVE,
    Refreshed,
    compute_case_facts,
    compute_meeting_facts,
    refresh_analytics_facts,
)
from board.analytics.service import Distribution, board_analytics
from board.analytics.survival import kaplan_meier, kaplan_meier_counts
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.migrate import alembic_config
from board.db.models import (
    AgendaItem,
    AnalyticsCaseFacts,
    AnalyticsMeetingFacts,
    AnalyticsStaleCase,
    AnalyticsStaleMeeting,
    Case,
    FollowUp,
    ImagingStudy,
    Patient,
    PlanVersion,
)
from board.errors import ValidationError
from board.followup.enums import Adherence, FollowUpStatus
from board.plans.enums import PlanStatus
from tests.analytics.helpers import add_decided_case, at, build_board, day


def _stored(db: Database) -> tuple[list[Any], list[Any]]:
    with db.read() as session:
        cases = [
            tuple(r)
            for r in session.execute(
                select(AnalyticsCaseFacts.__table__).order_by(AnalyticsCaseFacts.case_id)
            )
        ]
        meetings = [
            tuple(r)
            for r in session.execute(
                select(AnalyticsMeetingFacts.__table__).order_by(AnalyticsMeetingFacts.meeting_id)
            )
        ]
    return cases, meetings


def _computed(db: Database) -> tuple[list[Any], list[Any]]:
    with db.read() as session:
        return compute_case_facts(session), compute_meeting_facts(session)


def _stale(db: Database) -> tuple[set[int], set[int]]:
    with db.read() as session:
        return (
            set(session.scalars(select(AnalyticsStaleCase.case_id))),
            set(session.scalars(select(AnalyticsStaleMeeting.meeting_id))),
        )


def assert_facts_true(db: Database) -> None:
    """After a refresh, the stored rows are exactly a computation from scratch."""
    refresh_analytics_facts(db)
    assert _stale(db) == (set(), set())
    assert _stored(db) == _computed(db)


def test_the_demo_board_facts_equal_a_computation_from_scratch(
    demo_database: Database, admin_of_demo: Actor
) -> None:
    # The demo is written through the services (cases, imports, plans, finalizes,
    # amendments, follow-ups, meetings): the triggers listed everything they touched.
    stale_cases, stale_meetings = _stale(demo_database)
    with demo_database.read() as session:
        assert stale_cases == set(session.scalars(select(Case.id)))
        assert stale_meetings <= set(session.scalars(select(AgendaItem.meeting_id)))
    assert_facts_true(demo_database)
    # and the page reads them
    assert board_analytics(demo_database, admin_of_demo).cases_decided > 0


@pytest.fixture
def admin_of_demo(demo_database: Database) -> Actor:
    return Actor(None, "analyst", "Analyst", Role.ADMIN)


#: (what changes, the model, the column, a new value): every column a case's figures
#: are made of. Each must list the case, and its row must change.
CASE_SOURCES: list[tuple[str, Any, str, Any]] = [
    ("urgency", Case, "urgency", "routine"),
    ("referral time", Case, "created_at", at(1, 3, 9)),
    ("date of death", Case, "died_on", day(4, 1)),
    ("plan status", PlanVersion, "status", PlanStatus.DRAFT),
    ("finalize time", PlanVersion, "finalized_at", at(1, 6, 11)),
    ("baseline", PlanVersion, "baseline", {"tokuhashi_band": "6_months_or_more"}),
    ("follow-up status", FollowUp, "status", FollowUpStatus.SCHEDULED),
    ("follow-up date", FollowUp, "done_on", day(1, 22)),
    ("treatment start", FollowUp, "treatment_started_at", at(1, 6, 20)),
    ("adherence", FollowUp, "adherence", Adherence.NOT_GIVEN),
    ("pain response", FollowUp, "pain_response", "partial"),
    ("deviation reason", FollowUp, "deviation_reason", "Changed reason"),
    ("study modality", ImagingStudy, "modality", "CT"),
    ("study date", ImagingStudy, "study_date", day(1, 2)),
]


@pytest.mark.parametrize(
    ("model", "column", "value"),
    [pytest.param(m, c, v, id=name) for name, m, c, v in CASE_SOURCES],
)
def test_a_change_to_any_source_column_lists_the_case(
    db: Database, admin: Actor, model: Any, column: str, value: Any
) -> None:
    board = build_board(db)
    case_b = board.cases["B"]  # two plans, two follow-ups (one a deviation), two MRIs
    assert_facts_true(db)
    before = _stored(db)[0]
    key = model.id if model is Case else model.case_id
    with db.write() as session:  # a plain UPDATE, as a restore or a hand-made fix does
        session.execute(update(model).where(key == case_b).values({column: value}))
    assert _stale(db)[0] == {case_b}
    assert refresh_analytics_facts(db) == Refreshed(1, 0)
    after = _stored(db)[0]
    assert after != before  # the row of case B changed, no other
    assert [r for r in after if r[0] != case_b] == [r for r in before if r[0] != case_b]
    assert _stored(db) == _computed(db)


def test_a_renamed_patient_lists_their_cases(db: Database) -> None:
    board = build_board(db)
    assert_facts_true(db)
    with db.write() as session:
        patient = session.scalar(select(Case.patient_id).where(Case.id == board.cases["B"]))
        session.execute(update(Patient).where(Patient.id == patient).values(pseudonym="TB-B2"))
    assert _stale(db)[0] == {board.cases["B"]}
    assert_facts_true(db)
    with db.read() as session:
        assert (
            session.scalar(
                select(AnalyticsCaseFacts.pseudonym).where(
                    AnalyticsCaseFacts.case_id == board.cases["B"]
                )
            )
            == "TB-B2"
        )


@pytest.mark.parametrize(
    ("column", "value"),
    [("discussed_at", None), ("missing_at_discussion", ["Pathology"]), ("meeting_id", "M2")],
)
def test_an_agenda_change_lists_its_meeting(db: Database, column: str, value: Any) -> None:
    board = build_board(db)
    assert_facts_true(db)
    m1, m2 = board.meetings["M1"], board.meetings["M2"]
    new = m2 if value == "M2" else value
    with db.write() as session:
        session.execute(
            update(AgendaItem)
            .where(AgendaItem.meeting_id == m1, AgendaItem.case_id == board.cases["A"])
            .values({column: new})
        )
    assert _stale(db)[1] == ({m1, m2} if column == "meeting_id" else {m1})
    assert_facts_true(db)


def test_changes_to_other_columns_list_nothing(db: Database) -> None:
    board = build_board(db)
    assert_facts_true(db)
    case_a = board.cases["A"]
    with db.write() as session:
        session.execute(update(Case).where(Case.id == case_a).values(levels="T4", version=7))
        session.execute(update(FollowUp).where(FollowUp.case_id == case_a).values(notes="seen"))
        plans = update(PlanVersion).where(PlanVersion.case_id == case_a)
        session.execute(plans.values(summary="x"))
        session.execute(
            update(ImagingStudy).where(ImagingStudy.case_id == case_a).values(description="d")
        )
        # the same value again is no change either
        session.execute(update(Case).where(Case.id == case_a).values(urgency="urgent"))
    assert _stale(db) == (set(), set())


def test_new_and_deleted_rows_list_their_case(db: Database, admin: Actor) -> None:
    board = build_board(db)
    assert_facts_true(db)
    with db.write() as session:
        new_case = add_decided_case(session, "TB-E", at(3, 3, 9))
    assert new_case in _stale(db)[0]
    assert_facts_true(db)
    assert board_analytics(db, admin).cases_decided == 5
    with db.write() as session:  # D's studies and follow-ups go; then case E itself
        session.execute(delete(ImagingStudy).where(ImagingStudy.case_id == board.cases["D"]))
        session.execute(delete(PlanVersion).where(PlanVersion.case_id == new_case))
        session.execute(delete(Case).where(Case.id == new_case))
    assert _stale(db)[0] == {board.cases["D"], new_case}
    assert_facts_true(db)
    assert new_case not in {r[0] for r in _stored(db)[0]}
    assert board_analytics(db, admin).cases_decided == 4


def test_the_page_shows_a_change_at_once(db: Database, admin: Actor) -> None:
    board = build_board(db)
    assert board_analytics(db, admin).adherence.not_given == 1
    with db.write() as session:
        session.execute(
            update(FollowUp)
            .where(FollowUp.case_id == board.cases["A"])
            .values(adherence=Adherence.NOT_GIVEN, deviation_reason="Too unwell")
        )
    adherence = board_analytics(db, admin).adherence
    assert (adherence.as_planned, adherence.not_given) == (0, 2)
    assert ("TB-A", "Too unwell") in {(d.pseudonym, d.reason) for d in adherence.deviations}


def test_many_stale_cases_are_computed_in_one_statement(db: Database) -> None:
    build_board(db)
    with db.write() as session:
        session.execute(
            insert(AnalyticsStaleCase), [{"case_id": 10**6 + i} for i in range(REBUILD_ABOVE)]
        )
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()).upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        refreshed = refresh_analytics_facts(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert refreshed.cases == REBUILD_ABOVE + 4  # the four real cases and the listed ids
    # the whole table emptied and filled again, not case by case
    assert "DELETE FROM ANALYTICS_CASE_FACTS" in statements
    assert not any(s.startswith("DELETE FROM ANALYTICS_CASE_FACTS WHERE") for s in statements)
    assert _stored(db) == _computed(db)


def test_an_upgraded_board_lists_everything_once(private_database_url: str, admin: Actor) -> None:
    db = Database.from_url(private_database_url)
    try:
        build_board(db)
        before = board_analytics(db, admin)
        command.downgrade(alembic_config(db.engine), "0012")
        command.upgrade(alembic_config(db.engine), "head")
        assert _stale(db)[0] and _stored(db) == ([], [])
        after = board_analytics(db, admin)
        assert (after.cases_decided, after.adherence, after.meetings) == (
            before.cases_decided,
            before.adherence,
            before.meetings,
        )
        assert _stored(db) == _computed(db)
    finally:
        db.dispose()


def test_a_change_committed_during_a_refresh_stays_listed(
    db: Database, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    # Only PostgreSQL lets another writer commit while the refresh holds its
    # transaction (SQLite's write lock makes them wait for each other).
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers")
    import board.analytics.facts as facts

    board = build_board(db)
    assert_facts_true(db)
    case_c = board.cases["C"]
    real_store = facts._store
    other = Database.from_url(db.engine.url.render_as_string(hide_password=False))

    def store_after_a_change(session: Any, kind: Any, keys: list[int]) -> None:
        if kind is facts._CASES:
            with other.write() as second:  # commits while the refresh is under way
                second.execute(
                    update(FollowUp)
                    .where(FollowUp.case_id == case_c, FollowUp.status == FollowUpStatus.DONE)
                    .values(adherence=Adherence.AS_PLANNED)
                )
        real_store(session, kind, keys)

    with db.write() as session:
        session.execute(update(Case).where(Case.id == board.cases["A"]).values(died_on=None))
    monkeypatch.setattr(facts, "_store", store_after_a_change)
    try:
        facts.refresh_analytics_facts(db)
    finally:
        other.dispose()
    monkeypatch.setattr(facts, "_store", real_store)
    assert case_c in _stale(db)[0]  # not claimed: computed by the next refresh
    assert_facts_true(db)


# ---------------------------------------------------------------------------
# Exact arithmetic of the read side
# ---------------------------------------------------------------------------

_days = st.integers(min_value=-5, max_value=60).map(float) | st.floats(
    min_value=-1e6, max_value=1e6, allow_nan=False
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_days, max_size=40))
def test_distribution_from_counts_is_that_of_the_values(values: list[float]) -> None:
    assert Distribution.of_counts(Counter(values)) == Distribution.of(values)


@settings(max_examples=200, deadline=None)
@given(st.lists(_days, min_size=1, max_size=40))
def test_distribution_reads_at_most_six_values(values: list[float]) -> None:
    ordered = sorted(values)
    read: list[int] = []

    def value_at(position: int) -> float:
        read.append(position)
        return ordered[position]

    assert Distribution.of_sorted(len(ordered), value_at) == Distribution.of(values)
    assert len(set(read)) == len(read) <= 6


_observations = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40).map(float), st.booleans()), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(_observations)
def test_kaplan_meier_from_counts_is_that_of_the_patients(
    observations: list[tuple[float, bool]],
) -> None:
    deaths = Counter(t for t, died in observations if died)
    censored = Counter(t for t, died in observations if not died)
    counted = kaplan_meier_counts(dict(deaths), dict(censored), std_errors=True)
    listed = kaplan_meier(observations, std_errors=True)
    assert counted == listed
    times = (0, 5, 10.5, 40, 41)
    assert [(a.time, a.at_risk) for a in counted.number_at_risk(times)] == [
        (t, sum(1 for o, _ in observations if o >= t)) for t in times
    ]


@pytest.mark.parametrize(
    ("deaths", "censored", "message"),
    [
        ({-1.0: 1}, {}, "0 days or more"),
        ({float("nan"): 1}, {}, "0 days or more"),
        ({True: 1}, {}, "number of days"),
        ({3.0: 0}, {}, "at least 1"),
        ({}, {3.0: 1.5}, "at least 1"),
    ],
)
def test_kaplan_meier_counts_refuses_bad_counts(
    deaths: dict[Any, Any], censored: dict[Any, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        kaplan_meier_counts(deaths, censored)


def test_stale_lists_are_emptied_by_the_page(db: Database, admin: Actor) -> None:
    build_board(db)
    board_analytics(db, admin)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AnalyticsStaleCase)) == 0
        assert session.scalar(select(func.count()).select_from(AnalyticsStaleMeeting)) == 0
    # a second view with nothing stale opens no write transaction
    assert refresh_analytics_facts(db) == Refreshed(0, 0)


def test_an_old_decision_day_is_a_day_number(db: Database) -> None:
    board = build_board(db)
    assert_facts_true(db)
    with db.read() as session:
        decided_day = session.scalar(
            select(AnalyticsCaseFacts.decided_day).where(
                AnalyticsCaseFacts.case_id == board.cases["A"]
            )
        )
    assert decided_day == (dt.date(2026, 1, 6) - dt.date(1970, 1, 1)).days


def test_refreshes_at_the_same_time_agree(db: Database, admin: Actor) -> None:
    # Two views at once (two app servers on PostgreSQL, two threads on SQLite): one
    # computes, the other waits for it (advisory lock, or SQLite's write lock) and
    # finds nothing left, or computes the rest; no error, and the rows are true.
    import threading

    build_board(db)
    with db.write() as session:
        for n in range(40):
            add_decided_case(session, f"TB-P{n}", at(3, 1 + n % 28, 9))
    errors: list[BaseException] = []
    results: list[Refreshed] = []
    start = threading.Barrier(2)

    def view() -> None:
        try:
            start.wait()
            results.append(refresh_analytics_facts(db))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=view) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.cases for r in results) == 44  # every case computed once
    assert _stale(db) == (set(), set())
    assert _stored(db) == _computed(db)
