"""Local user accounts: creation (including the first administrator) and sign-in."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User, UserSession, utcnow
from board.errors import (
    AuthenticationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from board.wording import plural

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
#: The accounts table itself: sign-in bookkeeping is written with Core statements on it,
#: which the ORM's version counter does not see (see record_sign_in_bookkeeping).
users: Table = cast(Table, User.__table__)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so timing does not tell.

    Made on first use rather than at import: hashing costs a fraction of a second, and
    every process that imports this module (the app, each command, each test
    interpreter) would pay it whether anyone signs in or not.
    """
    return _hasher.hash("not-a-real-password-0")


SIGN_IN_FAILED = "The username or password is not correct, or the account is inactive."


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as pages see it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    is_active: bool
    email: str | None = None

    def as_actor(self) -> Actor:
        """The actor for service calls made by this user."""
        return Actor(self.id, self.username, self.display_name, self.role)


def user_view(user: User) -> UserView:
    """An account as services hand it out (no secrets)."""
    return UserView(
        user.id, user.username, user.display_name, user.role, user.is_active, user.email
    )


def display_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of users by id, in one query (``None`` ids are skipped).

    Parameters
    ----------
    session:
        An open session.
    ids:
        User ids, for example the authors of the rows on a screen.

    Returns
    -------
    dict[int, str]
        Display name by user id (unknown ids are left out).
    """
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    )


def hash_password(password: str) -> str:
    """Hash a password with argon2id (default parameters)."""
    return _hasher.hash(password)


def validate_new_user(username: str, display_name: str, password: str | None) -> str:
    """Check a new account's fields.

    Returns
    -------
    str
        The normalised (lower-case, stripped) username.

    Raises
    ------
    ValidationError
        Naming the field and what was expected.
    """
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise ValidationError(
            "Username must be 2-64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            field="username",
        )
    if not (display_name or "").strip():
        raise ValidationError("Enter the person's full name.", field="display_name")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.",
            field="password",
        )
    return name


def count_users(db: Database) -> int:
    """How many user accounts exist (0 means a first start)."""
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def _insert_user(
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    now: dt.datetime | None,
) -> User:
    name = validate_new_user(username, display_name, password)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ValidationError(f"The username '{name}' is already taken.", field="username")
    user = User(
        username=name,
        display_name=display_name.strip(),
        role=role,
        password_hash=hash_password(password),
        is_active=True,
        created_at=now or utcnow(),
        updated_at=now or utcnow(),
        updated_by_id=actor.user_id,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        after={"username": name, "display_name": user.display_name, "role": role},
        at=now,
    )
    return user


def create_first_admin(
    db: Database,
    username: str,
    display_name: str,
    password: str,
    *,
    now: dt.datetime | None = None,
) -> UserView:
    """Create the first administrator; only allowed while no account exists.

    ``now`` is the time of creation (the demo board writes back-dated); now when ``None``.

    Raises
    ------
    InvalidStateError
        If any user exists already.
    ValidationError
        If a field is malformed.
    """
    with db.write() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise InvalidStateError(
                "An administrator already exists: sign in, or ask an administrator for an account."
            )
        user = _insert_user(
            session,
            Actor.system("first start"),
            username,
            display_name,
            Role.ADMIN,
            password,
            now,
        )
        return user_view(user)


def create_user(
    db: Database,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    *,
    now: dt.datetime | None = None,
) -> UserView:
    """Create a local account (administrators only), at ``now`` (now when ``None``).

    Raises
    ------
    PermissionDeniedError
        If the actor is not an administrator.
    ValidationError
        If a field is malformed or the username is taken.
    """
    require(actor, Action.USERS_ADMINISTER)
    with db.write() as session:
        return user_view(_insert_user(session, actor, username, display_name, role, password, now))


#: Failed sign-ins per username allowed before each further attempt must wait.
FREE_FAILURES = 3
#: Failures older than this no longer count.
FAILURE_WINDOW = dt.timedelta(minutes=15)
#: Longest wait imposed on one username.
MAX_DELAY_S = 300
#: Failed sign-ins (all usernames together) per minute above which every sign-in is slowed.
GLOBAL_FAILURES_PER_MINUTE = 30
#: The extra wait, in seconds, of every sign-in while the overall failure rate is high.
GLOBAL_DELAY_S = 1.0
FAILED = "auth.sign_in_failed"
THROTTLED = "auth.sign_in_throttled"


def required_wait(failures: int) -> float:
    """Seconds a username must wait after its last failure, given its recent failures.

    Parameters
    ----------
    failures:
        Failed sign-ins of the username within :data:`FAILURE_WINDOW`.

    Returns
    -------
    float
        0 for the first :data:`FREE_FAILURES`, then 1, 2, 4, ... up to :data:`MAX_DELAY_S`.
    """
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES), MAX_DELAY_S))


def _failure_stats(
    session: Session, name: str, since: dt.datetime
) -> tuple[int, dt.datetime | None]:
    row = session.execute(
        select(func.count(), func.max(AuditEvent.occurred_at)).where(
            AuditEvent.action == FAILED,
            AuditEvent.entity_type == "sign_in",
            AuditEvent.entity_id == name,
            AuditEvent.occurred_at >= since,
        )
    ).one()
    return int(row[0] or 0), row[1]


def _failure_event(
    name: str, user: User | None, reason: str, now: dt.datetime, action: str = FAILED
) -> AuditEvent:
    return AuditEvent(
        occurred_at=now,
        actor_id=user.id if user is not None else None,
        actor_name=(user.display_name if user is not None else name)[:120] or "(empty)",
        actor_role=user.role.value if user is not None else None,
        action=action,
        entity_type="sign_in",
        entity_id=name[:64] or "(empty)",
        detail=reason,
    )


def record_sign_in_bookkeeping(session: Session, user_id: int, **values: Any) -> None:
    """Write a sign-in's bookkeeping on an account without changing its version.

    The last sign-in time, the failure counter and a rehash of the same password are not
    edits of the account: a plain (Core) ``UPDATE`` that leaves ``version`` alone, so
    simultaneous sign-ins of one account never refuse each other (a versioned ORM
    update failed with ``StaleDataError`` on PostgreSQL) and an administrator's open
    edit of the account is not made stale by its owner signing in.

    Parameters
    ----------
    session:
        The sign-in's open write session.
    user_id:
        The account.
    **values:
        Columns of ``users`` to set (``last_sign_in_at``, ``failed_sign_ins``,
        ``password_hash``); SQL expressions such as ``users.c.failed_sign_ins + 1`` work.
    """
    session.execute(update(users).where(users.c.id == user_id).values(**values))


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> UserView:
    """Check a username and password, slowing down repeated failures.

    After :data:`FREE_FAILURES` failures of one username within :data:`FAILURE_WINDOW`,
    each further attempt must wait :func:`required_wait` seconds after the last failure
    (the password is not even checked before then, for known and unknown usernames
    alike). While more than :data:`GLOBAL_FAILURES_PER_MINUTE` sign-ins fail per minute
    overall, every attempt is delayed by :data:`GLOBAL_DELAY_S`. Every failure and every
    refused early attempt is audited.

    Parameters
    ----------
    db:
        The database.
    username, password:
        What the person typed.
    now:
        The current time (tests).
    sleep:
        How to wait (tests pass a recorder).

    Returns
    -------
    UserView
        The signed-in user.

    Raises
    ------
    AuthenticationError
        The same message for an unknown user, a wrong password and an inactive account;
        a "wait" message while the username is slowed down.
    """
    name = (username or "").strip().lower()
    now = now or utcnow()
    with db.read() as session:
        overall = int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == FAILED,
                    AuditEvent.occurred_at >= now - dt.timedelta(minutes=1),
                )
            )
            or 0
        )
    if overall >= GLOBAL_FAILURES_PER_MINUTE:
        sleep(GLOBAL_DELAY_S)
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == name))
        since = now - FAILURE_WINDOW
        if user is not None and user.last_sign_in_at is not None:
            since = max(since, user.last_sign_in_at)
        failures, last_failure = _failure_stats(session, name[:64] or "(empty)", since)
        wait = required_wait(failures)
        if last_failure is not None and wait > 0:
            remaining = (last_failure + dt.timedelta(seconds=wait) - now).total_seconds()
            if remaining > 0:
                session.add(_failure_event(name, user, f"wait {remaining:.0f} s", now, THROTTLED))
                throttled = plural(max(1, round(remaining)), "second")
            else:
                throttled = ""
        else:
            throttled = ""
    if throttled:
        raise AuthenticationError(
            f"Too many failed sign-ins for this username. Wait {throttled} and try again."
        )

    with db.write() as session:
        user = session.scalar(select(User).where(User.username == name))
        stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
        try:
            _hasher.verify(stored, password or "")
            ok = user is not None and user.password_hash is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if user is None:
            session.add(_failure_event(name, None, "unknown username", now))
            raise_after = True
        elif not ok or not user.is_active:
            record_sign_in_bookkeeping(
                session, user.id, failed_sign_ins=users.c.failed_sign_ins + 1
            )
            reason = "wrong password" if not ok else "inactive account"
            session.add(_failure_event(name, user, reason, now))
            raise_after = True
        else:
            actor = Actor(user.id, user.username, user.display_name, user.role)
            bookkeeping: dict[str, Any] = {"last_sign_in_at": now, "failed_sign_ins": 0}
            if _hasher.check_needs_rehash(user.password_hash or ""):
                bookkeeping["password_hash"] = hash_password(password)
            record_sign_in_bookkeeping(session, user.id, **bookkeeping)
            record(session, actor, "auth.sign_in", "user", user.id)
            raise_after = False
        view = user_view(user) if user is not None else None
    if raise_after or view is None:
        raise AuthenticationError(SIGN_IN_FAILED)
    return view


def _admin_target(session: Session, actor: Actor, user_id: int) -> User:
    require(actor, Action.USERS_ADMINISTER)
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"There is no user with id {user_id}.")
    return user


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.is_active.is_(True))
        )
        or 0
    )


def set_active(db: Database, actor: Actor, user_id: int, active: bool) -> UserView:
    """Activate or deactivate an account (administrators only); deactivating signs it out.

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    user_id:
        The account.
    active:
        ``False`` to deactivate (the person can no longer sign in), ``True`` to reactivate.

    Returns
    -------
    UserView
        The changed account.

    Raises
    ------
    PermissionDeniedError
        If the actor may not administer users.
    NotFoundError
        If the account does not exist.
    InvalidStateError
        When deactivating oneself or the last active administrator.
    """
    with db.write() as session:
        user = _admin_target(session, actor, user_id)
        if not active and user.id == actor.user_id:
            raise InvalidStateError("You cannot deactivate your own account.")
        if (
            not active
            and user.role == Role.ADMIN
            and user.is_active
            and _active_admins(session) <= 1
        ):
            raise InvalidStateError("The last active administrator cannot be deactivated.")
        before = user.is_active
        user.is_active = active
        user.updated_by_id = actor.user_id
        user.updated_at = utcnow()
        if not active:
            session.execute(
                update(UserSession)
                .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
                .values(revoked_at=utcnow(), handoff_hash=None)
            )
        action = "user.activate" if active else "user.deactivate"
        record(
            session,
            actor,
            action,
            "user",
            user.id,
            before={"is_active": before},
            after={"is_active": active},
        )
        return user_view(user)


def change_role(db: Database, actor: Actor, user_id: int, role: Role) -> UserView:
    """Change an account's role (administrators only).

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    user_id:
        The account.
    role:
        The new role.

    Returns
    -------
    UserView
        The changed account.

    Raises
    ------
    PermissionDeniedError
        If the actor may not administer users.
    NotFoundError
        If the account does not exist.
    InvalidStateError
        When the last active administrator would lose the role.
    """
    with db.write() as session:
        user = _admin_target(session, actor, user_id)
        if (
            user.role == Role.ADMIN
            and role != Role.ADMIN
            and user.is_active
            and _active_admins(session) <= 1
        ):
            raise InvalidStateError("The last active administrator must keep that role.")
        before = user.role
        user.role = role
        user.updated_by_id = actor.user_id
        user.updated_at = utcnow()
        record(
            session,
            actor,
            "user.role",
            "user",
            user.id,
            before={"role": before},
            after={"role": role},
        )
        return user_view(user)


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def set_email(db: Database, actor: Actor, user_id: int, email: str | None) -> UserView:
    """Set or clear an account's e-mail (administrators only).

    Single sign-on links a person to the account with their e-mail on their first
    sign-in, so setting it is how an administrator links an existing account. A changed
    or cleared address also unlinks the account from the identity provider, so the
    next single sign-on links whoever holds the new address.

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    user_id:
        The account.
    email:
        The address (stored in lower case), or ``None``/empty to clear it.

    Returns
    -------
    UserView
        The changed account.

    Raises
    ------
    PermissionDeniedError
        If the actor may not administer users.
    NotFoundError
        If the account does not exist.
    ValidationError
        If the address is not an e-mail address or another account already has it.
    """
    value = (email or "").strip().lower() or None
    if value is not None and (len(value) > 255 or not _EMAIL.match(value)):
        raise ValidationError(
            f"'{value[:80]}' is not an e-mail address: expected name@example.org."
        )
    with db.write() as session:
        user = _admin_target(session, actor, user_id)
        if value is not None:
            taken = session.scalar(
                select(User.username).where(func.lower(User.email) == value, User.id != user.id)
            )
            if taken is not None:
                raise ValidationError(f"The account '{taken}' already has the e-mail {value}.")
        before = {"email": user.email, "oidc_subject": user.oidc_subject}
        if value != user.email:
            user.oidc_subject = None
        user.email = value
        user.updated_by_id = actor.user_id
        user.updated_at = utcnow()
        record(
            session,
            actor,
            "user.email",
            "user",
            user.id,
            before=before,
            after={"email": user.email, "oidc_subject": user.oidc_subject},
        )
        return user_view(user)


def reset_password(db: Database, actor: Actor, user_id: int, password: str) -> UserView:
    """Set a new password for an account (administrators only); ends its sessions.

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    user_id:
        The account.
    password:
        The new password (at least :data:`MIN_PASSWORD_LENGTH` characters).

    Returns
    -------
    UserView
        The changed account.

    Raises
    ------
    PermissionDeniedError
        If the actor may not administer users.
    NotFoundError
        If the account does not exist.
    ValidationError
        If the password is too short.
    """
    # The right first: a caller without it learns nothing about the password rules.
    require(actor, Action.USERS_ADMINISTER)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.", field="password"
        )
    with db.write() as session:
        user = _admin_target(session, actor, user_id)
        user.password_hash = hash_password(password)
        user.failed_sign_ins = 0
        user.updated_by_id = actor.user_id
        user.updated_at = utcnow()
        session.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), handoff_hash=None)
        )
        record(session, actor, "user.password_reset", "user", user.id)
        return user_view(user)


def list_users(db: Database, actor: Actor) -> list[UserView]:
    """All accounts with their single sign-on e-mails, by role then name (administrators only).

    Other roles see people only through pickers that carry names and roles
    (:func:`board.meetings.service.people`), never e-mails or inactive accounts.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.

    Returns
    -------
    list[UserView]
        Every account, active or not.

    Raises
    ------
    PermissionDeniedError
        If the actor may not administer users.
    """
    require(actor, Action.USERS_ADMINISTER)
    with db.read() as session:
        users = session.scalars(select(User).order_by(User.role, User.display_name)).all()
        return [user_view(u) for u in users]


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """What the account page shows a person about their own account.

    Parameters
    ----------
    username, display_name, role:
        Who they are.
    email:
        Where reminders go (set by an administrator), or ``None``.
    reminders_enabled:
        Whether they get reminder e-mails.
    """

    username: str
    display_name: str
    role: Role
    email: str | None
    reminders_enabled: bool


def _own_account(session: Session, actor: Actor) -> User:
    if actor.user_id is None:
        raise PermissionDeniedError("Only a signed-in person has an account page.")
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise NotFoundError("Your account does not exist or is inactive.")
    return user


def _account_settings(user: User) -> AccountSettings:
    return AccountSettings(
        user.username, user.display_name, user.role, user.email, user.reminders_enabled
    )


def my_account(db: Database, actor: Actor) -> AccountSettings:
    """The signed-in person's own account settings.

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in person.

    Returns
    -------
    AccountSettings
        Their account.

    Raises
    ------
    PermissionDeniedError
        If the actor is not a person (the command line's system actor).
    NotFoundError
        If the account no longer exists or is inactive.
    """
    with db.read() as session:
        return _account_settings(_own_account(session, actor))


def set_reminders(
    db: Database, actor: Actor, enabled: bool, *, now: dt.datetime | None = None
) -> AccountSettings:
    """Turn one's own reminder e-mails on or off (audited).

    Parameters
    ----------
    db:
        The database.
    actor:
        The signed-in person (only their own account changes).
    enabled:
        ``False`` stops every reminder to them; ``True`` turns reminders on again.
    now:
        The time of the change; now when ``None``.

    Returns
    -------
    AccountSettings
        Their account after the change.

    Raises
    ------
    PermissionDeniedError
        If the actor is not a person.
    NotFoundError
        If the account no longer exists or is inactive.
    """
    now = now or utcnow()
    with db.write() as session:
        user = _own_account(session, actor)
        if user.reminders_enabled != enabled:
            before = user.reminders_enabled
            user.reminders_enabled = enabled
            user.updated_by_id = actor.user_id
            user.updated_at = now
            session.flush()
            record(
                session,
                actor,
                "account.reminders",
                "user",
                user.id,
                before={"reminders_enabled": before},
                after={"reminders_enabled": enabled},
                at=now,
            )
        return _account_settings(user)
