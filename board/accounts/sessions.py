"""Durable sign-in sessions kept in the database.

A sign-in creates a row holding the SHA-256 hash of a random token that the signed-in
tab keeps on the server (tokens themselves are never stored) plus a one-time hand-off
code that the browser exchanges, within a minute, for an HttpOnly cookie holding a
second token of the same session (see :mod:`board.web`).
A session ends when it is revoked (sign-out ends *every* session of the user, an
administrator can end them too), when it has been idle longer than the configured idle
time, after :data:`MAX_LIFETIME`, or when the account is deactivated.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import User, UserSession, utcnow

#: Name of the session cookie.
COOKIE_NAME = "tumorboard_session"
#: How long the one-time hand-off code may be exchanged for the cookie.
HANDOFF_LIFETIME = dt.timedelta(seconds=60)
#: A session ends after this long even when in use.
MAX_LIFETIME = dt.timedelta(hours=12)
#: ``last_seen_at`` is written at most this often (fewer writes on every rerun).
TOUCH_INTERVAL = dt.timedelta(seconds=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def sign_cookie(secret_key: str, token: str) -> str:
    """The cookie value for a session token: the token and its HMAC-SHA256 signature.

    Parameters
    ----------
    secret_key:
        The installation's secret key.
    token:
        The session token.

    Returns
    -------
    str
        ``token.signature`` (URL-safe base64).
    """
    mac = hmac.new(secret_key.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).digest()
    return f"{token}.{base64.urlsafe_b64encode(mac).decode('ascii').rstrip('=')}"


def unsign_cookie(secret_key: str, value: str | None) -> str | None:
    """The token inside a signed cookie value, or ``None`` if the signature is wrong.

    Parameters
    ----------
    secret_key:
        The installation's secret key.
    value:
        The cookie value from the browser (may be missing or malformed).

    Returns
    -------
    str | None
        The token when the signature matches.
    """
    if not value or "." not in value or len(value) > 200:
        return None
    token = value.rsplit(".", 1)[0]
    expected = sign_cookie(secret_key, token)
    return token if hmac.compare_digest(expected, value) else None


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A new session: the token for this tab and the code the browser exchanges."""

    session_id: int
    token: str
    handoff_code: str


@dataclass(frozen=True, slots=True)
class SessionView:
    """A signed-in session as the Admin page shows it."""

    id: int
    user_id: int
    username: str
    display_name: str
    role: Role
    created_at: dt.datetime
    last_seen_at: dt.datetime


def start_session(
    db: Database, user_id: int, *, user_agent: str | None = None, now: dt.datetime | None = None
) -> StartedSession:
    """Create a session for a user who has just proved who they are.

    Parameters
    ----------
    db:
        The database.
    user_id:
        The signed-in user.
    user_agent:
        The browser's description, for the Admin page (optional).
    now:
        The current time (tests); defaults to now.

    Returns
    -------
    StartedSession
        The token (for this tab) and the one-time hand-off code (for the cookie).
    """
    now = now or utcnow()
    token, code = _new_token(), _new_token()
    with db.write() as session:
        row = UserSession(
            user_id=user_id,
            token_hash=_hash(token),
            handoff_hash=_hash(code),
            handoff_expires_at=now + HANDOFF_LIFETIME,
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or None) and user_agent[:255],
        )
        session.add(row)
        session.flush()
        return StartedSession(row.id, token, code)


def exchange_handoff(
    db: Database, code: str | None, *, now: dt.datetime | None = None
) -> str | None:
    """Exchange a one-time hand-off code for the session's cookie token.

    The code works once and only within :data:`HANDOFF_LIFETIME`. The cookie gets a new
    token of its own (the tab's token never leaves the server); both end together.

    Parameters
    ----------
    db:
        The database.
    code:
        The code from the sign-in page.
    now:
        The current time (tests).

    Returns
    -------
    str | None
        The new token, or ``None`` when the code is unknown, used, expired or revoked.
    """
    if not code or len(code) > 200:
        return None
    now = now or utcnow()
    with db.write() as session:
        row = session.scalar(select(UserSession).where(UserSession.handoff_hash == _hash(code)))
        if row is None:
            return None
        expires = row.handoff_expires_at
        row.handoff_hash = None
        row.handoff_expires_at = None
        if row.revoked_at is not None or expires is None or expires < now:
            return None
        token = _new_token()
        row.cookie_hash = _hash(token)
        row.last_seen_at = now
        return token


