"""Pathology, Assessments and Scores tabs (AppTest): forms, conflicts, permissions."""

from __future__ import annotations

from sqlalchemy import select

from board.accounts.users import authenticate
from board.assessments.service import get_assessment
from board.auth.roles import Role
from board.cases.specialist_input import save_assessment
from board.db.engine import Database
from board.db.models import Assessment, AuditEvent, Biopsy
from board.demo import DEMO_PASSWORD
from tests.pages.helpers import case_id_of as _case_id
from tests.pages.helpers import open_case, open_tab, plain, signed_in


def _texts(at: object) -> str:
    parts: list[str] = []
    for kind in ("markdown", "text", "caption", "success", "warning", "error", "info"):
        parts += [plain(str(e.value)) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_scores_tab_shows_derived_scores_with_sources(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO01")
    at = open_case(signed_in(demo_db), case_id, tab="Scores")
    scores_tab = at.tabs[4]
    text = _texts(scores_tab)
    assert "T8 SINS 2: stable" in text
    assert "cEBRT" in text
    assert "Revised Tokuhashi" in text and "14: predicted survival 1 year or more" in text
    assert "approximately" not in text or "approximate" in text
    assert "sins@fisher2010" in text and "Fisher CG" in text
    # Light tables (not canvas grids), every cell escaped.
    assert not scores_tab.dataframe[:-1]
    tables = [t.value for t in scores_tab.table]
    sources = {plain(cell) for t in tables if "Supplied by" in t for cell in t["Supplied by"]}
    assert any("Radiologist (Dr" in s for s in sources)


def test_scores_tab_incomplete_names_whats_missing(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO09")
    at = open_case(signed_in(demo_db), case_id, tab="Scores")
    text = _texts(at.tabs[4])
    assert "incomplete: missing radiation sensitivity" in text


def test_surgeon_edits_and_submits_own_form(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO03")
    at = open_case(signed_in(demo_db, "demo.surgeon"), case_id, tab="Assessments")
    prefix = f"as{case_id}_spine_surgeon"
    frankel = at.selectbox(key=f"{prefix}_frankel")
    frankel.select_index(4)  # D (options: Unknown, A, B, C, D, E)
    at.button(
        key=f"FormSubmitter:assessment_{case_id}_spine_surgeon-Save and submit for the meeting"
    ).click().run()
    assert not at.exception, at.exception
    assert "form submitted" in _texts(at)
    surgeon = authenticate(demo_db, "demo.surgeon", DEMO_PASSWORD).as_actor()
    view = get_assessment(demo_db, surgeon, case_id, Role.SPINE_SURGEON)
    assert view.form.frankel.value == "D"  # type: ignore[attr-defined]
    with demo_db.read() as session:
        actions = set(
            session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id))
        )
    assert "assessment.submit" in actions
    # Other roles' forms are read-only for the surgeon: no radiologist widgets.
    assert not [s for s in at.selectbox if str(s.key).startswith(f"as{case_id}_radiologist")]


def test_radiologist_adds_a_lesion_and_scores_follow(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO03")
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Assessments")
    prefix = f"as{case_id}_radiologist"
    at.text_input(key=f"{prefix}_new_level").input("L4")
    at.selectbox(key=f"{prefix}_new_escc").select_index(5)  # ESCC 2
    at.button(key=f"FormSubmitter:assessment_{case_id}_radiologist-Save draft").click().run()
    assert not at.exception, at.exception
    with demo_db.read() as session:
        data = session.scalar(
            select(Assessment.data).where(
                Assessment.case_id == case_id, Assessment.role == Role.RADIOLOGIST
            )
        )
    assert [lesion["level"] for lesion in data["lesions"]] == ["L3", "L4"]
    # The page stays on the tab the save was made from.
    assert at.session_state["tab"] == "Assessments"
    open_tab(at, "Scores")
    text = _texts(at.tabs[4])
    assert "incomplete: missing" in text and "L4" in text
    # ESCC 2 made the case urgent.
    assert any("URGENT" in plain(e.value) for e in at.error)


def test_stale_form_save_is_refused_and_names_who(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO03")
    at = open_case(signed_in(demo_db, "demo.oncologist"), case_id, tab="Assessments")
    oncologist = authenticate(demo_db, "demo.oncologist", DEMO_PASSWORD).as_actor()
    current = get_assessment(demo_db, oncologist, case_id, Role.MEDICAL_ONCOLOGIST)
    # The same form is saved elsewhere (another tab) after this page was opened.
    save_assessment(
        demo_db, oncologist, case_id, Role.MEDICAL_ONCOLOGIST,
        {**current.form.to_data(), "karnofsky": 70}, current.version,
    )  # fmt: skip
    prefix = f"as{case_id}_medical_oncologist"
    at.selectbox(key=f"{prefix}_karnofsky").select_index(10)  # 90
    at.button(key=f"FormSubmitter:assessment_{case_id}_medical_oncologist-Save draft").click().run()
    assert not at.exception
    warnings = [plain(w.value) for w in at.warning]
    assert any("Nothing was overwritten" in w for w in warnings), warnings
    after = get_assessment(demo_db, oncologist, case_id, Role.MEDICAL_ONCOLOGIST)
    assert after.form.karnofsky == 70  # type: ignore[attr-defined]


def test_pathologist_adds_a_biopsy_and_bad_input_is_refused(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO09")
    at = open_case(signed_in(demo_db, "demo.pathologist"), case_id, tab="Pathology")
    prefix = f"bx{case_id}_new"
    at.selectbox(key=f"{prefix}_status").select_index(1)  # final, no histology
    at.button(key=f"FormSubmitter:biopsy_add_{case_id}-Add biopsy").click().run()
    assert any("needs its histology" in plain(e.value) for e in at.error)
    with demo_db.read() as session:
        before = len(session.scalars(select(Biopsy).where(Biopsy.case_id == case_id)).all())
    at.text_input(key=f"{prefix}_hist").input("<b>Metastatic</b> adenocarcinoma")
    at.text_input(key=f"{prefix}_level").input("l4")
    at.text_area(key=f"{prefix}_markers").input("TTF-1: positive; CK7: positive")
    at.button(key=f"FormSubmitter:biopsy_add_{case_id}-Add biopsy").click().run()
    assert not at.exception, at.exception
    with demo_db.read() as session:
        rows = session.scalars(select(Biopsy).where(Biopsy.case_id == case_id)).all()
        assert len(rows) == before + 1
        new = max(rows, key=lambda b: b.id)
        new_id = new.id
        assert new.level == "L4" and new.markers == {"TTF-1": "positive", "CK7": "positive"}
    table = at.tabs[2].dataframe[0].value
    assert "<b>Metastatic</b> adenocarcinoma" in set(table["Histology"])  # plain text
    # The add form is empty again; the new biopsy is edited in its own form.
    assert at.text_input(key=f"{prefix}_hist").value == ""
    at.text_input(key=f"bx{case_id}_{new_id}_grade").input("G2")
    at.button(key=f"FormSubmitter:biopsy_edit_{new_id}-Save biopsy").click().run()
    assert not at.exception, at.exception
    assert "Biopsy saved." in _texts(at)
    assert at.session_state["tab"] == "Pathology"
    with demo_db.read() as session:
        edited = session.get(Biopsy, new_id)
        assert edited is not None and edited.grade == "G2" and edited.level == "L4"


def test_physiotherapist_may_not_record_pathology_or_edit_others(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO01")
    at = open_case(signed_in(demo_db, "demo.physio"), case_id, tab="Pathology")
    keys = {str(w.key) for w in [*at.selectbox, *at.text_input, *at.text_area]}
    open_tab(at, "Assessments")
    keys |= {str(w.key) for w in [*at.selectbox, *at.text_input, *at.text_area]}
    assert not any(k.startswith(f"bx{case_id}_") for k in keys)
    assert not any(k.startswith(f"as{case_id}_spine_surgeon") for k in keys)
    assert any(k.startswith(f"as{case_id}_physiotherapist") for k in keys)
    # The service refuses even if a page tried.
    physio = authenticate(demo_db, "demo.physio", DEMO_PASSWORD).as_actor()
    try:
        save_assessment(demo_db, physio, case_id, Role.SPINE_SURGEON, {}, 1)
    except Exception as exc:
        assert "may edit only its own assessment" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a physiotherapist saved the surgeon's form")


def test_scores_tab_records_a_snapshot(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO01")
    at = open_case(signed_in(demo_db), case_id, tab="Scores")
    at.button(key=f"sc{case_id}_record").click().run()
    assert not at.exception, at.exception
    assert "Recorded 5 scores." in _texts(at)
    table = at.tabs[4].dataframe[-1].value
    assert set(table["Algorithm"]) >= {"sins@fisher2010", "noms@laufer2013"}


def test_radiologist_escc_choices_show_bilsky_codes_and_posterior_wall(
    demo_db: Database,
) -> None:
    case_id = _case_id(demo_db, "TB-DEMO03")
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id, tab="Assessments")
    prefix = f"as{case_id}_radiologist"
    escc = at.selectbox(key=f"{prefix}_new_escc")
    assert escc.options == [
        "Unknown",
        "0: bone-only disease",
        "1a: epidural impingement, no deformation of the thecal sac",
        "1b: deformation of the thecal sac, no abutment of the spinal cord",
        "1c: deformation of the thecal sac with spinal cord abutment, no cord compression",
        "2: spinal cord compression, CSF visible around the cord",
        "3: spinal cord compression, no CSF visible around the cord",
    ]
    at.text_input(key=f"{prefix}_new_level").input("L4")
    escc.select_index(2)  # 1a
    wall = at.radio(key=f"{prefix}_new_posterior_wall_involvement")
    assert wall.label == "Posterior vertebral wall involved"
    wall.set_value(True)
    at.button(key=f"FormSubmitter:assessment_{case_id}_radiologist-Save draft").click().run()
    assert not at.exception, at.exception
    with demo_db.read() as session:
        data = session.scalar(
            select(Assessment.data).where(
                Assessment.case_id == case_id, Assessment.role == Role.RADIOLOGIST
            )
        )
    [l4] = [lesion for lesion in data["lesions"] if lesion["level"] == "L4"]
    assert (l4["escc"], l4["posterior_wall_involvement"]) == ("1a", True)
