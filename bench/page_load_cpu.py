"""Where a page load's time goes: processor time of the app server and of the browser.

Starts the app (``streamlit run app.py``) over the demo board, signs a medical
oncologist in with Debian's chromium (Playwright) and opens pages by their address,
one after the other (a second signed-in tab stays open, as on a real board, so the
server keeps its compiled scripts). First, for comparison, it opens the lightest page
Streamlit serves (``bench/empty_page.py``: one title, the project's settings, a server
of its own) in a tab of its own. For each page it reads, from Linux's ``/proc``,
the processor time each process and thread used over the loads, and prints per load:
the wall time from the address to the settled page (as ``bench/ui_latency.py``
measures it), the app server's processor time, and the browser's, split into its
page's main thread (JavaScript, style, layout), the page's helper threads (V8's
optimizing compilers, which compile the hot code of every page afresh, and its garbage
collector), the browser process, the GPU process and the rest.

With two cores, the browser's helper threads take processor time from its main thread:
a page load costs what the processors do in all of them, not the main thread alone.

Usage::

    python3 bench/page_load_cpu.py [--loads 15]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ui_latency import CHROMIUM, CHROMIUM_ARGS, EMPTY_PAGE  # noqa: E402  (the same browser)

from tests.e2e.pages import RUN_COUNTER, VIEWPORT, settle_after, sign_in  # noqa: E402
from tests.e2e.servers import running_app, running_script  # noqa: E402

#: Report rows, in order: (label, test on (process kind, thread name)).
GROUPS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("page main thread", lambda kind, thread: kind == "renderer" and thread == "chromium"),
    (
        "page helper threads (compilers, GC)",
        lambda kind, thread: kind == "renderer" and thread.startswith("ThreadPool"),
    ),
    ("browser process", lambda kind, _thread: kind == "browser"),
    ("GPU process", lambda kind, _thread: kind == "gpu-process"),
)
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _cpu_ms(stat: str) -> float:
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def _threads(pid: str) -> dict[str, tuple[str, float]]:
    """Thread id -> (thread name, processor milliseconds so far)."""
    found: dict[str, tuple[str, float]] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tids:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        found[tid] = (stat[stat.find("(") + 1 : stat.rfind(")")], _cpu_ms(stat))
    return found


def _chromium() -> dict[tuple[str, str], tuple[str, str, float]]:
    """(pid, tid) -> (process kind, thread name, processor ms) of every chromium thread."""
    found: dict[tuple[str, str], tuple[str, str, float]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        except OSError:
            continue
        if "chromium" not in command:
            continue
        # chromium rewrites its command line into one string: search it.
        kind = re.search(r"--type=([a-z-]+)", command)
        for tid, (name, ms) in _threads(pid).items():
            found[(pid, tid)] = (kind.group(1) if kind else "browser", name, ms)
    return found


def _measure(page: Any, server_pid: int, url: str, loads: int) -> dict[str, float]:
    for _ in range(2):  # warm-up: the first loads compile and cache
        page.goto(url)
        settle_after(page, 0)  # its first script run finished, settled
    server_before = _threads(str(server_pid))
    browser_before = _chromium()
    walls: list[float] = []
    for _ in range(loads):
        start = time.perf_counter()
        page.goto(url)
        settle_after(page, 0)  # its first script run finished, settled
        walls.append((time.perf_counter() - start) * 1000)
    server_after = _threads(str(server_pid))
    browser_after = _chromium()
    row = {"wall (median)": statistics.median(walls)}
    row["app server"] = (
        sum(ms - server_before.get(tid, (name, 0.0))[1] for tid, (name, ms) in server_after.items())
        / loads
    )
    spent = {
        key: (kind, name, ms - browser_before.get(key, (kind, name, 0.0))[2])
        for key, (kind, name, ms) in browser_after.items()
    }
    total = sum(ms for _kind, _name, ms in spent.values()) / loads
    row["browser, all"] = total
    grouped = 0.0
    for label, test in GROUPS:
        value = sum(ms for kind, name, ms in spent.values() if test(kind, name)) / loads
        row[f"  {label}"] = value
        grouped += value
    row["  other (network, input/output)"] = total - grouped
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=15)
    args = parser.parse_args()
    if not Path("/proc/self/task").is_dir():
        print("needs Linux's /proc to read processor times", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from board.db.engine import Database
    from board.db.models import Case, Patient

    with (
        tempfile.TemporaryDirectory(prefix="tb-page-cpu-") as tmp,
        running_app(Path(tmp) / "app") as server,
        running_script(Path(tmp) / "empty", EMPTY_PAGE) as empty,
        sync_playwright() as playwright,
    ):
        db = Database.from_url(server.database_url)
        with db.read() as session:
            case_id = session.scalar(
                select(Case.id)
                .join(Patient, Case.patient_id == Patient.id)
                .where(Patient.pseudonym == "TB-DEMO01")
            )
        db.engine.dispose()
        pages = {
            "My account (the lightest page)": "/account",
            "worklist": "/worklist",
            f"case page (TB-DEMO01, ?case={case_id})": f"/case?case={case_id}",
        }
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(RUN_COUNTER)
            page = context.new_page()
            sign_in(page, server.url, "demo.oncologist")
            other = browser.new_context(viewport=VIEWPORT).new_page()
            sign_in(other, server.url, "demo.coordinator")
            assert server.process is not None
            # The lightest page Streamlit serves, in a tab of its own (nobody signs in).
            blank = browser.new_context(viewport=VIEWPORT)
            blank.add_init_script(RUN_COUNTER)
            rows = {
                "empty Streamlit page (bench/empty_page.py)": _measure(
                    blank.new_page(), empty.process.pid, empty.url + "/", args.loads
                )
            }
            rows.update(
                (name, _measure(page, server.process.pid, server.url + path, args.loads))
                for name, path in pages.items()
            )
        finally:
            browser.close()
    print(f"Page load by address, demo board, {args.loads} loads each: milliseconds per load")
    for name, row in rows.items():
        print(f"\n{name}")
        for label, value in row.items():
            print(f"  {label:<38} {value:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
