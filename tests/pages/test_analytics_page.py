"""AppTest of the board analytics page (demo board, a seeded board, an empty board)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from board.accounts.users import create_first_admin
from board.analytics import service as analytics_service
from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action
from board.auth.roles import Role
from board.cases.enums import Urgency
from board.db.engine import Database
from board.db.models import AuditEvent, FollowUp, Meeting
from board.followup.enums import Adherence, FollowUpKind, FollowUpStatus
from board.meetings.enums import MeetingStatus
from board.ui.analytics import NO_ADHERENCE, NO_DECISIONS, NO_MEETINGS, NO_PAIN
from board.ui.downloads import analytics_csv_bytes
from board.ui.navigation import pages_for
from tests.analytics.helpers import FORMULA_REASON, add_decided_case, at, build_board, day
from tests.pages.helpers import plain, signed_in


def _analytics(db: Database, username: str = "demo.coordinator") -> AppTest:
    at = signed_in(db, username)
    at.switch_page("pages/analytics.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for e in at.caption] + [e.value for e in at.text]
    parts += [str(e.value) for e in at.info] + [str(e.value) for e in at.error]
    return plain("\n".join(str(p) for p in parts))


def _table(at: AppTest, column: str) -> list[dict[str, object]]:
    """The rows of the one table that has ``column``."""
    (frame,) = [d for d in at.dataframe if column in d.value.columns]
    return frame.value.to_dict("records")


def test_demo_board_renders_tiles_tables_and_download(demo_db: Database) -> None:
    at = _analytics(demo_db)
    assert at.title[0].value == "Board analytics"
    labels = [m.label for m in at.metric]
    assert labels[:4] == [
        "Meetings",
        "Cases with a board decision",
        "Referral to MRI (median)",
        "MRI to decision (median)",
    ]
    assert "Immediate cases started within 24 h" in labels
    subheaders = [s.value for s in at.subheader]
    assert subheaders == [
        "Cases per meeting",
        "Triage tiers (NICE NG234)",
        "Time to MRI, decision and treatment",
        "Complete at the meeting",
        "Plan adherence",
        "Pain response",
        "Survival from the board decision",
    ]
    meetings = _table(at, "Cases on the agenda")  # the demo board has a scheduled meeting
    assert meetings and {"Cases on the agenda", "Cases discussed"} <= set(meetings[0])
    assert "Every meeting that was not cancelled" in _texts(at)
    tiers = _table(at, "Tier")
    assert [(r["Tier"], r["Target (hours to MRI)"]) for r in tiers][:2] == [
        ("Immediate (MRI within 24 h)", "24"),
        ("Within a week (MRI within 7 days)", "168"),
    ]
    assert tiers[2]["Tier"] == "Routine"
    assert [b.label for b in at.get("download_button")] == ["Download analytics (CSV)"]


def test_seeded_board_shows_deviations_literally_and_survival(page_db: Database) -> None:
    create_first_admin(page_db, "admin", "Ada Admin", "correct-horse-battery-staple")
    build_board(page_db)
    at = _analytics(page_db, "admin")
    deviations = _table(at, "Reason")
    assert {
        "Case": "TB-B",
        "Date": "2026-01-15",
        "Adherence": "given, but modified",
        "Reason": FORMULA_REASON,
    } in deviations
    survival = {row["Group"]: row for row in _table(at, "Median survival (days)")}
    short = survival["Tokuhashi: predicted survival under 6 months"]
    assert short["Median survival (days)"] == "20" and short["At risk, 0"] == 2
    misses = _table(at, "Treatment start")
    assert [m["Case"] for m in misses] == ["TB-B"] and misses[0]["Hours"] == "30.0"
    texts = _texts(at)
    for sentence in (NO_DECISIONS, NO_PAIN, NO_ADHERENCE):
        assert sentence not in texts


def test_long_lists_show_the_most_recent_cases_and_say_so(
    page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_first_admin(page_db, "admin", "Ada Admin", "correct-horse-battery-staple")
    build_board(page_db)
    monkeypatch.setattr(analytics_service, "LISTED", 1)
    at = _analytics(page_db, "admin")
    # two deviations (B modified 01-06, C not given 02-03): the later decision is listed
    assert [d["Case"] for d in _table(at, "Reason")] == ["TB-C"]
    texts = _texts(at)
    assert "The 1 most recent of 2 cases, by decision date." in texts
    # one urgent miss: all of it listed, nothing said
    assert [m["Case"] for m in _table(at, "Treatment start")] == ["TB-B"]
    assert texts.count("most recent of") == 1
    # the CSV lists every deviation
    actor = Actor(None, "coordinator", "Claire Dubois", Role.COORDINATOR)
    rows = list(csv.DictReader(io.StringIO(analytics_csv_bytes(page_db, actor, None).decode())))
    assert sorted(r["group"] for r in rows if r["measure"].startswith("deviation")) == [
        "TB-B",
        "TB-C",
    ]


def test_download_bytes_are_the_audited_csv(page_db: Database) -> None:
    build_board(page_db)
    actor = Actor(None, "coordinator", "Claire Dubois", Role.COORDINATOR)
    data = analytics_csv_bytes(page_db, actor, None)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert {"section", "measure", "group", "value", "n"} == set(rows[0])
    assert any(r["value"] == "'" + FORMULA_REASON for r in rows)
    with page_db.read() as session:
        channels = [
            e.after["channel"]
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "analytics.export")
            )
            if e.after
        ]
    assert channels == ["app"]


def test_empty_board_says_there_is_no_data_yet(page_db: Database) -> None:
    create_first_admin(page_db, "admin", "Ada Admin", "correct-horse-battery-staple")
    at = _analytics(page_db, "admin")
    texts = _texts(at)
    for sentence in (NO_MEETINGS, NO_DECISIONS, NO_PAIN, NO_ADHERENCE):
        assert sentence in texts
    assert not at.get("vega_lite_chart")
    assert [m.value for m in at.metric][:2] == ["0", "0"]


def test_period_the_wrong_way_round_is_explained(demo_db: Database) -> None:
    at = _analytics(demo_db)
    at.date_input(key="an_from").set_value(dt.date(2026, 3, 1))
    at.date_input(key="an_to").set_value(dt.date(2026, 2, 1)).run()
    assert not at.exception
    assert "choose a start date on or before the end date" in plain(str(at.error[0].value))
    assert not at.metric


def test_navigation_lists_the_page_after_meetings_for_roles_allowed() -> None:
    for role in Role:
        paths = [p.url_path for p in pages_for(role)]
        if role in PERMISSIONS[Action.ANALYTICS_VIEW]:
            assert paths.index("analytics") == paths.index("meetings") + 1
        else:  # no such role today; kept for when the table changes
            assert "analytics" not in paths


def test_demo_history_gives_every_section_data(demo_db: Database) -> None:
    at = _analytics(demo_db)
    texts = _texts(at)
    for sentence in (NO_MEETINGS, NO_DECISIONS, NO_PAIN, NO_ADHERENCE):
        assert sentence not in texts
    survival = {row["Group"] for row in _table(at, "Median survival (days)")}
    assert {
        "Tokuhashi: predicted survival under 6 months",
        "Tokuhashi: predicted survival 6 months or more",
        "Tokuhashi: predicted survival 1 year or more",
    } <= survival
    # cases per meeting, survival, pain response and adherence
    assert len(at.get("vega_lite_chart")) == 4


def _chart_data(at: AppTest, index: int) -> pd.DataFrame:
    """The data behind the ``index``-th chart of the page."""
    (dataset,) = at.get("vega_lite_chart")[index].proto.datasets
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()


def _everything_shown(at: AppTest) -> list[object]:
    """Every piece of text and every table cell and chart value a reader sees."""
    shown: list[object] = [e.value for e in (*at.title, *at.subheader, *at.caption, *at.text)]
    shown += [str(e.value) for e in (*at.info, *at.error, *at.warning)]
    shown += [part for m in at.metric for part in (m.label, m.value, m.help)]
    for frame in at.dataframe:
        shown += [*frame.value.columns, *frame.value.to_numpy().ravel()]
    for index in range(len(at.get("vega_lite_chart"))):
        data = _chart_data(at, index)
        shown += [*data.columns, *data.to_numpy().ravel()]
    return shown


def _assert_never_none(at: AppTest) -> None:
    for value in _everything_shown(at):
        assert value is not None and not (isinstance(value, float) and math.isnan(value))
        assert "None" not in str(value) and "nan" not in str(value).split()


def test_meetings_at_the_same_time_stay_apart(page_db: Database) -> None:
    create_first_admin(page_db, "admin", "Ada Admin", "correct-horse-battery-staple")
    build_board(page_db)
    with page_db.write() as session:  # two more boards at the very time of M1, one renamed
        twins = [
            Meeting(starts_at=at(1, 5, 14), title=title, status=MeetingStatus.CLOSED)
            for title in ("January board", "Spine surgery board")
        ]
        session.add_all(twins)
        session.flush()
        twin_id = twins[0].id
    app = _analytics(page_db, "admin")
    rows = _table(app, "Cases on the agenda")
    assert [(r["Date"], r["Meeting"]) for r in rows][:3] == [
        ("2026-01-05 14:00 UTC", f"January board (meeting {build_ids(page_db)[0]})"),
        ("2026-01-05 14:00 UTC", f"January board (meeting {twin_id})"),
        ("2026-01-05 14:00 UTC", "Spine surgery board"),
    ]
    bars = _chart_data(app, 0)
    assert bars["Meeting"].nunique() == len(rows) == 4
    assert len(bars) == 2 * len(rows)  # on the agenda and discussed, per meeting
    # the CSV keeps them apart too
    actor = Actor(None, "coordinator", "Claire Dubois", Role.COORDINATOR)
    data = analytics_csv_bytes(page_db, actor, None)
    groups = {
        r["group"]
        for r in csv.DictReader(io.StringIO(data.decode("utf-8")))
        if r["section"] == "cases per meeting"
    }
    assert len(groups) == 4


def build_ids(db: Database) -> list[int]:
    """Ids of the meetings titled "January board", oldest first."""
    with db.read() as session:
        return list(
            session.scalars(
                select(Meeting.id).where(Meeting.title == "January board").order_by(Meeting.id)
            )
        )


def test_no_cell_or_text_ever_reads_none(page_db: Database) -> None:
    create_first_admin(page_db, "admin", "Ada Admin", "correct-horse-battery-staple")
    _assert_never_none(_analytics(page_db, "admin"))  # nothing at all yet
    build_board(page_db)
    with page_db.write() as session:
        # an immediate case with no treatment start, a deviation without a date
        urgent = add_decided_case(session, "TB-E", at(2, 3, 11), Urgency.URGENT)
        session.add(
            FollowUp(
                case_id=urgent,
                kind=FollowUpKind.VISIT,
                status=FollowUpStatus.DONE,
                due_on=day(3, 1),
                adherence=Adherence.NOT_GIVEN,
                deviation_reason="Patient declined",
            )
        )
    app = _analytics(page_db, "admin")
    assert {"Routine", "no time target"} <= set(_everything_shown(app))
    misses = _table(app, "Treatment start")
    assert {k: v for k, v in misses[-1].items() if k != "Decision"} == {
        "Case": "TB-E",
        "Treatment start": "not recorded",
        "Hours": "not recorded",
    }
    assert {"Case": "TB-E", "Date": "undated"}.items() <= _table(app, "Reason")[-1].items()
    _assert_never_none(app)
    # a period with decisions but no referrals: the referral figures have no data
    app.date_input(key="an_from").set_value(dt.date(2026, 2, 1))
    app.date_input(key="an_to").set_value(dt.date(2026, 2, 28)).run()
    assert not app.exception
    (referral,) = [r for r in _table(app, "Median (days)") if r["Measure"] == "Referral to MRI"]
    assert (referral["Cases (n)"], referral["Median (days)"]) == (0, "no data")
    _assert_never_none(app)
