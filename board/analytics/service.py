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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from board.analytics.survival import AtRisk, KaplanMeier, KMStep, kaplan_meier
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


@dataclass(slots=True)
class _Case:
    id: int
    pseudonym: str
    referred_on: dt.date
    urgency: Urgency
    died_on: dt.date | None
    decided_at: dt.datetime | None = None
    #: the stored Tokuhashi band text of the first finalized plan's baseline
    band_text: str | None = None


def _meetings(session: Session, period: AnalyticsPeriod) -> tuple[MeetingCount, ...]:
    discussed = func.count(AgendaItem.discussed_at)
    rows = session.execute(
        select(
            Meeting.id,
            Meeting.starts_at,
            Meeting.title,
            Meeting.status,
            func.count(AgendaItem.id),
            discussed,
        )
        .outerjoin(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(Meeting.status != MeetingStatus.CANCELLED)
        .group_by(Meeting.id, Meeting.starts_at, Meeting.title, Meeting.status)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    return tuple(
        MeetingCount(mid, starts, title, MeetingStatus(status), int(on), int(done))
        for mid, starts, title, status, on, done in rows
        if period.contains(starts.date())
    )


def _completeness(session: Session, period: AnalyticsPeriod) -> Completeness:
    rows = session.execute(
        select(Meeting.starts_at, AgendaItem.missing_at_discussion)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.discussed_at.is_not(None), Meeting.status != MeetingStatus.CANCELLED)
    ).all()
    complete = incomplete = not_recorded = 0
    for starts_at, missing in rows:
        if not period.contains(starts_at.date()):
            continue
        if missing is None:
            not_recorded += 1
        elif missing:
            incomplete += 1
        else:
            complete += 1
    return Completeness(
        discussed=complete + incomplete + not_recorded,
        complete=complete,
        incomplete=incomplete,
        not_recorded=not_recorded,
        share_complete=_share(complete, complete + incomplete),
    )


def _load_cases(session: Session) -> dict[int, _Case]:
    cases = {
        cid: _Case(cid, pseudonym, created_at.date(), Urgency(urgency), died_on)
        for cid, pseudonym, created_at, urgency, died_on in session.execute(
            select(Case.id, Patient.pseudonym, Case.created_at, Case.urgency, Case.died_on).join(
                Patient, Patient.id == Case.patient_id
            )
        )
    }
    plans = session.execute(
        # only the band is read from the baseline JSON (decoding whole snapshots of
        # thousands of plans costs more than the rest of the row)
        select(
            PlanVersion.case_id,
            PlanVersion.finalized_at,
            PlanVersion.baseline["tokuhashi_band"].as_string(),
        )
        .where(
            PlanVersion.status.in_((PlanStatus.FINALIZED, PlanStatus.SUPERSEDED)),
            PlanVersion.finalized_at.is_not(None),
        )
        .order_by(PlanVersion.case_id, PlanVersion.finalized_at, PlanVersion.id)
    )
    for case_id, finalized_at, band in plans:
        case = cases.get(case_id)
        if case is not None and case.decided_at is None:
            case.decided_at = finalized_at
            case.band_text = band
    return cases


def _mri_dates(session: Session) -> dict[int, list[dt.date]]:
    dates: dict[int, list[dt.date]] = defaultdict(list)
    for case_id, day in session.execute(
        select(ImagingStudy.case_id, ImagingStudy.study_date)
        .where(ImagingStudy.modality == MRI_MODALITY, ImagingStudy.study_date.is_not(None))
        .order_by(ImagingStudy.case_id, ImagingStudy.study_date)
    ):
        if day is not None:  # excluded by the query; keeps the type checker informed
            dates[case_id].append(day)
    return dates


@dataclass(slots=True)
class _FollowUpFacts:
    treatment_started_at: dt.datetime | None = None
    last_contact: dt.date | None = None
    adherence: tuple[dt.date | None, Adherence, str | None] | None = None
    pain: PainResponse | None = None


@dataclass(frozen=True, slots=True)
class _Decided:
    """A case with a board decision in the period, with its follow-up facts."""

    case: _Case
    decided_at: dt.datetime
    facts: _FollowUpFacts

    @property
    def decided_on(self) -> dt.date:
        """The decision's UTC date."""
        return self.decided_at.date()


def _follow_up_facts(session: Session) -> dict[int, _FollowUpFacts]:
    facts: dict[int, _FollowUpFacts] = defaultdict(_FollowUpFacts)
    rows = session.execute(
        select(
            FollowUp.case_id,
            FollowUp.status,
            FollowUp.done_on,
            FollowUp.treatment_started_at,
            FollowUp.adherence,
            FollowUp.deviation_reason,
            FollowUp.pain_response,
        )
        # scheduled, missed and cancelled entries matter only for a treatment start
        .where(
            or_(
                FollowUp.status == FollowUpStatus.DONE,
                FollowUp.treatment_started_at.is_not(None),
            )
        )
        .order_by(
            FollowUp.case_id,
            FollowUp.done_on.is_(None).desc(),  # undated first, so dated ones come later
            FollowUp.done_on,
            FollowUp.id,
        )
    )
    pain_values = {p.value: p for p in PainResponse}
    for case_id, status, done_on, started, adherence, reason, pain in rows:
        fact = facts[case_id]
        if started is not None and (
            fact.treatment_started_at is None or started < fact.treatment_started_at
        ):
            fact.treatment_started_at = started
        if status != FollowUpStatus.DONE:
            continue
        if done_on is not None:
            fact.last_contact = done_on
        if adherence is not None and Adherence(adherence) is not Adherence.NOT_STARTED:
            fact.adherence = (done_on, Adherence(adherence), reason)
        if pain in pain_values:
            fact.pain = pain_values[pain]
    return facts


def _survival_group(key: str, label: str, data: list[tuple[float, bool]]) -> SurvivalGroup:
    km: KaplanMeier = kaplan_meier(data, std_errors=True)
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


def _referral_to_mri(referred: list[_Case], mri: dict[int, list[dt.date]]) -> ReferralToMri:
    days: list[float] = []
    before = no_mri = 0
    for case in referred:
        dates = mri.get(case.id)
        if not dates:
            no_mri += 1
            continue
        gap = (dates[0] - case.referred_on).days
        if gap < 0:
            before += 1
            gap = 0
        days.append(gap)
    return ReferralToMri(Distribution.of(days), before, no_mri)


def _mri_to_decision(decided: list[_Decided], mri: dict[int, list[dt.date]]) -> MriToDecision:
    days: list[float] = []
    no_mri = 0
    for d in decided:
        before = [day for day in mri.get(d.case.id, []) if day <= d.decided_on]
        if before:
            days.append((d.decided_on - before[-1]).days)
        else:
            no_mri += 1
    return MriToDecision(Distribution.of(days), no_mri)


def _decision_to_treatment(decided: list[_Decided]) -> DecisionToTreatment:
    hours_all: list[float] = []
    before = no_start = urgent = with_start = within = 0
    misses: list[UrgentCaseMiss] = []
    for d in decided:
        started = d.facts.treatment_started_at
        hours: float | None = None
        if started is None:
            no_start += 1
        else:
            hours = (started - d.decided_at).total_seconds() / 3600
            if hours < 0:
                before += 1
                hours = 0.0
            hours_all.append(hours)
        if d.case.urgency is not Urgency.URGENT:
            continue
        urgent += 1
        if hours is not None:
            with_start += 1
            if hours <= URGENT_TARGET_HOURS:
                within += 1
        if hours is None or hours > URGENT_TARGET_HOURS:
            misses.append(UrgentCaseMiss(d.case.id, d.case.pseudonym, d.decided_at, started, hours))
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
    counts = dict.fromkeys((Adherence.AS_PLANNED, Adherence.MODIFIED, Adherence.NOT_GIVEN), 0)
    deviations: list[Deviation] = []
    for d in decided:
        if d.facts.adherence is None:
            continue
        done_on, adherence, reason = d.facts.adherence
        counts[adherence] += 1
        if adherence.is_deviation:
            deviations.append(Deviation(d.case.id, d.case.pseudonym, done_on, adherence, reason))
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
    counts = dict.fromkeys(PainResponse, 0)
    for d in decided:
        if d.facts.pain is not None:
            counts[d.facts.pain] += 1
    assessed = sum(counts.values())
    return PainSummary(
        counts=tuple(counts.items()),
        assessed=assessed,
        response_rate=_share(
            counts[PainResponse.COMPLETE] + counts[PainResponse.PARTIAL], assessed
        ),
    )


def _survival(decided: list[_Decided]) -> tuple[SurvivalGroup, tuple[SurvivalGroup, ...]]:
    everyone: list[tuple[float, bool]] = []
    by_band: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    bands: dict[str | None, TokuhashiBand | None] = {}
    for d in decided:
        if d.case.died_on is not None:
            observation = (float(max((d.case.died_on - d.decided_on).days, 0)), True)
        else:
            last = d.facts.last_contact or d.decided_on
            observation = (float(max((last - d.decided_on).days, 0)), False)
        everyone.append(observation)
        text = d.case.band_text
        if text not in bands:  # read as the baseline does, once per stored value
            bands[text] = Baseline.from_dict({"tokuhashi_band": text}).tokuhashi_band
        band = bands[text]
        by_band[UNKNOWN_BAND if band is None else band.value].append(observation)
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
        meetings = _meetings(session, period)
        completeness = _completeness(session, period)
        cases = _load_cases(session)
        mri = _mri_dates(session)
        follow_ups = _follow_up_facts(session)
    referred = [c for c in cases.values() if period.contains(c.referred_on)]
    decided = sorted(
        (
            _Decided(c, c.decided_at, follow_ups.get(c.id) or _FollowUpFacts())
            for c in cases.values()
            if c.decided_at is not None and period.contains(c.decided_at.date())
        ),
        key=lambda d: (d.decided_at, d.case.id),
    )
    survival_overall, survival_by_band = _survival(decided)
    return BoardAnalytics(
        period=period,
        generated_at=utcnow(),
        cases_referred=len(referred),
        cases_decided=len(decided),
        meetings=meetings,
        referral_to_mri=_referral_to_mri(referred, mri),
        mri_to_decision=_mri_to_decision(decided, mri),
        decision_to_treatment=_decision_to_treatment(decided),
        completeness=completeness,
        adherence=_adherence(decided),
        pain=_pain(decided),
        survival_overall=survival_overall,
        survival_by_band=survival_by_band,
        tiers=tuple(
            TierCount(u, sum(1 for c in referred if c.urgency is u))
            for u in sorted(Urgency, key=lambda u: -u.priority)
        ),
    )
