"""SQLAlchemy 2 typed ORM models for the whole tumor-board domain.

Conventions
-----------
- Times are stored as UTC (:class:`UTCDateTime` makes them timezone-aware on read,
  on SQLite too).
- Closed vocabularies are stored as their Enum *values* in VARCHAR columns
  (``native_enum=False``) so both databases and migrations stay simple.
- Editable rows carry ``version`` as SQLAlchemy's ``version_id_col`` (optimistic
  locking) plus ``updated_at``/``updated_by_id`` so a conflict can name who changed
  the row and when. Notes, audit events and sign-offs are append-only.
- Every foreign key is indexed, and so are the worklist's filter and sort columns.
- Pages never see these classes: services return frozen dataclasses.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from board.auth.roles import Role
from board.cases.enums import CaseStatus, NoteKind, Sex, Urgency
from board.followup.enums import Adherence, FollowUpKind, FollowUpStatus
from board.meetings.enums import AgendaTriage, MeetingStatus
from board.pathology.enums import BiopsyKind, BiopsyStatus
from board.plans.enums import PlanComponent, PlanIntent, PlanStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 40) -> Enum:
    """A VARCHAR column holding an Enum's values (not names)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Mixin for editable rows: optimistic locking and who/when of the last change."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


class User(Versioned, Base):
    """A person who uses the board. Passwords are argon2id hashes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    #: the person wants reminder e-mails (``python -m board notify``); off on their account page
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


# ---------------------------------------------------------------------------
# Patients and cases
# ---------------------------------------------------------------------------


class Patient(Base):
    """A patient named only by pseudonym (and optionally the hospital number)."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    hospital_number: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    age_at_referral: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex), default=Sex.UNKNOWN)
    #: keyed hash of the DICOM PatientID + issuer, set by the first imported study
    dicom_patient_key: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cases: Mapped[list[Case]] = relationship(back_populates="patient")


class Case(Versioned, Base):
    """A patient's referral to the board: presenting problem, status, urgency."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[CaseStatus] = mapped_column(
        enum_column(CaseStatus), default=CaseStatus.PREPARING, index=True
    )
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency), default=Urgency.ROUTINE)
    urgency_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: 2 = immediate, 1 = within a week, 0 = routine: the worklist sorts by
    #: (priority, created_at, id) descending
    priority: Mapped[int] = mapped_column(Integer, default=0)
    primary_site: Mapped[str] = mapped_column(String(40))
    histology: Mapped[str | None] = mapped_column(String(200))
    known_cancer: Mapped[bool] = mapped_column(Boolean, default=True)
    #: comma separated levels in anatomical order, for display ("T4,T5,L1")
    levels: Mapped[str] = mapped_column(String(200), default="")
    pain_score: Mapped[int | None] = mapped_column(Integer)
    pain_character: Mapped[str | None] = mapped_column(String(40))
    pain_new_or_worse: Mapped[bool | None] = mapped_column(Boolean)
    numbness: Mapped[bool | None] = mapped_column(Boolean)
    weakness: Mapped[bool | None] = mapped_column(Boolean)
    reflex_change: Mapped[bool | None] = mapped_column(Boolean)
    gait_disturbance: Mapped[bool | None] = mapped_column(Boolean)
    bladder_bowel_dysfunction: Mapped[bool | None] = mapped_column(Boolean)
    radicular_pain: Mapped[bool | None] = mapped_column(Boolean)
    #: NG234 spinal pain features (PainFeature values); ``None`` = not asked
    pain_features: Mapped[list[str] | None] = mapped_column(JSONType)
    symptom_onset: Mapped[dt.date | None] = mapped_column(Date)
    referral_question: Mapped[str] = mapped_column(Text, default="")
    referred_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: date of death, set by the follow-up entry that records it
    died_on: Mapped[dt.date | None] = mapped_column(Date)
    #: a follow-up asked the board to discuss the case again (cleared by the next plan)
    rediscussion_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rediscussion_reason: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship(back_populates="cases")
    lesions: Mapped[list[Lesion]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Lesion.level_index"
    )
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    __table_args__ = (
        Index("ix_cases_worklist_order", "priority", "created_at", "id"),
        Index("ix_cases_status_order", "status", "priority", "created_at", "id"),
    )


class Lesion(Versioned, Base):
    """One involved vertebral level of a case, with the radiologist's findings."""

    __tablename__ = "lesions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(3))
    level_index: Mapped[int] = mapped_column(Integer)
    #: radiology findings (lesion type, collapse, alignment, posterolateral, ESCC...);
    #: each key may hold "unknown"
    findings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    case: Mapped[Case] = relationship(back_populates="lesions")

    __table_args__ = (UniqueConstraint("case_id", "level", name="uq_lesions_case_level"),)


