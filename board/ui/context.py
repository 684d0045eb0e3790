"""Per-run access to settings, the database and the signed-in user.

The engine is the only thing cached process-wide (``st.cache_resource`` keyed by the
database URL); sessions are opened per action by the services, never cached.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from board.accounts.oidc import sign_in_with_identity
from board.accounts.sessions import (
    COOKIE_NAME,
    resolve_session,
    sign_out_everywhere,
    start_session,
    unsign_cookie,
)
from board.accounts.users import UserView
from board.auth.actor import Actor
from board.db.engine import Database
from board.db.migrate import upgrade_to_head
from board.errors import AuthenticationError, ConfigurationError
from board.outreach.alerts import watch_immediate_tier
from board.settings import Settings, load_settings
from board.ui.text import md_escape
from board.web.session_routes import END_PATH, START_PATH

ACTOR_KEY = "actor"
TOKEN_KEY = "session_token"  # noqa: S105 - a session-state key, not a secret
HANDOFF_KEY = "session_handoff"
CLEAR_COOKIE_KEY = "session_clear_cookie"
ENDED_KEY = "session_ended"
OIDC_REFUSED_KEY = "oidc_refused_subject"
OIDC_MESSAGE_KEY = "oidc_refusal"
#: query parameter that carries a deep link's page through the app (see require_actor)
NEXT_PARAM = "next"
APP_SCRIPT = "app.py"
#: The signed-in user as resolved for the script run in progress (see
#: :func:`signed_in_for_this_run`); ``None`` outside such a run.
_RUN_ACTOR: ContextVar[tuple[Actor | None] | None] = ContextVar(
    "tumorboard_run_actor", default=None
)


def settings() -> Settings:
    """The validated settings; a configuration error stops the page with its message."""
    try:
        return load_settings()
    except ConfigurationError as exc:
        st.error(md_escape(f"The app is not configured correctly: {exc}"))
        st.stop()
        raise  # pragma: no cover - st.stop raises


@st.cache_resource(show_spinner="Opening the database...")
def _database(url: str, _settings: Settings) -> Database:
    db = Database.from_url(url)
    upgrade_to_head(db.engine)
    # A case entering the immediate tier is mailed to the MSCC coordinator at once.
    watch_immediate_tier(db, _settings)
    return db


def database() -> Database:
    """The installation's database, migrated to the newest schema on first use."""
    current = settings()
    return _database(current.database_url, current)


def _cookie_value() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser request (AppTest, bare mode)
        return None
    return value if isinstance(value, str) else None


def current_actor() -> Actor | None:
    """The signed-in user of this browser tab, if any.

    The tab's session token (or, after a reload or in a second tab, the signed
    ``HttpOnly`` session cookie) is checked against the database on every run, so
    sign-out elsewhere, idle expiry and deactivation take effect at the next click.
    Tests may put an :class:`Actor` into ``st.session_state["actor"]`` directly.
    Within :func:`signed_in_for_this_run` the check is made once for the whole run.
    """
    held = _RUN_ACTOR.get()
    if held is not None:
        return held[0]
    db = database()
    idle = settings().session_idle_minutes
    token = st.session_state.get(TOKEN_KEY)
    if isinstance(token, str):
        actor = resolve_session(db, token, idle)
        if actor is None:
            _forget()
            st.session_state[ENDED_KEY] = True
            return None
        st.session_state[ACTOR_KEY] = actor
        return actor
    actor = st.session_state.get(ACTOR_KEY)
    if isinstance(actor, Actor):
        return actor
    cookie = _cookie_value()
    if cookie is None:
        return _single_sign_on()
    token = unsign_cookie(settings().secret_key, cookie)
    actor = resolve_session(db, token, idle) if token else None
    if actor is None or token is None:
        st.session_state[ENDED_KEY] = True
        return _single_sign_on()
    st.session_state[TOKEN_KEY] = token
    st.session_state[ACTOR_KEY] = actor
    return actor


@contextmanager
def signed_in_for_this_run() -> Iterator[Actor | None]:
    """Check the signed-in user once for a whole script run: app.py, then its page.

    app.py needs the user to choose the pages; the page asks again
    (:func:`require_actor`). Without this, every run checked the session against the
    database twice. Signing in or out during the run forgets the answer. A fragment's
    own rerun does not run app.py and checks afresh.

    Yields
    ------
    Actor | None
        The signed-in user, or ``None``.
    """
    actor = current_actor()
    token = _RUN_ACTOR.set((actor,))
    try:
        yield actor
    finally:
        _RUN_ACTOR.reset(token)


