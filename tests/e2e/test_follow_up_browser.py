"""Follow-up in a real browser: an overdue visit is recorded from the worklist's case.

The radiation oncologist opens the deep link of a demo case whose first clinic visit is
overdue on a freshly started server (the first visit of all: the deep link must survive
signing in), opens the Follow-up tab, picks the scheduled visit, records pain,
opioid dose, adherence and the treatment start, and sees the computed pain response.
The database then holds the entry, and the case has moved into follow-up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from board.cases.enums import CaseStatus
from board.db.engine import Database
from board.db.models import Case, FollowUp, Patient
from board.followup.enums import Adherence, FollowUpStatus
from tests.e2e.pages import choose, click, new_page, open_tab, settle, sign_in
from tests.e2e.servers import AppServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_record_an_overdue_follow_up_in_the_browser(
    app_server: AppServer, browser: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    db = Database.from_url(app_server.database_url)
    with db.read() as session:
        case_id = session.scalar(
            select(Case.id).join(Patient).where(Patient.pseudonym == "TB-DEMO11")
        )
    page = new_page(browser)
    sign_in(page, f"{app_server.url}/case?case={case_id}", "demo.radiotherapist")
    expect(page.get_by_role("heading", name="Case TB-DEMO11")).to_be_visible()
    open_tab(page, "Follow-up")
    expect(page.get_by_role("button", name="Record this follow-up")).to_be_visible()

    click(page, "Record this follow-up")
    # A rerun shows the case page's first tab again (the tabs are not tracked).
    open_tab(page, "Follow-up")
    pain = page.get_by_role("spinbutton", name="Worst pain at the treated site", exact=False)
    pain.fill("1")
    pain.press("Tab")
    opioid = page.get_by_role("spinbutton", name="Opioid dose", exact=False)
    opioid.fill("0")
    opioid.press("Tab")
    choose(page, "Adherence to the plan", "Given as planned")
    page.get_by_role("textbox", name="Treatment given").fill("cEBRT 8 Gy in 1 fraction to L2")
    # The pain response (Chow 2012) is assessed from the recorded start of radiation:
    # the treatment started today, shortly after midnight UTC.
    start_date = page.get_by_label("Treatment start date (optional)", exact=True)
    start_date.locator("[role=spinbutton]").first.click()
    page.keyboard.type(dt.datetime.now(dt.UTC).strftime("%Y%m%d"))
    page.keyboard.press("Tab")
    settle(page)
    start_time = page.get_by_label("Treatment start time, UTC (optional)", exact=True)
    start_time.locator("[role=spinbutton]").first.click()
    page.keyboard.type("0015")
    page.keyboard.press("Tab")
    settle(page)
    click(page, "Record follow-up")
    open_tab(page, "Follow-up")

    # Baseline 5/10 without opioid -> 1/10 without opioid: pain down 2 or more.
    expect(page.get_by_text("Follow-up recorded. Pain response: partial response")).to_be_visible()
    settle(page)
    # The form starts afresh (a second click would not record the same contact twice).
    expect(page.get_by_role("textbox", name="Treatment given")).to_have_value("")
    page.screenshot(path=str(screenshot_dir / "follow-up-recorded.png"), full_page=True)
    with db.read() as session:
        done = session.scalars(
            select(FollowUp).where(
                FollowUp.case_id == case_id, FollowUp.status == FollowUpStatus.DONE
            )
        ).one()
        assert (done.pain_score, done.omed_mg, done.pain_response) == (1, 0.0, "partial")
        assert done.adherence is Adherence.AS_PLANNED
        case = session.get(Case, case_id)
        assert case is not None and case.status is CaseStatus.IN_FOLLOW_UP
    db.dispose()
