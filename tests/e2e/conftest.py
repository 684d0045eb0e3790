"""Real-browser fixtures: the app under ``streamlit run`` and Debian's chromium.

``app_server`` starts ``streamlit run app.py`` on a free local port over a fresh SQLite
database with the demo board loaded (``python -m board demo``), waits for
``/_stcore/health`` and stops the server afterwards. ``browser`` launches the system
chromium through Playwright (``playwright install`` is never needed).

Without /usr/bin/chromium or the playwright package the tests are skipped with the
reason, unless ``TUMORBOARD_REQUIRE_BROWSER`` is set (CI), in which case they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pages import OPEN_PAGES
from tests.e2e.servers import ROOT, AppServer, running_app

OUTPUT = ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_VARIABLE = "TUMORBOARD_REQUIRE_BROWSER"


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install playwright)"
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Skip (or fail, when the browser is required) without chromium or playwright."""
    reason = _missing_browser()
    if reason is None:
        return
    if os.environ.get(REQUIRE_VARIABLE):
        pytest.fail(f"{REQUIRE_VARIABLE} is set but {reason}")
    pytest.skip(f"real-browser test skipped: {reason}")


@pytest.fixture
def app_server(browser_available: None, tmp_path: Path) -> Iterator[AppServer]:
    """``streamlit run app.py`` on a free port over a fresh demo database."""
    with running_app(tmp_path) as server:
        yield server


@pytest.fixture(scope="session")
def browser(browser_available: None) -> Iterator[Any]:
    """Debian's chromium driven by Playwright (headless)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """The git-ignored folder the browser tests save screenshots to."""
    folder = OUTPUT / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item (for screenshots on failure)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _screenshots_on_failure(request: pytest.FixtureRequest, screenshot_dir: Path) -> Iterator[None]:
    """Screenshot every page a failed test opened with ``new_page``; close them all."""
    OPEN_PAGES.clear()
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for index, page in enumerate(OPEN_PAGES):
            page.screenshot(path=str(screenshot_dir / f"failure-{index}.png"))
    for page in OPEN_PAGES:
        page.context.close()
    OPEN_PAGES.clear()
