"""Browser benchmark: what a click costs, as a ratio to the cheapest click in the same run.

Starts two app servers (``streamlit run app.py``) on 127.0.0.1: the demo board, and the
demo board plus 10,000 synthetic cases (``bench/worklist.py``'s bulk insert). Debian's
chromium, driven by Playwright, times each action from the click (or the address) to
the page being settled: ``.stApp``'s ``data-test-script-state`` is ``notRunning``, no
``[data-stale]`` element remains, and the run the click caused has finished (the run
counter of ``tests/e2e/pages.py``, read from the app's WebSocket messages). No sleeps.
Before the clock starts, the page is settled and drawn (no placeholder left, see below:
a person clicks once the screen is complete), the element is scrolled into view and
Playwright's checks that it can be clicked are done (``click(trial=True)``): that is
the test driver's work, not the app's. (Without the wait for drawn, a click right after
the page first showed a tab also timed the browser finishing that tab: "save draft"
came right after the Assessments tab was first shown and measured 1.7-2.1x the filter
change instead of 1.1-1.3x.) The timed click is then the mouse pressed at the element's
centre: ``locator.click()`` would do Playwright's checks again inside the clock (its
click reached the page 19 ms after the clock started, against 4.5 ms for the mouse).
A page load ends when the page is settled and its title (an ``h1``) reads what it
should, checked in the same poll by a query of the page's headings. Playwright's
role-based heading check walks the page's accessibility tree (26-30 ms on an idle
page) and waits behind the browser's remaining work: inside the clock it added 55-70
ms to each page load, so it runs once the clock has stopped.

Before every action, clicks and page loads alike, the browser has also finished its
work on the screen it shows: its main thread has been idle for about 150 ms (three idle
periods in a row with at least 45 ms left, Chrome's ``requestIdleCallback``; at most
5 s). A page that has just drawn is not yet done: the worklist kept the browser busy
for 300-400 ms after its last placeholder went (its grid, then the garbage collector;
170 ms of the browser's processor time in the next half second, against 50 ms after
the meetings page), and a case opened by deep link at once from the worklist took
375-400 ms instead of 305 ms (the same load after a pause). A person reads the
worklist before opening a case: that work is the worklist's, not the case page's.

Actions, interleaved (each round does every action on both boards), median of
``--repeats`` (at least 5):

- ``filter``: the worklist's "Only cases with a follow-up due" filter switched (the floor);
- ``open empty page (deep link)``: ``bench/empty_page.py``, a Streamlit page of one
  title and nothing else, served with the project's settings by a server of its own and
  loaded in a tab of its own: what any Streamlit page load costs before an app draws
  anything (the browser starts Streamlit's client and its connection afresh, and the
  script runs once). The report's last line per board, ``case page over empty page``,
  is the case deep link minus this: the part of it that is the app's;
- ``open worklist (deep link)``: ``/worklist`` loaded in the tab: a full page load of the
  app;
- ``open case from the worklist``: the worklist's "Open case" button pressed with the
  first case of its keyboard picker chosen (``st.switch_page``: the case page drawn in
  the page already loaded, the way people usually open a case), until the case page
  has settled. Reported for comparison with the deep link; the case differs (the first
  on the worklist's page, not always TB-DEMO01);
- ``open case (deep link)``: ``/case?case=ID`` loaded in the tab (a full page load);
- for both page loads also ``..., drawn``: until no placeholder is left. Streamlit's
  browser code loads the code of some elements (tables, page links, buttons, text
  areas, the grid) only when a page first shows one; until it has arrived, the element
  is a grey placeholder (``[data-testid="stSkeleton"]``), also after the page has
  settled. Clicks within a page do not wait for that (the code is loaded by then);
  page loads do. Reported beside the settled figure, not instead of it;
- ``switch tab``: the case page's Scores tab chosen, then Summary;
- ``save draft``: the oncologist's assessment "Save draft" on the Assessments tab;
- ``finalize``: the chair finalizes a signed plan on the case's Plan tab (one prepared
  plan per round and board);
- ``presenter next/previous``: the presenter moves to the next, then the previous case;
- ``slice move``: the series viewer's slider moved one slice (keyboard) on the Imaging tab
  of a case whose 24-slice CT (256 x 256) is in a local Orthanc with the DICOMweb
  plugin, the app's PACS (not measured when Orthanc is not installed). Target: within
  1.5x the filter change.

Prints each action's median in milliseconds and its ratio to ``filter`` on the same
board. Usage::

    python3 bench/ui_latency.py [--repeats 7] [--cases 10000]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import select  # noqa: E402

from board.auth.roles import Role  # noqa: E402
from board.cases.enums import CaseStatus  # noqa: E402
from board.db.engine import Database  # noqa: E402
from board.db.models import Case, Patient  # noqa: E402
from board.ui.worklist_grid import OPEN_LABEL, PICKER_LABEL  # noqa: E402
from tests.e2e.pages import RUN_COUNTER, SETTLED, TIMEOUT_MS, runs, settle_after  # noqa: E402
from tests.e2e.pages import sign_in as browser_sign_in  # noqa: E402
from tests.e2e.servers import AppServer, running_app, running_script  # noqa: E402
from tests.e2e.viewer_pacs import (  # noqa: E402
    attach_viewer_case,
    move_slice,
    pacs_environment,
    store_ct_series,
)
from tests.imaging.orthanc import OrthancServer, missing_reason, running_orthanc  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1920, "height": 1080}
RICH_CASE = "TB-DEMO01"
#: The lightest page Streamlit serves (one title), with the project's settings.
EMPTY_PAGE = "bench/empty_page.py"
ACTIONS = (
    "filter",
    "open empty page (deep link)",
    "open worklist (deep link)",
    "open case from the worklist",
    "open case (deep link)",
    "switch tab",
    "save draft",
    "finalize",
    "presenter next/previous",
    "slice move",
)
#: Page loads also timed until drawn (no placeholder left): their report rows.
DRAWN = {
    "open worklist (deep link)": "  open worklist, drawn",
    "open case (deep link)": "  open case, drawn",
}
ROWS = tuple(row for action in ACTIONS for row in (action, DRAWN.get(action)) if row)


def _case_ids(db: Database) -> dict[str, int]:
    with db.read() as session:
        rows = session.execute(
            select(Patient.pseudonym, Case.id, Case.status).join(
                Patient, Case.patient_id == Patient.id
            )
        ).all()
    return {pseudonym: case_id for pseudonym, case_id, _status in rows}


def _ready_cases(db: Database) -> list[int]:
    with db.read() as session:
        return list(
            session.scalars(
                select(Case.id)
                .join(Patient, Case.patient_id == Patient.id)
                .where(
                    Case.status.in_((CaseStatus.READY, CaseStatus.PREPARING)),
                    Patient.pseudonym.like("TB-DEMO%"),
                )
                .order_by(Case.id)
            )
        )


def _signed_plans(db: Database, count: int) -> list[int]:
    """Signed plans awaiting the chair (the demo meeting's spine surgeon) on ready cases."""
    from board.cases.service import get_case
    from board.cases.workflow import set_case_status
    from board.errors import UserError
    from board.meetings.enums import MeetingStatus
    from board.meetings.service import (
        add_to_agenda,
        get_meeting,
        record_attendance,
        set_meeting_status,
    )
    from board.plans.drafting import (
        acknowledge_prompt,
        add_plan_item,
        start_plan,
        update_plan_header,
    )
    from board.plans.enums import PlanComponent, PlanIntent
    from board.plans.lifecycle import sign_plan
    from board.plans.plan_board import get_plan_board
    from board.plans.rules import warning_key
    from board.plans.views import PlanHeaderInput, PlanItemInput
    from tests.reports.helpers import actors

    people = actors(db)
    coordinator = people[Role.COORDINATOR]
    meeting = get_meeting(db, coordinator, 1)
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        set_meeting_status(db, coordinator, 1, meeting.version, MeetingStatus.IN_PROGRESS)
    signers = (
        Role.MEDICAL_ONCOLOGIST,
        Role.RADIOLOGIST,
        Role.SPINE_SURGEON,
        Role.RADIATION_ONCOLOGIST,
    )
    for role in signers:
        with suppress(UserError):  # already recorded
            record_attendance(db, coordinator, 1, people[role].user_id or 0)
    ready: list[int] = []
    agenda = {row.case_id for row in get_meeting(db, coordinator, 1).agenda}
    for case_id in _ready_cases(db):
        if len(ready) >= count:
            break
        try:
            case = get_case(db, coordinator, case_id)
            if case.status is CaseStatus.PREPARING:
                set_case_status(
                    db,
                    coordinator,
                    case_id,
                    CaseStatus.READY,
                    expected_version=case.version,
                    reason="Benchmark: discussed with the input at hand.",
                )
            if case_id not in agenda:
                add_to_agenda(db, coordinator, 1, case_id)
            plan = start_plan(db, coordinator, case_id, 1)
            plan = update_plan_header(
                db,
                coordinator,
                plan.id,
                plan.version,
                PlanHeaderInput(
                    PlanIntent.PALLIATIVE,
                    "Single-fraction radiotherapy.",
                    deviation_reason="Benchmark plan: the board's choice.",
                ),
            )
            plan = add_plan_item(
                db,
                coordinator,
                plan.id,
                plan.version,
                PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1}),
            )
            for prompt in get_plan_board(db, coordinator, case_id).prompts:
                plan = acknowledge_prompt(
                    db, coordinator, plan.id, plan.version, warning_key(prompt)
                )
            for role in signers:
                plan = sign_plan(db, people[role], plan.id, plan.version)
        except UserError as exc:
            print(f"  (case {case_id} skipped for finalize: {exc})", file=sys.stderr)
            continue
        ready.append(case_id)
    return ready


