"""Board analytics on a hand-built board (tests/analytics/helpers.py), both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import JSON, event, null, update

from board.analytics.service import AnalyticsPeriod, board_analytics
from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action
from board.auth.roles import Role
from board.cases.enums import Urgency
from board.db.engine import Database
from board.db.models import AgendaItem, Case, FollowUp, Meeting
from board.errors import PermissionDeniedError, ValidationError
from board.followup.enums import Adherence, FollowUpKind, FollowUpStatus
from board.meetings.enums import MeetingStatus
from board.scoring.pain import PainResponse
from tests.analytics.helpers import FORMULA_REASON, add_decided_case, at, build_board, day


def test_figures_of_the_hand_built_board(db: Database, admin: Actor) -> None:
    board = build_board(db)
    result = board_analytics(db, admin)

    assert result.cases_referred == 4 and result.cases_decided == 4

    # Triage tiers of the cases referred, with their targets; C (within a week, 168 h
    # to its start) is not measured against the immediate tier's 24 hours.
    assert [(x.tier, x.label, x.target_hours, x.cases) for x in result.tiers] == [
        ("immediate", "Immediate (MRI within 24 h)", 24, 2),
        ("within_a_week", "Within a week (MRI within 7 days)", 168, 1),
        ("routine", "Routine", None, 1),
    ]

    # Cases per meeting: the cancelled March board is left out.
    assert [(m.title, m.status, m.on_agenda, m.discussed) for m in result.meetings] == [
        ("January board", MeetingStatus.CLOSED, 2, 2),
        ("February board", MeetingStatus.CLOSED, 2, 1),
    ]
    assert result.meetings[0].meeting_id == board.meetings["M1"]

    # Referral to MRI: A 01-01 -> 01-03 = 2; B MRI 2025-12-30 before its referral -> 0;
    # C 01-10 -> 01-12 = 2; D no dated MRI. Sorted 0, 2, 2: median 2, Q1 1, Q3 2.
    r = result.referral_to_mri
    assert (r.days.n, r.days.median, r.days.q1, r.days.q3) == (3, 2, 1, 2)
    assert (r.mri_before_referral, r.no_mri) == (1, 1)

    # MRI to decision: A 01-03 -> 01-06 = 3; B latest MR 01-05 -> 01-06 = 1;
    # C 01-12 -> 02-03 = 22 (the 03-01 MRI is after the decision); D none.
    # Sorted 1, 3, 22: median 3, Q1 2, Q3 12.5.
    m = result.mri_to_decision
    assert (m.days.n, m.days.median, m.days.q1, m.days.q3) == (3, 3, 2, 12.5)
    assert m.no_mri == 1

    # Decision to treatment: A 20 h, B 30 h (from v1, the first decision), C 168 h; D none.
    # Sorted 20, 30, 168: median 30, Q1 25, Q3 99.
    t = result.decision_to_treatment
    assert (t.hours.n, t.hours.median, t.hours.q1, t.hours.q3) == (3, 30, 25, 99)
    assert (t.started_before_decision, t.no_start) == (0, 1)
    assert (t.urgent_decided, t.urgent_with_start, t.urgent_within_target) == (2, 2, 1)
    assert t.urgent_share_within_target == 0.5
    (miss,) = t.urgent_misses
    assert (miss.pseudonym, miss.hours, miss.decided_at, miss.started_at) == (
        "TB-B",
        30,
        at(1, 6, 12),
        at(1, 7, 18),
    )

    # Completeness: A complete, B something missing, C not recorded (left out): 1 of 2.
    c = result.completeness
    assert (c.discussed, c.complete, c.incomplete, c.not_recorded) == (3, 1, 1, 1)
    assert c.share_complete == 0.5

    # Adherence: A as planned; B modified (its later "not started yet" does not count);
    # C not given; D nothing recorded.
    a = result.adherence
    assert (a.as_planned, a.modified, a.not_given, a.assessed) == (1, 1, 1, 3)
    assert a.share_as_planned == pytest.approx(1 / 3)
    assert [(d.pseudonym, d.adherence, d.done_on, d.reason) for d in a.deviations] == [
        ("TB-B", Adherence.MODIFIED, day(1, 15), FORMULA_REASON),
        ("TB-C", Adherence.NOT_GIVEN, day(2, 20), "Patient declined"),
    ]

    # Pain: latest per case: A partial, B complete (02-01 after progression 01-15),
    # C indeterminate. Response rate (1 + 1) / 3.
    p = result.pain
    assert p.count(PainResponse.COMPLETE) == 1
    assert p.count(PainResponse.PARTIAL) == 1
    assert p.count(PainResponse.PROGRESSION) == 0
    assert p.count(PainResponse.INDETERMINATE) == 1
    assert p.assessed == 3 and p.response_rate == pytest.approx(2 / 3)

    # Survival from the decision date: A died 54 days after 01-06; B 20 days after 01-06;
    # C alive, last contact 04-04 = 60 days after 02-03 (the scheduled one does not
    # count); D alive, no follow-up: censored at 0 days.
    # All: t=0 4 at risk, 1 censored, S=1; t=20 3 at risk, 1 death, S=2/3;
    #      t=54 2 at risk, 1 death, S=1/3 (median 54); t=60 1 at risk, censored.
    s = result.survival_overall
    assert (s.n, s.events, s.median_days) == (4, 2, 54)
    assert [(st.time, st.at_risk, st.events, st.censored) for st in s.steps] == [
        (0, 4, 0, 1),
        (20, 3, 1, 0),
        (54, 2, 1, 0),
        (60, 1, 0, 1),
    ]
    assert [st.survival for st in s.steps] == pytest.approx([1, 2 / 3, 1 / 3, 1 / 3])
    assert [(p.time, p.at_risk) for p in s.at_risk] == [
        (0, 4),
        (91, 0),
        (183, 0),
        (365, 0),
        (730, 0),
    ]
    # By band (B's band comes from its first finalized plan): under 6 months A and B:
    # t=20 S=1/2 (median 20), t=54 S=0. One year or more: C censored. Unknown: D.
    groups = {g.key: g for g in result.survival_by_band}
    assert list(groups) == ["under_6_months", "1_year_or_more", "unknown"]
    short = groups["under_6_months"]
    assert (short.n, short.events, short.median_days) == (2, 2, 20)
    assert [st.survival for st in short.steps] == pytest.approx([0.5, 0.0])
    assert (groups["1_year_or_more"].n, groups["1_year_or_more"].median_days) == (1, None)
    assert groups["unknown"].n == 1 and groups["unknown"].events == 0
    assert "not recorded" in groups["unknown"].label


def test_period_filter(db: Database, admin: Actor) -> None:
    build_board(db)
    result = board_analytics(db, admin, AnalyticsPeriod(day(2, 1), day(2, 28)))
    # Decisions in February: C and D. Meetings starting in February: M2. Referrals: none.
    assert result.cases_decided == 2 and result.cases_referred == 0
    assert [m.title for m in result.meetings] == ["February board"]
    assert result.referral_to_mri.days.n == 0 and result.referral_to_mri.days.median is None
    c = result.completeness
    assert (c.discussed, c.not_recorded, c.share_complete) == (1, 1, None)
    assert result.decision_to_treatment.urgent_decided == 0
    assert result.decision_to_treatment.urgent_share_within_target is None
    assert [x.cases for x in result.tiers] == [0, 0, 0]
    assert (result.adherence.not_given, result.adherence.assessed) == (1, 1)
    assert result.survival_overall.n == 2
    assert [g.key for g in result.survival_by_band] == ["1_year_or_more", "unknown"]

    # Both ends are inclusive: decisions on 01-06 count in a period ending that day.
    jan = board_analytics(db, admin, AnalyticsPeriod(end=day(1, 6)))
    assert jan.cases_decided == 2 and jan.decision_to_treatment.urgent_decided == 2
    assert jan.cases_referred == 2  # A and B were referred on or before 01-06
    assert [x.cases for x in jan.tiers] == [2, 0, 0]


def test_period_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="start date on or before the end date"):
        AnalyticsPeriod(dt.date(2026, 2, 1), dt.date(2026, 1, 31))


def test_empty_board(db: Database, admin: Actor) -> None:
    result = board_analytics(db, admin)
    assert result.meetings == () and result.cases_decided == 0
    assert result.survival_overall.n == 0 and result.survival_by_band == ()
    assert result.pain.response_rate is None and result.adherence.share_as_planned is None


def test_refused_without_the_permission(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every role has the permission today; take it away from radiologists to show the
    # service checks the table.
    assert PERMISSIONS[Action.ANALYTICS_VIEW] == frozenset(Role)
    monkeypatch.setitem(
        PERMISSIONS, Action.ANALYTICS_VIEW, PERMISSIONS[Action.ANALYTICS_VIEW] - {Role.RADIOLOGIST}
    )
    radiologist = Actor(None, "r", "R", Role.RADIOLOGIST)
    with pytest.raises(PermissionDeniedError, match="view the board analytics"):
        board_analytics(db, radiologist)


def _selects(db: Database, admin: Actor) -> list[str]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        board_analytics(db, admin)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_a_handful_of_queries_whatever_the_size(db: Database, admin: Actor) -> None:
    build_board(db)
    board_analytics(db, admin)  # computes the facts the triggers listed
    small = _selects(db, admin)
    with db.write() as session:
        for n in range(60):
            add_decided_case(session, f"TB-N{n}", at(3, 1 + n % 28, 9), Urgency.URGENT)
    board_analytics(db, admin)
    large = _selects(db, admin)
    # one statement per figure, never one per case: the same statements at any size
    assert large == small
    assert len(small) <= 16, small


def test_a_start_recorded_before_the_decision_counts_as_zero_hours(
    db: Database, admin: Actor
) -> None:
    board = build_board(db)
    with db.write() as session:  # C's start moved to the day before its decision (02-03)
        session.execute(
            update(FollowUp)
            .where(FollowUp.case_id == board.cases["C"], FollowUp.treatment_started_at.is_not(None))
            .values(treatment_started_at=at(2, 2, 9))
            .execution_options(synchronize_session=False)
        )
    t = board_analytics(db, admin).decision_to_treatment
    # Hours 20 (A), 30 (B), 0 (C, counted as 0): sorted 0, 20, 30 -> median 20.
    assert t.started_before_decision == 1
    assert (t.hours.n, t.hours.median, t.hours.q1, t.hours.q3) == (3, 20, 10, 25)


def test_a_start_recorded_on_any_follow_up_counts(db: Database, admin: Actor) -> None:
    board = build_board(db)
    with db.write() as session:  # D (decided 02-03 10:00): a start on a missed entry
        session.add(
            FollowUp(
                case_id=board.cases["D"],
                kind=FollowUpKind.VISIT,
                status=FollowUpStatus.MISSED,
                due_on=day(2, 10),
                treatment_started_at=at(2, 3, 20),
            )
        )
    result = board_analytics(db, admin)
    t = result.decision_to_treatment
    # Hours 10 (D), 20, 30, 168: median 25; D's survival is unchanged (a missed entry
    # is no contact).
    assert (t.no_start, t.hours.n, t.hours.median) == (0, 4, 25)
    assert [g.n for g in result.survival_by_band if g.key == "unknown"] == [1]
    assert result.survival_overall.steps[0].time == 0


def _done(
    case_id: int,
    done_on: dt.date | None,
    adherence: Adherence | None = None,
    pain: str | None = None,
    reason: str | None = None,
) -> FollowUp:
    return FollowUp(
        case_id=case_id,
        kind=FollowUpKind.VISIT,
        status=FollowUpStatus.DONE,
        due_on=done_on or day(6, 1),
        done_on=done_on,
        adherence=adherence,
        deviation_reason=reason,
        pain_response=pain,
    )


def test_the_latest_follow_up_is_the_latest_dated_then_the_last_entered(
    db: Database, admin: Actor
) -> None:
    with db.write() as session:
        dated = add_decided_case(session, "TB-DATED", at(1, 5, 10))
        undated = add_decided_case(session, "TB-UNDATED", at(1, 5, 11))
        # same date twice: the one entered last counts; an undated entry entered even
        # later does not outrank a dated one
        for entry in (
            _done(dated, day(2, 1), Adherence.NOT_GIVEN, "progression", "declined"),
            _done(dated, day(2, 1), Adherence.AS_PLANNED, "partial"),
            _done(dated, day(1, 20), Adherence.MODIFIED, "complete", "dose reduced"),
            _done(dated, None, Adherence.NOT_GIVEN, "indeterminate", "undated"),
            # only undated entries: the last entered counts
            _done(undated, None, Adherence.AS_PLANNED, "complete"),
            _done(undated, None, Adherence.MODIFIED, "partial", "fewer fractions"),
            # "not started yet" and an unknown pain text never count as the latest
            _done(undated, None, Adherence.NOT_STARTED, "worse"),
        ):
            session.add(entry)
    result = board_analytics(db, admin)
    a, p = result.adherence, result.pain
    assert (a.as_planned, a.modified, a.not_given) == (1, 1, 0)
    assert [(d.pseudonym, d.done_on, d.reason) for d in a.deviations] == [
        ("TB-UNDATED", None, "fewer fractions")
    ]
    assert (p.count(PainResponse.PARTIAL), p.assessed) == (2, 2)
    # last contact: the latest date of a done entry (02-01), 27 days after 01-05
    assert {(s.time, s.censored) for s in result.survival_overall.steps} == {(0, 1), (27, 1)}


def test_readiness_not_recorded_whether_stored_as_sql_null_or_json_null(
    db: Database, admin: Actor
) -> None:
    with db.write() as session:
        meeting = Meeting(starts_at=at(3, 3, 14), title="Board", status=MeetingStatus.CLOSED)
        session.add(meeting)
        session.flush()
        for position, missing in enumerate((null(), JSON.NULL, [], ["Pathology"], [], None)):
            case_id = add_decided_case(session, f"TB-R{position}", at(3, 3, 15))
            session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    case_id=case_id,
                    position=position,
                    discussed_at=at(3, 3, 14),
                    missing_at_discussion=missing,
                )
            )
    c = board_analytics(db, admin).completeness
    assert (c.discussed, c.complete, c.incomplete, c.not_recorded) == (6, 2, 1, 3)
    assert c.share_complete == pytest.approx(2 / 3)


def test_times_are_exact_to_the_microsecond(db: Database, admin: Actor) -> None:
    last_microsecond = dt.datetime(2026, 1, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC)
    with db.write() as session:
        on_target = add_decided_case(session, "TB-ON", last_microsecond, Urgency.URGENT)
        over = add_decided_case(session, "TB-OVER", at(1, 10, 8), Urgency.URGENT)
        for case_id, started in (
            (on_target, last_microsecond + dt.timedelta(hours=24)),  # exactly 24 h: on target
            (over, at(1, 11, 8) + dt.timedelta(microseconds=1)),  # 1 microsecond over
        ):
            entry = _done(case_id, day(3, 1))
            entry.treatment_started_at = started
            session.add(entry)
    # the decision at the last microsecond of 31 January is a January decision
    january = board_analytics(db, admin, AnalyticsPeriod(day(1, 1), day(1, 31)))
    assert january.cases_decided == 2
    assert board_analytics(db, admin, AnalyticsPeriod(start=day(2, 1))).cases_decided == 0
    t = january.decision_to_treatment
    assert (t.urgent_with_start, t.urgent_within_target) == (2, 1)
    (miss,) = t.urgent_misses
    assert miss.pseudonym == "TB-OVER"
    assert miss.hours == dt.timedelta(hours=24, microseconds=1).total_seconds() / 3600
    assert miss.started_at == at(1, 11, 8) + dt.timedelta(microseconds=1)
    assert miss.decided_at == at(1, 10, 8)
    assert t.hours.median == (24 + miss.hours) / 2


def test_a_death_recorded_before_the_decision_counts_as_day_zero(
    db: Database, admin: Actor
) -> None:
    with db.write() as session:
        case_id = add_decided_case(session, "TB-DEAD", at(2, 10, 9))
        case = session.get(Case, case_id)
        assert case is not None
        case.died_on = day(2, 1)
    s = board_analytics(db, admin).survival_overall
    assert (s.n, s.events, s.median_days) == (1, 1, 0)
    assert [(st.time, st.events) for st in s.steps] == [(0, 1)]


def test_lists_limited_to_the_most_recent_cases_count_them_all(db: Database, admin: Actor) -> None:
    build_board(db)
    with db.write() as session:  # two more urgent cases without a start: misses
        add_decided_case(session, "TB-U1", at(3, 1, 9), Urgency.URGENT)
        add_decided_case(session, "TB-U2", at(3, 2, 9), Urgency.URGENT)
    everything = board_analytics(db, admin, list_limit=None)
    t = everything.decision_to_treatment
    assert [m.pseudonym for m in t.urgent_misses] == ["TB-B", "TB-U1", "TB-U2"]
    assert (t.urgent_missed, t.misses_not_listed) == (3, 0)
    a = everything.adherence
    assert [d.pseudonym for d in a.deviations] == ["TB-B", "TB-C"]
    assert (a.deviation_count, a.deviations_not_listed) == (2, 0)

    limited = board_analytics(db, admin, list_limit=2)
    t = limited.decision_to_treatment
    # the most recent decisions, still oldest first; every count unchanged
    assert [m.pseudonym for m in t.urgent_misses] == ["TB-U1", "TB-U2"]
    assert (t.urgent_missed, t.misses_not_listed, t.urgent_decided) == (3, 1, 4)
    assert [d.pseudonym for d in limited.adherence.deviations] == ["TB-B", "TB-C"]
    none = board_analytics(db, admin, list_limit=0)
    assert none.adherence.deviations == () and none.adherence.deviations_not_listed == 2
    assert none.adherence.as_planned == everything.adherence.as_planned
    with pytest.raises(ValidationError, match="0 or more"):
        board_analytics(db, admin, list_limit=-1)
