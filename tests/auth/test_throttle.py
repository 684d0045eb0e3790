"""Repeated failed sign-ins are slowed down, per username and overall, and audited."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from board.accounts.users import (
    FREE_FAILURES,
    GLOBAL_DELAY_S,
    GLOBAL_FAILURES_PER_MINUTE,
    MAX_DELAY_S,
    SIGN_IN_FAILED,
    authenticate,
    required_wait,
)
from board.auth.actor import Actor
from board.db.engine import Database
from board.db.models import AuditEvent, utcnow
from board.errors import AuthenticationError
from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize(
    ("failures", "wait"),
    [
        (0, 0),
        (1, 0),
        (FREE_FAILURES - 1, 0),
        (FREE_FAILURES, 1),
        (FREE_FAILURES + 1, 2),
        (FREE_FAILURES + 3, 8),
        (FREE_FAILURES + 30, MAX_DELAY_S),
    ],
)
def test_wait_grows_exponentially_to_a_ceiling(failures: int, wait: int) -> None:
    assert required_wait(failures) == wait


def _count(db: Database, action: str) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


@pytest.mark.parametrize("username", ["admin", "nobody.here"])
def test_a_username_is_slowed_after_repeated_failures(
    db: Database, admin: Actor, username: str
) -> None:
    t0 = utcnow()
    for i in range(FREE_FAILURES):
        with pytest.raises(AuthenticationError, match="^" + SIGN_IN_FAILED.replace(".", r"\.")):
            authenticate(db, username, "wrong-password", now=t0 + dt.timedelta(seconds=i))
    last = t0 + dt.timedelta(seconds=FREE_FAILURES - 1)
    # Even the right password is not checked until the wait is over.
    with pytest.raises(AuthenticationError, match=r"Wait 1 second and"):
        authenticate(db, username, TEST_PASSWORD, now=last + dt.timedelta(milliseconds=200))
    assert _count(db, "auth.sign_in_throttled") == 1
    if username == "admin":
        assert authenticate(db, "admin", TEST_PASSWORD, now=last + dt.timedelta(seconds=2))
        # Success resets the count.
        with pytest.raises(AuthenticationError, match=r"^The username"):
            authenticate(db, "admin", "wrong", now=last + dt.timedelta(seconds=3))
    else:
        with pytest.raises(AuthenticationError, match=r"^The username"):
            authenticate(db, username, "x", now=last + dt.timedelta(seconds=2))
        with pytest.raises(AuthenticationError, match=r"Wait 2 seconds and"):
            authenticate(db, username, "x", now=last + dt.timedelta(seconds=2, milliseconds=500))


def test_other_usernames_are_not_slowed_by_one_under_attack(db: Database, admin: Actor) -> None:
    t0 = utcnow()
    for i in range(FREE_FAILURES + 2):
        with pytest.raises(AuthenticationError):
            authenticate(db, "victim", "guess", now=t0 + dt.timedelta(milliseconds=i))
    assert authenticate(db, "admin", TEST_PASSWORD, now=t0 + dt.timedelta(seconds=1))


def test_failures_older_than_the_window_do_not_count(db: Database, admin: Actor) -> None:
    old = utcnow() - dt.timedelta(hours=1)
    for i in range(FREE_FAILURES + 3):
        with pytest.raises(AuthenticationError):
            authenticate(db, "admin", "wrong", now=old + dt.timedelta(seconds=i))
    assert authenticate(db, "admin", TEST_PASSWORD)


def test_many_failures_overall_slow_every_sign_in(db: Database, admin: Actor) -> None:
    waits: list[float] = []
    t0 = utcnow()
    with db.write() as session:
        for i in range(GLOBAL_FAILURES_PER_MINUTE):
            session.add(
                AuditEvent(
                    actor_name=f"bot{i}",
                    action="auth.sign_in_failed",
                    entity_type="sign_in",
                    entity_id=f"bot{i}",
                    occurred_at=t0 - dt.timedelta(seconds=10),
                )
            )
    assert authenticate(db, "admin", TEST_PASSWORD, now=t0, sleep=waits.append)
    assert waits == [GLOBAL_DELAY_S]
    # Measured with the real clock too.
    start = time.monotonic()
    assert authenticate(db, "admin", TEST_PASSWORD, now=t0)
    assert time.monotonic() - start >= GLOBAL_DELAY_S
    waits.clear()
    later = t0 + dt.timedelta(minutes=2)
    assert authenticate(db, "admin", TEST_PASSWORD, now=later, sleep=waits.append)
    assert waits == []
