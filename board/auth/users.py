"""Local user accounts: creation (including the first administrator) and sign-in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User, utcnow
from board.errors import AuthenticationError, InvalidStateError, ValidationError

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")
SIGN_IN_FAILED = "The username or password is not correct, or the account is inactive."


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as pages see it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    is_active: bool

    def as_actor(self) -> Actor:
        """The actor for service calls made by this user."""
        return Actor(self.id, self.username, self.display_name, self.role)


def _view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name, user.role, user.is_active)


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
    session: Session, actor: Actor, username: str, display_name: str, role: Role, password: str
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
    )
    return user


def create_first_admin(db: Database, username: str, display_name: str, password: str) -> UserView:
    """Create the first administrator; only allowed while no account exists.

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
            session, Actor.system("first start"), username, display_name, Role.ADMIN, password
        )
        return _view(user)


def create_user(
    db: Database, actor: Actor, username: str, display_name: str, role: Role, password: str
) -> UserView:
    """Create a local account (administrators only).

    Raises
    ------
    PermissionDeniedError
        If the actor is not an administrator.
    ValidationError
        If a field is malformed or the username is taken.
    """
    require(actor, Action.USERS_ADMINISTER)
    with db.write() as session:
        return _view(_insert_user(session, actor, username, display_name, role, password))


def authenticate(db: Database, username: str, password: str) -> UserView:
    """Check a username and password.

    Returns
    -------
    UserView
        The signed-in user.

    Raises
    ------
    AuthenticationError
        The same message for an unknown user, a wrong password and an inactive account.
    """
    name = (username or "").strip().lower()
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == name))
        stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
        try:
            _hasher.verify(stored, password or "")
            ok = user is not None and user.password_hash is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if user is None:
            session.add(
                AuditEvent(
                    actor_name=name[:120] or "(empty)",
                    actor_role=None,
                    action="auth.sign_in_failed",
                    entity_type="user",
                    detail="unknown username",
                )
            )
            raise_after = True
        elif not ok or not user.is_active:
            user.failed_sign_ins += 1
            actor = Actor(user.id, user.username, user.display_name, user.role)
            record(session, actor, "auth.sign_in_failed", "user", user.id)
            raise_after = True
        else:
            actor = Actor(user.id, user.username, user.display_name, user.role)
            user.last_sign_in_at = utcnow()
            user.failed_sign_ins = 0
            if _hasher.check_needs_rehash(user.password_hash or ""):
                user.password_hash = hash_password(password)
            record(session, actor, "auth.sign_in", "user", user.id)
            raise_after = False
        view = _view(user) if user is not None else None
    if raise_after or view is None:
        raise AuthenticationError(SIGN_IN_FAILED)
    return view


def list_users(db: Database, actor: Actor) -> list[UserView]:
    """All accounts, by role then name (any signed-in user may see who is on the board)."""
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        users = session.scalars(select(User).order_by(User.role, User.display_name)).all()
        return [_view(u) for u in users]
