"""Durable sessions: hand-off, rotation, idle and absolute expiry, revocation everywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from board.accounts.sessions import (
    HANDOFF_LIFETIME,
    MAX_LIFETIME,
    active_sessions,
    end_user_sessions,
    exchange_handoff,
    resolve_session,
    sign_cookie,
    sign_out_everywhere,
    start_session,
    unsign_cookie,
)
from board.accounts.users import reset_password, set_active
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, UserSession, utcnow

IDLE = 30


def _user(make_user: Callable[..., Actor]) -> Actor:
    return make_user(Role.RADIOLOGIST)


def test_token_is_stored_only_as_a_hash(db: Database, make_user: Callable[..., Actor]) -> None:
    user = _user(make_user)
    assert user.user_id is not None
    started = start_session(db, user.user_id, user_agent="Test browser")
    with db.read() as session:
        row = session.get(UserSession, started.session_id)
        assert row is not None
        stored = (row.token_hash, row.handoff_hash)
    assert started.token not in stored and started.handoff_code not in stored
    assert resolve_session(db, started.token, IDLE) == user


def test_handoff_works_once_gives_the_cookie_its_own_token_and_expires(
    db: Database, make_user: Callable[..., Actor]
) -> None:
    user = _user(make_user)
    assert user.user_id is not None
    started = start_session(db, user.user_id)
    cookie_token = exchange_handoff(db, started.handoff_code)
    assert cookie_token is not None and cookie_token != started.token
    assert resolve_session(db, cookie_token, IDLE) == user
    assert resolve_session(db, started.token, IDLE) == user  # the tab stays signed in
    assert exchange_handoff(db, started.handoff_code) is None  # single use

    late = start_session(db, user.user_id)
    later = utcnow() + HANDOFF_LIFETIME + dt.timedelta(seconds=1)
    assert exchange_handoff(db, late.handoff_code, now=later) is None
    assert exchange_handoff(db, "made-up") is None
    assert exchange_handoff(db, None) is None


def test_idle_expiry_and_activity(db: Database, make_user: Callable[..., Actor]) -> None:
    user = _user(make_user)
    assert user.user_id is not None
    t0 = utcnow()
    started = start_session(db, user.user_id, now=t0)
    # Used after 20 minutes: still valid, and the idle clock restarts.
    assert resolve_session(db, started.token, IDLE, now=t0 + dt.timedelta(minutes=20)) == user
    assert resolve_session(db, started.token, IDLE, now=t0 + dt.timedelta(minutes=45)) == user
    # 31 idle minutes later: ended.
    assert resolve_session(db, started.token, IDLE, now=t0 + dt.timedelta(minutes=76)) is None


def test_absolute_lifetime(db: Database, make_user: Callable[..., Actor]) -> None:
    user = _user(make_user)
    assert user.user_id is not None
    t0 = utcnow()
    started = start_session(db, user.user_id, now=t0)
    now = t0
    while now < t0 + MAX_LIFETIME - dt.timedelta(minutes=20):
        now += dt.timedelta(minutes=20)
        assert resolve_session(db, started.token, IDLE, now=now) == user
    assert (
        resolve_session(db, started.token, IDLE, now=t0 + MAX_LIFETIME + dt.timedelta(seconds=1))
        is None
    )


def test_sign_out_ends_every_session_of_the_user_only(
    db: Database, make_user: Callable[..., Actor]
) -> None:
    user, other = _user(make_user), make_user(Role.SPINE_SURGEON)
    assert user.user_id is not None and other.user_id is not None
    tabs = [start_session(db, user.user_id) for _ in range(3)]
    cookie = exchange_handoff(db, tabs[0].handoff_code)
    theirs = start_session(db, other.user_id)
    assert sign_out_everywhere(db, user) == 3
    assert all(resolve_session(db, t.token, IDLE) is None for t in tabs)
    assert resolve_session(db, cookie, IDLE) is None
    assert exchange_handoff(db, tabs[1].handoff_code) is None
    assert resolve_session(db, theirs.token, IDLE) == other
    with db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.sign_out")
        ).one()
        assert (event.actor_id, event.after) == (user.user_id, {"sessions": 3})


def test_deactivation_password_reset_and_admin_end_sessions(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    user = _user(make_user)
    assert user.user_id is not None
    first = start_session(db, user.user_id)
    set_active(db, admin, user.user_id, False)
    assert resolve_session(db, first.token, IDLE) is None
    set_active(db, admin, user.user_id, True)
    assert resolve_session(db, first.token, IDLE) is None  # stays ended

    second = start_session(db, user.user_id)
    reset_password(db, admin, user.user_id, "a-brand-new-password")
    assert resolve_session(db, second.token, IDLE) is None

    third = start_session(db, user.user_id)
    assert end_user_sessions(db, admin, user.user_id) == 1
    assert resolve_session(db, third.token, IDLE) is None


def test_who_is_signed_in(db: Database, admin: Actor, make_user: Callable[..., Actor]) -> None:
    user, idle_user = _user(make_user), make_user(Role.PATHOLOGIST)
    assert user.user_id is not None and idle_user.user_id is not None
    t0 = utcnow()
    start_session(db, user.user_id, now=t0)
    start_session(db, idle_user.user_id, now=t0 - dt.timedelta(minutes=IDLE + 1))
    ended = start_session(db, admin.user_id or 0, now=t0)
    sign_out_everywhere(db, admin)
    assert ended.token
    live = active_sessions(db, admin, IDLE, now=t0 + dt.timedelta(seconds=5))
    assert [(s.username, s.role) for s in live] == [(user.username, Role.RADIOLOGIST)]


def test_cookie_signature() -> None:
    key = "k" * 40
    value = sign_cookie(key, "token-123")
    assert unsign_cookie(key, value) == "token-123"
    assert unsign_cookie("z" * 40, value) is None
    assert unsign_cookie(key, "token-124" + value[len("token-123") :]) is None
    for bad in (None, "", "no-dot", "x" * 500):
        assert unsign_cookie(key, bad) is None
