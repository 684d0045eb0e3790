"""What case services take from pages and give back to them: frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from board.auth.roles import Role
from board.cases.enums import CaseStatus, NoteKind, Sex, Urgency
from board.cases.readiness import Readiness


@dataclass(frozen=True, slots=True)
class CaseInput:
    """The fields of the new-case form (also used to edit a case).

    Every field is validated by :func:`board.cases.service.validate_case_input`; a
    symptom left as ``None`` means "unknown".
    """

    primary_site: str
    levels: tuple[str, ...] | str
    histology: str | None = None
    hospital_number: str | None = None
    age: int | None = None
    birth_year: int | None = None
    sex: Sex = Sex.UNKNOWN
    known_cancer: bool = True
    pain_score: int | None = None
    pain_character: str | None = None
    pain_new_or_worse: bool | None = None
    numbness: bool | None = None
    weakness: bool | None = None
    reflex_change: bool | None = None
    gait_disturbance: bool | None = None
    bladder_bowel_dysfunction: bool | None = None
    radicular_pain: bool | None = None
    symptom_onset: dt.date | None = None
    referral_question: str = ""
    referred_by: str | None = None


@dataclass(frozen=True, slots=True)
class NoteView:
    """An append-only note."""

    id: int
    author_name: str
    author_role: Role
    kind: NoteKind
    body: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class NextMeeting:
    """The next meeting a case is on the agenda of."""

    meeting_id: int
    starts_at: dt.datetime
    title: str


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """Everything the case summary shows."""

    id: int
    version: int
    pseudonym: str
    hospital_number: str | None
    age: int | None
    birth_year: int | None
    sex: Sex
    primary_site: str
    primary_site_label: str
    histology: str | None
    known_cancer: bool
    levels: tuple[str, ...]
    status: CaseStatus
    urgency: Urgency
    urgency_reasons: tuple[str, ...]
    pain_score: int | None
    pain_character: str | None
    pain_new_or_worse: bool | None
    numbness: bool | None
    weakness: bool | None
    reflex_change: bool | None
    gait_disturbance: bool | None
    bladder_bowel_dysfunction: bool | None
    radicular_pain: bool | None
    symptom_onset: dt.date | None
    referral_question: str
    referred_by: str | None
    created_at: dt.datetime
    created_by: str | None
    updated_at: dt.datetime
    updated_by: str | None
    readiness: Readiness
    next_meeting: NextMeeting | None
    notes: tuple[NoteView, ...] = field(default_factory=tuple)
    open_action_items: int = 0

    def as_input(self) -> CaseInput:
        """The editable fields, as the form holds them."""
        return CaseInput(
            primary_site=self.primary_site,
            levels=self.levels,
            histology=self.histology,
            hospital_number=self.hospital_number,
            age=self.age,
            birth_year=self.birth_year,
            sex=self.sex,
            known_cancer=self.known_cancer,
            pain_score=self.pain_score,
            pain_character=self.pain_character,
            pain_new_or_worse=self.pain_new_or_worse,
            numbness=self.numbness,
            weakness=self.weakness,
            reflex_change=self.reflex_change,
            gait_disturbance=self.gait_disturbance,
            bladder_bowel_dysfunction=self.bladder_bowel_dysfunction,
            radicular_pain=self.radicular_pain,
            symptom_onset=self.symptom_onset,
            referral_question=self.referral_question,
            referred_by=self.referred_by,
        )