def _prepare(
    n_cases: int,
    plans: int,
    finalize_ids: list[int],
    pacs: OrthancServer | None,
    viewer_ids: list[int],
) -> Callable[[str], None]:
    """Before the server starts: add synthetic cases and signed plans awaiting the chair,
    and a case with the viewer's CT attached from the PACS (its id into ``viewer_ids``)."""

    def prepare(database_url: str) -> None:
        db = Database.from_url(database_url)
        try:
            if n_cases:
                from worklist import populate

                populate(db, n_cases)
            finalize_ids.extend(_signed_plans(db, plans))
        finally:
            db.engine.dispose()
        if pacs is not None:
            viewer_ids.append(attach_viewer_case(database_url, pacs))

    return prepare


@contextmanager
def _board(
    folder: Path, n_cases: int, plans: int, pacs: OrthancServer | None
) -> Iterator[tuple[AppServer, list[int], int | None]]:
    finalize_ids: list[int] = []
    viewer_ids: list[int] = []
    with running_app(
        folder,
        prepare=_prepare(n_cases, plans, finalize_ids, pacs, viewer_ids),
        extra_env=pacs_environment(pacs) if pacs is not None else None,
    ) as server:
        yield server, finalize_ids, (viewer_ids[0] if viewer_ids else None)


