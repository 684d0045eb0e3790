"""Hospital single sign-on: map an identity provider's user to a local account.

Streamlit's ``st.login`` does the OpenID Connect round trip; :func:`sign_in_with_identity`
then finds the local account by the provider's subject (``sub``), or by e-mail for an
account that is not linked yet (and links it). Unknown people are refused with a clear
message, or, when ``TUMORBOARD_OIDC_UNKNOWN_USERS=inactive``, get an inactive account
(with the least-privileged role) for an administrator to approve. Everything is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from board.accounts.users import UserView, record_sign_in_bookkeeping, user_view
from board.audit.service import record
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User, utcnow
from board.errors import AuthenticationError

POLICIES = ("refuse", "inactive")
#: Role given to accounts created for unknown identity-provider users (inactive).
UNKNOWN_USER_ROLE = Role.PHYSIOTHERAPIST
NOT_REGISTERED = (
    "Your hospital account is not registered on Tumor Board. "
    "Ask a Tumor Board administrator to add you."
)
AWAITING_APPROVAL = (
    "Your hospital account is registered but not active yet: a Tumor Board "
    "administrator has to approve it."
)


def _username_for(session: Any, email: str | None, subject: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "-", (email or subject).split("@")[0].lower()).strip("-.")
    base = (base or "user")[:56]
    if not base[0].isalnum():
        base = "u" + base
    name, n = base, 1
    while session.scalar(select(User.id).where(User.username == name)) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def _failure(detail: str, subject: str, name: str, user: User | None) -> AuditEvent:
    return AuditEvent(
        occurred_at=utcnow(),
        actor_id=user.id if user is not None else None,
        actor_name=(user.display_name if user is not None else name)[:120] or "(unknown)",
        actor_role=user.role.value if user is not None else None,
        action="auth.sign_in_failed",
        entity_type="sign_in",
        entity_id=f"oidc:{subject}"[:64],
        detail=detail,
    )


def sign_in_with_identity(
    db: Database, claims: Mapping[str, Any], unknown_users: str = "refuse"
) -> UserView:
    """The local account of a person the identity provider has signed in.

    Parameters
    ----------
    db:
        The database.
    claims:
        The identity claims (``st.user``): ``sub`` is required; ``email`` and ``name``
        are used when present.
    unknown_users:
        ``"refuse"`` or ``"inactive"`` (create an inactive account to approve).

    Returns
    -------
    UserView
        The active, linked account (the sign-in is audited).

    Raises
    ------
    AuthenticationError
        With a clear message when the person has no account, the account is inactive
        (or was just created inactive), or the provider sent no subject.
    """
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise AuthenticationError("The identity provider did not say who you are.")
    email = str(claims.get("email") or "").strip().lower() or None
    name = str(claims.get("name") or email or subject).strip()[:120]
    with db.write() as session:
        user = session.scalar(select(User).where(User.oidc_subject == subject))
        if user is None and email:
            user = session.scalar(
                select(User).where(func.lower(User.email) == email, User.oidc_subject.is_(None))
            )
            if user is not None:
                user.oidc_subject = subject
                record(
                    session,
                    Actor.system("single sign-on"),
                    "user.link_oidc",
                    "user",
                    user.id,
                    after={"oidc_subject": subject},
                )
        if user is None:
            if unknown_users == "inactive":
                created = User(
                    username=_username_for(session, email, subject),
                    display_name=name,
                    role=UNKNOWN_USER_ROLE,
                    password_hash=None,
                    is_active=False,
                    oidc_subject=subject,
                    email=email,
                )
                session.add(created)
                session.flush()
                record(
                    session,
                    Actor.system("single sign-on"),
                    "user.create",
                    "user",
                    created.id,
                    after={"username": created.username, "role": created.role, "active": False},
                    detail="created inactive at first single sign-on, awaiting approval",
                )
                session.add(_failure("single sign-on: awaiting approval", subject, name, created))
                message = AWAITING_APPROVAL
            else:
                session.add(_failure("single sign-on: not registered", subject, name, None))
                message = NOT_REGISTERED
            view = None
        elif not user.is_active:
            session.add(_failure("single sign-on: inactive account", subject, name, user))
            message, view = AWAITING_APPROVAL, None
        else:
            record_sign_in_bookkeeping(session, user.id, last_sign_in_at=utcnow())
            record(
                session,
                Actor(user.id, user.username, user.display_name, user.role),
                "auth.sign_in",
                "user",
                user.id,
                detail="single sign-on",
            )
            message, view = "", user_view(user)
    if view is None:
        raise AuthenticationError(message)
    return view
