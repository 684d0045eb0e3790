"""Read-only overview of what is attached to a case (imaging, pathology, input, plans)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from board.audit.service import AuditEntry, case_history
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.db.engine import Database
from board.db.models import (
    Assessment,
    Biopsy,
    Case,
    ImagingSeries,
    ImagingStudy,
    PlanVersion,
)
from board.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class StudyLine:
    """One attached imaging study."""

    id: int
    study_date: dt.date | None
    modality: str
    description: str | None
    body_region: str | None
    source: str
    series_count: int


@dataclass(frozen=True, slots=True)
class BiopsyLine:
    """One biopsy."""

    id: int
    kind: str
    status: str
    performed_on: dt.date | None
    site: str | None
    histology: str | None


@dataclass(frozen=True, slots=True)
class InputLine:
    """Whether a role has contributed its assessment."""

    role: Role
    submitted_at: dt.datetime | None
    started: bool


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One plan version."""

    number: int
    status: str
    intent: str | None
    created_at: dt.datetime
    finalized_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """What is attached to a case, for the case page's tabs."""

    studies: tuple[StudyLine, ...]
    biopsies: tuple[BiopsyLine, ...]
    inputs: tuple[InputLine, ...]
    plans: tuple[PlanLine, ...]


def get_case_record(db: Database, actor: Actor, case_id: int) -> CaseRecord:
    """Studies, biopsies, role input and plan versions of a case.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        series_counts = (
            select(ImagingSeries.study_id, func.count().label("n"))
            .group_by(ImagingSeries.study_id)
            .subquery()
        )
        studies = tuple(
            StudyLine(
                s.id, s.study_date, s.modality, s.description, s.body_region, s.source, int(n or 0)
            )
            for s, n in session.execute(
                select(ImagingStudy, series_counts.c.n)
                .outerjoin(series_counts, series_counts.c.study_id == ImagingStudy.id)
                .where(ImagingStudy.case_id == case_id)
                .order_by(ImagingStudy.study_date.desc(), ImagingStudy.id)
            )
        )
        biopsies = tuple(
            BiopsyLine(b.id, b.kind.value, b.status.value, b.performed_on, b.site, b.histology)
            for b in session.scalars(
                select(Biopsy).where(Biopsy.case_id == case_id).order_by(Biopsy.id)
            )
        )
        assessments = {
            a.role: a
            for a in session.scalars(select(Assessment).where(Assessment.case_id == case_id))
        }
        inputs = tuple(
            InputLine(
                role,
                assessments[role].submitted_at if role in assessments else None,
                role in assessments,
            )
            for role in CONTRIBUTING_ROLES
        )
        plans = tuple(
            PlanLine(
                p.number,
                p.status.value,
                p.intent.value if p.intent else None,
                p.created_at,
                p.finalized_at,
            )
            for p in session.scalars(
                select(PlanVersion)
                .where(PlanVersion.case_id == case_id)
                .order_by(PlanVersion.number)
            )
        )
        return CaseRecord(studies, biopsies, inputs, plans)


def get_case_history(db: Database, actor: Actor, case_id: int) -> list[AuditEntry]:
    """The case's audit trail, newest first (see :func:`board.audit.service.case_history`)."""
    return case_history(db, actor, case_id)
