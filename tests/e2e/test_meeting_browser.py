"""A whole board meeting in a real browser (Debian chromium driven by Playwright).

The coordinator opens the meeting, sets the quorum to the two roles who will sign,
records attendance and starts the meeting; the presenter view walks the cases; the
plan is captured live in the scribe view, which opens on the presented case; the
radiation oncologist and the chair (spine surgeon) sign in their own browser sessions,
and the chair finalizes. Screenshots at 1920x1080 (and of the whole page) of the
presenter and scribe views are saved under ``test-output/e2e``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from board.cases.enums import CaseStatus
from board.db.engine import Database
from board.db.models import AuditEvent, Case, Patient, PlanVersion
from board.plans.enums import PlanStatus
from tests.e2e.pages import OPEN_PAGES as OPEN_PAGES
from tests.e2e.pages import VIEWPORT
from tests.e2e.pages import choose as _choose
from tests.e2e.pages import click as _click
from tests.e2e.pages import new_page as _new_page
from tests.e2e.pages import settle as _settle
from tests.e2e.pages import sign_in as _sign_in
from tests.e2e.servers import AppServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _shot(page: Any, folder: Path, name: str) -> tuple[Path, Path]:
    """Save what the projector shows (1920x1080) and the whole scrolled page."""
    screen = folder / f"{name}-screen.png"
    page.screenshot(path=str(screen))
    # Streamlit scrolls inside its main container, so a "full page" screenshot needs a
    # viewport as tall as that container's content.
    height = page.evaluate(
        '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
        '[data-testid="stAppViewContainer"]\')].map(e => e.scrollHeight), 1080)'
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(height)})
    page.wait_for_timeout(400)
    full = folder / f"{name}-full.png"
    page.screenshot(path=str(full), full_page=True)
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(200)
    return screen, full


def test_whole_meeting_in_the_browser(
    app_server: AppServer, browser: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    base = app_server.url
    coordinator = _new_page(browser)
    _sign_in(coordinator, base, "demo.coordinator")
    expect(coordinator.get_by_role("heading", name="Worklist")).to_be_visible()

    # The meeting page, through the sidebar (a reload would sign out).
    coordinator.get_by_role("link", name="Meetings").click()
    _settle(coordinator)
    expect(coordinator.get_by_role("heading", name="Meetings")).to_be_visible()
    expect(coordinator.get_by_text("No quorum").first).to_be_visible()

    # Quorum for this meeting: the two roles who will sign.
    coordinator.get_by_role("tab", name="Meeting details").click()
    form = coordinator.locator('[data-testid="stForm"]').last
    for role in ("Medical oncologist", "Radiologist"):
        form.get_by_role("button", name=re.compile(f"Remove {role}")).first.click()
    form.get_by_role("button", name="Save changes").click()
    _settle(coordinator)
    expect(coordinator.get_by_text("Meeting saved.")).to_be_visible()

    # Attendance: the radiation oncologist and the chair.
    coordinator.get_by_role("tab", name="Attendance and quorum").click()
    for person in (
        "Dr Tomasz Nowak (Radiation oncologist)",
        "Dr Sofia Marin (Neurosurgeon / spine surgeon)",
    ):
        _choose(coordinator, "Attendee", person)
        _click(coordinator, "Record attendance")
        coordinator.get_by_role("tab", name="Attendance and quorum").click()
    expect(coordinator.get_by_text("Quorum: every required specialty is present.")).to_be_visible()

    _click(coordinator, "Start meeting")
    expect(coordinator.get_by_text("Meeting started.")).to_be_visible()

    # Presenter view: the first case, then the second; TB-DEMO01 (ready, not urgent)
    # follows the four urgent cases.
    coordinator.get_by_role("link", name="Open presenter view").click()
    _settle(coordinator)
    expect(coordinator.get_by_text("case 1 of 7")).to_be_visible()
    expect(coordinator.locator('[data-testid="stSidebar"]')).to_be_hidden()
    first, _ = _shot(coordinator, screenshot_dir, "presenter-case-1")
    _click(coordinator, "Next case")
    expect(coordinator.get_by_text("case 2 of 7")).to_be_visible()
    _shot(coordinator, screenshot_dir, "presenter-case-2")
    for position in (3, 4, 5):
        _click(coordinator, "Next case")
        expect(coordinator.get_by_text(f"case {position} of 7")).to_be_visible()
    expect(coordinator.get_by_text("TB-DEMO01")).to_be_visible()
    expect(coordinator.get_by_role("heading", name="Scores")).to_be_visible()

    # Capture the plan live in the scribe view: it opens on the case the presenter is on.
    coordinator.goto(f"{base}/scribe?meeting=1")
    chair_case = coordinator.get_by_text("The chair is presenting case 5 of 7: TB-DEMO01")
    expect(chair_case).to_be_visible()
    _click(coordinator, "Start the plan")
    expect(coordinator.get_by_text("Plan started")).to_be_visible()
    coordinator.get_by_text("Palliative", exact=True).click()
    coordinator.get_by_role("textbox", name="Summary of the consensus").fill(
        "Single-fraction radiotherapy to T8; continue endocrine therapy."
    )
    _click(coordinator, "Save intent and summary")
    expect(coordinator.get_by_text("Plan saved.")).to_be_visible()

    _choose(coordinator, "Component", "Radiation")
    _choose(coordinator, "Option", "Conventional external beam radiation (cEBRT)")
    coordinator.get_by_role("spinbutton", name="Total dose (Gy) *").fill("8")
    coordinator.get_by_role("spinbutton", name="Fractions *").fill("1")
    levels = coordinator.get_by_role("textbox", name="Levels")
    levels.fill("T8")
    levels.press("Tab")
    _settle(coordinator)
    _click(coordinator, "Add to plan")
    expect(coordinator.get_by_text("Radiation added.")).to_be_visible()

    _choose(coordinator, "Component", "Physiotherapy")
    _choose(coordinator, "Option", "Heat therapy")
    goals = coordinator.get_by_role("textbox", name="Goals *")
    goals.fill("Ease stiffness; walk 500 m")
    goals.press("Tab")
    _settle(coordinator)
    _click(coordinator, "Add to plan")
    expect(coordinator.get_by_text("Physiotherapy added.")).to_be_visible()

    # Heat therapy raises a safety prompt the board must acknowledge.
    expect(coordinator.get_by_text("should avoid the tumour site").first).to_be_visible()
    _click(coordinator, "Acknowledge: heat therapy")
    expect(coordinator.get_by_text("Safety prompt acknowledged.")).to_be_visible()
    _shot(coordinator, screenshot_dir, "scribe-plan-captured")

    # Two specialists sign in their own sessions (deep links survive signing in).
    deep_link = f"{base}/scribe?meeting=1&item=5"
    radiotherapist = _new_page(browser)
    _sign_in(radiotherapist, deep_link, "demo.radiotherapist")
    expect(radiotherapist.get_by_text("TB-DEMO01").first).to_be_visible()
    _click(radiotherapist, "Sign plan as Radiation oncologist")
    expect(radiotherapist.get_by_text("Plan signed.")).to_be_visible()

    chair = _new_page(browser)
    _sign_in(chair, deep_link, "demo.surgeon")
    _click(chair, "Sign plan as Neurosurgeon / spine surgeon")
    expect(chair.get_by_text("Plan signed.")).to_be_visible()
    _click(chair, "Finalize plan")
    expect(chair.get_by_text("Plan finalized").first).to_be_visible()
    expect(chair.get_by_role("button", name="Add to plan")).to_have_count(0)
    _, final = _shot(chair, screenshot_dir, "scribe-plan-finalized")

    for path in (first, final):
        assert path.stat().st_size > 30_000  # a real picture, not an empty page
        from PIL import Image

        with Image.open(path) as image:
            assert image.width == 1920 and image.height >= 1080
    with Image.open(final) as image:
        assert image.height > 1080  # the whole plan, below the case in short

    db = Database.from_url(app_server.database_url)
    try:
        with db.read() as session:
            case = session.scalars(
                select(Case).join(Patient).where(Patient.pseudonym == "TB-DEMO01")
            ).one()
            assert case.status is CaseStatus.PLAN_FINALIZED
            plan = session.scalars(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
            assert plan.status is PlanStatus.FINALIZED
            actions = set(
                session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id))
            )
        assert {
            "plan.start",
            "plan.item_add",
            "plan.sign",
            "plan.finalize",
            "case.status",
        } <= actions
    finally:
        db.dispose()
