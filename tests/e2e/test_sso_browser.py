"""Hospital single sign-on in a real browser, against oidc-provider-mock on 127.0.0.1.

The app runs with a generated ``secrets.toml`` whose ``[auth]`` section points
``st.login`` at a local mock OpenID Connect provider. A person whose provider subject
is linked to a local account is signed in (and stays signed in after a reload); an
unknown person is refused with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from board.db.engine import Database
from board.db.models import User
from tests.e2e.servers import AppServer, _free_port, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 30_000


@pytest.fixture
def oidc_provider(browser_available: None) -> Iterator[str]:
    mock = pytest.importorskip("oidc_provider_mock")
    pytest.importorskip("authlib")
    with mock.run_server_in_thread(port=_free_port()) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def sso_app(oidc_provider: str, tmp_path: Path) -> Iterator[AppServer]:
    port = _free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{"c" * 40}"\n'
        'client_id = "tumorboard"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )

    def link_surgeon(database_url: str) -> None:
        db = Database.from_url(database_url)
        with db.write() as session:
            session.execute(
                update(User)
                .where(User.username == "demo.surgeon")
                .values(oidc_subject="sofia.marin")
            )
        db.dispose()

    with running_app(
        tmp_path, ["--secrets.files", str(secrets)], prepare=link_surgeon, port=port
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def _patient_expect() -> None:
    """The machine may be busy: give every ``expect`` the same generous timeout."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


def _settle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.wait_for_load_state()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(200)


def _sso(page: Any, url: str, subject: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in with your hospital account").click()
    page.locator('input[name="sub"]').fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**")
    _settle(page)


def test_single_sign_on_round_trip(sso_app: AppServer, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        _sso(page, sso_app.url, "sofia.marin")
        expect(page.get_by_text("Signed in as")).to_be_visible()
        expect(page.get_by_text("Dr Sofia Marin")).to_be_visible()
        for _ in range(150):  # the page fetches the session cookie in the background
            names = {c["name"] for c in context.cookies()}
            if "tumorboard_session" in names:
                break
            page.wait_for_timeout(100)
        assert "tumorboard_session" in names
        assert not {n for n in names if n.startswith("_streamlit_user")}
        page.reload()
        _settle(page)
        expect(page.get_by_text("Dr Sofia Marin")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in to Tumor Board")).to_be_visible()
        page.reload()
        _settle(page)
        expect(page.get_by_role("heading", name="Sign in to Tumor Board")).to_be_visible()

        stranger = context.new_page()
        _sso(stranger, sso_app.url, "someone.else")
        expect(stranger.get_by_text("not registered on Tumor Board")).to_be_visible()
        expect(stranger.get_by_text("Signed in as")).to_have_count(0)
    finally:
        context.close()
