"""Value objects of follow-up: what a person enters, and what pages get back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from board.cases.enums import CaseStatus
from board.followup.baseline import Baseline
from board.followup.enums import Adherence, DueState, FollowUpKind, FollowUpStatus
from board.scoring.pain import PainResponse


@dataclass(frozen=True, slots=True)
class FollowUpInput:
    """A follow-up contact as entered; ``None`` means not assessed at this contact.

    Parameters
    ----------
    contact_on:
        Date of the contact (not in the future).
    kind:
        Clinic visit, imaging or laboratory tests.
    pain_score:
        Worst pain at the treated site, numeric rating scale 0-10.
    omed_mg:
        Daily opioid dose as oral morphine equivalent, mg (0 when no opioid).
    ecog, karnofsky:
        Performance status (ECOG 0-4 for a living patient; Karnofsky 0-100 in tens).
    frankel, asia:
        Neurological grade, A-E.
    ambulatory:
        Whether the patient walks (with or without aid).
    imaging_findings:
        New imaging and what it showed.
    complications:
        Complications of treatment or disease.
    treatment_given:
        The treatment actually given, in words.
    adherence:
        Treatment given compared with the plan; a deviation needs ``deviation_reason``.
    deviation_reason:
        Why the treatment departed from the plan.
    treatment_started_at:
        When the planned treatment started (for the decision-to-treatment time).
    rediscussion_requested:
        Put the case back on the next board's agenda; needs ``rediscussion_reason``.
    rediscussion_reason:
        What the board should discuss.
    died_on:
        Date of death, when this contact records it.
    notes:
        Free text.
    """

    contact_on: dt.date | None
    kind: FollowUpKind = FollowUpKind.VISIT
    pain_score: int | None = None
    omed_mg: float | None = None
    ecog: int | None = None
    karnofsky: int | None = None
    frankel: str | None = None
    asia: str | None = None
    ambulatory: bool | None = None
    imaging_findings: str | None = None
    complications: str | None = None
    treatment_given: str | None = None
    adherence: Adherence | None = None
    deviation_reason: str | None = None
    treatment_started_at: dt.datetime | None = None
    rediscussion_requested: bool = False
    rediscussion_reason: str | None = None
    died_on: dt.date | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUpView:
    """A follow-up row: scheduled, or recorded with its findings."""

    id: int
    version: int
    case_id: int
    kind: FollowUpKind
    status: FollowUpStatus
    due_on: dt.date
    done_on: dt.date | None
    due_state: DueState | None
    plan_number: int | None
    pain_score: int | None
    omed_mg: float | None
    baseline_pain: int | None
    baseline_omed_mg: float | None
    pain_response: PainResponse | None
    pain_response_text: str
    ecog: int | None
    karnofsky: int | None
    frankel: str | None
    asia: str | None
    ambulatory: bool | None
    imaging_findings: str | None
    complications: str | None
    treatment_given: str | None
    adherence: Adherence | None
    deviation_reason: str | None
    treatment_started_at: dt.datetime | None
    rediscussion_requested: bool
    rediscussion_reason: str | None
    died_on: dt.date | None
    notes: str | None
    recorded_at: dt.datetime | None
    recorded_by: str | None

    @property
    def date(self) -> dt.date:
        """The contact date when done, else the due date."""
        return self.done_on or self.due_on

    def to_input(self) -> FollowUpInput:
        """The entry as an input, to prefill a correction."""
        return FollowUpInput(
            contact_on=self.done_on,
            kind=self.kind,
            pain_score=self.pain_score,
            omed_mg=self.omed_mg,
            ecog=self.ecog,
            karnofsky=self.karnofsky,
            frankel=self.frankel,
            asia=self.asia,
            ambulatory=self.ambulatory,
            imaging_findings=self.imaging_findings,
            complications=self.complications,
            treatment_given=self.treatment_given,
            adherence=self.adherence,
            deviation_reason=self.deviation_reason,
            treatment_started_at=self.treatment_started_at,
            rediscussion_requested=self.rediscussion_requested,
            rediscussion_reason=self.rediscussion_reason,
            died_on=self.died_on,
            notes=self.notes,
        )


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One dated event of a case's course.

    Parameters
    ----------
    on:
        The date.
    kind:
        ``referral``, ``imaging``, ``meeting``, ``decision``, ``treatment``,
        ``follow_up``, ``rediscussion`` or ``death``.
    label:
        What happened, in plain words.
    """

    on: dt.date
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class FollowUpBoard:
    """Everything the Follow-up tab shows for a case."""

    case_id: int
    pseudonym: str
    case_status: CaseStatus
    case_version: int
    referred_on: dt.date
    decision_at: dt.datetime | None
    plan_id: int | None
    plan_number: int | None
    planned: tuple[str, ...]
    plan_has_radiation: bool
    baseline: Baseline
    entries: tuple[FollowUpView, ...]
    scheduled: tuple[FollowUpView, ...]
    timeline: tuple[TimelineEvent, ...]
    died_on: dt.date | None
    rediscussion_requested_at: dt.datetime | None
    rediscussion_reason: str | None
    can_record: bool
    cannot_record_reason: str | None
