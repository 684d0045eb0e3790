"""Text from people and files is shown literally on every page: no link, image or emphasis.

Streamlit renders markdown in many places: ``st.markdown``, captions, alerts, headings,
``st.table`` cells, widget labels and help, radio options, expander and tab labels. A
histology of ``![t](http://beacon.example/h.png)`` would make every viewer's browser
fetch the outside image; ``[Click](https://evil.example)`` would be a live phishing
link. This test puts hostile text into every person- or file-supplied field of the
demo board (case, referral, notes, assessments, biopsies, imaging and DICOM series,
plans, dissent, action items, meetings, follow-up, user names, the audit trail), walks
every page and every tab as the roles that see them, and fails on any rendered
markdown source that still carries the hostile link, image, emphasis or HTML: text the
app did not escape.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from PIL import Image
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import get_case, update_case
from board.db.engine import Database
from board.db.models import (
    ActionItem,
    AgendaItem,
    Assessment,
    AuditEvent,
    Biopsy,
    Case,
    Dissent,
    FollowUp,
    ImagingSeries,
    ImagingStudy,
    Meeting,
    Note,
    Patient,
    PlanItem,
    PlanVersion,
    User,
    UserSession,
)
from board.plans.lifecycle import amend_plan
from board.ui.case_tabs import LABELS
from tests.pages.helpers import app_test, open_case, open_expander, open_tab, signed_in

HOSTILE = "![i](http://beacon.example/h.png) [Click](https://evil.example/l) **B** _E_ <b>H</b>"
#: The same within 64 characters (a hospital number's limit).
HOSTILE_SHORT = "![i](http://beacon.example/h.png) [C](https://evil.example/l)"
#: What each of the hostile constructs looks like when it was NOT escaped.
MARKERS = ("![i]", "](http://beacon", "](https://evil", "**B**", "_E_", "<b>H")

#: Every specialist role of the demo board (each sees its own forms and sign-off).
SPECIALISTS = (
    "demo.oncologist",
    "demo.radiologist",
    "demo.surgeon",
    "demo.radiotherapist",
    "demo.palliative",
    "demo.physio",
    "demo.pathologist",
)

#: Assessment fields of free text (comments, histology, treatment details).
FREE_TEXT_KEYS = ("comment", "histology", "prior_radiation_details", "analgesics", "goals")

#: (element type, field) whose text Streamlit shows as plain text, never as markdown.
PLAIN_FIELDS = {
    ("text", "body"),
    ("code", "code_text"),
    ("json", "body"),
    ("selectbox", "options"),
    ("selectbox", "raw_value"),
    ("selectbox", "default"),
    ("selectbox", "placeholder"),
    ("multiselect", "options"),
    ("multiselect", "raw_values"),
    ("multiselect", "default"),
    ("multiselect", "placeholder"),
    ("text_input", "value"),
    ("text_input", "default"),
    ("text_input", "placeholder"),
    ("text_area", "value"),
    ("text_area", "default"),
    ("text_area", "placeholder"),
    ("link_button", "url"),
    # an image's text alternative is the img element's alt attribute (set by React)
    ("image", "alt"),
}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (8, 8), 128).save(out, format="PNG")
    return out.getvalue()


def _hostile_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: HOSTILE if k in FREE_TEXT_KEYS and (v is None or isinstance(v, str)) else v
            for k, v in value.items()
        }
    return value


def make_hostile(db: Database) -> None:
    """Put hostile text into every person- or file-supplied field of the demo board."""
    with db.write() as session:
        for user in session.scalars(select(User)):
            user.display_name = f"{user.display_name} {HOSTILE}"
        for patient in session.scalars(select(Patient)):
            patient.hospital_number = HOSTILE_SHORT
        for case in session.scalars(select(Case)):
            case.histology = HOSTILE
            case.referral_question = HOSTILE
            case.referred_by = HOSTILE
            case.rediscussion_reason = HOSTILE if case.rediscussion_requested_at else None
        for note in session.scalars(select(Note)):
            note.body = HOSTILE
            note.author_name = HOSTILE
        for assessment in session.scalars(select(Assessment)):
            data = dict(assessment.data)
            data["comment"] = HOSTILE
            assessment.data = _hostile_json(data)
        for biopsy in session.scalars(select(Biopsy)):
            biopsy.site = HOSTILE
            biopsy.histology = HOSTILE
            biopsy.grade = HOSTILE
            biopsy.pathologist = HOSTILE
            biopsy.report_text = HOSTILE
            biopsy.markers = {"ER **B**": HOSTILE}
        for n, study in enumerate(session.scalars(select(ImagingStudy))):
            study.description = HOSTILE
            study.report_text = HOSTILE
            study.identity_override_reason = HOSTILE
            session.add(
                ImagingSeries(
                    study_id=study.id,
                    series_uid=f"1.2.826.0.1.3680043.8.498.{n + 1}",
                    modality=study.modality,
                    series_number=1,
                    description=HOSTILE,
                    body_region=study.body_region,
                    instance_count=1,
                    sequence_hint=HOSTILE[:40],
                    ct_kernel=HOSTILE[:64],
                    radiopharmaceutical=HOSTILE,
                    thumbnail_png=_png(),
                    thumbnail_note=HOSTILE,
                )
            )
        for meeting in session.scalars(select(Meeting)):
            meeting.title = HOSTILE
            meeting.location = HOSTILE
        for plan in session.scalars(select(PlanVersion)):
            plan.summary = HOSTILE
            plan.deviation_reason = HOSTILE
            plan.amendment_reason = HOSTILE if plan.amendment_reason else None
            author = session.scalars(select(User).where(User.role == Role.SPINE_SURGEON)).first()
            session.add(
                Dissent(
                    plan_version_id=plan.id,
                    author_id=author.id if author else None,
                    author_name=HOSTILE,
                    author_role=Role.SPINE_SURGEON,
                    text=HOSTILE,
                )
            )
            session.add(
                ActionItem(
                    case_id=plan.case_id,
                    plan_version_id=plan.id,
                    description=HOSTILE,
                    owner_role=Role.COORDINATOR,
                )
            )
        for item in session.scalars(select(PlanItem)):
            item.details = {
                k: HOSTILE if isinstance(v, str) and k != "levels" else v
                for k, v in item.details.items()
            }
        for follow_up in session.scalars(select(FollowUp)):
            follow_up.notes = HOSTILE
            follow_up.imaging_findings = HOSTILE
            follow_up.complications = HOSTILE
            follow_up.treatment_given = HOSTILE
            follow_up.deviation_reason = HOSTILE if follow_up.deviation_reason else None
            follow_up.rediscussion_reason = HOSTILE if follow_up.rediscussion_reason else None
        for event in session.scalars(select(AuditEvent)):
            event.actor_name = HOSTILE
            event.detail = HOSTILE
            if event.after:
                event.after = {k: HOSTILE for k in event.after}
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        assert admin is not None
        session.add(UserSession(user_id=admin.id, token_hash="t" * 64, user_agent=HOSTILE))


# ---------------------------------------------------------------------------
# Reading what a page rendered
# ---------------------------------------------------------------------------


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, key if not path else f"{path}.{key}")
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner, path)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def unescaped(at: AppTest) -> list[str]:
    """Every rendered markdown source that still holds a hostile construct."""
    found = []
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if kind == "table":
            frame = node.value
            cells = [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
            sources = [("cell", cell) for cell in cells]
        else:
            fields = MessageToDict(proto, preserving_proto_field_name=True)
            sources = [
                (path, text)
                for path, text in _strings(fields)
                if (kind, path.split(".")[-1]) not in PLAIN_FIELDS
            ]
        for path, source in sources:
            if any(marker in source for marker in MARKERS):
                found.append(f"{kind}.{path}: {source[:160]!r}")
    return found


#: Escaped hostile text as it would show, backslashes and all, in a plain-text element.
OVERESCAPED = "\\!\\[i\\]"


def overescaped(at: AppTest) -> list[str]:
    """Plain-text elements (text, data frames, choice lists) showing escaped markdown."""
    found = []
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if kind in ("dataframe", "arrow_data_frame"):
            sources = [str(v) for v in node.value.to_numpy().ravel()]
        elif kind == "table":
            continue
        else:
            fields = MessageToDict(proto, preserving_proto_field_name=True)
            sources = [
                text
                for path, text in _strings(fields)
                if (kind, path.split(".")[-1]) in PLAIN_FIELDS
            ]
        found += [f"{kind}: {source[:120]!r}" for source in sources if OVERESCAPED in source]
    return found


def _check(at: AppTest, where: str, problems: dict[str, list[str]]) -> None:
    assert not at.exception, f"{where}: {at.exception}"
    found = unescaped(at) + [f"shown with backslashes: {x}" for x in overescaped(at)]
    if found:
        problems[where] = found


# ---------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------


def _amend_one_plan(db: Database) -> None:
    """A draft amendment of a finalized plan: editable plans show their forms too."""
    with db.read() as session:
        plan_id = session.scalars(select(PlanVersion.id).order_by(PlanVersion.case_id)).first()
        surgeon = session.scalars(select(User).where(User.username == "demo.surgeon")).one()
        actor = Actor(surgeon.id, surgeon.username, surgeon.display_name, surgeon.role)
    assert plan_id is not None
    amend_plan(db, actor, plan_id, "new imaging")


@pytest.fixture
def hostile_db(demo_db: Database) -> Database:
    _amend_one_plan(demo_db)
    make_hostile(demo_db)
    return demo_db


def _ids(db: Database, query: Any) -> list[int]:
    with db.read() as session:
        return sorted({int(i) for i in session.scalars(query) if i is not None})


def _cases_with_everything(db: Database) -> list[int]:
    """A small set of cases that together hold every kind of record and plan state."""
    wanted: set[int] = set()
    for query in (
        select(Note.case_id),
        select(Biopsy.case_id),
        select(ImagingStudy.case_id),
        select(PlanVersion.case_id).where(PlanVersion.finalized_at.is_not(None)),
        select(PlanVersion.case_id).where(PlanVersion.finalized_at.is_(None)),
        select(FollowUp.case_id),
        select(FollowUp.case_id).where(FollowUp.done_on.is_(None)),
        select(Case.id).where(Case.rediscussion_requested_at.is_not(None)),
        select(Case.id).where(Case.id.not_in(select(PlanVersion.case_id))),
    ):
        ids = _ids(db, query)
        if ids and not wanted & set(ids):
            wanted.add(ids[0])
    return sorted(wanted)


def _walk_case_tabs(
    db: Database, username: str, case_ids: list[int], problems: dict[str, list[str]]
) -> None:
    at = signed_in(db, username)
    for case_id in case_ids:
        open_case(at, case_id)
        for label in LABELS:
            open_tab(at, label)
            _check(at, f"{username} case {case_id} {label}", problems)


@pytest.mark.slow
def test_every_page_shows_hostile_text_literally(hostile_db: Database) -> None:
    problems: dict[str, list[str]] = {}
    db = hostile_db

    at = app_test()
    at.run()
    _check(at, "sign-in page (demo accounts listed)", problems)

    at = signed_in(db, "demo.coordinator")
    _check(at, "worklist", problems)
    for page in ("pages/analytics.py", "pages/audit.py"):
        at.switch_page(page).run()
        _check(at, page, problems)

    meetings = _ids(db, select(Meeting.id))
    for meeting_id in meetings:
        at.switch_page("pages/meetings.py")
        at.query_params["meeting"] = str(meeting_id)
        at.run()
        _check(at, f"meeting {meeting_id}", problems)
        items = _ids(db, select(AgendaItem.position).where(AgendaItem.meeting_id == meeting_id))
        for position in items or [1]:
            at.switch_page("pages/presenter.py")
            at.query_params["meeting"] = str(meeting_id)
            at.query_params["item"] = str(position)
            at.run()
            _check(at, f"presenter meeting {meeting_id} item {position}", problems)

    cases = _cases_with_everything(db)
    assert len(cases) >= 3
    for username in SPECIALISTS:
        at = signed_in(db, username)
        for meeting_id in meetings:
            at.switch_page("pages/presenter.py")
            at.query_params["meeting"] = str(meeting_id)
            at.query_params["item"] = "1"
            at.run()
            _check(at, f"{username} presenter meeting {meeting_id}", problems)
    for username in ("demo.coordinator", *SPECIALISTS):
        _walk_case_tabs(db, username, cases, problems)

    at = signed_in(db, "demo.admin")
    for page in ("pages/admin.py", "pages/audit.py"):
        at.switch_page(page).run()
        _check(at, page, problems)

    assert problems == {}, "text shown as markdown, not escaped:\n" + json.dumps(
        problems, indent=1, ensure_ascii=False
    )


def test_the_detector_finds_unescaped_text(hostile_db: Database) -> None:
    """The walk above would see a page that forgot to escape (and only that)."""
    from board.ui.text import md_escape

    assert not any(marker in md_escape(HOSTILE) for marker in MARKERS)
    assert all(marker in HOSTILE for marker in MARKERS)
    assert OVERESCAPED in md_escape(HOSTILE) and OVERESCAPED not in HOSTILE


def _actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor(user.id, user.username, user.display_name, user.role)


def test_warnings_after_someone_elses_change_show_names_literally(hostile_db: Database) -> None:
    """States the walk does not reach by opening pages: a stale edit form, a clash."""
    db = hostile_db
    problems: dict[str, list[str]] = {}
    case_id = _cases_with_everything(db)[0]

    # The case edit form opened, then someone (with a hostile name) changes the case.
    at = open_case(signed_in(db, "demo.coordinator"), case_id, tab="Summary")
    open_expander(at, "edit_case_open")
    surgeon = _actor(db, "demo.surgeon")
    current = get_case(db, surgeon, case_id)
    update_case(
        db,
        surgeon,
        case_id,
        current.version,
        dataclasses.replace(current.as_input(), referral_question="changed meanwhile"),
    )
    at.run()
    assert any("changed by" in str(w.value) for w in at.warning)
    _check(at, "stale case edit form", problems)

    # Scheduling a meeting at the time and place of an existing (hostile) meeting.
    with db.read() as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.id)).first()
        assert meeting is not None
        starts, place = meeting.starts_at, meeting.location or ""
    at.switch_page("pages/meetings.py").run()
    at.text_input(key="new_meeting_title").input("Extra board")
    at.date_input(key="new_meeting_date").set_value(starts.date())
    at.time_input(key="new_meeting_time").set_value(starts.time().replace(tzinfo=None))
    at.text_input(key="new_meeting_place").input(place)
    at.selectbox(key="new_meeting_chair").set_value(surgeon.user_id)
    at.button(key="FormSubmitter:new_meeting-Schedule meeting").click().run()
    assert any("Clash" in str(w.value) for w in at.warning)
    _check(at, "meeting clash", problems)

    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
