"""What case services take from pages and give back to them: frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from board.auth.roles import Role
from board.cases.enums import CaseStatus, NoteKind, Sex
from board.cases.redflags import PainFeature


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
    #: NICE NG234 spinal pain features (PainFeature values); ``None`` = not asked,
    #: empty = asked, none present
    pain_features: frozenset[PainFeature] | tuple[PainFeature | str, ...] | None = None
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
class PossibleDuplicate:
    """A case that may be the same patient as a new referral (shown before creating).

    Parameters
    ----------
    case_id, pseudonym, status:
        The existing case.
    primary_site_label, levels:
        Its primary cancer and involved levels, to tell the referrals apart.
    created_at:
        When it was registered.
    reasons:
        Why it may be the same patient ("same hospital number", "imaging of the same
        Patient ID").
    """

    case_id: int
    pseudonym: str
    status: CaseStatus
    primary_site_label: str
    levels: tuple[str, ...]
    created_at: dt.datetime
    reasons: tuple[str, ...]
