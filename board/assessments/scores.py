"""Deriving a case's scores from its typed forms, and recording score snapshots.

The case read model (:mod:`board.cases.read_model`) derives the scores the case page,
presenter, plan and report show, through :func:`derivation_input` and
:func:`~board.assessments.derive.derive_scores`; :func:`record_case_scores` stores a
snapshot of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.accounts.users import display_names
from board.assessments.derive import CaseScores, DerivationInput, derive_scores
from board.assessments.service import SavedForms, saved_forms
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import Case, HistologyClass, User
from board.db.models import ScoreResult as StoredScore
from board.errors import NotFoundError
from board.scoring.escc import EsccInputs, calculate_escc
from board.scoring.noms import (
    DEFAULT_HISTOLOGY_TABLE,
    HISTOLOGY_TABLES,
    HistologyRow,
    Radiosensitivity,
)


def histology_tables(session: Session) -> Mapping[str, Sequence[HistologyRow]]:
    """NOMS histology tables, with the administrator's edited table when there is one.

    Parameters
    ----------
    session:
        An open session.

    Returns
    -------
    Mapping[str, Sequence[HistologyRow]]
        The built-in tables; the default one replaced by the stored rows if any exist.
    """
    rows = session.scalars(select(HistologyClass).order_by(HistologyClass.key)).all()
    if not rows:
        return HISTOLOGY_TABLES
    table: list[HistologyRow] = []
    for row in rows:
        try:
            sensitivity = Radiosensitivity(row.radiosensitivity)
        except ValueError:
            continue
        table.append(HistologyRow(row.key, row.label, sensitivity, row.source))
    tables = dict(HISTOLOGY_TABLES)
    tables[DEFAULT_HISTOLOGY_TABLE] = tuple(table)
    return tables


def derivation_input(
    session: Session,
    case: Case,
    saved: SavedForms | None = None,
    names: Mapping[int, str] | None = None,
) -> DerivationInput:
    """Gather what :func:`~board.assessments.derive.derive_scores` needs for a case.

    Parameters
    ----------
    session:
        An open session.
    case:
        The case (with its lesions).
    saved:
        The case's typed forms when the caller has read them already
        (:func:`~board.assessments.service.saved_forms`); read here otherwise.
    names:
        Display names by user id covering the forms' authors, when the caller has them;
        looked up here otherwise.

    Returns
    -------
    DerivationInput
        The forms (unreadable stored data counts as blank), their authors and the case's
        facts.
    """
    if saved is None:
        saved = saved_forms(session, [case.id])[case.id]
    if names is None:
        names = display_names(session, saved.authors.values())
    authors = {
        role: names[user_id]
        for role, user_id in saved.authors.items()
        if role in saved.forms and user_id in names
    }
    return DerivationInput(
        primary_site=case.primary_site,
        levels=tuple(lv for lv in case.levels.split(",") if lv),
        pain_score=case.pain_score,
        pain_character=case.pain_character,
        lesion_findings={lesion.level: dict(lesion.findings or {}) for lesion in case.lesions},
        forms=saved.forms,
        authors=authors,
        histology_tables=histology_tables(session),
    )


def load_case_scores(session: Session, case_id: int) -> CaseScores:
    """A case's derived scores, inside an open session (for other services).

    Parameters
    ----------
    session:
        An open session.
    case_id:
        The case.

    Returns
    -------
    CaseScores
        The scores.

    Raises
    ------
    NotFoundError
        If there is no such case.
    """
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    return derive_scores(derivation_input(session, case))


@dataclass(frozen=True, slots=True)
class RecordedScore:
    """A score stored as it was computed: algorithm id, inputs, result, author, time."""

    id: int
    algorithm_id: str
    level: str | None
    summary: str
    complete: bool
    inputs: dict[str, Any]
    computed_at: dt.datetime
    computed_by: str | None


def record_case_scores(db: Database, actor: Actor, case_id: int) -> tuple[RecordedScore, ...]:
    """Store a snapshot of a case's current scores (e.g. as discussed at the meeting).

    Every score is stored with its algorithm id, inputs, result, author and time; later
    recomputation makes new rows and never rewrites these.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who records (needs permission to edit cases).
    case_id:
        The case.

    Returns
    -------
    tuple[RecordedScore, ...]
        The stored rows of this snapshot.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not edit cases.
    """
    require(actor, Action.CASE_EDIT)
    with db.write() as session:
        scores = load_case_scores(session, case_id)
        results: list[tuple[str | None, Any]] = [
            (lesion.level, lesion.sins) for lesion in scores.lesions
        ]
        results.append((None, calculate_escc(EsccInputs(grade=scores.escc))))
        for result in (scores.noms, scores.tokuhashi, scores.tomita):
            if result is not None:
                results.append((None, result))
        rows: list[StoredScore] = []
        for level, result in results:
            stored = result.to_dict()
            row = StoredScore(
                case_id=case_id,
                algorithm_id=result.algorithm_id,
                level=level,
                inputs=stored["inputs"],
                result=stored["result"],
                complete=result.complete,
                computed_by_id=actor.user_id,
            )
            session.add(row)
            rows.append(row)
        session.flush()
        record(
            session,
            actor,
            "scores.record",
            "case",
            case_id,
            case_id=case_id,
            after={"scores": [f"{r.algorithm_id} {r.level or ''}".strip() for r in rows]},
        )
        names = {actor.user_id: actor.display_name} if actor.user_id else {}
        return tuple(_recorded(row, names) for row in rows)


def _recorded(row: StoredScore, names: Mapping[int, str]) -> RecordedScore:
    return RecordedScore(
        id=row.id,
        algorithm_id=row.algorithm_id,
        level=row.level,
        summary=str((row.result or {}).get("summary", "")),
        complete=row.complete,
        inputs=dict(row.inputs or {}),
        computed_at=row.computed_at,
        computed_by=names.get(row.computed_by_id) if row.computed_by_id else None,
    )


def list_recorded_scores(
    db: Database, actor: Actor, case_id: int, limit: int = 200
) -> tuple[RecordedScore, ...]:
    """A case's stored score snapshots, newest first.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking (needs permission to view cases).
    case_id:
        The case.
    limit:
        At most this many rows.

    Returns
    -------
    tuple[RecordedScore, ...]
        The stored scores, exactly as they were computed.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        rows = session.scalars(
            select(StoredScore)
            .where(StoredScore.case_id == case_id)
            .order_by(StoredScore.computed_at.desc(), StoredScore.id)
            .limit(limit)
        ).all()
        ids = {r.computed_by_id for r in rows if r.computed_by_id}
        names: dict[int, str] = {}
        if ids:
            names = dict(
                session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
            )
        return tuple(_recorded(row, names) for row in rows)
