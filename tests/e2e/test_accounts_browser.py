"""Accounts in a real browser: durable sign-in, sign-out everywhere, role pages, injection.

Drives Debian's chromium through Playwright against ``streamlit run app.py`` (the
``app_server`` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update

from board.auth.actor import Actor
from board.cases.service import add_note
from board.db.engine import Database
from board.db.models import Case, User
from board.demo import DEMO_PASSWORD
from board.imaging.enums import Modality
from board.imaging.importer import import_uploads
from board.imaging.links import derive_key
from board.imaging.synth import synth_series
from tests.e2e.servers import AppServer, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 30_000
SIGN_IN_HEADING = "Sign in to Tumor Board"
PAYLOAD = '<script>alert("x")</script><img src=x onerror="alert(1)"><b onmouseover=alert(2)>b</b>'


@pytest.fixture(scope="module")
def app_server(
    browser_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """One server for this module (the tests use separate browser contexts and users)."""
    with running_app(tmp_path_factory.mktemp("accounts-app")) as server:
        yield server


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _context(browser: Any, opened: list[Any]) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened.append(context)
    return context


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


def _sign_in(page: Any, url: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    _settle(page)
    _wait_for_cookie(page)


def _wait_for_cookie(page: Any, present: bool = True) -> None:
    """The page fetches (or drops) the session cookie in the background."""
    for _ in range(150):
        has = any(c["name"] == "tumorboard_session" for c in page.context.cookies())
        if has == present:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the session cookie never " + ("arrived" if present else "went"))


def _nav_links(page: Any) -> set[str]:
    nav = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]')
    nav.first.wait_for()
    return {t.strip().splitlines()[-1].strip() for t in nav.locator("a").all_inner_texts()}


def test_sign_in_survives_reload_and_second_tab_and_sign_out_ends_everywhere(
    app_server: AppServer, browser: Any, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    context = _context(browser, contexts)
    first = context.new_page()
    _sign_in(first, app_server.url, "demo.coordinator")
    expect(first.get_by_role("heading", name="Worklist")).to_be_visible()

    cookies = [c for c in context.cookies() if c["name"] == "tumorboard_session"]
    assert len(cookies) == 1
    assert cookies[0]["httpOnly"] is True
    assert cookies[0]["sameSite"] == "Strict"
    assert "tumorboard_session" not in first.evaluate("document.cookie")

    first.reload()
    _settle(first)
    expect(first.get_by_role("heading", name="Worklist")).to_be_visible()
    expect(first.get_by_text("Claire Dubois")).to_be_visible()

    second = context.new_page()
    second.goto(f"{app_server.url}/meetings")
    _settle(second)
    expect(second.get_by_text("Signed in as")).to_be_visible()
    expect(second.get_by_role("heading", name=SIGN_IN_HEADING)).to_have_count(0)

    first.get_by_role("button", name="Sign out").click()
    expect(first.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    _settle(first)
    _wait_for_cookie(first, present=False)
    first.reload()
    _settle(first)
    expect(first.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "tumorboard_session"]

    # The other tab was signed out too: its next action finds the session ended.
    second.reload()
    _settle(second)
    expect(second.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()


def test_a_stolen_cookie_stops_working_after_sign_out(
    app_server: AppServer, browser: Any, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    context = _context(browser, contexts)
    page = context.new_page()
    _sign_in(page, app_server.url, "demo.physio")
    stolen = [c for c in context.cookies() if c["name"] == "tumorboard_session"]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    _wait_for_cookie(page, present=False)

    other = _context(browser, contexts)
    other.add_cookies(stolen)
    thief = other.new_page()
    thief.goto(app_server.url)
    _settle(thief)
    expect(thief.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        (
            "demo.physio",
            {
                "Worklist",
                "Case",
                "Meetings",
                "Board analytics",
                "Presenter",
                "Scribe",
                "My account",
            },
        ),
        (
            "demo.coordinator",
            {
                "Worklist",
                "Case",
                "Meetings",
                "Board analytics",
                "Presenter",
                "Scribe",
                "Audit",
                "My account",
            },
        ),
        (
            "demo.admin",
            {"Worklist", "Case", "Meetings", "Board analytics", "Audit", "Admin", "My account"},
        ),
    ],
)
def test_each_role_sees_only_its_pages(
    app_server: AppServer, browser: Any, contexts: list[Any], username: str, expected: set[str]
) -> None:
    from playwright.sync_api import expect

    page = _context(browser, contexts).new_page()
    _sign_in(page, app_server.url, username)
    assert _nav_links(page) == expected
    # A page the role may not use shows nothing of it: its address says so in plain
    # words and links to the start page (not Streamlit's "Page not found" dialog).
    if "Admin" not in expected:
        page.goto(f"{app_server.url}/admin")
        _settle(page)
        expect(page.get_by_role("heading", name="Administration")).to_have_count(0)
        expect(page.get_by_text("The Admin page is not available to the")).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.get_by_role("link", name="Go to the Worklist")).to_be_visible()


#: Records the messages of Streamlit's host protocol (``stCommVersion`` 1) posted to the
#: window, before the app loads. Not framed, the app's own window is its "host".
HOST_MESSAGES = """
window.__tbHostMessages = [];
window.addEventListener('message', (event) => {
  if (event.data && event.data.stCommVersion === 1) {
    window.__tbHostMessages.push(String(event.data.type));
  }
});
"""


def test_no_other_site_can_steer_the_app_through_window_messages(
    app_server: AppServer, browser: Any, contexts: list[Any]
) -> None:
    """Streamlit's browser code obeys window messages (stop or rerun the script, change
    the page, take a sign-in token) from a framing page whose address is in
    ``client.allowedOrigins``; by default that lists Streamlit's own cloud domains. The
    app lists none, so the channel is never opened: Streamlit's opening handshake
    (``GUEST_READY``) is never sent, while its ordinary status messages are."""
    context = _context(browser, contexts)
    context.add_init_script(HOST_MESSAGES)
    page = context.new_page()
    _sign_in(page, app_server.url, "demo.coordinator")
    page.goto(f"{app_server.url}/worklist")
    _settle(page)
    posted = page.evaluate("() => window.__tbHostMessages")
    assert posted, "Streamlit posts its status messages to the host window"
    assert "GUEST_READY" not in posted, posted


def _console(message: Any, origin: str, errors: list[str]) -> None:
    """Keep console errors (nothing is loaded from other hosts, no address probe fails)."""
    if message.type != "error":
        return
    url = str((message.location or {}).get("url") or "")
    errors.append(f"{message.text} ({url})")


def test_script_in_notes_and_case_text_is_shown_as_text(
    app_server: AppServer, browser: Any, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    db = Database.from_url(app_server.database_url)
    try:
        with db.write() as session:
            user = session.scalars(select(User).where(User.username == "demo.coordinator")).one()
            actor = Actor(user.id, user.username, user.display_name, user.role)
            case_id = session.scalars(select(Case.id).order_by(Case.id)).first()
            assert case_id is not None
            session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(histology=PAYLOAD[:200], referral_question=PAYLOAD)
            )
        add_note(db, actor, case_id, f"Note {PAYLOAD}")
        # A DICOM study whose descriptions hold the payload (LO values: 64 characters).
        dicom = synth_series(
            Modality.MR,
            1,
            study_description=PAYLOAD[:64],
            series_description=PAYLOAD[:64],
            patient_id="E2E-INJECTION",
        )
        imported = import_uploads(
            db,
            actor,
            case_id,
            [("hostile.dcm", dicom[0])],
            key=derive_key("e2e-" + "s" * 40),
            override_reason="browser injection test",
        )
        assert imported.instances_added == 1, imported
    finally:
        db.dispose()

    page = _context(browser, contexts).new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: _console(m, app_server.url, errors))
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, app_server.url, "demo.coordinator")
    page.goto(f"{app_server.url}/case?case={case_id}")
    _settle(page)
    expect(page.get_by_text(re.compile(r"<script>alert")).first).to_be_visible()
    page.get_by_role("tab", name="Imaging").click()
    _settle(page)
    # The study's heading: "date | modality | description | region".
    expect(page.get_by_text(re.compile(r"\| <script>alert")).first).to_be_visible()
    page.mouse.move(400, 400)
    page.wait_for_timeout(500)
    assert page.locator("main script").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert dialogs == []
    assert errors == []