# ---------------------------------------------------------------------------
# Imaging and pathology
# ---------------------------------------------------------------------------


class ImagingStudy(Versioned, Base):
    """De-identified metadata of one imaging study attached to a case.

    Versioned: its date, modality and body region can be corrected by hand.
    """

    __tablename__ = "imaging_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    study_uid: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))  # upload, pacs, manual
    modality: Mapped[str] = mapped_column(String(16), index=True)
    study_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    description: Mapped[str | None] = mapped_column(String(200))
    body_region: Mapped[str | None] = mapped_column(String(20))
    report_text: Mapped[str | None] = mapped_column(Text)
    accession_hash: Mapped[str | None] = mapped_column(String(128))
    #: keyed hash of the DICOM PatientID + issuer (indexed: intake looks duplicates up)
    patient_key: Mapped[str | None] = mapped_column(String(128), index=True)
    identity_override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    series: Mapped[list[ImagingSeries]] = relationship(
        back_populates="study", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("case_id", "study_uid", name="uq_imaging_studies_case_study_uid"),
    )


class ImagingSeries(Base):
    """One series of a study: description, counts, hints and a small key image."""

    __tablename__ = "imaging_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(
        ForeignKey("imaging_studies.id", ondelete="CASCADE"), index=True
    )
    series_uid: Mapped[str] = mapped_column(String(64))
    modality: Mapped[str] = mapped_column(String(16))
    series_number: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(200))
    body_region: Mapped[str | None] = mapped_column(String(20))
    instance_count: Mapped[int] = mapped_column(Integer, default=0)
    sequence_hint: Mapped[str | None] = mapped_column(String(40))
    ct_kernel: Mapped[str | None] = mapped_column(String(64))
    radiopharmaceutical: Mapped[str | None] = mapped_column(String(120))
    thumbnail_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    thumbnail_note: Mapped[str | None] = mapped_column(String(200))

    study: Mapped[ImagingStudy] = relationship(back_populates="series")

    __table_args__ = (
        UniqueConstraint("study_id", "series_uid", name="uq_imaging_series_study_series_uid"),
    )


class ImagingInstance(Base):
    """SOP Instance UIDs already imported, so a repeated file is reported as duplicate."""

    __tablename__ = "imaging_instances"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("imaging_series.id", ondelete="CASCADE"), index=True
    )
    sop_uid: Mapped[str] = mapped_column(String(64))
    instance_number: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("series_id", "sop_uid", name="uq_imaging_instances_series_sop_uid"),
    )


class Biopsy(Versioned, Base):
    """A biopsy and its pathology result; pending until final."""

    __tablename__ = "biopsies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[BiopsyKind] = mapped_column(enum_column(BiopsyKind))
    status: Mapped[BiopsyStatus] = mapped_column(
        enum_column(BiopsyStatus), default=BiopsyStatus.PENDING, index=True
    )
    performed_on: Mapped[dt.date | None] = mapped_column(Date)
    site: Mapped[str | None] = mapped_column(String(120))
    #: vertebral level biopsied ("T7"), when the site is a vertebra
    level: Mapped[str | None] = mapped_column(String(3))
    histology: Mapped[str | None] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(40))
    markers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    pathologist: Mapped[str | None] = mapped_column(String(120))
    report_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


# ---------------------------------------------------------------------------
# Specialist input
# ---------------------------------------------------------------------------


class Assessment(Versioned, Base):
    """One role's structured assessment of a case (one row per case and role)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: set when the author marks the assessment complete for the meeting
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        UniqueConstraint("case_id", "role", name="uq_assessments_case_role"),
        Index("ix_assessments_role_submitted", "role", "submitted_at"),
    )


class Note(Base):
    """An append-only note on a case, with author, role and time."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(120))
    author_role: Mapped[Role] = mapped_column(enum_column(Role))
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind), default=NoteKind.PRE_MEETING)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoreResult(Base):
    """A stored score: algorithm id, inputs, result, author and time. Never rewritten."""

    __tablename__ = "score_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    algorithm_id: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(3))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    complete: Mapped[bool] = mapped_column(Boolean)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class HistologyClass(Versioned, Base):
    """Editable table of histology radiosensitivity for NOMS, with its citation."""

    __tablename__ = "histology_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    radiosensitivity: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


