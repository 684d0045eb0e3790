"""The cookie routes: hand-off exchange, cookie attributes, single use, same-origin checks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from starlette.requests import Request
from starlette.responses import Response

from board.accounts.sessions import COOKIE_NAME, resolve_session, start_session, unsign_cookie
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.web import session_routes
from board.web.session_routes import end_session, same_origin
from board.web.session_routes import start_session as route

KEY = "r" * 40


@pytest.fixture
def app_env(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", KEY)
    monkeypatch.delenv("TUMORBOARD_COOKIE_SECURE", raising=False)
    yield db
    # The routes keep their own engine: close it so PostgreSQL can drop the database.
    for engine_db in session_routes._databases.values():
        engine_db.dispose()
    session_routes._databases.clear()


def _request(
    path: str, form: dict[str, str], headers: dict[str, str] | None = None, scheme: str = "http"
) -> Request:
    body = urlencode(form).encode()
    raw = {"host": "127.0.0.1:8501", "content-type": "application/x-www-form-urlencoded"}
    raw.update(headers or {})
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "scheme": scheme,
        "query_string": b"",
        "server": ("127.0.0.1", 8501),
        "headers": [(k.lower().encode(), v.encode()) for k, v in raw.items()],
    }
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def _call(handler: Callable[[Request], object], request: Request) -> Response:
    # A fresh thread has no event loop: earlier tests in the same worker (Playwright's
    # sync API, AppTest) may leave one registered on the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(asyncio.run, handler(request)).result()  # type: ignore[arg-type]
    assert isinstance(result, Response)
    return result


def test_start_sets_a_strict_httponly_signed_cookie(
    app_env: Database, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    assert user.user_id is not None
    started = start_session(app_env, user.user_id)
    response = _call(
        route,
        _request(
            "/api/session/start",
            {"code": started.handoff_code},
            {"origin": "http://127.0.0.1:8501", "sec-fetch-site": "same-origin"},
        ),
    )
    assert response.status_code == 204
    assert "location" not in response.headers
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    token = unsign_cookie(KEY, value)
    assert token is not None and resolve_session(app_env, token, 30) == user
    # The code works once.
    again = _call(route, _request("/api/session/start", {"code": started.handoff_code}))
    assert again.status_code == 400
    assert "set-cookie" not in again.headers


def test_secure_over_https_and_refused_across_sites(
    app_env: Database, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    assert user.user_id is not None
    started = start_session(app_env, user.user_id)
    forged = _call(
        route,
        _request(
            "/api/session/start", {"code": started.handoff_code}, {"origin": "https://evil.example"}
        ),
    )
    assert forged.status_code == 403
    cross = _call(
        route,
        _request(
            "/api/session/start", {"code": started.handoff_code}, {"sec-fetch-site": "cross-site"}
        ),
    )
    assert cross.status_code == 403
    secure = _call(
        route, _request("/api/session/start", {"code": started.handoff_code}, scheme="https")
    )
    assert "Secure" in secure.headers["set-cookie"]


def test_cookie_secure_setting_marks_the_cookie_secure_over_http(
    app_env: Database, make_user: Callable[..., Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    # TLS ends at a reverse proxy: the app sees plain HTTP.
    monkeypatch.setenv("TUMORBOARD_COOKIE_SECURE", "1")
    user = make_user(Role.RADIOLOGIST)
    assert user.user_id is not None
    started = start_session(app_env, user.user_id)
    response = _call(route, _request("/api/session/start", {"code": started.handoff_code}))
    assert response.status_code == 204 and "Secure" in response.headers["set-cookie"]
    ended = _call(end_session, _request("/api/session/end", {}))
    assert "Secure" in ended.headers["set-cookie"]


def test_end_deletes_the_cookie(app_env: Database) -> None:
    response = _call(end_session, _request("/api/session/end", {}))
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f'{COOKIE_NAME}=""') and "Max-Age=0" in cookie


def test_same_origin_rules() -> None:
    assert same_origin(_request("/", {}))
    assert same_origin(_request("/", {}, {"origin": "http://127.0.0.1:8501"}))
    assert not same_origin(_request("/", {}, {"origin": "http://127.0.0.1:9999"}))
    assert not same_origin(_request("/", {}, {"sec-fetch-site": "same-site"}))
