"""The board report states its times in the hospital's zone (TUMORBOARD_TIMEZONE)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from board.db.engine import Database
from board.db.models import Meeting, PlanVersion
from board.reports.builder import load_report
from board.reports.html import render_html
from board.reports.pdf import render_pdf
from tests.reports.helpers import pdf_text, plan_demo_case

BERLIN = ZoneInfo("Europe/Berlin")
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _local(value: dt.datetime) -> str:
    local = value.astimezone(BERLIN)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def test_report_times_are_in_the_hospital_zone(
    demo_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = demo_database  # the demo board, loaded once per process (its data is in UTC)
    monkeypatch.setenv("TUMORBOARD_TIMEZONE", "Europe/Berlin")
    plan = plan_demo_case(db)
    generated = dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC)  # 00:30 CEST the next day
    with db.read() as session:
        report = load_report(session, plan.case_id, generated_at=generated)
        version = session.get(PlanVersion, plan.plan_id)
        assert version is not None and version.meeting_id is not None
        meeting = session.get(Meeting, version.meeting_id)
        assert meeting is not None
        starts = meeting.starts_at
    assert report.header.meeting is not None
    assert report.header.meeting.endswith(_local(starts))
    assert report.header.meeting_date == starts.astimezone(BERLIN).date()
    html = render_html(report)
    pdf = " ".join(BIDI_MARKS.sub("", pdf_text(render_pdf(report))).split())
    for text in (html, pdf):
        assert "Generated at 2026-07-02 00:30 CEST" in text
        assert _local(starts) in text
        assert " UTC" not in text