# ---------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------


class Meeting(Versioned, Base):
    """A scheduled board meeting."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    title: Mapped[str] = mapped_column(String(120), default="Spine tumor board")
    location: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    chair_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.SCHEDULED, index=True
    )
    required_roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: the calendar invitation's SEQUENCE: raised when the meeting is moved, its place,
    #: link or title change, or it is cancelled (the .ics keeps the same UID)
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )


class AgendaItem(Versioned, Base):
    """A case on a meeting's agenda."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    triage: Mapped[AgendaTriage] = mapped_column(
        enum_column(AgendaTriage), default=AgendaTriage.FULL_DISCUSSION
    )
    discussed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    discussion_seconds: Mapped[int] = mapped_column(Integer, default=0)
    #: when the per-case timer was last started; ``None`` while it is paused
    timer_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: readiness items still missing when the board took the case up (``None``: not
    #: recorded); the analytics count cases complete at the meeting from it
    missing_at_discussion: Mapped[list[str] | None] = mapped_column(JSONType)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")

    __table_args__ = (
        UniqueConstraint("meeting_id", "case_id", name="uq_agenda_items_meeting_case"),
    )


class MeetingInvitee(Base):
    """A person invited to a meeting ("All invited present" records them in their role)."""

    __tablename__ = "meeting_invitees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_invitees_meeting_user"),
    )


class Attendance(Base):
    """Who attended a meeting, in which role."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_attendance_meeting_user"),)


class MeetingPresenting(Base):
    """The case the chair presents now: one row per meeting, moved by the presenter.

    A row of its own, not columns of ``meetings``: the presenter moves every few
    minutes, and a versioned meeting row would then refuse any edit of the meeting
    made from a form opened before the move; it also avoids a foreign-key cycle
    between meetings and agenda items. Followers on any app server read it.
    """

    __tablename__ = "meeting_presenting"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    #: ``None`` once the presented case was taken off the agenda
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True
    )
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    presented_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class MeetingFollower(Base):
    """Someone following a meeting live (the follow view): when they joined, last seen.

    ``last_seen_at`` is refreshed by the follow view's poll; joining is audited once
    (when the row is made, or when someone returns after the presence window), not on
    every refresh.
    """

    __tablename__ = "meeting_followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_followers_meeting_user"),
    )


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


class PlanVersion(Versioned, Base):
    """One version of a case's consensus plan; finalized versions are immutable."""

    __tablename__ = "plan_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus), default=PlanStatus.DRAFT, index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    intent: Mapped[PlanIntent | None] = mapped_column(enum_column(PlanIntent))
    summary: Mapped[str] = mapped_column(Text, default="")
    noms_suggestion: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    acknowledged_warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: content revision: raised by every edit of the plan's content (not by signing or
    #: finalizing); a sign-off counts only for the revision it signed
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    finalized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finalized_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    report_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    report_html: Mapped[str | None] = mapped_column(Text)
    #: the outcome letter to the referring clinician, stored at finalization like the report
    letter_docx: Mapped[bytes | None] = mapped_column(LargeBinary)
    letter_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the report model and letter texts as finalized (board.reports.snapshot): the
    #: files above are rendered from it after the finalizing commit
    report_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: the patient's state when the plan was finalized (see board.followup.baseline):
    #: pain and opioid dose (the baseline of the pain response after radiation),
    #: performance and neurological status, and the revised Tokuhashi total and band
    baseline: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan_version", cascade="all, delete-orphan", order_by="PlanItem.position"
    )

    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_plan_versions_case_number"),)


class PlanItem(Base):
    """A component of a plan version (surgery, radiation, ...) with its details."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True
    )
    component: Mapped[PlanComponent] = mapped_column(enum_column(PlanComponent))
    option: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)

    plan_version: Mapped[PlanVersion] = relationship(back_populates="items")


class Dissent(Base):
    """A recorded dissent from the consensus plan, with its author."""

    __tablename__ = "dissents"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(120))
    author_role: Mapped[Role] = mapped_column(enum_column(Role))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignOff(Base):
    """A specialist's signature on a plan version. Append-only."""

    __tablename__ = "sign_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the plan's content ``revision`` that was signed: an edit after signing makes the
    #: signature stale (it stays on record, but no longer counts)
    plan_revision: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    __table_args__ = (
        UniqueConstraint(
            "plan_version_id", "user_id", "plan_revision", name="uq_sign_offs_plan_user_revision"
        ),
    )


