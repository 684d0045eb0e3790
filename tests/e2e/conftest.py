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
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
START_TIMEOUT_S = 90


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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class AppServer:
    """A running app: its base URL and its database URL."""

    url: str
    database_url: str


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy in {START_TIMEOUT_S} s")


@pytest.fixture
def app_server(browser_available: None, tmp_path: Path) -> Iterator[AppServer]:
    """``streamlit run app.py`` on a free port over a fresh demo database."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database_url = f"sqlite:///{data_dir / 'e2e.db'}"
    env = {
        **os.environ,
        "TUMORBOARD_DATABASE_URL": database_url,
        "TUMORBOARD_DATA_DIR": str(data_dir),
        "TUMORBOARD_SECRET_KEY": "e2e-" + "s" * 40,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TUMORBOARD_PAGE_SIZE", None)
    subprocess.run(
        [sys.executable, "-m", "board", "demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield AppServer(url=url, database_url=database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


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