#: Elements whose code the browser is still loading (drawn as grey placeholders).
PLACEHOLDERS_GONE = "() => document.querySelector('[data-testid=\"stSkeleton\"]') === null"

#: Resolves once the page's main thread has been idle for about 150 ms: three idle
#: periods in a row with at least 45 ms left (Chrome grants at most 50 ms), or after 5 s
#: (then ``false``).
BROWSER_IDLE = """() => new Promise((resolve) => {
  const start = performance.now();
  let quiet = 0;
  const check = (deadline) => {
    quiet = deadline.timeRemaining() >= 45 ? quiet + 1 : 0;
    if (quiet >= 3 || performance.now() - start > 5000) {
      resolve(quiet >= 3);
      return;
    }
    requestIdleCallback(check, {timeout: 1000});
  };
  requestIdleCallback(check, {timeout: 1000});
})"""


def _browser_idle(page: Any) -> None:
    """Wait until the browser has finished its work on the screen ``page`` shows."""
    if not page.evaluate(BROWSER_IDLE):
        print(f"  (the browser was not idle within 5 s on {page.url})", file=sys.stderr)


def _timed_click(page: Any, locator: Any) -> float:
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
    # A person clicks once the screen is complete: the page also drawn (no placeholder).
    page.wait_for_function(PLACEHOLDERS_GONE, timeout=TIMEOUT_MS)
    # Playwright's own work before a click (scrolling the element into view, waiting
    # for it to be visible, stable and enabled) is not the app's: done before the clock
    # starts, as a person's eyes and hand are on the button before they click it.
    locator.scroll_into_view_if_needed()
    locator.click(trial=True)
    _browser_idle(page)
    box = locator.bounding_box()
    if box is None:
        raise RuntimeError(f"Nothing to click on {page.url}: the element is not shown.")
    before = runs(page)
    start = time.perf_counter()
    # The mouse pressed at the element's centre, as a person clicks. (``locator.click()``
    # would do Playwright's checks again inside the clock: its click reached the page
    # 19 ms after the clock started, against 4.5 ms for the mouse.)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    settle_after(page, before)
    return (time.perf_counter() - start) * 1000


