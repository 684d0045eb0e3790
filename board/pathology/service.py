"""Pathology services: a case's biopsies and their results, versioned and audited.

Recording needs :attr:`~board.auth.permissions.Action.PATHOLOGY_EDIT` (pathologist,
medical oncologist, coordinator); everyone who may view cases reads them. A pending
biopsy counts as missing histology in readiness; a final one needs its histology.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.accounts.users import display_names
from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.levels import VertebralLevel
from board.db.engine import Database
from board.db.models import Biopsy, Case, User, utcnow
from board.errors import ConflictError, NotFoundError, ValidationError
from board.pathology.enums import BiopsyKind, BiopsyStatus

#: Markers offered first in the form (any other key may be typed).
COMMON_MARKERS: tuple[str, ...] = ("ER", "PR", "HER2", "PSA", "PD-L1", "EGFR", "ALK", "Ki-67")
MAX_MARKERS = 40
MAX_REPORT = 50_000

_FIELDS = (
    "kind",
    "status",
    "performed_on",
    "site",
    "level",
    "histology",
    "grade",
    "markers",
    "pathologist",
    "report_text",
)


@dataclass(frozen=True, slots=True)
class BiopsyInput:
    """The biopsy form; text fields may be empty (unknown).

    Parameters
    ----------
    kind:
        Core needle, fine needle or open.
    status:
        Pending or final.
    performed_on:
        Date of the biopsy.
    site:
        Where it was taken (free text, e.g. "T7 vertebral body").
    level:
        The vertebral level, when the site is a vertebra ("T7").
    histology, grade:
        The result.
    markers:
        Marker name -> result, e.g. ``{"ER": "positive 90%", "HER2": "0"}``.
    pathologist:
        Who reported it.
    report_text:
        The report, as plain text.
    """

    kind: BiopsyKind
    status: BiopsyStatus = BiopsyStatus.PENDING
    performed_on: dt.date | None = None
    site: str | None = None
    level: str | None = None
    histology: str | None = None
    grade: str | None = None
    markers: Mapping[str, str] = field(default_factory=dict)
    pathologist: str | None = None
    report_text: str | None = None


@dataclass(frozen=True, slots=True)
class BiopsyView:
    """One stored biopsy, as pages see it."""

    id: int
    case_id: int
    version: int
    kind: BiopsyKind
    status: BiopsyStatus
    performed_on: dt.date | None
    site: str | None
    level: str | None
    histology: str | None
    grade: str | None
    markers: tuple[tuple[str, str], ...]
    pathologist: str | None
    report_text: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str | None

    def as_input(self) -> BiopsyInput:
        """The stored values as a form, for editing."""
        return BiopsyInput(
            kind=self.kind,
            status=self.status,
            performed_on=self.performed_on,
            site=self.site,
            level=self.level,
            histology=self.histology,
            grade=self.grade,
            markers=dict(self.markers),
            pathologist=self.pathologist,
            report_text=self.report_text,
        )


def _text(value: str | None, key: str, label: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text.", field=key)
    text = value.strip()
    if len(text) > limit:
        raise ValidationError(
            f"{label} is too long: at most {limit} characters, got {len(text)}.", field=key
        )
    return text or None


def validate_biopsy(data: BiopsyInput, today: dt.date) -> dict[str, Any]:
    """Check the biopsy form and turn it into column values.

    Parameters
    ----------
    data:
        The form.
    today:
        Reference date (a biopsy cannot be in the future).

    Returns
    -------
    dict[str, Any]
        Column values.

    Raises
    ------
    ValidationError
        Naming the first field that is not as expected.
    """
    try:
        kind = BiopsyKind(data.kind)
    except ValueError:
        raise ValidationError(
            "Biopsy type must be core needle, fine needle or open.", field="kind"
        ) from None
    try:
        status = BiopsyStatus(data.status)
    except ValueError:
        raise ValidationError("Status must be pending or final.", field="status") from None
    if data.performed_on is not None and data.performed_on > today:
        raise ValidationError("The biopsy date cannot be in the future.", field="performed_on")
    level = None
    if data.level is not None and data.level.strip():
        level = str(VertebralLevel.parse(data.level))
    markers: dict[str, str] = {}
    if len(data.markers) > MAX_MARKERS:
        raise ValidationError(f"At most {MAX_MARKERS} markers.", field="markers")
    for raw_key, raw_value in data.markers.items():
        key = _text(str(raw_key), "markers", "Marker name", 40)
        if key is None:
            raise ValidationError("Every marker needs a name (e.g. ER, HER2).", field="markers")
        value = _text(str(raw_value), "markers", f"Marker {key}", 200) or ""
        if key in markers:
            raise ValidationError(f"Marker {key} is listed twice.", field="markers")
        markers[key] = value
    histology = _text(data.histology, "histology", "Histology", 200)
    if status is BiopsyStatus.FINAL and histology is None:
        raise ValidationError(
            "A final result needs its histology; keep the biopsy pending until it is known.",
            field="histology",
        )
    return {
        "kind": kind,
        "status": status,
        "performed_on": data.performed_on,
        "site": _text(data.site, "site", "Site", 120),
        "level": level,
        "histology": histology,
        "grade": _text(data.grade, "grade", "Grade", 40),
        "markers": markers,
        "pathologist": _text(data.pathologist, "pathologist", "Pathologist", 120),
        "report_text": _text(data.report_text, "report_text", "Report", MAX_REPORT),
    }


def _view(biopsy: Biopsy, names: Mapping[int, str]) -> BiopsyView:
    return BiopsyView(
        id=biopsy.id,
        case_id=biopsy.case_id,
        version=biopsy.version,
        kind=biopsy.kind,
        status=biopsy.status,
        performed_on=biopsy.performed_on,
        site=biopsy.site,
        level=biopsy.level,
        histology=biopsy.histology,
        grade=biopsy.grade,
        markers=tuple(sorted((str(k), str(v)) for k, v in (biopsy.markers or {}).items())),
        pathologist=biopsy.pathologist,
        report_text=biopsy.report_text,
        created_at=biopsy.created_at,
        updated_at=biopsy.updated_at,
        updated_by=names.get(biopsy.updated_by_id) if biopsy.updated_by_id else None,
    )


def _snapshot(biopsy: Biopsy) -> dict[str, Any]:
    return {name: getattr(biopsy, name) for name in _FIELDS}


def list_biopsies(db: Database, actor: Actor, case_id: int) -> tuple[BiopsyView, ...]:
    """A case's biopsies, oldest first.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is reading (needs permission to view cases).
    case_id:
        The case.

    Returns
    -------
    tuple[BiopsyView, ...]
        The biopsies.

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
        rows = session.scalars(
            select(Biopsy)
            .where(Biopsy.case_id == case_id)
            .order_by(Biopsy.performed_on.is_(None), Biopsy.performed_on, Biopsy.id)
        ).all()
        names = display_names(session, {r.updated_by_id for r in rows})
        return tuple(_view(r, names) for r in rows)


