"""The case page in a real browser: the chosen tab stays, nothing is stale, nothing leaves.

- Every page address opens its page (``/worklist`` included), deep links make no failed
  request, nothing is fetched from another host, and the sidebar never shows Streamlit's
  automatic page list (raw file names) while the app loads.
- The chosen tab is in the address (``?tab=``): it survives a reload and every action
  inside it; after a save, the other tabs (the Summary's readiness) show the new truth
  without a reload; key images on the Imaging tab load.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from board.auth.roles import Role
from board.cases.service import get_case
from board.db.engine import Database
from board.db.models import Case
from board.imaging.enums import Modality
from board.imaging.importer import import_uploads
from board.imaging.links import derive_key
from board.imaging.synth import synth_series
from tests.e2e.pages import click, new_page, settle, sign_in
from tests.e2e.servers import AppServer
from tests.reports.helpers import actors

pytestmark = [pytest.mark.browser]

#: The secret key the test servers run with (tests/e2e/servers.py).
E2E_SECRET = "e2e-" + "s" * 40

#: Set on the page when Streamlit's automatic page list ever appears in the sidebar.
NAV_WATCH = """
(() => {
  window.__tbAutoNav = false;
  new MutationObserver(() => {
    if (document.querySelector('[data-testid="stSidebarNav"]')) { window.__tbAutoNav = true; }
  }).observe(document, { childList: true, subtree: true });
})();
"""


def _case_ids(db: Database) -> list[int]:
    with db.read() as session:
        return list(session.scalars(select(Case.id).order_by(Case.id)))


def _case_missing(db: Database, role: Role) -> tuple[int, str]:
    coordinator = actors(db)[Role.COORDINATOR]
    for case_id in _case_ids(db):
        case = get_case(db, coordinator, case_id)
        if role in case.readiness.missing_roles and case.pseudonym.startswith("TB-DEMO"):
            return case.id, case.pseudonym
    raise AssertionError(f"no demo case misses {role.label} input")


def _case_with_key_images(db: Database) -> int:
    """A demo case with an imported MR series (its key image is a stored thumbnail)."""
    coordinator = actors(db)[Role.COORDINATOR]
    case_id = _case_ids(db)[0]
    if not get_case(db, coordinator, case_id).images:
        files = synth_series(Modality.MR, 2, rows=64, columns=64, patient_id="E2E-IMAGES")
        imported = import_uploads(
            db,
            coordinator,
            case_id,
            [(f"im{i}.dcm", data) for i, data in enumerate(files)],
            key=derive_key(E2E_SECRET),
            override_reason="browser test of key images",
        )
        assert imported.instances_added == 2, imported
    assert get_case(db, coordinator, case_id).images
    return case_id


def _tab_selected(page: Any, name: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


def test_addresses_open_their_pages_without_failed_or_outside_requests(
    app_server: AppServer, browser: Any
) -> None:
    from playwright.sync_api import expect

    base = app_server.url
    db = Database.from_url(app_server.database_url)
    try:
        images_case = _case_with_key_images(db)
    finally:
        db.dispose()
    page = new_page(browser)
    page.context.add_init_script(NAV_WATCH)
    failed: list[str] = []
    outside: list[str] = []
    page.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url),
    )
    sign_in(page, base, "demo.coordinator")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    for path, heading in (
        ("/worklist", "Worklist"),
        ("/meetings", "Meetings"),
        ("/analytics", "Board analytics"),
    ):
        page.goto(base + path)
        settle(page)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
    page.goto(f"{base}/case?case={images_case}&tab=Imaging")
    settle(page)
    _tab_selected(page, "Imaging")
    images = page.locator('[data-testid="stImage"] img')
    expect(images.first).to_be_visible()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                 .every(img => img.complete && img.naturalWidth > 0)"""
    )
    assert failed == [], failed
    assert outside == [], outside
    assert page.evaluate("() => window.__tbAutoNav") is False


def test_tab_stays_chosen_and_summary_is_current_after_a_save(
    app_server: AppServer, browser: Any
) -> None:
    from playwright.sync_api import expect

    base = app_server.url
    db = Database.from_url(app_server.database_url)
    try:
        case_id, pseudonym = _case_missing(db, Role.SPINE_SURGEON)
    finally:
        db.dispose()
    page = new_page(browser)
    sign_in(page, f"{base}/case?case={case_id}&tab=Assessments", "demo.surgeon")
    expect(page.get_by_role("heading", name=f"Case {pseudonym}")).to_be_visible()
    _tab_selected(page, "Assessments")

    click(page, "Save and submit for the meeting")
    expect(page.get_by_text("Neurosurgeon / spine surgeon form submitted")).to_be_visible()
    _tab_selected(page, "Assessments")
    assert "tab=Assessments" in page.url

    # The Summary's readiness already knows (no reload).
    page.get_by_role("tab", name="Summary").click()
    settle(page)
    expect(page.get_by_text("[x] Neurosurgeon / spine surgeon input")).to_be_visible()

    # A reload keeps the chosen tab.
    page.get_by_role("tab", name="Scores").click()
    settle(page)
    assert "tab=Scores" in page.url
    page.reload()
    settle(page)
    _tab_selected(page, "Scores")
    expect(page.get_by_role("heading", name="Scores")).to_be_visible()
