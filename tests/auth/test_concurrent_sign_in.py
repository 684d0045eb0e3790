"""Simultaneous sign-ins of one account all succeed: sign-in never fails because someone
else signed in at the same moment (several tabs, a shared demo account, a proxy retry).

The sign-in's bookkeeping (last sign-in time, failure counter, a password rehash) is
not an edit of the account: it must not bump the account's version, or concurrent
sign-ins refuse each other with ``StaleDataError`` on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from board.accounts.oidc import sign_in_with_identity
from board.accounts.users import authenticate, change_role, set_email
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User
from board.errors import AuthenticationError
from tests.conftest import TEST_PASSWORD

THREADS = 10


def _at_once(database_url: str, attempt: Callable[[Database], object]) -> list[BaseException]:
    """Run ``attempt`` in :data:`THREADS` threads released together; their errors."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    databases = [Database.from_url(database_url) for _ in range(THREADS)]

    def worker(own: Database) -> None:
        try:
            barrier.wait(30)
            attempt(own)
        except BaseException as exc:  # every failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for own in databases:
        own.dispose()
    return errors


def _sign_ins(db: Database) -> int:
    with db.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == "auth.sign_in")
        return len(session.scalars(query).all())


def test_ten_simultaneous_sign_ins_of_one_account_all_succeed(
    database_url: str, db: Database, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    errors = _at_once(database_url, lambda own: authenticate(own, user.username, TEST_PASSWORD))
    assert errors == []
    assert _sign_ins(db) == THREADS


def test_simultaneous_right_and_wrong_passwords(
    database_url: str, db: Database, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    numbers = iter(range(THREADS))
    lock = threading.Lock()

    def attempt(own: Database) -> None:
        with lock:
            wrong = next(numbers) % 5 == 0  # 2 of 10: below the throttle's free failures
        password = "not-the-password" if wrong else TEST_PASSWORD
        try:
            authenticate(own, user.username, password, sleep=lambda _s: None)
        except AuthenticationError:
            if not wrong:
                raise

    errors = _at_once(database_url, attempt)
    assert errors == []
    assert _sign_ins(db) == THREADS - 2
    with db.read() as session:
        failed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")
        ).all()
    assert len(failed) == 2


def test_simultaneous_single_sign_ons_of_one_account_all_succeed(
    database_url: str, db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    assert user.user_id is not None
    set_email(db, admin, user.user_id, "rita@hospital.example")
    sign_in_with_identity(db, {"sub": "rita-sub", "email": "rita@hospital.example"})
    identity = {"sub": "rita-sub", "email": "rita@hospital.example"}
    errors = _at_once(database_url, lambda own: sign_in_with_identity(own, identity))
    assert errors == []
    assert _sign_ins(db) == THREADS + 1


def test_signing_in_does_not_make_an_administrators_open_edit_stale(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    assert user.user_id is not None
    with db.read() as session:
        before = session.get(User, user.user_id)
        assert before is not None
        version = before.version
    authenticate(db, user.username, TEST_PASSWORD)
    with pytest.raises(AuthenticationError):
        authenticate(db, user.username, "not-the-password")
    with db.read() as session:
        after = session.get(User, user.user_id)
        assert after is not None
        assert (after.version, after.failed_sign_ins) == (version, 1)
        assert after.last_sign_in_at is not None
    assert change_role(db, admin, user.user_id, Role.COORDINATOR).role is Role.COORDINATOR