def add_biopsy(
    db: Database,
    actor: Actor,
    case_id: int,
    data: BiopsyInput,
    *,
    now: dt.datetime | None = None,
) -> BiopsyView:
    """Record a biopsy on a case.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who records it (needs permission to record pathology).
    case_id:
        The case.
    data:
        The form.
    now:
        The time of the entry (the demo board writes back-dated); now when ``None``.
        The biopsy date is checked against its date.

    Returns
    -------
    BiopsyView
        The stored biopsy.

    Raises
    ------
    PermissionDeniedError
        If the actor may not record pathology.
    NotFoundError
        If there is no such case.
    ValidationError
        If a field is not as expected (nothing is saved).
    """
    require(actor, Action.PATHOLOGY_EDIT)
    now = now or utcnow()
    values = validate_biopsy(data, now.date())
    with db.write() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        biopsy = Biopsy(
            case_id=case_id, created_at=now, updated_at=now, updated_by_id=actor.user_id, **values
        )
        session.add(biopsy)
        session.flush()
        record(
            session,
            actor,
            "biopsy.add",
            "biopsy",
            biopsy.id,
            case_id=case_id,
            after=_snapshot(biopsy),
            at=now,
        )
        return _view(biopsy, {actor.user_id: actor.display_name} if actor.user_id else {})


def update_biopsy(
    db: Database,
    actor: Actor,
    biopsy_id: int,
    expected_version: int,
    data: BiopsyInput,
    *,
    now: dt.datetime | None = None,
) -> BiopsyView:
    """Edit a biopsy (e.g. the final result arriving), refusing a stale edit.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who edits (needs permission to record pathology).
    biopsy_id:
        The biopsy.
    expected_version:
        The version the editor loaded (:attr:`BiopsyView.version`).
    data:
        The edited form.
    now:
        The time of the edit; now when ``None``.

    Returns
    -------
    BiopsyView
        The biopsy after the edit.

    Raises
    ------
    ConflictError
        If someone changed the biopsy since ``expected_version``: nothing is overwritten.
    NotFoundError, PermissionDeniedError, ValidationError
        As their names say.
    """
    require(actor, Action.PATHOLOGY_EDIT)
    now = now or utcnow()
    values = validate_biopsy(data, now.date())
    try:
        with db.write() as session:
            biopsy = session.get(Biopsy, biopsy_id)
            if biopsy is None:
                raise NotFoundError(f"Biopsy {biopsy_id} does not exist.")
            if biopsy.version != expected_version:
                raise _conflict(session, biopsy)
            before = _snapshot(biopsy)
            for name, value in values.items():
                setattr(biopsy, name, value)
            changed_before, changed_after = diff(before, _snapshot(biopsy))
            if changed_after:
                biopsy.updated_at = now
                biopsy.updated_by_id = actor.user_id
                session.flush()
                record(
                    session,
                    actor,
                    "biopsy.update",
                    "biopsy",
                    biopsy.id,
                    case_id=biopsy.case_id,
                    before=changed_before,
                    after=changed_after,
                    at=now,
                )
            return _view(biopsy, display_names(session, {biopsy.updated_by_id}))
    except StaleDataError:
        with db.read() as session:
            biopsy = session.get(Biopsy, biopsy_id)
            assert biopsy is not None
            raise _conflict(session, biopsy) from None


def _conflict(session: Session, biopsy: Biopsy) -> ConflictError:
    who = session.get(User, biopsy.updated_by_id) if biopsy.updated_by_id else None
    return ConflictError(
        f"Biopsy {biopsy.id}",
        changed_by=who.display_name if who else None,
        changed_at=biopsy.updated_at,
    )