def resolve_session(
    db: Database, token: str | None, idle_minutes: int, *, now: dt.datetime | None = None
) -> Actor | None:
    """The signed-in user of a session token, if the session is still valid.

    Parameters
    ----------
    db:
        The database.
    token:
        The session token (from the tab or the cookie).
    idle_minutes:
        Sessions unused for longer than this have ended.
    now:
        The current time (tests).

    Returns
    -------
    Actor | None
        The actor, or ``None`` when the token is unknown, revoked, idle too long, too
        old, or the account is inactive. Using a valid session refreshes its idle time.
    """
    if not token:
        return None
    now = now or utcnow()
    with db.read() as session:
        found = session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(
                or_(UserSession.token_hash == _hash(token), UserSession.cookie_hash == _hash(token))
            )
        ).first()
        if found is None:
            return None
        row, user = found
        session_id, last_seen = row.id, row.last_seen_at
        valid = (
            row.revoked_at is None
            and user.is_active
            and last_seen >= now - dt.timedelta(minutes=idle_minutes)
            and row.created_at >= now - MAX_LIFETIME
        )
        actor = Actor(user.id, user.username, user.display_name, user.role)
    if not valid:
        return None
    if now - last_seen >= TOUCH_INTERVAL:
        with db.write() as session:
            session.execute(
                update(UserSession)
                .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                .values(last_seen_at=now)
            )
    return actor


def sign_out_everywhere(db: Database, actor: Actor, *, now: dt.datetime | None = None) -> int:
    """End every session of the signed-in user (all tabs and browsers) and audit it.

    Parameters
    ----------
    db:
        The database.
    actor:
        The user signing out.
    now:
        The current time (tests).

    Returns
    -------
    int
        How many sessions ended.
    """
    if actor.user_id is None:
        return 0
    now = now or utcnow()
    with db.write() as session:
        ended = _revoke(session, actor.user_id, now)
        record(session, actor, "auth.sign_out", "user", actor.user_id, after={"sessions": ended})
        return ended


def _revoke(session: Session, user_id: int, now: dt.datetime) -> int:
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now, handoff_hash=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_user_sessions(
    db: Database, actor: Actor, user_id: int, *, now: dt.datetime | None = None
) -> int:
    """End every session of another user (administrators only), audited.

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    user_id:
        Whose sessions end.
    now:
        The current time (tests).

    Returns
    -------
    int
        How many sessions ended.

    Raises
    ------
    PermissionDeniedError
        If the actor may not administer users.
    """
    require(actor, Action.USERS_ADMINISTER)
    now = now or utcnow()
    with db.write() as session:
        ended = _revoke(session, user_id, now)
        record(session, actor, "auth.sessions_ended", "user", user_id, after={"sessions": ended})
        return ended


def active_sessions(
    db: Database, actor: Actor, idle_minutes: int, *, now: dt.datetime | None = None
) -> list[SessionView]:
    """Who is signed in: sessions not revoked, idle or too old, newest activity first.

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator asking.
    idle_minutes:
        The configured idle time.
    now:
        The current time (tests).

    Returns
    -------
    list[SessionView]
        The live sessions of active accounts.

    Raises
    ------
    PermissionDeniedError
        If the actor may not administer users.
    """
    require(actor, Action.USERS_ADMINISTER)
    now = now or utcnow()
    with db.read() as session:
        rows = session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(
                UserSession.revoked_at.is_(None),
                User.is_active.is_(True),
                UserSession.last_seen_at >= now - dt.timedelta(minutes=idle_minutes),
                UserSession.created_at >= now - MAX_LIFETIME,
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        ).all()
        return [
            SessionView(
                s.id, u.id, u.username, u.display_name, u.role, s.created_at, s.last_seen_at
            )
            for s, u in rows
        ]
