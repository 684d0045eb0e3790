"""The audit trail: events in the action's transaction, case history newest first."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum

import pytest
from sqlalchemy import func, select

from board.audit.service import case_history, diff, jsonable, record
from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action
from board.auth.roles import Role
from board.cases.service import add_note, create_case, update_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent
from board.errors import PermissionDeniedError

NewCase = Callable[..., CaseInput]


def test_case_history_newest_first_and_only_that_case(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: NewCase
) -> None:
    rad = make_user(Role.RADIOLOGIST, display_name="Rita Radiologist")
    case = create_case(db, admin, new_case())
    other = create_case(db, admin, new_case())
    note = add_note(db, rad, case.id, "Reviewed the MRI.")
    add_note(db, rad, other.id, "Other case.")
    updated = update_case(
        db, rad, case.id, case.version, dataclasses.replace(case.as_input(), pain_score=6)
    )

    history = case_history(db, admin, case.id)

    assert [e.action for e in history] == ["case.update", "note.add", "case.create"]
    assert {e.case_id for e in history} == {case.id}
    assert [e.id for e in history] == sorted((e.id for e in history), reverse=True)
    assert all(a.occurred_at >= b.occurred_at for a, b in itertools.pairwise(history))
    latest, noted, created = history
    assert (latest.actor_name, latest.actor_role) == ("Rita Radiologist", "radiologist")
    assert latest.before == {"pain_score": case.pain_score}
    assert latest.after == {"pain_score": 6}
    assert latest.occurred_at.tzinfo is not None
    assert abs(latest.occurred_at - updated.updated_at) < dt.timedelta(seconds=5)
    assert (noted.entity_type, noted.entity_id) == ("note", str(note.id))
    assert created.after is not None and created.after["pseudonym"] == case.pseudonym
    assert created.actor_name == admin.display_name


def test_case_history_limit_and_unknown_case(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: NewCase
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    case = create_case(db, admin, new_case())
    for n in range(4):
        add_note(db, coordinator, case.id, f"note {n}")
    limited = case_history(db, admin, case.id, limit=2)
    assert len(limited) == 2
    assert limited == case_history(db, admin, case.id)[:2]
    assert case_history(db, admin, 9999) == []


def test_case_history_needs_view_permission(
    db: Database, admin: Actor, new_case: NewCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = create_case(db, admin, new_case())
    monkeypatch.setitem(PERMISSIONS, Action.CASE_VIEW, frozenset({Role.COORDINATOR}))
    with pytest.raises(PermissionDeniedError):
        case_history(db, admin, case.id)


def _event_count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_record_commits_and_rolls_back_with_the_action(db: Database, admin: Actor) -> None:
    before = _event_count(db)
    with pytest.raises(RuntimeError), db.write() as session:
        record(session, admin, "test.fail", "thing", 1, after={"x": 1})
        raise RuntimeError("the action failed")
    assert _event_count(db) == before

    with db.write() as session:
        event = record(
            session,
            admin,
            "test.ok",
            "thing",
            7,
            before={"when": dt.date(2026, 1, 2), "role": Role.RADIOLOGIST},
            after={"when": None, "amount": Decimal("1.5")},
            detail="because",
        )
        assert event.id is not None  # flushed inside the transaction
    assert _event_count(db) == before + 1
    with db.read() as session:
        stored = session.scalars(select(AuditEvent).where(AuditEvent.action == "test.ok")).one()
        assert stored.before == {"when": "2026-01-02", "role": "radiologist"}
        assert stored.after == {"when": None, "amount": 1.5}
        assert (stored.entity_type, stored.entity_id, stored.detail) == ("thing", "7", "because")
        assert (stored.actor_id, stored.actor_role) == (admin.user_id, "admin")


class _Colour(StrEnum):
    RED = "red"


def test_jsonable() -> None:
    value = {
        "date": dt.date(2026, 5, 1),
        "when": dt.datetime(2026, 5, 1, 8, 30, tzinfo=dt.UTC),
        "enum": _Colour.RED,
        "nested": [{"set": frozenset({1})}, (2, 3)],
        "blob": b"\x00\x01",
        "decimal": Decimal("2.25"),
        "other": _Unprintable(),
    }
    assert jsonable(value) == {
        "date": "2026-05-01",
        "when": "2026-05-01T08:30:00+00:00",
        "enum": "red",
        "nested": [{"set": [1]}, [2, 3]],
        "blob": "<2 bytes>",
        "decimal": 2.25,
        "other": "unprintable",
    }


class _Unprintable:
    def __str__(self) -> str:
        return "unprintable"


def test_diff_keeps_only_changed_fields() -> None:
    before = {"a": 1, "b": Role.ADMIN, "c": dt.date(2026, 1, 1), "d": None}
    after = {"a": 1, "b": "admin", "c": dt.date(2026, 1, 2), "d": "x"}
    assert diff(before, after) == (
        {"c": dt.date(2026, 1, 1), "d": None},
        {"c": dt.date(2026, 1, 2), "d": "x"},
    )
    assert diff(after, after) == ({}, {})
