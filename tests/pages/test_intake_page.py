"""The new-case form on the worklist, with AppTest: after Create case the form is empty
and a confirmation naming the new pseudonym, with an Open link, stands at the top; a
possible duplicate (same hospital number, or imaging of the same Patient ID) is shown
before anything is created and blocks until the coordinator confirms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from board.db.engine import Database
from board.db.models import AuditEvent, Case, ImagingStudy, Patient
from board.imaging.links import derive_key, patient_key_for
from tests.pages.conftest import SECRET_KEY
from tests.pages.helpers import plain, signed_in

CREATE = "FormSubmitter:new_case-Create case"


def _count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def _case(db: Database, pseudonym: str) -> tuple[int, int]:
    """(case id, patient id) of a demo case."""
    with db.read() as session:
        case_id, patient_id = session.execute(
            select(Case.id, Patient.id).join(Patient).where(Patient.pseudonym == pseudonym)
        ).one()
        return int(case_id), int(patient_id)


def _fill(at: Any, hospital_number: str = "") -> None:
    at.text_input(key="nc_hn").input(hospital_number)
    at.selectbox(key="nc_site").select("breast")
    at.text_input(key="nc_levels").input("T7, T9")
    at.number_input(key="nc_age").set_value(71)
    at.text_area(key="nc_question").input("Painful T7 lesion: radiotherapy?")
    at.radio(key="nc_weak").set_value(False)


def _page_links(at: Any) -> dict[str, str]:
    """Label -> target (page and query) of every page link."""
    return {
        link.proto.label: f"{link.proto.page}?{link.proto.query_string}"
        for link in at.get("page_link")
    }


def _warnings(at: Any) -> str:
    return "\n".join(plain(w.value) for w in at.warning)


def _newest_pseudonym(db: Database) -> tuple[int, str]:
    with db.read() as session:
        case_id, pseudonym = session.execute(
            select(Case.id, Patient.pseudonym).join(Patient).order_by(Case.id.desc())
        ).first()  # type: ignore[misc]
        return int(case_id), str(pseudonym)


def test_after_create_the_form_is_empty_and_the_new_case_is_confirmed_at_the_top(
    demo_db: Database,
) -> None:
    at = signed_in(demo_db)
    before = _count(demo_db)
    _fill(at, "H-123456")
    at.button(key=CREATE).click().run()
    assert not at.exception, at.exception
    assert _count(demo_db) == before + 1
    case_id, pseudonym = _newest_pseudonym(demo_db)

    # The confirmation names the pseudonym, links to the case and comes first on the page.
    assert plain(at.success[0].value) == f"Case {pseudonym} created."
    assert _page_links(at)[f"Open {pseudonym}"] == f"case?case={case_id}"
    # The notice stands above the "New case" form, not inside it.
    children = list(at.main.children.values())
    form_at = next(i for i, c in enumerate(children) if c.type == "expander")
    notice_at = next(
        i
        for i, c in enumerate(children)
        if any("created" in s.value for s in getattr(c, "success", []))
    )
    assert notice_at < form_at

    # The form is empty again.
    assert at.text_input(key="nc_hn").value == ""
    assert at.selectbox(key="nc_site").value is None
    assert at.text_input(key="nc_levels").value == ""
    assert at.number_input(key="nc_age").value is None
    assert at.text_area(key="nc_question").value == ""
    assert at.radio(key="nc_weak").value is None
    assert not at.error

    # The confirmation stays while the coordinator works on, until dismissed.
    at.text_input(key="wl_search").input(pseudonym).run()
    assert plain(at.success[0].value) == f"Case {pseudonym} created."
    assert list(at.dataframe[0].value["Case"]) == [pseudonym]
    at.button(key="intake_dismiss").click().run()
    assert not [s for s in at.success if "created" in s.value]


def test_same_hospital_number_is_shown_before_creating_and_needs_confirmation(
    demo_db: Database,
) -> None:
    existing, patient_id = _case(demo_db, "TB-DEMO02")
    with demo_db.write() as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        patient.hospital_number = "H-777"
    at = signed_in(demo_db)
    before = _count(demo_db)
    _fill(at, " h-777 ")
    at.button(key=CREATE).click().run()
    assert not at.exception, at.exception
    assert _count(demo_db) == before  # nothing created yet
    warning = _warnings(at)
    assert "Possible duplicate: 1 existing case may be the same patient" in warning
    shown = [plain(m.value) for m in at.markdown if "TB-DEMO02" in plain(m.value)]
    assert len(shown) == 1
    assert shown[0].startswith("TB-DEMO02: Preparing, Prostate, levels T10, T11, registered ")
    assert shown[0].endswith("(same hospital number)")
    assert _page_links(at)["Open TB-DEMO02"] == f"case?case={existing}"
    # The form keeps what was typed while the duplicate is checked.
    assert at.text_input(key="nc_levels").value == "T7, T9"

    # Submitting again does not get round the check.
    at.button(key=CREATE).click().run()
    assert _count(demo_db) == before
    assert "Possible duplicate" in _warnings(at)

    at.button(key="intake_create_anyway").click().run()
    assert not at.exception, at.exception
    assert _count(demo_db) == before + 1
    case_id, pseudonym = _newest_pseudonym(demo_db)
    assert plain(at.success[0].value) == f"Case {pseudonym} created."
    assert "Possible duplicate" not in _warnings(at)
    assert at.text_input(key="nc_hn").value == ""
    with demo_db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "case.create", AuditEvent.case_id == case_id
            )
        ).one()
        assert event.detail is not None and "TB-DEMO02" in event.detail


def test_imaging_of_the_same_patient_id_is_a_possible_duplicate(demo_db: Database) -> None:
    existing, _ = _case(demo_db, "TB-DEMO05")
    key = derive_key(SECRET_KEY)
    with demo_db.write() as session:
        session.add(
            ImagingStudy(
                case_id=existing,
                source="upload",
                modality="MR",
                patient_key=patient_key_for("PACS-991", None, key),
            )
        )
    at = signed_in(demo_db)
    before = _count(demo_db)
    _fill(at, "PACS-991")
    at.button(key=CREATE).click().run()
    assert _count(demo_db) == before
    text = "\n".join(plain(m.value) for m in at.markdown)
    assert "TB-DEMO05" in text and "imaging of the same Patient ID" in text

    # Another hospital number with no match: created at once, the warning is gone.
    at.text_input(key="nc_hn").input("PACS-992")
    at.button(key=CREATE).click().run()
    assert _count(demo_db) == before + 1
    assert "Possible duplicate" not in _warnings(at)


def test_an_invalid_form_is_refused_before_the_duplicate_check(demo_db: Database) -> None:
    at = signed_in(demo_db)
    before = _count(demo_db)
    _fill(at)
    at.text_input(key="nc_levels").input("T7, X9")
    at.button(key=CREATE).click().run()
    assert any("'X9' is not a vertebral level" in plain(e.value) for e in at.error)
    assert _count(demo_db) == before
    assert at.text_input(key="nc_levels").value == "T7, X9"
    assert not [s for s in at.success if "created" in s.value]
