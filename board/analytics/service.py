"""Board analytics: activity, timeliness, completeness, adherence and outcomes.

Every figure is one aggregate query, in one read-only session, over the per-case and
per-meeting facts of :mod:`board.analytics.facts` (computed once per change of their
sources; the few listed as changed are computed first): the work hardly grows with the
board's history.

Definitions
-----------
- **Decision**: the earliest ``finalized_at`` of the case's plan versions (finalized or
  superseded); the decision date is its UTC date. Cases without one have no decision.
- **Cases per meeting**: every meeting that was not cancelled: date, title, status, cases
  on the agenda, and cases discussed (the agenda item has a discussion time).
- **Referral to MRI** (days): referral = the date the case was registered; MRI = the
  case's first MR study with a study date. An MRI dated before the referral counts as
  0 days and is also counted separately ("MRI before referral"); cases without an MRI
  are counted as "no MRI".
- **MRI to decision** (days): from the latest MR study dated on or before the decision
  date to the decision date.
- **Decision to treatment start** (hours): from the decision time to the earliest
  treatment start recorded on any follow-up of the case. A start recorded before the
  decision counts as 0 hours and is counted separately. Urgent cases (suspected cord
  compression) have a 24-hour target: of the urgent cases with a decision, those with a
  start recorded, how many started within 24 hours, and the urgent cases that missed
  the target or have no start recorded (counted; the page lists the most recent
  :data:`LISTED`, the exports every one). The 24-hour target is for immediate
  cases only (NG234's first tier); cases within a week are counted, not measured.
- **Triage tiers**: cases referred in the period per NICE NG234 tier (their current
  urgency), with each tier's target: immediate (MRI within 24 hours), within a week
  (MRI within 7 days), routine.
- **Complete at the meeting**: of the agenda items discussed, those whose readiness list
  was empty when the board took the case up. Items where it was not recorded are
  counted separately and left out of the share.
- **Plan adherence**: per case with a decision, the latest done follow-up whose
  adherence is recorded and is not "not started yet": given as planned, given but
  modified, or not given; the share given as planned; the deviations with their reasons
  (the page lists the most recent :data:`LISTED`, the exports every one).
- **Pain response** (International Bone Metastases Consensus categories): per case with
  a decision, the latest done follow-up with a pain response; response rate = (complete
  + partial) / all assessed.
- **Survival**: from the decision date to the date of death (a death dated before the
  decision counts as day 0); patients alive are censored at their last contact (the
  latest date of a done follow-up, or the decision date when there is none).
  Kaplan-Meier estimate per revised Tokuhashi band taken from the first
  finalized plan's baseline ("unknown" when the band was not recorded), with the number
  at risk at 0, 3, 6, 12 and 24 months, the median survival and deaths / patients.
- **Period** (optional): decision-based figures count cases whose decision date lies in
  the period, meetings and completeness count meetings starting in it, and referral to
  MRI counts cases referred in it. Both ends are inclusive.

Medians and quartiles use linear interpolation between the sorted values (the
"inclusive" method of :func:`statistics.quantiles`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from board.analytics.facts import (
    ADHERENCE_BY_CODE,
    DEVIATION_CODES,
    FACTS,
    MEETING_FACTS,
    PAIN_BY_CODE,
    refresh_analytics_facts,
)
from board.analytics.survival import AtRisk, KaplanMeier, KMStep, kaplan_meier_counts
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.enums import Urgency
from board.db.engine import Database
from board.db.models import (
    Meeting,
    utcnow,
)
from board.db.sqltime import EPOCH, from_day_number, from_epoch_microseconds, utc_date
from board.errors import ValidationError
from board.followup.baseline import Baseline
from board.followup.enums import Adherence
from board.meetings.enums import MeetingStatus
from board.scoring.pain import PainResponse
from board.scoring.tokuhashi import TokuhashiBand

#: the page lists this many of the most recent urgent misses and deviations (the
#: exports list every one; the counts always cover all)
LISTED = 100
#: the urgent cases' target from decision to treatment start
URGENT_TARGET_HOURS = 24.0
#: 0, 3, 6, 12 and 24 months, in days
AT_RISK_DAYS: tuple[int, ...] = (0, 91, 183, 365, 730)
#: survival group of plans without a recorded Tokuhashi band
UNKNOWN_BAND = "unknown"

#: One-line definitions shown under each table of the page (and in the README).
DEFINITIONS: dict[str, str] = {
    "meetings": (
        "Every meeting that was not cancelled, with the cases on its agenda and those "
        "discussed. The period filters meetings by their date."
    ),
    "referral_to_mri": (
        "Days from the referral (the date the case was registered) to the case's first "
        "MRI with a study date. An MRI dated before the referral counts as 0 days and is "
        "also counted separately. The period filters cases by referral date."
    ),
    "mri_to_decision": (
        "Days from the latest MRI dated on or before the board decision to the decision. "
        "The decision is the first time a plan of the case was finalized."
    ),
    "decision_to_treatment": (
        "Hours from the board decision to the first treatment start recorded at "
        "follow-up. Immediate cases (suspected cord compression) should start within 24 "
        "hours; cases with no start recorded are listed, not counted in the share."
    ),
    "tiers": (
        "Cases referred in the period per NICE NG234 triage tier (their current urgency), "
        "with the tier's MRI target."
    ),
    "completeness": (
        "Of the cases discussed, those with nothing missing from readiness when the board "
        "took them up. Cases where this was not recorded are left out of the share."
    ),
    "adherence": (
        "Per case with a decision, the latest follow-up that recorded adherence (not "
        "'not started yet'): given as planned, given but modified, or not given."
    ),
    "pain": (
        "Per case with a decision, the latest follow-up with a pain response "
        "(International Bone Metastases Consensus). Response rate = (complete + partial) "
        "/ all assessed."
    ),
    "survival": (
        "Kaplan-Meier estimate from the board decision date to death; patients alive are "
        "counted up to their last follow-up contact (or the decision date when there is "
        "none). Grouped by the revised Tokuhashi band recorded when the first plan was "
        "finalized. Number at risk: patients still followed at 0, 3, 6, 12 and 24 months."
    ),
}


@dataclass(frozen=True, slots=True)
class AnalyticsPeriod:
    """An optional date range; both ends inclusive, either may be open.

    Parameters
    ----------
    start:
        First day included, or ``None``.
    end:
        Last day included, or ``None``.

    Raises
    ------
    ValidationError
        If ``start`` is after ``end``.
    """

    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValidationError(
                f"The period starts on {self.start.isoformat()}, after it ends on "
                f"{self.end.isoformat()}: choose a start date on or before the end date.",
                "period",
            )

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` lies in the period."""
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def label(self) -> str:
        """Plain-English description ("all dates", "from 2026-01-01 to 2026-03-31")."""
        if self.start is None and self.end is None:
            return "all dates"
        parts = []
        if self.start is not None:
            parts.append(f"from {self.start.isoformat()}")
        if self.end is not None:
            parts.append(f"to {self.end.isoformat()}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Distribution:
    """Median and interquartile range of a set of durations.

    Parameters
    ----------
    n:
        Number of values.
    median, q1, q3:
        Median and quartiles; ``None`` when there are no values.
    """

    n: int
    median: float | None
    q1: float | None
    q3: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        """Summarise ``values`` (any order).

        Parameters
        ----------
        values:
            The durations.

        Returns
        -------
        Distribution
            Median and quartiles (linear interpolation), or only ``n=0``.
        """
        if not values:
            return cls(0, None, None, None)
        ordered = sorted(float(v) for v in values)
        if len(ordered) == 1:
            return cls(1, ordered[0], ordered[0], ordered[0])
        q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        return cls(len(ordered), median, q1, q3)

    @classmethod
    def of_sorted(cls, n: int, value_at: Callable[[int], float]) -> Distribution:
        """Summarise ``n`` values read by their position in sorted order.

        Reads at most six values (those the quartiles interpolate between) and gives
        exactly what :meth:`of` gives for the whole list.

        Parameters
        ----------
        n:
            Number of values.
        value_at:
            The value at a 0-based position of the values sorted ascending.

        Returns
        -------
        Distribution
            Median and quartiles (linear interpolation), or only ``n=0``.
        """
        if n == 0:
            return cls(0, None, None, None)
        read: dict[int, float] = {}

        def at(position: int) -> float:
            if position not in read:
                read[position] = float(value_at(position))
            return read[position]

        if n == 1:
            return cls(1, at(0), at(0), at(0))
        # statistics.quantiles(method="inclusive", n=4), term by term
        m = n - 1
        q1, median, q3 = (
            (at(j) * (4 - delta) + at(j + 1) * delta) / 4
            for j, delta in (divmod(i * m, 4) for i in (1, 2, 3))
        )
        return cls(n, median, q1, q3)

    @classmethod
    def of_counts(cls, counts: Mapping[float, int]) -> Distribution:
        """Summarise values given as value -> how many times it occurs.

        Parameters
        ----------
        counts:
            Each distinct value with its (positive) count.

        Returns
        -------
        Distribution
            Exactly what :meth:`of` gives for the values listed out.
        """
        values = sorted(v for v, c in counts.items() if c > 0)
        ends = list(itertools.accumulate(counts[v] for v in values))
        return cls.of_sorted(
            ends[-1] if ends else 0, lambda k: values[bisect.bisect_right(ends, k)]
        )


@dataclass(frozen=True, slots=True)
class MeetingCount:
    """One meeting's load.

    Parameters
    ----------
    meeting_id, starts_at, title, status:
        The meeting.
    on_agenda:
        Cases on its agenda.
    discussed:
        Cases discussed.
    """

    meeting_id: int
    starts_at: dt.datetime
    title: str
    status: MeetingStatus
    on_agenda: int
    discussed: int


def meeting_names(meetings: Sequence[MeetingCount]) -> tuple[str, ...]:
    """A name for each meeting that tells it apart from every other in ``meetings``.

    The title, with "(meeting <number>)" added when another meeting starts at the same
    time under the same title, so that two such meetings never merge into one row, bar
    or label.

    Parameters
    ----------
    meetings:
        The meetings, e.g. :attr:`BoardAnalytics.meetings`.

    Returns
    -------
    tuple[str, ...]
        One name per meeting, in the same order.
    """
    same = Counter((m.starts_at, m.title) for m in meetings)
    return tuple(
        f"{m.title} (meeting {m.meeting_id})" if same[m.starts_at, m.title] > 1 else m.title
        for m in meetings
    )


@dataclass(frozen=True, slots=True)
class ReferralToMri:
    """Days from referral to MRI.

    Parameters
    ----------
    days:
        The distribution (cases with an MRI).
    mri_before_referral:
        Cases whose first MRI is dated before the referral (counted as 0 days).
    no_mri:
        Referred cases without a dated MRI.
    """

    days: Distribution
    mri_before_referral: int
    no_mri: int


@dataclass(frozen=True, slots=True)
class MriToDecision:
    """Days from the latest MRI before the decision to the decision.

    Parameters
    ----------
    days:
        The distribution.
    no_mri:
        Cases with a decision but no MRI dated on or before it.
    """

    days: Distribution
    no_mri: int


TIER_NAMES: dict[Urgency, str] = {
    Urgency.URGENT: "immediate",
    Urgency.WITHIN_A_WEEK: "within_a_week",
    Urgency.ROUTINE: "routine",
}
"""The NICE NG234 tier name of each stored urgency."""


@dataclass(frozen=True, slots=True)
class TierCount:
    """Cases referred in the period in one NICE NG234 triage tier.

    Parameters
    ----------
    urgency:
        The tier, as the case stores it.
    cases:
        Cases referred in the period with this urgency.
    """

    urgency: Urgency
    cases: int

    @property
    def tier(self) -> str:
        """ "immediate", "within_a_week" or "routine"."""
        return TIER_NAMES[self.urgency]

    @property
    def label(self) -> str:
        """The tier with its target, e.g. "Immediate (MRI within 24 h)"."""
        return self.urgency.label

    @property
    def target_hours(self) -> int | None:
        """Hours to the MRI (24, 168), ``None`` when routine."""
        return self.urgency.target_hours


@dataclass(frozen=True, slots=True)
class UrgentCaseMiss:
    """An urgent case that missed the 24-hour target or has no start recorded.

    Parameters
    ----------
    case_id, pseudonym:
        The case.
    decided_at:
        The decision time.
    started_at:
        The treatment start, or ``None`` when not recorded.
    hours:
        Hours from decision to start, or ``None``.
    """

    case_id: int
    pseudonym: str
    decided_at: dt.datetime
    started_at: dt.datetime | None
    hours: float | None


@dataclass(frozen=True, slots=True)
class DecisionToTreatment:
    """Hours from the decision to the treatment start.

    Parameters
    ----------
    hours:
        The distribution (every case with a decision and a start).
    started_before_decision:
        Starts recorded before the decision (counted as 0 hours).
    no_start:
        Cases with a decision but no start recorded.
    urgent_decided:
        Urgent cases with a decision.
    urgent_with_start:
        Of these, those with a start recorded.
    urgent_within_target:
        Of these, those started within 24 hours.
    urgent_share_within_target:
        ``urgent_within_target / urgent_with_start``; ``None`` when no start is recorded.
    urgent_misses:
        Urgent cases over 24 hours or with no start recorded, oldest decision first: every
        one, or the most recent ones when the list was limited (see
        :func:`board_analytics`).
    urgent_missed:
        How many urgent cases are over 24 hours or have no start recorded (all of them,
        listed or not).
    """

    hours: Distribution
    started_before_decision: int
    no_start: int
    urgent_decided: int
    urgent_with_start: int
    urgent_within_target: int
    urgent_share_within_target: float | None
    urgent_misses: tuple[UrgentCaseMiss, ...]
    urgent_missed: int

    @property
    def misses_not_listed(self) -> int:
        """Urgent misses left out of :attr:`urgent_misses` by the list limit."""
        return self.urgent_missed - len(self.urgent_misses)


@dataclass(frozen=True, slots=True)
class Completeness:
    """Cases complete when the board took them up.

    Parameters
    ----------
    discussed:
        Agenda items discussed.
    complete:
        Nothing was missing.
    incomplete:
        Something was missing.
    not_recorded:
        Readiness at discussion was not recorded (left out of the share).
    share_complete:
        ``complete / (complete + incomplete)``; ``None`` when both are 0.
    """

    discussed: int
    complete: int
    incomplete: int
    not_recorded: int
    share_complete: float | None


@dataclass(frozen=True, slots=True)
class Deviation:
    """A treatment that departed from the plan.

    Parameters
    ----------
    case_id, pseudonym:
        The case.
    done_on:
        The follow-up's date.
    adherence:
        Modified or not given.
    reason:
        The recorded reason (text typed by a person).
    """

    case_id: int
    pseudonym: str
    done_on: dt.date | None
    adherence: Adherence
    reason: str | None


@dataclass(frozen=True, slots=True)
class AdherenceSummary:
    """Treatment given compared with the plan.

    Parameters
    ----------
    as_planned, modified, not_given:
        Cases per category.
    assessed:
        Cases with adherence recorded.
    share_as_planned:
        ``as_planned / assessed``; ``None`` when nothing is assessed.
    deviations:
        The modified and not-given cases with their reasons, oldest decision first: every
        one, or the most recent ones when the list was limited (see
        :func:`board_analytics`).
    """

    as_planned: int
    modified: int
    not_given: int
    assessed: int
    share_as_planned: float | None
    deviations: tuple[Deviation, ...]

    @property
    def deviation_count(self) -> int:
        """Every modified or not-given case, listed or not."""
        return self.modified + self.not_given

    @property
    def deviations_not_listed(self) -> int:
        """Deviations left out of :attr:`deviations` by the list limit."""
        return self.deviation_count - len(self.deviations)


@dataclass(frozen=True, slots=True)
class PainSummary:
    """Pain response categories.

    Parameters
    ----------
    counts:
        Cases per category, in the order of :class:`PainResponse`.
    assessed:
        Cases with a pain response.
    response_rate:
        ``(complete + partial) / assessed``; ``None`` when nothing is assessed.
    """

    counts: tuple[tuple[PainResponse, int], ...]
    assessed: int
    response_rate: float | None

    def count(self, category: PainResponse) -> int:
        """Cases in ``category``."""
        return dict(self.counts).get(category, 0)


@dataclass(frozen=True, slots=True)
class SurvivalGroup:
    """Survival of one group of patients.

    Parameters
    ----------
    key:
        The Tokuhashi band value, ``"unknown"`` or ``"all"``.
    label:
        Plain-English name.
    n, events:
        Patients and deaths.
    median_days:
        Median survival, ``None`` when not reached.
    steps:
        The Kaplan-Meier steps (with Greenwood standard errors).
    at_risk:
        The number at risk at 0, 3, 6, 12 and 24 months.
    """

    key: str
    label: str
    n: int
    events: int
    median_days: float | None
    steps: tuple[KMStep, ...]
    at_risk: tuple[AtRisk, ...]


@dataclass(frozen=True, slots=True)
class BoardAnalytics:
    """Every figure of the analytics page.

    Parameters
    ----------
    period:
        The period asked for.
    generated_at:
        When the figures were computed.
    cases_referred:
        Cases referred in the period.
    cases_decided:
        Cases with a decision in the period.
    meetings:
        Cases per meeting, oldest first.
    referral_to_mri, mri_to_decision, decision_to_treatment:
        Timeliness.
    completeness:
        Cases complete at the meeting.
    adherence:
        Plan adherence.
    pain:
        Pain response.
    survival_overall:
        Survival of every case with a decision.
    survival_by_band:
        Survival per Tokuhashi band (only bands with patients), then "unknown".
    tiers:
        Cases referred in the period per triage tier: immediate, within a week, routine.
    """

    period: AnalyticsPeriod
    generated_at: dt.datetime
    cases_referred: int
    cases_decided: int
    meetings: tuple[MeetingCount, ...]
    referral_to_mri: ReferralToMri
    mri_to_decision: MriToDecision
    decision_to_treatment: DecisionToTreatment
    completeness: Completeness
    adherence: AdherenceSummary
    pain: PainSummary
    survival_overall: SurvivalGroup
    survival_by_band: tuple[SurvivalGroup, ...]
    tiers: tuple[TierCount, ...] = ()


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


_URGENCIES = {u.value: u for u in Urgency}

# The statements below are built once per process for each shape of period (start
# given or not, end given or not) and run with the dates as parameters.
_START = bindparam("start", type_=Date)
_END = bindparam("end", type_=Date)
# the same dates as day numbers, for the day columns of the case facts
_START_DAY = bindparam("start_day", type_=Integer)
_END_DAY = bindparam("end_day", type_=Integer)


def _in_period(
    day: ColumnElement[dt.date], has_start: bool, has_end: bool
) -> list[ColumnElement[bool]]:
    """SQL conditions: ``day`` (a date expression) lies in the period."""
    conditions: list[ColumnElement[bool]] = []
    if has_start:
        conditions.append(day >= _START)
    if has_end:
        conditions.append(day <= _END)
    return conditions


def _days_in_period(
    day: ColumnElement[int | None], has_start: bool, has_end: bool
) -> list[ColumnElement[bool]]:
    """SQL conditions: ``day`` (a day-number column of the facts) lies in the period."""
    conditions: list[ColumnElement[bool]] = [day.is_not(None)]
    if has_start:
        conditions.append(day >= _START_DAY)
    if has_end:
        conditions.append(day <= _END_DAY)
    return conditions


def _parameters(period: AnalyticsPeriod) -> dict[str, dt.date | int]:
    parameters: dict[str, dt.date | int] = {}
    if period.start is not None:
        parameters.update(start=period.start, start_day=(period.start - EPOCH.date()).days)
    if period.end is not None:
        parameters.update(end=period.end, end_day=(period.end - EPOCH.date()).days)
    return parameters


@cache
def _meetings_statement(
    has_start: bool, has_end: bool
) -> Select[int, dt.datetime, str, MeetingStatus, int, int, int, int]:
    counts = MEETING_FACTS.c
    return (
        select(
            Meeting.id,
            Meeting.starts_at,
            Meeting.title,
            Meeting.status,
            func.coalesce(counts.on_agenda, 0),
            func.coalesce(counts.discussed, 0),
            func.coalesce(counts.complete, 0),
            func.coalesce(counts.not_recorded, 0),
        )
        .outerjoin(MEETING_FACTS, counts.meeting_id == Meeting.id)
        .where(
            Meeting.status != MeetingStatus.CANCELLED,
            *_in_period(utc_date(Meeting.starts_at), has_start, has_end),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )


def _meetings(
    session: Session, period: AnalyticsPeriod
) -> tuple[tuple[MeetingCount, ...], Completeness]:
    """Cases per meeting and completeness at the meeting, one row per meeting (the
    agenda counts come from the meeting facts)."""
    statement = _meetings_statement(period.start is not None, period.end is not None)
    meetings: list[MeetingCount] = []
    complete = not_recorded = 0
    for mid, starts, title, status, on, done, nothing_missing, unrecorded in session.execute(
        statement, _parameters(period)
    ).all():
        meetings.append(MeetingCount(mid, starts, title, MeetingStatus(status), int(on), int(done)))
        complete += int(nothing_missing or 0)
        not_recorded += int(unrecorded or 0)
    discussed = sum(m.discussed for m in meetings)
    incomplete = discussed - complete - not_recorded
    return tuple(meetings), Completeness(
        discussed=discussed,
        complete=complete,
        incomplete=incomplete,
        not_recorded=not_recorded,
        share_complete=_share(complete, complete + incomplete),
    )


@dataclass(frozen=True, slots=True)
class _Referrals:
    """Cases referred in the period: per urgency, and referral to MRI."""

    count: int
    tiers: tuple[TierCount, ...]
    to_mri: ReferralToMri


#: the case facts table (Core columns; the statements below aggregate it)
_FACTS = FACTS.c
_URGENT = Urgency.URGENT.value
#: the urgent cases' target in microseconds: ``us / 10**6 / 3600 <= 24.0`` exactly when
#: ``us <= _URGENT_TARGET_US`` (the division is monotonic and exact at the target)
_URGENT_TARGET_US = int(URGENT_TARGET_HOURS * 3600 * 10**6)


@cache
def _referrals_statement(has_start: bool, has_end: bool) -> Select[str, int | None, int]:
    return (
        select(_FACTS.urgency, _FACTS.first_mri_gap, func.count())
        .where(*_days_in_period(_FACTS.referred_day, has_start, has_end))
        .group_by(_FACTS.urgency, _FACTS.first_mri_gap)
    )


def _referrals(session: Session, period: AnalyticsPeriod) -> _Referrals:
    """Cases referred in the period, grouped by urgency and days from referral to MRI."""
    statement = _referrals_statement(period.start is not None, period.end is not None)
    per_urgency = dict.fromkeys(Urgency, 0)
    days: Counter[float] = Counter()
    before = no_mri = 0
    for urgency, days_to_mri, n in session.execute(statement, _parameters(period)).all():
        per_urgency[_URGENCIES[urgency]] += n
        if days_to_mri is None:
            no_mri += n
            continue
        if days_to_mri < 0:
            before += n
            days_to_mri = 0
        days[float(days_to_mri)] += n
    return _Referrals(
        count=sum(per_urgency.values()),
        tiers=tuple(
            TierCount(u, per_urgency[u]) for u in sorted(Urgency, key=lambda u: -u.priority)
        ),
        to_mri=ReferralToMri(Distribution.of_counts(days), before, no_mri),
    )


def _decided_in(has_start: bool, has_end: bool) -> list[ColumnElement[bool]]:
    """SQL conditions: the case has a decision and its date lies in the period."""
    return _days_in_period(_FACTS.decided_day, has_start, has_end)


@cache
def _grouped_statement(column: str, has_start: bool, has_end: bool) -> Select[Any, int]:
    """Cases with a decision in the period per value of one facts column."""
    return (
        select(_FACTS[column], func.count())
        .where(*_decided_in(has_start, has_end))
        .group_by(_FACTS[column])
    )


def _grouped(session: Session, column: str, period: AnalyticsPeriod) -> dict[Any, int]:
    statement = _grouped_statement(column, period.start is not None, period.end is not None)
    return {value: n for value, n in session.execute(statement, _parameters(period)).all()}


@cache
def _treatment_statement(
    has_start: bool, has_end: bool
) -> Select[int, int, int, int, int, int, int]:
    start = _FACTS.start_after_us
    urgent = _FACTS.urgency == _URGENT
    return select(
        func.count(),
        func.count(start),
        func.count(case((start < 0, 1))),
        func.count(case((urgent, 1))),
        func.count(case((and_(urgent, start.is_not(None)), 1))),
        func.count(case((and_(urgent, start <= _URGENT_TARGET_US), 1))),
        func.count(case((and_(urgent, _missed(start)), 1))),
    ).where(*_decided_in(has_start, has_end))


@cache
def _start_at_statement(has_start: bool, has_end: bool) -> Select[int]:
    """The start (microseconds after the decision) at sorted position ``position``."""
    return (
        select(_FACTS.start_after_us)
        .where(_FACTS.start_after_us.is_not(None), *_decided_in(has_start, has_end))
        .order_by(_FACTS.start_after_us)
        .limit(1)
        .offset(bindparam("position", type_=Integer))
    )


def _missed(start: ColumnElement[int | None]) -> ColumnElement[bool]:
    """SQL: a start over the urgent target, or none recorded."""
    return or_(start.is_(None), start > _URGENT_TARGET_US)


_LIMIT = bindparam("limit", type_=Integer)


def _listed(
    columns: Sequence[ColumnElement[Any]], conditions: Sequence[ColumnElement[bool]], limited: bool
) -> Select[Any]:
    """``columns`` of the cases meeting ``conditions`` in decision order; only the
    ``limit`` most recent when ``limited``. Those are found first from an index (the
    case ids alone), then only their rows are read."""
    chosen = list(conditions)
    if limited:
        newest = (
            select(_FACTS.case_id)
            .where(*conditions)
            .order_by(_FACTS.decided_us.desc(), _FACTS.case_id.desc())
            .limit(_LIMIT)
        )
        chosen = [_FACTS.case_id.in_(newest.scalar_subquery())]
    return select(*columns).where(*chosen).order_by(_FACTS.decided_us, _FACTS.case_id)


@cache
def _misses_statement(
    has_start: bool, has_end: bool, limited: bool
) -> Select[int, str, int, int | None]:
    start = _FACTS.start_after_us
    return _listed(
        (_FACTS.case_id, _FACTS.pseudonym, _FACTS.decided_us, start),
        (_FACTS.urgency == _URGENT, _missed(start), *_decided_in(has_start, has_end)),
        limited,
    )


def _hours(microseconds: int) -> float:
    """Hours from microseconds, as ``timedelta.total_seconds() / 3600`` computes them;
    a start recorded before the decision counts as 0 hours."""
    hours = microseconds / 10**6 / 3600
    return 0.0 if hours < 0 else hours


def _decision_to_treatment(
    session: Session, period: AnalyticsPeriod, limit: int | None
) -> DecisionToTreatment:
    shape = (period.start is not None, period.end is not None)
    parameters = _parameters(period)
    decided, started, before, urgent, with_start, within, missed = session.execute(
        _treatment_statement(*shape), parameters
    ).one()
    at = _start_at_statement(*shape)

    def hours_at(position: int) -> float:
        value = session.execute(at, {**parameters, "position": position}).scalar_one()
        return _hours(value)

    misses = tuple(
        UrgentCaseMiss(
            case_id,
            pseudonym,
            from_epoch_microseconds(decided_us),
            None if after is None else from_epoch_microseconds(decided_us + after),
            None if after is None else _hours(after),
        )
        for case_id, pseudonym, decided_us, after in session.execute(
            _misses_statement(*shape, limit is not None), {**parameters, "limit": limit}
        ).all()
    )
    return DecisionToTreatment(
        hours=Distribution.of_sorted(started, hours_at),
        started_before_decision=before,
        no_start=decided - started,
        urgent_decided=urgent,
        urgent_with_start=with_start,
        urgent_within_target=within,
        urgent_share_within_target=_share(within, with_start),
        urgent_misses=misses,
        urgent_missed=missed,
    )


def _mri_to_decision(session: Session, period: AnalyticsPeriod) -> tuple[int, MriToDecision]:
    """The number of cases with a decision in the period, and their MRI to decision."""
    per_days = _grouped(session, "mri_days", period)
    no_mri = per_days.pop(None, 0)
    days = Counter({float(d): n for d, n in per_days.items()})
    return no_mri + sum(days.values()), MriToDecision(Distribution.of_counts(days), no_mri)


@cache
def _deviations_statement(has_start: bool, has_end: bool, limited: bool) -> Select[Any]:
    return _listed(
        (
            _FACTS.case_id,
            _FACTS.pseudonym,
            _FACTS.adherence_day,
            _FACTS.adherence_code,
            _FACTS.deviation_reason,
        ),
        (_FACTS.adherence_code.in_(DEVIATION_CODES), *_decided_in(has_start, has_end)),
        limited,
    )


def _adherence(session: Session, period: AnalyticsPeriod, limit: int | None) -> AdherenceSummary:
    per_code = _grouped(session, "adherence_code", period)
    counts = {a: per_code.get(code, 0) for code, a in ADHERENCE_BY_CODE.items()}
    limited = limit is not None
    statement = _deviations_statement(period.start is not None, period.end is not None, limited)
    rows = session.execute(statement, {**_parameters(period), "limit": limit}).all()
    deviations = tuple(
        Deviation(
            case_id,
            pseudonym,
            None if day is None else from_day_number(day),
            ADHERENCE_BY_CODE[code],
            reason,
        )
        for case_id, pseudonym, day, code, reason in rows
    )
    assessed = sum(counts.values())
    return AdherenceSummary(
        as_planned=counts[Adherence.AS_PLANNED],
        modified=counts[Adherence.MODIFIED],
        not_given=counts[Adherence.NOT_GIVEN],
        assessed=assessed,
        share_as_planned=_share(counts[Adherence.AS_PLANNED], assessed),
        deviations=deviations,
    )


def _pain(session: Session, period: AnalyticsPeriod) -> PainSummary:
    per_code = _grouped(session, "pain_code", period)
    counts = {p: per_code.get(code, 0) for code, p in PAIN_BY_CODE.items()}
    assessed = sum(counts.values())
    return PainSummary(
        counts=tuple(counts.items()),
        assessed=assessed,
        response_rate=_share(
            counts[PainResponse.COMPLETE] + counts[PainResponse.PARTIAL], assessed
        ),
    )


@cache
def _survival_statement(has_start: bool, has_end: bool) -> Select[str | None, int, int, int]:
    """Per stored band and observed days: the deaths and the patients."""
    return (
        select(
            _FACTS.band,
            _FACTS.observed_days,
            func.count(case((_FACTS.died.is_(True), 1))),
            func.count(),
        )
        .where(*_decided_in(has_start, has_end))
        .group_by(_FACTS.band, _FACTS.observed_days)
    )


class _Counts(NamedTuple):
    """One survival group's deaths and censored patients per time (days)."""

    deaths: dict[float, int]
    censored: dict[float, int]


def _survival_group(key: str, label: str, counts: _Counts) -> SurvivalGroup:
    km: KaplanMeier = kaplan_meier_counts(counts.deaths, counts.censored, std_errors=True)
    return SurvivalGroup(
        key=key,
        label=label,
        n=km.n,
        events=km.events,
        median_days=km.median,
        steps=km.steps,
        at_risk=km.number_at_risk(AT_RISK_DAYS),
    )


def band_label(key: str) -> str:
    """Plain-English name of a survival group key.

    Parameters
    ----------
    key:
        A :class:`TokuhashiBand` value, ``"unknown"`` or ``"all"``.

    Returns
    -------
    str
        E.g. "Tokuhashi: predicted survival under 6 months".
    """
    if key == "all":
        return "All cases with a decision"
    if key == UNKNOWN_BAND:
        return "Tokuhashi band not recorded"
    return f"Tokuhashi: {TokuhashiBand(key).label}"


def _survival(
    session: Session, period: AnalyticsPeriod
) -> tuple[SurvivalGroup, tuple[SurvivalGroup, ...]]:
    statement = _survival_statement(period.start is not None, period.end is not None)
    everyone = _Counts({}, {})
    by_band: dict[str, _Counts] = {}
    groups: dict[str | None, _Counts] = {}
    # counted per (stored band, days), then per band as the baseline reads it (one pass
    # over a row per band and day, about 1,800 rows at 10,000 cases: kept tight)
    all_deaths, all_censored = everyone
    for text, days, deaths, patients in session.execute(statement, _parameters(period)).all():
        group = groups.get(text)
        if group is None:  # read as the baseline does, once per stored value
            band = Baseline.from_dict({"tokuhashi_band": text}).tokuhashi_band
            key = UNKNOWN_BAND if band is None else band.value
            group = groups[text] = by_band.setdefault(key, _Counts({}, {}))
        time = float(days)
        if deaths:
            group.deaths[time] = group.deaths.get(time, 0) + deaths
            all_deaths[time] = all_deaths.get(time, 0) + deaths
        if alive := patients - deaths:
            group.censored[time] = group.censored.get(time, 0) + alive
            all_censored[time] = all_censored.get(time, 0) + alive
    order = [b.value for b in TokuhashiBand] + [UNKNOWN_BAND]
    return (
        _survival_group("all", band_label("all"), everyone),
        tuple(_survival_group(k, band_label(k), by_band[k]) for k in order if k in by_band),
    )


def board_analytics(
    db: Database,
    actor: Actor,
    period: AnalyticsPeriod | None = None,
    *,
    list_limit: int | None = LISTED,
) -> BoardAnalytics:
    """Compute every figure of the board analytics page.

    First computes again the case facts the triggers listed as changed
    (:func:`~board.analytics.facts.refresh_analytics_facts`), then reads only those facts
    and the meetings: every figure is an aggregate made by the database, so the time
    hardly grows with the board's history.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who asks (needs the analytics permission).
    period:
        Optional date range (see the module docstring for what it filters).
    list_limit:
        How many urgent misses and deviations to list (the most recent ones); every
        figure still counts all of them. ``None`` lists every one (the exports).

    Returns
    -------
    BoardAnalytics
        The figures, defined in the module docstring.

    Raises
    ------
    PermissionDeniedError
        If the actor's role may not view the analytics.
    ValidationError
        If ``list_limit`` is negative.
    """
    require(actor, Action.ANALYTICS_VIEW)
    if list_limit is not None and list_limit < 0:
        raise ValidationError(
            f"The number of cases to list must be 0 or more, not {list_limit}.", "list_limit"
        )
    period = period or AnalyticsPeriod()
    refresh_analytics_facts(db)
    with db.read() as session:
        meetings, completeness = _meetings(session, period)
        referrals = _referrals(session, period)
        cases_decided, mri_to_decision = _mri_to_decision(session, period)
        decision_to_treatment = _decision_to_treatment(session, period, list_limit)
        adherence = _adherence(session, period, list_limit)
        pain = _pain(session, period)
        survival_overall, survival_by_band = _survival(session, period)
    return BoardAnalytics(
        period=period,
        generated_at=utcnow(),
        cases_referred=referrals.count,
        cases_decided=cases_decided,
        meetings=meetings,
        referral_to_mri=referrals.to_mri,
        mri_to_decision=mri_to_decision,
        decision_to_treatment=decision_to_treatment,
        completeness=completeness,
        adherence=adherence,
        pain=pain,
        survival_overall=survival_overall,
        survival_by_band=survival_by_band,
        tiers=referrals.tiers,
    )