class PlanTemplate(Versioned, Base):
    """A named set of plan components (and optionally an intent) applied in one click.

    ``components`` holds ``{"component", "option", "details"}`` mappings as the plan
    catalogue defines them; they are validated again each time the template is applied.
    A retired template stays on record but is no longer offered.
    """

    __tablename__ = "plan_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    intent: Mapped[PlanIntent | None] = mapped_column(enum_column(PlanIntent))
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class ActionItem(Versioned, Base):
    """A task from the plan with an owner and a due date; on the worklist until done."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_role: Mapped[Role | None] = mapped_column(enum_column(Role))
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


# ---------------------------------------------------------------------------
# Follow-up
# ---------------------------------------------------------------------------


class FollowUp(Versioned, Base):
    """A follow-up after the board: scheduled from the plan, or recorded at a contact.

    A row scheduled from the plan's follow-up schedule is *scheduled* with its due date;
    recording the contact fills in the findings and marks it *done*. A contact nobody
    scheduled is recorded directly as *done*.
    """

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[FollowUpKind] = mapped_column(enum_column(FollowUpKind))
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_column(FollowUpStatus), default=FollowUpStatus.SCHEDULED, index=True
    )
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    pain_score: Mapped[int | None] = mapped_column(Integer)
    omed_mg: Mapped[float | None] = mapped_column()
    #: baseline used for the pain response (from the plan), and the computed response
    baseline_pain: Mapped[int | None] = mapped_column(Integer)
    baseline_omed_mg: Mapped[float | None] = mapped_column()
    pain_response: Mapped[str | None] = mapped_column(String(20))
    ecog: Mapped[int | None] = mapped_column(Integer)
    karnofsky: Mapped[int | None] = mapped_column(Integer)
    frankel: Mapped[str | None] = mapped_column(String(1))
    asia: Mapped[str | None] = mapped_column(String(1))
    ambulatory: Mapped[bool | None] = mapped_column(Boolean)
    imaging_findings: Mapped[str | None] = mapped_column(Text)
    complications: Mapped[str | None] = mapped_column(Text)
    treatment_given: Mapped[str | None] = mapped_column(Text)
    adherence: Mapped[Adherence | None] = mapped_column(enum_column(Adherence))
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    #: when the planned treatment started (decision-to-treatment time)
    treatment_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rediscussion_requested: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    rediscussion_reason: Mapped[str | None] = mapped_column(Text)
    died_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (Index("ix_follow_ups_status_due", "status", "due_on"),)


class UserSession(Base):
    """A signed-in browser session: only hashes of its random tokens are stored.

    ``token_hash`` is the token the signed-in tab keeps on the server;
    ``cookie_hash`` the token in the browser's cookie (after the one-time hand-off).

    Ends when revoked (sign-out ends every session of the user), when idle longer than
    the configured idle time, or after the absolute lifetime.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cookie_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str | None] = mapped_column(String(255))


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------


class ReminderSent(Base):
    """One reminder e-mail sent (or being sent): the never-twice log of ``notify``.

    ``key`` names the reminder (kind, subject, recipient, and the date it is about);
    it is unique, so the same reminder can never be claimed, and so sent, twice.
    Append-only.
    """

    __tablename__ = "reminders_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# ---------------------------------------------------------------------------
# Installation settings
# ---------------------------------------------------------------------------


class AppSetting(Base):
    """A setting of the installation kept in the database (e.g. demo mode)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# ---------------------------------------------------------------------------
# Audit
# ---------------------------------------------------------------------------


class AuditEvent(Base):
    """One change, sign-in or export: who, in which role, when, what, before and after.

    Append-only: no service updates or deletes audit events.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_name: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)


# ---------------------------------------------------------------------------
# Derived data (kept by the database itself; never edited by a person)
# ---------------------------------------------------------------------------


