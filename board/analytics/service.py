"""Board analytics: activity, timeliness, completeness, adherence and outcomes.

Every figure is computed from a handful of bulk queries in one read-only session.

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
  start recorded, how many started within 24 hours, and the list of urgent cases that
  missed the target or have no start recorded. The 24-hour target is for immediate
  cases only (NG234's first tier); cases within a week are counted, not measured.
- **Triage tiers**: cases referred in the period per NICE NG234 tier (their current
  urgency), with each tier's target: immediate (MRI within 24 hours), within a week
  (MRI within 7 days), routine.
- **Complete at the meeting**: of the agenda items discussed, those whose readiness list
  was empty when the board took the case up. Items where it was not recorded are
  counted separately and left out of the share.
- **Plan adherence**: per case with a decision, the latest done follow-up whose
  adherence is recorded and is not "not started yet": given as planned, given but
  modified, or not given; the share given as planned; every deviation with its reason.
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

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    Select,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from board.analytics.survival import AtRisk, KaplanMeier, KMStep, kaplan_meier_tallied
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.enums import Urgency
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    Case,
    FollowUp,
    ImagingStudy,
    Meeting,
    Patient,
    PlanVersion,
    utcnow,
)
from board.db.sqltime import (
    day_number,
    epoch_microseconds,
    from_day_number,
    from_epoch_microseconds,
    utc_date,
)
from board.errors import ValidationError
from board.followup.baseline import Baseline
from board.followup.enums import Adherence, FollowUpStatus
from board.meetings.enums import MeetingStatus
from board.plans.enums import PlanStatus
from board.scoring.pain import PainResponse
from board.scoring.tokuhashi import TokuhashiBand

#: the urgent cases' target from decision to treatment start
URGENT_TARGET_HOURS = 24.0
#: 0, 3, 6, 12 and 24 months, in days
AT_RISK_DAYS: tuple[int, ...] = (0, 91, 183, 365, 730)
#: survival group of plans without a recorded Tokuhashi band
UNKNOWN_BAND = "unknown"
MRI_MODALITY = "MR"

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
        Urgent cases over 24 hours or with no start recorded.
    """

    hours: Distribution
    started_before_decision: int
    no_start: int
    urgent_decided: int
    urgent_with_start: int
    urgent_within_target: int
    urgent_share_within_target: float | None
    urgent_misses: tuple[UrgentCaseMiss, ...]


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
        The modified and not-given cases with their reasons.
    """

    as_planned: int
    modified: int
    not_given: int
    assessed: int
    share_as_planned: float | None
    deviations: tuple[Deviation, ...]


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


# A case's latest follow-up with a value is found in one GROUP BY pass (no window, no
# second look-up): max() of one whole number per entry that sorts as "latest" does and
# carries what is needed, ((day + _DAY_OFFSET, or 0 undated) * _ID_SPAN + id) *
# _CODE_SPAN + the value's code; :func:`_unpack` takes it apart.
_ID_SPAN = 2**32
_DAY_OFFSET = 1_000_000
_CODE_SPAN = 8
_ADHERENCE_CODES = {a.value: code for code, a in enumerate(Adherence, start=1) if a.assessed}
_PAIN_CODES = {p.value: code for code, p in enumerate(PainResponse, start=1)}
_ADHERENCE_BY_CODE = {code: Adherence(value) for value, code in _ADHERENCE_CODES.items()}
_PAIN_BY_CODE = {code: PainResponse(value) for value, code in _PAIN_CODES.items()}
_DEVIATION_CODES = tuple(_ADHERENCE_CODES[a.value] for a in Adherence if a.is_deviation)
_URGENCIES = {u.value: u for u in Urgency}

# The statements below are built once per process for each shape of period (start
# given or not, end given or not) and run with the dates as parameters.
_START = bindparam("start", type_=Date)
_END = bindparam("end", type_=Date)


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


def _parameters(period: AnalyticsPeriod) -> dict[str, dt.date]:
    parameters = {"start": period.start, "end": period.end}
    return {name: day for name, day in parameters.items() if day is not None}


@cache
def _meetings_statement(
    has_start: bool, has_end: bool
) -> Select[int, dt.datetime, str, MeetingStatus, int, int, Any, Any]:
    discussed = AgendaItem.discussed_at.is_not(None)
    # the stored list as text: '[]' nothing missing; SQL NULL or JSON null not recorded
    missing = func.coalesce(cast(AgendaItem.missing_at_discussion, Text), "null")
    return (
        select(
            Meeting.id,
            Meeting.starts_at,
            Meeting.title,
            Meeting.status,
            func.count(AgendaItem.id),
            func.count(AgendaItem.discussed_at),
            func.sum(case((and_(discussed, missing == "[]"), 1), else_=0)),
            func.sum(case((and_(discussed, missing == "null"), 1), else_=0)),
        )
        .outerjoin(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            Meeting.status != MeetingStatus.CANCELLED,
            *_in_period(utc_date(Meeting.starts_at), has_start, has_end),
        )
        .group_by(Meeting.id, Meeting.starts_at, Meeting.title, Meeting.status)
        .order_by(Meeting.starts_at, Meeting.id)
    )


def _meetings(
    session: Session, period: AnalyticsPeriod
) -> tuple[tuple[MeetingCount, ...], Completeness]:
    """Cases per meeting and completeness at the meeting, one row per meeting."""
    statement = _meetings_statement(period.start is not None, period.end is not None)
    meetings: list[MeetingCount] = []
    complete = not_recorded = 0
    for mid, starts, title, status, on, done, nothing_missing, unrecorded in session.execute(
        statement, _parameters(period)
    ):
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


@cache
def _referrals_statement(has_start: bool, has_end: bool) -> Select[str, int, int]:
    first_mri = (
        select(ImagingStudy.case_id, func.min(ImagingStudy.study_date).label("first_mri"))
        .where(ImagingStudy.modality == MRI_MODALITY, ImagingStudy.study_date.is_not(None))
        .group_by(ImagingStudy.case_id)
        .subquery("first_mri")
    )
    referred_on = utc_date(Case.created_at)
    gap = (day_number(first_mri.c.first_mri) - day_number(referred_on)).label("gap")
    return (
        select(type_coerce(Case.urgency, String), gap, func.count())
        .outerjoin(first_mri, first_mri.c.case_id == Case.id)
        .where(*_in_period(referred_on, has_start, has_end))
        .group_by(Case.urgency, gap)
    )


def _referrals(session: Session, period: AnalyticsPeriod) -> _Referrals:
    """Cases referred in the period, grouped by urgency and days from referral to MRI."""
    statement = _referrals_statement(period.start is not None, period.end is not None)
    per_urgency = dict.fromkeys(Urgency, 0)
    days: list[int] = []
    before = no_mri = 0
    for urgency, days_to_mri, n in session.execute(statement, _parameters(period)):
        per_urgency[_URGENCIES[urgency]] += n
        if days_to_mri is None:
            no_mri += n
            continue
        if days_to_mri < 0:
            before += n
            days_to_mri = 0
        days.extend([days_to_mri] * n)
    return _Referrals(
        count=sum(per_urgency.values()),
        tiers=tuple(
            TierCount(u, per_urgency[u]) for u in sorted(Urgency, key=lambda u: -u.priority)
        ),
        to_mri=ReferralToMri(Distribution.of(days), before, no_mri),
    )


class _Decided(NamedTuple):
    """A case with a board decision in the period, reduced by the database to numbers.

    The urgency is its stored value (text).
    """

    case_id: int
    pseudonym: str
    urgency: str
    #: the stored Tokuhashi band text of the first finalized plan's baseline
    band_text: str | None
    #: the decision time, in :func:`~board.db.sqltime.epoch_microseconds`
    decided_us: int
    died: bool
    #: days from the decision date to death, or to the last contact alive (the latest
    #: done follow-up's date; the decision date when there is none); at least 0
    observed_days: int
    #: days from the latest MRI dated on or before the decision date to the decision
    #: date; ``None`` when there is no such MRI
    mri_days: int | None
    #: microseconds from the decision to the earliest treatment start recorded on any
    #: follow-up (negative when recorded before it); ``None`` when none is recorded
    start_after_us: int | None
    #: the latest done follow-up with adherence recorded (not "not started yet"), a
    #: :func:`_latest` number; its reason when it is a deviation
    adherence: int | None
    deviation_reason: str | None
    #: the latest done follow-up with a pain response, a :func:`_latest` number
    pain: int | None

    @property
    def decided_at(self) -> dt.datetime:
        """The decision time (UTC)."""
        return from_epoch_microseconds(self.decided_us)

    @property
    def started_at(self) -> dt.datetime | None:
        """The first treatment start (UTC), or ``None``."""
        if self.start_after_us is None:
            return None
        return from_epoch_microseconds(self.decided_us + self.start_after_us)


def _latest(
    condition: ColumnElement[bool], value: ColumnElement[str | None], codes: dict[str, int]
) -> ColumnElement[int]:
    """Per case, the packed number of the latest done follow-up with one of ``codes``.

    "Latest" orders the entries as the page reads them: undated before dated, then by
    date, then by entry (id). Both databases compute it in 64-bit integers (at most
    about 4e16).
    """
    dated = func.coalesce(day_number(FollowUp.done_on) + _DAY_OFFSET, 0)
    key = (dated * literal(_ID_SPAN, BigInteger) + FollowUp.id) * _CODE_SPAN + case(
        codes, value=value
    )
    return func.max(case((and_(condition, value.in_(codes)), key)))


def _unpack(key: int) -> tuple[int, int | None, int]:
    """A :func:`_latest` number as (code, day number or ``None`` when undated, id)."""
    rest, code = divmod(key, _CODE_SPAN)
    dated, entry_id = divmod(rest, _ID_SPAN)
    return code, (dated - _DAY_OFFSET if dated else None), entry_id


@cache
def _decided_statement(has_start: bool, has_end: bool) -> Select[Any]:
    ranked = (
        select(
            PlanVersion.case_id,
            PlanVersion.finalized_at,
            PlanVersion.baseline,
            func.row_number()
            .over(
                partition_by=PlanVersion.case_id,
                order_by=(PlanVersion.finalized_at, PlanVersion.id),
            )
            .label("rank"),
        )
        .where(
            PlanVersion.status.in_((PlanStatus.FINALIZED, PlanStatus.SUPERSEDED)),
            PlanVersion.finalized_at.is_not(None),
        )
        .subquery("ranked")
    )
    decided_on = utc_date(ranked.c.finalized_at)
    decision = (
        select(
            ranked.c.case_id,
            ranked.c.finalized_at.label("decided_at"),
            decided_on.label("decided_on"),
            # only the band is read from the baseline JSON, and only of the first plan
            ranked.c.baseline["tokuhashi_band"].as_string().label("band"),
        )
        .where(ranked.c.rank == 1, *_in_period(decided_on, has_start, has_end))
        .cte("decision")
    )
    done = FollowUp.status == FollowUpStatus.DONE
    follow_up = (
        select(
            FollowUp.case_id,
            func.min(FollowUp.treatment_started_at).label("started"),
            func.max(case((done, FollowUp.done_on))).label("last_contact"),
            _latest(done, type_coerce(FollowUp.adherence, String), _ADHERENCE_CODES).label(
                "adherence"
            ),
            _latest(done, type_coerce(FollowUp.pain_response, String), _PAIN_CODES).label("pain"),
        )
        .group_by(FollowUp.case_id)
        .subquery("follow_up")
    )
    last_mri = (
        select(ImagingStudy.case_id, func.max(ImagingStudy.study_date).label("last_mri"))
        .join(decision, decision.c.case_id == ImagingStudy.case_id)
        .where(
            ImagingStudy.modality == MRI_MODALITY,
            ImagingStudy.study_date <= decision.c.decided_on,
        )
        .group_by(ImagingStudy.case_id)
        .subquery("last_mri")
    )
    # the reason is looked up only for the (few) latest entries that are deviations
    reason_entry = aliased(FollowUp, name="reason_entry")
    reason = case(
        (
            (follow_up.c.adherence % _CODE_SPAN).in_(_DEVIATION_CODES),
            select(reason_entry.deviation_reason)
            .where(
                reason_entry.id
                == (follow_up.c.adherence // _CODE_SPAN) % literal(_ID_SPAN, BigInteger)
            )
            .scalar_subquery(),
        )
    )
    decided_day = day_number(decision.c.decided_on)
    died = Case.died_on.is_not(None)
    observed = case(
        (died, day_number(Case.died_on)),
        else_=func.coalesce(day_number(follow_up.c.last_contact), decided_day),
    )
    return (
        select(
            decision.c.case_id,
            Patient.pseudonym,
            type_coerce(Case.urgency, String),
            decision.c.band,
            epoch_microseconds(decision.c.decided_at),
            type_coerce(died, Boolean),
            case((observed < decided_day, 0), else_=observed - decided_day),
            decided_day - day_number(last_mri.c.last_mri),
            epoch_microseconds(follow_up.c.started) - epoch_microseconds(decision.c.decided_at),
            follow_up.c.adherence,
            reason,
            follow_up.c.pain,
        )
        .join(Case, Case.id == decision.c.case_id)
        .join(Patient, Patient.id == Case.patient_id)
        .outerjoin(follow_up, follow_up.c.case_id == decision.c.case_id)
        .outerjoin(last_mri, last_mri.c.case_id == decision.c.case_id)
    )


def _decided(session: Session, period: AnalyticsPeriod) -> list[_Decided]:
    """Every case whose decision lies in the period, oldest decision first."""
    statement = _decided_statement(period.start is not None, period.end is not None)
    rows = session.execute(statement, _parameters(period)).all()
    decided = [_Decided._make(row) for row in rows]
    decided.sort(key=lambda d: (d.decided_us, d.case_id))
    return decided


def _survival_group(key: str, label: str, tallies: Counter[tuple[float, bool]]) -> SurvivalGroup:
    km: KaplanMeier = kaplan_meier_tallied(tallies, std_errors=True)
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


def _mri_to_decision(decided: list[_Decided]) -> MriToDecision:
    days = [d.mri_days for d in decided if d.mri_days is not None]
    return MriToDecision(Distribution.of(days), len(decided) - len(days))


def _decision_to_treatment(decided: list[_Decided]) -> DecisionToTreatment:
    hours_all: list[float] = []
    before = no_start = urgent = with_start = within = 0
    misses: list[UrgentCaseMiss] = []
    urgent_value = Urgency.URGENT.value
    for d in decided:
        hours: float | None = None
        if d.start_after_us is None:
            no_start += 1
        else:
            # as timedelta.total_seconds() / 3600 computes it, to the same float
            hours = d.start_after_us / 10**6 / 3600
            if hours < 0:
                before += 1
                hours = 0.0
            hours_all.append(hours)
        if d.urgency != urgent_value:
            continue
        urgent += 1
        if hours is not None:
            with_start += 1
            if hours <= URGENT_TARGET_HOURS:
                within += 1
        if hours is None or hours > URGENT_TARGET_HOURS:
            misses.append(UrgentCaseMiss(d.case_id, d.pseudonym, d.decided_at, d.started_at, hours))
    return DecisionToTreatment(
        hours=Distribution.of(hours_all),
        started_before_decision=before,
        no_start=no_start,
        urgent_decided=urgent,
        urgent_with_start=with_start,
        urgent_within_target=within,
        urgent_share_within_target=_share(within, with_start),
        urgent_misses=tuple(misses),
    )


def _adherence(decided: list[_Decided]) -> AdherenceSummary:
    counts = dict.fromkeys(_ADHERENCE_BY_CODE.values(), 0)
    deviations: list[Deviation] = []
    for d in decided:
        if d.adherence is None:
            continue
        code, day, _ = _unpack(d.adherence)
        adherence = _ADHERENCE_BY_CODE[code]
        counts[adherence] += 1
        if adherence.is_deviation:
            done_on = None if day is None else from_day_number(day)
            deviations.append(
                Deviation(d.case_id, d.pseudonym, done_on, adherence, d.deviation_reason)
            )
    assessed = sum(counts.values())
    return AdherenceSummary(
        as_planned=counts[Adherence.AS_PLANNED],
        modified=counts[Adherence.MODIFIED],
        not_given=counts[Adherence.NOT_GIVEN],
        assessed=assessed,
        share_as_planned=_share(counts[Adherence.AS_PLANNED], assessed),
        deviations=tuple(deviations),
    )


def _pain(decided: list[_Decided]) -> PainSummary:
    recorded = Counter(d.pain % _CODE_SPAN for d in decided if d.pain is not None)
    counts = {p: recorded[code] for code, p in _PAIN_BY_CODE.items()}
    assessed = sum(counts.values())
    return PainSummary(
        counts=tuple(counts.items()),
        assessed=assessed,
        response_rate=_share(
            counts[PainResponse.COMPLETE] + counts[PainResponse.PARTIAL], assessed
        ),
    )


def _survival(decided: list[_Decided]) -> tuple[SurvivalGroup, tuple[SurvivalGroup, ...]]:
    # counted once per (stored band, days, death), then per band as the baseline reads it
    observed = Counter((d.band_text, d.observed_days, d.died) for d in decided)
    everyone: Counter[tuple[float, bool]] = Counter()
    by_band: dict[str, Counter[tuple[float, bool]]] = defaultdict(Counter)
    bands: dict[str | None, TokuhashiBand | None] = {}
    for (text, days, died), patients in observed.items():
        if text not in bands:  # read as the baseline does, once per stored value
            bands[text] = Baseline.from_dict({"tokuhashi_band": text}).tokuhashi_band
        band = bands[text]
        observation = (float(days), bool(died))
        everyone[observation] += patients
        by_band[UNKNOWN_BAND if band is None else band.value][observation] += patients
    order = [b.value for b in TokuhashiBand] + [UNKNOWN_BAND]
    return (
        _survival_group("all", band_label("all"), everyone),
        tuple(_survival_group(k, band_label(k), by_band[k]) for k in order if by_band.get(k)),
    )


def board_analytics(
    db: Database, actor: Actor, period: AnalyticsPeriod | None = None
) -> BoardAnalytics:
    """Compute every figure of the board analytics page (read-only).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who asks (needs the analytics permission).
    period:
        Optional date range (see the module docstring for what it filters).

    Returns
    -------
    BoardAnalytics
        The figures, defined in the module docstring.

    Raises
    ------
    PermissionDeniedError
        If the actor's role may not view the analytics.
    """
    require(actor, Action.ANALYTICS_VIEW)
    period = period or AnalyticsPeriod()
    with db.read() as session:
        meetings, completeness = _meetings(session, period)
        referrals = _referrals(session, period)
        decided = _decided(session, period)
    survival_overall, survival_by_band = _survival(decided)
    return BoardAnalytics(
        period=period,
        generated_at=utcnow(),
        cases_referred=referrals.count,
        cases_decided=len(decided),
        meetings=meetings,
        referral_to_mri=referrals.to_mri,
        mri_to_decision=_mri_to_decision(decided),
        decision_to_treatment=_decision_to_treatment(decided),
        completeness=completeness,
        adherence=_adherence(decided),
        pain=_pain(decided),
        survival_overall=survival_overall,
        survival_by_band=survival_by_band,
        tiers=referrals.tiers,
    )
