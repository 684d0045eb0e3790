"""The worklist fits a 1440x900 screen: no sideways scrolling with the default columns;
more columns on demand (Playwright + Debian's chromium against ``streamlit run``)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import new_page, runs, settle, settle_after, sign_in
from tests.e2e.servers import AppServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1440, "height": 900}
COOKIE_ROUTE = "/api/session/start"
DEFAULT = ("Case", "Urgency", "Status", "Readiness", "Next meeting", "Open")
PICKER = "Columns shown (Case and Open always are)"

#: The worklist grid (Glide data grid): its headings (the accessible table it keeps for
#: screen readers), and the widths of the element that scrolls it sideways.
GRID = """() => {
  const grid = document.querySelector('[data-testid="stDataFrame"]');
  const scroller = grid.querySelector('.dvn-scroller');
  return {
    headings: [...grid.querySelectorAll('th')].map(th => th.textContent.trim()),
    scroll: scroller.scrollWidth,
    client: scroller.clientWidth,
    overflowX: getComputedStyle(scroller).overflowX,
    page: document.documentElement.scrollWidth,
    window: window.innerWidth,
  };
}"""


def _grid(page: Any, *headings: str) -> dict[str, Any]:
    """The grid's measures once it shows ``headings`` and the app has settled.

    The grid draws (and lists) only the columns in view.
    """
    page.wait_for_function(
        f"""() => {{
          const shown = [...document.querySelectorAll('[data-testid="stDataFrame"] th')]
            .map(th => th.textContent.trim());
          return {list(headings)!r}.every(h => shown.includes(h));
        }}"""
    )
    settle(page)
    return dict(page.evaluate(GRID))


def _add_column(page: Any, heading: str) -> None:
    """Pick one more column in the "Columns" expander and wait for the grid to follow.

    A run finishing while the list opens can close it: open it afresh and retry, as
    ``choose`` does for select boxes.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    picker = page.get_by_role("combobox", name=PICKER)
    option = page.get_by_role("option", name=heading, exact=True)
    for _attempt in range(4):
        settle(page)
        if not picker.is_visible():
            page.get_by_test_id("stExpander").get_by_text("Columns", exact=True).click()
            expect(picker).to_be_visible()
        if picker.get_attribute("aria-expanded") != "true":
            picker.click()
        before = runs(page)
        try:
            option.click(timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        settle_after(page, before)
        page.keyboard.press("Escape")  # the list stays open for more picks
        return
    raise AssertionError(f"Could not add the column {heading!r}")


def test_worklist_fits_a_1440_screen_and_takes_more_columns_on_demand(
    app_server: AppServer, browser: Any
) -> None:
    page = new_page(browser, LAPTOP)
    # Signed in, then reloaded with the session cookie: the runs that follow a sign-in
    # (the cookie hand-off) redraw the page and would close the column picker.
    with page.expect_response(lambda response: response.url.endswith(COOKIE_ROUTE)):
        sign_in(page, app_server.url, "demo.coordinator")
    page.reload()
    grid = _grid(page, "Case")
    assert grid["headings"] == list(DEFAULT), grid
    assert grid["overflowX"] in ("auto", "scroll")  # this is the element that would scroll
    assert grid["scroll"] <= grid["client"], grid  # nothing hidden to the right
    assert grid["page"] <= grid["window"], grid  # nor does the page itself scroll sideways

    # More columns on demand: then the grid may scroll, and the measure sees it.
    for heading in ("Primary cancer", "Levels", "Follow-up"):
        _add_column(page, heading)
    grid = _grid(page, "Case", "Urgency", "Primary cancer", "Levels")
    # in display order; the columns beyond the right edge are reached by scrolling
    assert grid["headings"][:5] == ["Case", "Urgency", "Primary cancer", "Levels", "Status"]
    assert grid["scroll"] > grid["client"], grid
