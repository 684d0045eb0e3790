"""Driving the Streamlit app in a real browser: pages, settling, sign-in, clicks, choices.

Shared by the browser tests. Pages opened with :func:`new_page` are listed in
:data:`OPEN_PAGES`; the e2e conftest screenshots them when a test fails and closes them.
"""

from __future__ import annotations

from typing import Any

from board.demo import DEMO_PASSWORD

VIEWPORT = {"width": 1920, "height": 1080}
TIMEOUT_MS = 30_000

#: Counts the app's script runs: each time ``.stApp`` enters the "running" state.
#: Installed in every page before the app loads, so a click can wait for the run it
#: caused instead of guessing with a sleep.
RUN_COUNTER = """
(() => {
  window.__tbRuns = 0;
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.target.getAttribute('data-test-script-state') === 'running') {
        window.__tbRuns += 1;
      }
    }
  }).observe(document, {
    attributes: true, subtree: true, attributeFilter: ['data-test-script-state'],
  });
})();
"""

#: The app is settled: its script is not running and no element is stale (left over
#: from the previous run, about to be replaced).
SETTLED = """() => {
  const app = document.querySelector('.stApp');
  return !!app
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


OPEN_PAGES: list[Any] = []


def new_page(browser: Any, viewport: dict[str, int] | None = None) -> Any:
    """A page (1920x1080 unless ``viewport`` says otherwise) in its own browser context
    (its own cookies), with long timeouts."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    context.add_init_script(RUN_COUNTER)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # Assertions wait as long as actions: finalizing renders the report, which takes a
    # few seconds on a loaded two-core machine.
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    OPEN_PAGES.append(page)
    return page


def settle(page: Any) -> None:
    """Wait until Streamlit has finished the current script run (no stale element left)."""
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)


def runs(page: Any) -> int:
    """How many script runs the page has seen so far."""
    return int(page.evaluate("() => window.__tbRuns || 0"))


def settle_after(page: Any, before: int) -> None:
    """Wait for a script run started after ``before`` runs, and for it to finish."""
    page.wait_for_function(
        f"() => (window.__tbRuns || 0) > {before} && ({SETTLED})()", timeout=TIMEOUT_MS
    )


def open_tab(page: Any, name: str) -> None:
    """Select a tab once the page has settled, and check that it is selected."""
    from playwright.sync_api import expect

    settle(page)
    tab = page.get_by_role("tab", name=name)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")


def sign_in(page: Any, url: str, username: str) -> None:
    """Sign in at ``url``; return once the session cookie is set (a reload stays signed in)."""
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()
    settle(page)
    # The page fetches the session cookie in the background after signing in; it is
    # HttpOnly, so the test polls the browser's cookie jar (the state, not a sleep).
    for _ in range(300):
        if any(c["name"] == "tumorboard_session" for c in page.context.cookies()):
            return
        page.wait_for_timeout(50)
    raise AssertionError("the session cookie never arrived")


def click(page: Any, name: str, exact: bool = True) -> None:
    """Click a button and wait for the script run it starts to finish."""
    settle(page)
    before = runs(page)
    page.get_by_role("button", name=name, exact=exact).first.click()
    settle_after(page, before)


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
        if option in shown():
            return
        before = runs(page)
        page.get_by_label(label, exact=True).first.click()
        try:
            page.get_by_role("option", name=option, exact=True).first.click(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        try:
            settle_after(page, before)
        except PlaywrightTimeout:
            continue
        if option in shown():
            return
    raise AssertionError(f"Could not choose {option!r} in {label!r}: shows {shown()!r}")
