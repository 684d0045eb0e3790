"""Driving the Streamlit app in a real browser: pages, settling, sign-in, clicks, choices.

Shared by the browser tests. Pages opened with :func:`new_page` are listed in
:data:`OPEN_PAGES`; the e2e conftest screenshots them when a test fails and closes them.
"""

from __future__ import annotations

from typing import Any

from board.demo import DEMO_PASSWORD

VIEWPORT = {"width": 1920, "height": 1080}
TIMEOUT_MS = 30_000


OPEN_PAGES: list[Any] = []


def new_page(browser: Any) -> Any:
    """A 1920x1080 page in its own browser context (its own cookies), long timeouts."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # Assertions wait as long as actions: finalizing renders the report, which takes a
    # few seconds on a loaded two-core machine.
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    OPEN_PAGES.append(page)
    return page


def settle(page: Any) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(200)


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def click(page: Any, name: str, exact: bool = True) -> None:
    page.get_by_role("button", name=name, exact=exact).first.click()
    settle(page)


def choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label``, and check that it stuck.

    On a loaded machine a script run still finishing can re-render the drop-down while
    it opens (the option is detached before the click lands) or reset the choice: close
    it, let the run finish and try again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def shown() -> str:
        box = page.get_by_label(label, exact=True).first
        return str(box.evaluate("e => e.value || e.getAttribute('value') || e.textContent"))

    for _attempt in range(4):
        settle(page)
        page.get_by_label(label, exact=True).first.click()
        try:
            page.get_by_role("option", name=option, exact=True).first.click(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        settle(page)
        if option in shown():
            return
    raise AssertionError(f"Could not choose {option!r} in {label!r}: shows {shown()!r}")
