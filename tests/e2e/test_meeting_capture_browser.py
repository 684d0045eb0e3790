"""Capture at a live meeting, in a real browser: templates, batch sign-off, amendments.

One meeting of the demo board, each person in a browser context of their own:

- the administrator adds a plan template on the Admin page (component picker, standard
  regimen), and it is offered in plan capture at once;
- the coordinator records "all invited present", starts the meeting, and in the scribe
  view fills two plans: one from the NOMS suggestion plus a shipped template, one from
  the administrator's new template (one click each), with an action item;
- the medical oncologist records a dissent;
- each of the four required specialists signs both plans in one pass on the meetings
  page, each plan shown in full (intent, summary, components, dissent);
- the chair finalizes the first plan; the oncologist amends it during the meeting: the
  new version names the meeting, carries the open action item and the dissent history,
  and its report preview shows the meeting and who attended.

Screenshots of the batch sign-off and the amended plan go to ``test-output/e2e``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from board.db.engine import Database
from board.db.models import AgendaItem, Case, Patient
from tests.e2e.pages import (
    choose,
    click,
    new_page,
    open_tab,
    runs,
    settle,
    settle_after,
    sign_in,
)
from tests.e2e.servers import AppServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST, SECOND = "TB-DEMO01", "TB-DEMO03"
NEW_TEMPLATE = "SBRT 30 Gy in 5 fractions"
ACTION = "Book a whole-spine MRI before radiotherapy"
DISSENT = "I would give SBRT rather than cEBRT."
SIGNERS = ("demo.oncologist", "demo.radiologist", "demo.surgeon", "demo.radiotherapist")


def _agenda(database_url: str) -> dict[str, tuple[int, int]]:
    """Meeting 1's agenda: pseudonym -> (case id, position)."""
    db = Database.from_url(database_url)
    try:
        with db.read() as session:
            rows = session.execute(
                select(Patient.pseudonym, Case.id, AgendaItem.position)
                .join(Case, Case.patient_id == Patient.id)
                .join(AgendaItem, AgendaItem.case_id == Case.id)
                .where(AgendaItem.meeting_id == 1)
            ).all()
    finally:
        db.dispose()
    return {name: (int(case_id), int(position)) for name, case_id, position in rows}


def _acknowledge_prompts(page: Any) -> None:
    """Acknowledge every safety prompt the plan raises (they stop signing until then)."""
    for _ in range(10):
        settle(page)
        buttons = page.get_by_role("button", name=re.compile("^Acknowledge: "))
        if buttons.count() == 0:
            return
        before = runs(page)
        buttons.first.click()
        settle_after(page, before)
    raise AssertionError("safety prompts kept coming")


def _admin_adds_a_template(browser: Any, base: str) -> None:
    from playwright.sync_api import expect

    admin = new_page(browser)
    sign_in(admin, base, "demo.admin")
    admin.goto(f"{base}/admin")
    settle(admin)
    admin.get_by_text("Add a template").click()
    admin.get_by_role("textbox", name="Name *").fill(NEW_TEMPLATE)
    admin.get_by_role("textbox", name="Name *").press("Tab")
    choose(admin, "Component", "Radiation")
    choose(admin, "Option", "Stereotactic body radiotherapy (SBRT)")
    choose(admin, "Standard regimen", "30-35 Gy in 5 fractions")
    expect(admin.get_by_role("spinbutton", name="Total dose (Gy) *")).to_have_value("30.00")
    click(admin, "Add component to the template")
    expect(admin.get_by_text("Radiation: SBRT 30 Gy in 5 fractions")).to_be_visible()
    click(admin, "Save template")
    expect(admin.get_by_text(f"Template '{NEW_TEMPLATE}' saved")).to_be_visible()


def _capture(page: Any, base: str, position: int, template: str, noms: bool) -> None:
    """In the scribe view: start the plan, fill it in a click or two, set the intent."""
    from playwright.sync_api import expect

    page.goto(f"{base}/scribe?meeting=1&item={position}")
    settle(page)
    click(page, "Start the plan")
    expect(page.get_by_text("Plan started")).to_be_visible()
    if noms:
        click(page, "Start from the NOMS suggestion")
        expect(page.get_by_text("The plan follows the NOMS suggestion.")).to_be_visible()
    choose(page, "Template", template)
    click(page, "Apply template")
    expect(page.get_by_text("Template applied: the plan now has")).to_be_visible()
    page.get_by_text("Palliative", exact=True).click()
    page.get_by_role("textbox", name="Summary of the consensus").fill(
        f"Agreed at the board ({template})."
    )
    reason = page.get_by_role("textbox", name=re.compile("^Why the plan departs from the NOMS"))
    if "(required)" in str(reason.get_attribute("aria-label") or ""):
        reason.fill("The board prefers ablative dose for this radioresistant histology.")
    click(page, "Save intent and summary")
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    _acknowledge_prompts(page)