def _timed_goto(page: Any, url: str, title: str) -> tuple[float, float]:
    """Milliseconds from the address to settled with ``title`` shown, and to drawn (no
    placeholder left).

    The page's title (``st.title``, an ``h1``) is checked in the same poll as settled, by
    a query of the page's headings. Playwright's own heading check (``get_by_role``) walks
    the page's accessibility tree: 26-30 ms on an idle page, and it waits behind the
    browser's remaining work, so checking with it inside the clock added 55-70 ms to
    each page load. It still checks the heading, once the clock has stopped.
    """
    _browser_idle(page)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        f"() => (window.__tbRuns || 0) > 0 && ({SETTLED})() && ({_title_shown(title)})()"
    )
    settled = (time.perf_counter() - start) * 1000
    page.wait_for_function(PLACEHOLDERS_GONE, timeout=TIMEOUT_MS)
    drawn = (time.perf_counter() - start) * 1000
    page.get_by_role("heading", name=title, exact=True).wait_for()
    return settled, drawn


def _title_shown(title: str) -> str:
    """A page function: whether an ``h1`` of the page reads ``title``."""
    return (
        "() => [...document.querySelectorAll('h1')]"
        f".some((heading) => heading.textContent.trim() === {json.dumps(title)})"
    )


class BoardSession:
    """Signed-in browser tabs on one board: coordinator, oncologist, chair, radiologist."""

    def __init__(
        self,
        browser: Any,
        server: AppServer,
        finalize_ids: list[int],
        viewer_case: int | None = None,
        empty_url: str | None = None,
    ) -> None:
        self.url = server.url
        self.empty_url = empty_url
        db = Database.from_url(server.database_url)
        self.cases = _case_ids(db)
        db.engine.dispose()
        self.viewer_case = viewer_case
        self.finalize_ids = list(finalize_ids)
        self.pages: dict[str, Any] = {}
        for name in ("demo.coordinator", "demo.oncologist", "demo.surgeon", "demo.radiologist"):
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(RUN_COUNTER)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            browser_sign_in(page, self.url, name)
            self.pages[name] = page
        if empty_url is not None:  # its own browser context: nobody signs in there
            context = browser.new_context(viewport=VIEWPORT)
            context.add_init_script(RUN_COUNTER)
            self.pages["empty"] = context.new_page()
            self.pages["empty"].set_default_timeout(TIMEOUT_MS)
        self.filter_on = False
        self.presenter_item = 1
        rich = self.cases[RICH_CASE]
        coordinator = self.pages["demo.coordinator"]
        coordinator.goto(f"{self.url}/worklist")
        settle_after(coordinator, 0)
        oncologist = self.pages["demo.oncologist"]
        oncologist.goto(f"{self.url}/case?case={rich}&tab=Assessments")
        settle_after(oncologist, 0)
        surgeon = self.pages["demo.surgeon"]
        surgeon.goto(f"{self.url}/presenter?meeting=1&item=1")
        settle_after(surgeon, 0)
        self.slice_forward = True
        #: the drawn time of the last page load (see _timed_goto)
        self.drawn = float("nan")
        if self.viewer_case is not None:
            radiologist = self.pages["demo.radiologist"]
            radiologist.goto(f"{self.url}/case?case={self.viewer_case}&tab=Imaging")
            radiologist.get_by_role("slider").first.wait_for()

    def measure(self, action: str) -> float:
        """One timed run of ``action`` (milliseconds)."""
        coordinator = self.pages["demo.coordinator"]
        oncologist = self.pages["demo.oncologist"]
        surgeon = self.pages["demo.surgeon"]
        if action == "filter":
            box = coordinator.get_by_text("follow-up due this week or overdue", exact=False).first
            return _timed_click(coordinator, box)
        if action == "open empty page (deep link)":
            if self.empty_url is None:
                return float("nan")
            settled, _drawn = _timed_goto(self.pages["empty"], self.empty_url, "Empty page")
            return settled
        if action == "open worklist (deep link)":
            settled, self.drawn = _timed_goto(oncologist, f"{self.url}/worklist", "Worklist")
            return settled
        if action == "open case from the worklist":
            if not oncologist.url.rstrip("/").endswith("/worklist"):
                oncologist.goto(f"{self.url}/worklist")
            settle_after(oncologist, 0)
            # untimed: choose the first case in the keyboard picker
            picker = oncologist.get_by_role("combobox", name=PICKER_LABEL)
            picker.click()
            before = runs(oncologist)
            oncologist.keyboard.type("TB-")
            oncologist.get_by_role("option").first.wait_for()
            oncologist.keyboard.press("Enter")
            settle_after(oncologist, before)
            took = _timed_click(oncologist, oncologist.get_by_role("button", name=OPEN_LABEL))
            oncologist.get_by_role("heading", name=re.compile(r"^Case TB-")).wait_for()
            return took
        if action == "open case (deep link)":
            url = f"{self.url}/case?case={self.cases[RICH_CASE]}"
            settled, self.drawn = _timed_goto(oncologist, url, f"Case {RICH_CASE}")
            return settled
        if action == "switch tab":
            tab = oncologist.get_by_role("tab", name="Scores")
            took = _timed_click(oncologist, tab)
            # back, untimed: wait for that run too, so the next action starts settled
            _timed_click(oncologist, oncologist.get_by_role("tab", name="Assessments"))
            return took
        if action == "save draft":
            if "tab=Assessments" not in oncologist.url:
                _timed_click(oncologist, oncologist.get_by_role("tab", name="Assessments"))
            button = oncologist.get_by_role("button", name="Save draft").first
            return _timed_click(oncologist, button)
        if action == "finalize":
            if not self.finalize_ids:
                return float("nan")
            case_id = self.finalize_ids.pop(0)
            surgeon.goto(f"{self.url}/case?case={case_id}&tab=Plan")
            settle_after(surgeon, 0)
            button = surgeon.get_by_role("button", name="Finalize plan")
            took = _timed_click(surgeon, button)
            surgeon.get_by_text("Plan finalized").first.wait_for()
            surgeon.goto(f"{self.url}/presenter?meeting=1&item={self.presenter_item}")
            settle_after(surgeon, 0)
            return took
        if action == "presenter next/previous":
            name = "Next case" if self.presenter_item == 1 else "Previous case"
            took = _timed_click(surgeon, surgeon.get_by_role("button", name=name))
            self.presenter_item = 2 if self.presenter_item == 1 else 1
            surgeon.get_by_text(f"case {self.presenter_item} of").first.wait_for()
            return took
        if action == "slice move":
            if self.viewer_case is None:
                return float("nan")
            key = "ArrowRight" if self.slice_forward else "ArrowLeft"
            self.slice_forward = not self.slice_forward
            return move_slice(self.pages["demo.radiologist"], key)
        raise ValueError(action)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    repeats = max(5, args.repeats)
    from playwright.sync_api import sync_playwright

    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="tb-ui-bench-") as tmp, ExitStack() as stack:
        pacs: OrthancServer | None = None
        absent = missing_reason()
        if absent is None:
            pacs = stack.enter_context(running_orthanc(Path(tmp) / "orthanc"))
            store_ct_series(pacs)
        else:
            print(f"slice move not measured: {absent}", file=sys.stderr)
        boards = {
            "demo": stack.enter_context(_board(Path(tmp) / "demo", 0, repeats + 1, pacs)),
            f"{args.cases} cases": stack.enter_context(
                _board(Path(tmp) / "big", args.cases, repeats + 1, pacs)
            ),
        }
        empty_url = stack.enter_context(running_script(Path(tmp) / "empty", EMPTY_PAGE)).url
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        sessions = {
            name: BoardSession(browser, server, finalize_ids, viewer_case, empty_url)
            for name, (server, finalize_ids, viewer_case) in boards.items()
        }
        # One warm-up round, not counted: first loads compile and cache.
        for session in sessions.values():
            for action in ACTIONS:
                if action != "finalize":
                    session.measure(action)
        for _round in range(repeats):
            for name, session in sessions.items():
                for action in ACTIONS:
                    samples.setdefault((name, action), []).append(session.measure(action))
                    if action in DRAWN:
                        samples.setdefault((name, DRAWN[action]), []).append(session.drawn)
    print(f"UI latency, click to settled, median of {repeats} (ratio to the filter change)")
    failed = False
    for name in sessions:
        floor = statistics.median(samples[(name, "filter")])
        print(f"\n{name} board")
        for action in ROWS:
            values = [v for v in samples[(name, action)] if v == v]
            if not values:
                print(f"  {action:<28} not measured")
                continue
            median = statistics.median(values)
            print(f"  {action:<28} {median:8.0f} ms   {median / floor:5.2f}x")
        # What the app adds to the lightest Streamlit page load, in the same rounds.
        empty = [v for v in samples[(name, "open empty page (deep link)")] if v == v]
        if empty:
            above = statistics.median(samples[(name, "open case (deep link)")])
            above -= statistics.median(empty)
            print(f"  {'case page over empty page':<28} {above:+8.0f} ms   {above / floor:+5.2f}x")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