def oidc_configured() -> bool:
    """Whether hospital single sign-on (an ``[auth]`` section in the secrets) is set up."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _single_sign_on() -> Actor | None:
    """The local account of a person just signed in through ``st.login``, if any."""
    try:
        if not st.user.is_logged_in:
            return None
        claims = st.user.to_dict()
    except Exception:  # no identity support in this run (AppTest, bare mode)
        return None
    subject = str(claims.get("sub") or "")
    if st.session_state.get(OIDC_REFUSED_KEY) == subject:
        return None
    try:
        user = sign_in_with_identity(database(), claims, settings().oidc_unknown_users)
    except AuthenticationError as exc:
        st.session_state[OIDC_REFUSED_KEY] = subject
        st.session_state[OIDC_MESSAGE_KEY] = str(exc)
        return None
    sign_in(user)
    return user.as_actor()


def oidc_refusal() -> str | None:
    """Why single sign-on did not sign the person in (shown on the sign-in page)."""
    message = st.session_state.get(OIDC_MESSAGE_KEY)
    return message if isinstance(message, str) else None


def forget_oidc_refusal() -> None:
    """Forget a refused single sign-on (before trying another account)."""
    st.session_state.pop(OIDC_REFUSED_KEY, None)
    st.session_state.pop(OIDC_MESSAGE_KEY, None)


def _forget() -> None:
    _RUN_ACTOR.set(None)
    for key in (ACTOR_KEY, TOKEN_KEY):
        st.session_state.pop(key, None)


def sign_in(user: UserView) -> None:
    """Start a durable session for a user who has just signed in.

    The tab keeps the session token; on the next run :func:`persist_session` sends the
    browser to the cookie route so a reload or a second tab stays signed in.
    """
    try:
        agent = st.context.headers.get("User-Agent")
    except Exception:  # no browser request
        agent = None
    started = start_session(database(), user.id, user_agent=agent)
    _RUN_ACTOR.set(None)
    st.session_state[TOKEN_KEY] = started.token
    st.session_state[ACTOR_KEY] = user.as_actor()
    st.session_state[HANDOFF_KEY] = started.handoff_code
    st.session_state.pop(ENDED_KEY, None)


def sign_in_as(actor: Actor) -> None:
    """Remember a signed-in user for this tab only (tests and set-up flows)."""
    st.session_state[ACTOR_KEY] = actor


def sign_out() -> None:
    """Sign out everywhere: end every session of the user, then delete the cookie."""
    actor = current_actor()
    if actor is not None:
        sign_out_everywhere(database(), actor)
    _forget()
    st.session_state.pop(HANDOFF_KEY, None)
    st.session_state[CLEAR_COOKIE_KEY] = True


def persist_session() -> None:
    """Let the browser fetch the session cookie after a sign-in, or drop it after sign-out.

    Renders a tiny script (our own markup; the only value in it is the URL-safe one-time
    code) that posts, in the background, the hand-off code to ``/api/session/start``
    (sets the cookie) or posts to ``/api/session/end`` (deletes it). The page is not
    reloaded. Without JavaScript, or in AppTest, the tab stays signed in (or out) for
    itself only.
    """
    code = st.session_state.pop(HANDOFF_KEY, None)
    clear = st.session_state.pop(CLEAR_COOKIE_KEY, None)
    if isinstance(code, str):
        body = json.dumps({"code": code})
        target = START_PATH
    elif clear:
        body, target = "{}", END_PATH
    else:
        return
    script = (
        "<script>(function(){const data=new URLSearchParams("
        f"{body});"
        f'fetch("{target}",{{method:"POST",body:data,credentials:"same-origin",'
        'cache:"no-store"});})();</script>'
    )
    st.html(script, unsafe_allow_javascript=True)


def session_ended() -> bool:
    """Whether this tab's sign-in (or the browser's cookie) ended since the last look."""
    return bool(st.session_state.pop(ENDED_KEY, False))


def require_actor() -> Actor:
    """The signed-in user; stops the page when nobody is signed in."""
    actor = current_actor()
    if actor is None:
        _through_the_app()
        st.info("Please sign in first.")
        st.stop()
        raise AssertionError("unreachable")  # pragma: no cover
    return actor


def _through_the_app() -> None:
    """Send a deep link that reached a page script directly through the app.

    Until the app's own navigation has run once in the server process, Streamlit serves
    the files of pages/ by their names: the first visit to a deep link such as
    /case?case=12 on a freshly started server runs pages/case.py without the app (no
    sign-in form). Switch to the app with the page in ``next``; the app shows the
    sign-in form on that page's address and keeps the deep link. Once the app's
    navigation is active, app.py is not one of its pages and nothing happens here.
    """
    from urllib.parse import urlparse

    from streamlit.errors import StreamlitAPIException

    page = urlparse(str(st.context.url or "")).path.strip("/").rsplit("/", 1)[-1]
    params = {key: st.query_params[key] for key in st.query_params if key != NEXT_PARAM}
    if page:
        params[NEXT_PARAM] = page
    try:
        st.switch_page(APP_SCRIPT, query_params=params)
    except StreamlitAPIException:
        return


def follow_deep_link(pages: Sequence[StreamlitPage]) -> None:
    """Continue to the page a deep link asked for (``next``) after :func:`_through_the_app`.

    Parameters
    ----------
    pages:
        The pages just registered with ``st.navigation`` in this run.
    """
    wanted = st.query_params.get(NEXT_PARAM)
    if not wanted:
        return
    params = {key: st.query_params[key] for key in st.query_params if key != NEXT_PARAM}
    target = next((p for p in pages if p.url_path == wanted), None)
    if target is None:
        del st.query_params[NEXT_PARAM]
        return
    st.switch_page(target, query_params=params)
