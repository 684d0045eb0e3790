"""Driving the Streamlit app in a real browser: pages, settling, sign-in, clicks, choices.

Shared by the browser tests. Pages opened with :func:`new_page` are listed in
:data:`OPEN_PAGES`; the e2e conftest screenshots them when a test fails and closes them.
"""

from __future__ import annotations

from typing import Any

from board.demo import DEMO_PASSWORD

VIEWPORT = {"width": 1920, "height": 1080}
TIMEOUT_MS = 30_000

#: Counts the app's finished script runs (full runs and fragment runs), read from the
#: app's own WebSocket messages: each run ends with a message carrying
#: ``script_finished`` (field 6 of Streamlit's ``ForwardMsg``). A run cut short for a
#: rerun is not counted (the rerun is). The count rises one browser frame after the
#: message, once the page has drawn what the run sent. Installed in every page before
#: the app loads, so a click can wait for the run it caused instead of guessing with a
#: sleep. (Watching ``.stApp`` enter its "running" state missed runs that start and end
#: within one frame: React never draws that state for them.)
RUN_COUNTER = """
(() => {
  window.__tbRuns = 0;
  const FINISHED_EARLY_FOR_RERUN = 2;
  // The status of a ForwardMsg's script_finished field, or -1 when it has none.
  const finishedStatus = (data) => {
    if (!(data instanceof ArrayBuffer)) return -1;
    const bytes = new Uint8Array(data);
    let i = 0;
    const varint = () => {
      let value = 0, scale = 1, byte;
      do {
        byte = bytes[i++];
        value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80 && i < bytes.length);
      return value;
    };
    while (i < bytes.length) {
      const key = varint();
      const field = Math.floor(key / 8), wire = key % 8;
      if (wire === 0) {
        const value = varint();
        if (field === 6) return value;
      } else if (wire === 2) {
        const length = varint();  // read before adding: 'i += varint()' adds to the old i
        i += length;
      } else if (wire === 1) {
        i += 8;
      } else if (wire === 5) {
        i += 4;
      } else {
        return -1;
      }
    }
    return -1;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const status = finishedStatus(event.data);
        if (status < 0 || status === FINISHED_EARLY_FOR_RERUN) return;
        // after the app has handled the message and the browser has drawn the result
        setTimeout(() => requestAnimationFrame(() => setTimeout(() => {
          window.__tbRuns += 1;
        }, 0)), 0);
      });
    }
  };
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
    """How many script runs the page has seen finish so far."""
    return int(page.evaluate("() => window.__tbRuns || 0"))


def settle_after(page: Any, before: int) -> None:
    """Wait for a script run to finish after ``before`` runs, and the page to settle."""
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