@pytest.mark.timeout(600)  # six people's browsers, one after another, on two cores
def test_templates_batch_sign_off_and_an_amendment_at_a_live_meeting(
    app_server: AppServer, browser: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    base = app_server.url
    agenda = _agenda(app_server.database_url)
    (first_case, first_position), (_, second_position) = agenda[FIRST], agenda[SECOND]

    _admin_adds_a_template(browser, base)

    # The coordinator: attendance in one click, the meeting starts.
    scribe = new_page(browser)
    sign_in(scribe, base, "demo.coordinator")
    scribe.goto(f"{base}/meetings?meeting=1")
    open_tab(scribe, "Attendance and quorum")
    click(scribe, "All invited present")
    expect(scribe.get_by_text("Everyone invited is recorded present")).to_be_visible()
    click(scribe, "Start meeting")
    expect(scribe.get_by_text("Meeting started.")).to_be_visible()

    # Two plans, each filled in one click or two; the new template is offered at once.
    _capture(scribe, base, first_position, "Surgical stabilisation (instrumentation)", noms=True)
    expect(scribe.get_by_text("Surgery: Stabilisation (instrumentation)").first).to_be_visible()
    expect(scribe.get_by_text("Radiation: cEBRT 8 Gy in 1 fraction").first).to_be_visible()
    scribe.get_by_role("textbox", name="Action *").fill(ACTION)
    choose(scribe, "Owner (role or person) *", "Role: Radiologist")
    click(scribe, "Add action item")
    expect(scribe.get_by_text("Action item added")).to_be_visible()
    _capture(scribe, base, second_position, NEW_TEMPLATE, noms=False)
    expect(scribe.get_by_text("Radiation: SBRT 30 Gy in 5 fractions").first).to_be_visible()

    # A dissent on the first plan, from the oncologist's own Plan tab.
    oncologist = new_page(browser)
    sign_in(oncologist, base, "demo.oncologist")
    oncologist.goto(f"{base}/case?case={first_case}&tab=Plan")
    settle(oncologist)
    oncologist.get_by_role("textbox", name=re.compile("^Record your dissent")).fill(DISSENT)
    click(oncologist, "Record dissent")
    expect(oncologist.get_by_text("Dissent recorded.", exact=True)).to_be_visible()
    expect(oncologist.get_by_text(DISSENT, exact=False).first).to_be_visible()
    expect(oncologist.get_by_text("No dissent recorded.")).to_have_count(0)

    # Batch sign-off: each required specialist signs both plans in one pass.
    pages = {"demo.oncologist": oncologist}
    for username in SIGNERS:
        page = pages.get(username)
        if page is None:
            page = pages[username] = new_page(browser)
            sign_in(page, base, username)
        page.goto(f"{base}/meetings?meeting=1")
        open_tab(page, "Plans and sign-off")
        expect(page.get_by_text("2 plans of this meeting await your signature.")).to_be_visible()
        for pseudonym in (FIRST, SECOND):
            expect(page.get_by_text(f"{pseudonym}: plan version 1").first).to_be_visible()
        expect(page.get_by_text("Radiation: SBRT 30 Gy in 5 fractions").first).to_be_visible()
        expect(page.get_by_text(DISSENT, exact=False).first).to_be_visible()
        if username == SIGNERS[0]:
            page.get_by_role("heading", name="Sign plans").evaluate("(e) => e.scrollIntoView()")
            page.screenshot(path=str(screenshot_dir / "batch-sign-off.png"))
        click(page, "Sign the 2 plans shown as", exact=False)
        signed = sorted((FIRST, SECOND), key=lambda p: agenda[p][1])
        expect(page.get_by_text(f"Signed 2 plans: {', '.join(signed)}.")).to_be_visible()
        expect(page.get_by_text("No plan of this meeting awaits your signature.")).to_be_visible()

    # The chair finalizes the first plan.
    chair = pages["demo.surgeon"]
    chair.goto(f"{base}/case?case={first_case}&tab=Plan")
    settle(chair)
    click(chair, "Finalize plan")
    expect(chair.get_by_text("Plan finalized: it is now read-only.")).to_be_visible()

    # The oncologist amends it during the meeting: the context comes along.
    oncologist.goto(f"{base}/case?case={first_case}&tab=Plan")
    settle(oncologist)
    oncologist.get_by_text("Amend the plan (creates a new version)").click()
    oncologist.get_by_role("textbox", name="Reason for the amendment *").fill(
        "New MRI: progression at T9"
    )
    click(oncologist, "Create amendment")
    expect(oncologist.get_by_text("Version 2 created as a draft amendment.")).to_be_visible()
    expect(oncologist.get_by_text("Consensus plan, version 2: draft")).to_be_visible()
    expect(oncologist.get_by_text("Meeting: Spine tumor board").first).to_be_visible()
    expect(oncologist.get_by_text(f"on version 1: {DISSENT}")).to_be_visible()
    carried = oncologist.get_by_text(ACTION)
    expect(carried).to_have_count(1)
    assert carried.inner_text().replace("\u200b", "").endswith("(open)"), carried.inner_text()
    oncologist.screenshot(path=str(screenshot_dir / "amendment-context.png"))

    # Its report names the meeting and who attended, not "not discussed at a meeting yet".
    open_tab(oncologist, "Report")
    settle(oncologist)
    expect(oncologist.get_by_text("not discussed at a meeting yet")).to_have_count(0)
    expect(oncologist.get_by_text("Spine tumor board").first).to_be_visible()