class AnalyticsCaseFacts(Base):
    """One case's figures for the board analytics, worked out once per change.

    Each row holds what :mod:`board.analytics.service` counts for one case, reduced to
    numbers (days since 1970-01-01, microseconds since 1970-01-01 UTC, value codes), so
    the analytics page aggregates one narrow table instead of joining the case's plans,
    follow-ups and studies on every view. :mod:`board.analytics.facts` computes the rows;
    database triggers (migration 0013) list every case whose sources change in
    :class:`AnalyticsStaleCase`, and the next analytics view computes those again.
    The indexes are those of migration 0013: each aggregate reads one in order.
    """

    __tablename__ = "analytics_case_facts"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pseudonym: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(40))
    #: the referral (registration) date, as a day number
    referred_day: Mapped[int] = mapped_column(Integer)
    #: days from the referral to the first dated MRI (negative when dated before)
    first_mri_gap: Mapped[int | None] = mapped_column(Integer)
    #: the decision (first finalized plan): its date as a day number and its time in
    #: microseconds since 1970-01-01 UTC; ``None`` without a decision
    decided_day: Mapped[int | None] = mapped_column(Integer)
    decided_us: Mapped[int | None] = mapped_column(BigInteger)
    #: the stored Tokuhashi band text of the first finalized plan's baseline
    band: Mapped[str | None] = mapped_column(String(40))
    died: Mapped[bool | None] = mapped_column(Boolean)
    #: days from the decision date to death or to the last contact alive (at least 0)
    observed_days: Mapped[int | None] = mapped_column(Integer)
    #: days from the latest MRI dated on or before the decision date to the decision date
    mri_days: Mapped[int | None] = mapped_column(Integer)
    #: microseconds from the decision to the first treatment start recorded
    start_after_us: Mapped[int | None] = mapped_column(BigInteger)
    #: the latest done follow-up with adherence recorded: its code, date and reason
    adherence_code: Mapped[int | None] = mapped_column(Integer)
    adherence_day: Mapped[int | None] = mapped_column(Integer)
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    #: the latest done follow-up with a pain response: its code
    pain_code: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_analytics_case_facts_referred", "urgency", "first_mri_gap", "referred_day"),
        Index(
            "ix_analytics_case_facts_decided",
            "decided_day",
            "urgency",
            "start_after_us",
            "decided_us",
            "case_id",
        ),
        Index("ix_analytics_case_facts_start", "start_after_us", "decided_day"),
        Index("ix_analytics_case_facts_mri", "mri_days", "decided_day"),
        Index(
            "ix_analytics_case_facts_adherence",
            "adherence_code",
            "decided_day",
            "decided_us",
            "case_id",
        ),
        Index("ix_analytics_case_facts_pain", "pain_code", "decided_day"),
        Index("ix_analytics_case_facts_survival", "band", "observed_days", "died", "decided_day"),
    )


class AnalyticsMeetingFacts(Base):
    """One meeting's agenda counts for the board analytics, worked out once per change.

    Kept like :class:`AnalyticsCaseFacts`: triggers on the agenda (migration 0013) list
    the meeting in :class:`AnalyticsStaleMeeting`. A meeting without agenda items has
    no row.
    """

    __tablename__ = "analytics_meeting_facts"

    meeting_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: cases on the agenda, and those discussed
    on_agenda: Mapped[int] = mapped_column(Integer)
    discussed: Mapped[int] = mapped_column(Integer)
    #: discussed with nothing missing, and discussed with readiness not recorded
    complete: Mapped[int] = mapped_column(Integer)
    not_recorded: Mapped[int] = mapped_column(Integer)


class AnalyticsStaleMeeting(Base):
    """A meeting whose :class:`AnalyticsMeetingFacts` row must be worked out again.

    Written only by database triggers and removed by the refresh that computes it.
    """

    __tablename__ = "analytics_stale_meetings"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(Integer)


class AnalyticsStaleCase(Base):
    """A case whose :class:`AnalyticsCaseFacts` row must be worked out again.

    Written only by database triggers (one row per change; the same case may be listed
    more than once) and removed by the refresh that computes the case again.
    """

    __tablename__ = "analytics_stale_cases"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)


#: Tables the database keeps from the others (triggers list what changed, the analytics
#: compute it again): never backed up, and rebuilt from the data after a restore.
DERIVED_TABLES = frozenset(
    {
        AnalyticsCaseFacts.__tablename__,
        AnalyticsMeetingFacts.__tablename__,
        AnalyticsStaleCase.__tablename__,
        AnalyticsStaleMeeting.__tablename__,
    }
)
