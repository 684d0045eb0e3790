"""The two HTTP routes that put the session cookie into the browser and take it out.

Streamlit's own protocol runs over a websocket, which cannot set cookies. ``app.py``
therefore runs the app through ``st.App`` (Streamlit's supported ASGI entry point) with
these Starlette routes added:

``POST /api/session/start``
    Exchanges the one-time hand-off code made at sign-in (valid for a minute, single
    use) for a fresh session token and sets it as a signed, ``HttpOnly``,
    ``SameSite=Strict`` cookie (``Secure`` over HTTPS or when
    ``TUMORBOARD_COOKIE_SECURE=1``).
``POST /api/session/end``
    Deletes the cookie (the sessions themselves were already ended in the database).

The page calls them with ``fetch`` in the background (no reload, nothing the person is
doing is interrupted); both answer ``204 No Content`` and refuse requests from other
sites (``Origin`` / ``Sec-Fetch-Site`` checks).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from board.accounts.sessions import COOKIE_NAME, exchange_handoff, sign_cookie
from board.db.engine import Database
from board.settings import Settings, load_settings

START_PATH = "/api/session/start"
#: Streamlit's ``st.login`` identity cookie (and its ``_tokens`` and chunk cookies).
STREAMLIT_USER_COOKIE = "_streamlit_user"
END_PATH = "/api/session/end"
_databases: dict[str, Database] = {}


def settings_and_database() -> tuple[Settings, Database]:
    """The settings and the database of the web routes (one engine per database URL).

    Returns
    -------
    tuple[Settings, Database]
        The validated settings and the database they name.
    """
    settings = load_settings()
    db = _databases.get(settings.database_url)
    if db is None:
        db = _databases[settings.database_url] = Database.from_url(settings.database_url)
    return settings, db


def same_origin(request: Request) -> bool:
    """Whether a request came from a page of this app (not from another site).

    Parameters
    ----------
    request:
        The incoming request.

    Returns
    -------
    bool
        ``False`` when ``Sec-Fetch-Site`` says cross-site or ``Origin`` names another host.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            return False
    return True


def _secure(request: Request, settings: Settings) -> bool:
    return settings.cookie_secure or request.url.scheme == "https"


async def start_session(request: Request) -> Response:
    """Exchange the hand-off code for the session cookie.

    Parameters
    ----------
    request:
        A form POST with ``code``.

    Returns
    -------
    Response
        204 (with the cookie when the code was valid, 400 when it was not), or 403
        across sites.
    """
    if not same_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    form = await request.form()
    code = form.get("code")
    settings, db = settings_and_database()
    token = exchange_handoff(db, code if isinstance(code, str) else None)
    response = Response(status_code=204 if token is not None else 400)
    response.headers["Cache-Control"] = "no-store"
    if token is not None:
        # After single sign-on the identity lives in this session only: drop Streamlit's
        # own identity cookies so idle expiry and sign-out apply to it as well.
        for name in request.cookies:
            if name == STREAMLIT_USER_COOKIE or name.startswith(STREAMLIT_USER_COOKIE + "_"):
                response.delete_cookie(name, path="/")
        response.set_cookie(
            COOKIE_NAME,
            sign_cookie(settings.secret_key, token),
            httponly=True,
            samesite="strict",
            secure=_secure(request, settings),
            path="/",
        )
    return response


async def end_session(request: Request) -> Response:
    """Delete the session cookie.

    Parameters
    ----------
    request:
        A form POST.

    Returns
    -------
    Response
        204 deleting the cookie, or 403 across sites.
    """
    if not same_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    response = Response(status_code=204)
    response.headers["Cache-Control"] = "no-store"
    secure = _secure(request, load_settings())
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=secure)
    return response


def routes() -> list[Route]:
    """The session routes to pass to ``st.App(routes=...)``.

    Returns
    -------
    list[Route]
        ``POST /api/session/start`` and ``POST /api/session/end``.
    """
    return [
        Route(START_PATH, start_session, methods=["POST"]),
        Route(END_PATH, end_session, methods=["POST"]),
    ]
