"""AppTest tests of the welcome screen, sign-in, worklist and case page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from board.auth.roles import Role
from board.cases.enums import CaseStatus
from board.cases.redflags import PainFeature
from board.db.engine import Database
from board.db.models import AuditEvent, Case, Note, User
from board.demo import DEMO_CASES, DEMO_PASSWORD, HISTORY, demo_case_count
from board.installation import installation_state
from tests.pages.helpers import app_test, open_case, open_expander, open_tab, plain, signed_in
from tests.pages.helpers import case_id_of as _case_id

IMMEDIATE = "Immediate (MRI within 24 h)"
TIER_ORDER = [IMMEDIATE, "Within a week (MRI within 7 days)", "Routine"]


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.text] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.warning]
    parts += [str(e.value) for e in at.error]
    return plain("\n".join(str(p) for p in parts))


# ---------------------------------------------------------------------------
# Welcome screen and sign-in
# ---------------------------------------------------------------------------


def test_first_start_shows_welcome_with_both_offers(page_db: Database) -> None:
    at = app_test()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Welcome to Tumor Board"
    labels = [b.label for b in at.button]
    assert "Load demo board" in labels
    assert "Create administrator" in labels
    assert any(s.value == "Create the first administrator" for s in at.subheader)


def test_load_demo_button_loads_demo_board(page_db: Database) -> None:
    at = app_test()
    at.run()
    next(b for b in at.button if b.label == "Load demo board").click()
    at.run()
    assert not at.exception
    state = installation_state(page_db)
    assert state.case_count == demo_case_count() == len(DEMO_CASES) + len(HISTORY)
    assert state.demo_mode
    roles = {role for role in _scalars(page_db, select(User.role))}
    assert roles == set(Role)


def _scalars(db: Database, query):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return list(session.scalars(query))


def test_create_first_admin_validates_and_signs_in(page_db: Database) -> None:
    at = app_test()
    at.run()
    fields = {t.label: t for t in at.text_input}
    fields["Username"].input("chief")
    fields["Full name"].input("Dr Chief Admin")
    fields["Password (at least 10 characters)"].input("short")
    fields["Repeat the password"].input("short")
    next(b for b in at.button if b.label == "Create administrator").click()
    at.run()
    assert not at.exception
    assert any("at least 10 characters" in plain(e.value) for e in at.error)
    assert _count(page_db, User) == 0
    # The typed values are kept after the error.
    assert {t.label: t.value for t in at.text_input}["Username"] == "chief"

    fields = {t.label: t for t in at.text_input}
    fields["Password (at least 10 characters)"].input("correct horse battery")
    fields["Repeat the password"].input("correct horse battery!")
    next(b for b in at.button if b.label == "Create administrator").click()
    at.run()
    assert any("not the same" in plain(e.value) for e in at.error)
    assert _count(page_db, User) == 0

    fields = {t.label: t for t in at.text_input}
    fields["Repeat the password"].input("correct horse battery")
    next(b for b in at.button if b.label == "Create administrator").click()
    at.run()
    assert not at.exception
    assert _count(page_db, User) == 1
    actor = at.session_state["actor"]
    assert actor.username == "chief" and actor.role is Role.ADMIN


def test_sign_in_lists_demo_accounts_and_checks_password(demo_db: Database) -> None:
    at = app_test()
    at.run()
    assert at.title[0].value == "Sign in to Tumor Board"
    assert DEMO_PASSWORD in _texts(at)
    accounts = at.dataframe[0].value
    assert "demo.radiologist" in set(accounts["Username"])

    at.text_input[0].input("demo.radiologist")
    at.text_input[1].input("wrong password")
    at.button[0].click()
    at.run()
    assert any("not correct" in plain(e.value) for e in at.error)
    assert "actor" not in at.session_state

    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception
    assert at.session_state["actor"].role is Role.RADIOLOGIST


# ---------------------------------------------------------------------------
# Worklist
# ---------------------------------------------------------------------------


def test_empty_worklist_invites_first_case(page_db: Database) -> None:
    from board.accounts.users import create_first_admin

    create_first_admin(page_db, "chief", "Dr Chief", "a-long-password")
    at = signed_in(page_db, "chief")
    assert at.title[0].value == "Worklist"
    assert not at.dataframe
    assert "No cases yet" in _texts(at)
    assert "Page 1 of 1 (0 cases)" in _texts(at)


def test_worklist_shows_demo_cases_urgent_first(demo_db: Database) -> None:
    at = signed_in(demo_db)
    at.multiselect(key="wl_columns").select("Levels").run()  # on demand
    table = at.dataframe[0].value
    assert len(table) == demo_case_count()
    urgency = list(table["Urgency"])
    n_urgent = urgency.count(IMMEDIATE)
    assert n_urgent >= 1
    assert urgency[:n_urgent] == [IMMEDIATE] * n_urgent
    assert "TB-DEMO02" in set(table["Case"][:n_urgent])
    ranks = [TIER_ORDER.index(u) for u in urgency]  # immediate, within a week, routine
    assert ranks == sorted(ranks)
    row = table[table["Case"] == "TB-DEMO09"].iloc[0]
    assert "Histology (biopsy pending)" in row["Readiness"]
    assert row["Levels"] == "L4, L5"
    ready = table[table["Case"] == "TB-DEMO01"].iloc[0]
    assert ready["Readiness"] == "Ready"
    assert ready["Next meeting"].endswith("UTC")
    assert ready["Open"] == f"case?case={_case_id(demo_db, 'TB-DEMO01')}"


def test_worklist_filters(demo_db: Database) -> None:
    at = signed_in(demo_db)
    assert at.selectbox(key="wl_urgency").options == ["Any", *TIER_ORDER]
    at.selectbox(key="wl_urgency").select_index(1).run()  # Immediate
    table = at.dataframe[0].value
    assert set(table["Urgency"]) == {IMMEDIATE}

    at.selectbox(key="wl_urgency").select_index(0).run()
    at.selectbox(key="wl_role").select(Role.RADIATION_ONCOLOGIST).run()
    table = at.dataframe[0].value
    assert all("Radiation oncologist input" in r for r in table["Readiness"])
    assert "TB-DEMO01" not in set(table["Case"])

    at.selectbox(key="wl_role").select(None).run()
    meeting_options = at.selectbox(key="wl_meeting").options
    assert len(meeting_options) == 2
    at.selectbox(key="wl_meeting").select_index(1).run()
    table = at.dataframe[0].value
    assert "TB-DEMO09" not in set(table["Case"])  # not on the agenda
    assert "TB-DEMO01" in set(table["Case"])

    at.selectbox(key="wl_meeting").select_index(0).run()
    at.multiselect(key="wl_status").set_value([CaseStatus.READY]).run()
    table = at.dataframe[0].value
    assert set(table["Status"]) == {"Ready"}

    at.multiselect(key="wl_status").set_value([CaseStatus.CLOSED]).run()
    assert not at.dataframe
    assert "No cases match these filters." in _texts(at)

    at.multiselect(key="wl_status").set_value([]).run()
    at.text_input(key="wl_search").input("demo07").run()
    table = at.dataframe[0].value
    assert list(table["Case"]) == ["TB-DEMO07"]


def test_worklist_paginates(demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUMORBOARD_PAGE_SIZE", "5")
    at = signed_in(demo_db)
    assert len(at.dataframe[0].value) == 5
    total = demo_case_count()
    pages = -(-total // 5)
    assert f"Page 1 of {pages} ({total} cases)" in _texts(at)
    first_page = set(at.dataframe[0].value["Case"])
    seen = set(first_page)
    for number in range(2, pages + 1):
        at.button(key="wl_next").click().run()
        assert not at.exception
        page_cases = set(at.dataframe[0].value["Case"])
        assert len(page_cases) == min(5, total - 5 * (number - 1))
        assert not seen & page_cases
        seen |= page_cases
        assert f"Page {number} of {pages} ({total} cases)" in _texts(at)
    assert len(seen) == total
    assert at.button(key="wl_next").disabled


def _fill_new_case(at, levels: str) -> None:  # type: ignore[no-untyped-def]
    at.selectbox(key="nc_site").select("breast")
    at.text_input(key="nc_levels").input(levels)
    at.number_input(key="nc_age").set_value(64)
    at.text_area(key="nc_question").input("Painful T7 lesion: radiotherapy?")
    at.selectbox(key="nc_pain").select(6)
    at.radio(key="nc_weak").set_value(True)


def test_new_case_form_rejects_invalid_levels_and_keeps_input(demo_db: Database) -> None:
    at = signed_in(demo_db)
    before = _count(demo_db, Case)
    _fill_new_case(at, "T7, X9")
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert not at.exception
    errors = [plain(e.value) for e in at.error]
    assert any("'X9' is not a vertebral level" in e and "T1-T12" in e for e in errors)
    assert _count(demo_db, Case) == before
    assert at.text_input(key="nc_levels").value == "T7, X9"
    assert at.text_area(key="nc_question").value == "Painful T7 lesion: radiotherapy?"

    at.text_input(key="nc_levels").input("T13")
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert any("T1 to T12" in plain(e.value) for e in at.error)
    assert _count(demo_db, Case) == before


def test_new_case_form_requires_primary_site(demo_db: Database) -> None:
    at = signed_in(demo_db)
    at.text_input(key="nc_levels").input("T7")
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert any("primary cancer site" in plain(e.value) for e in at.error)


def test_new_case_form_creates_urgent_case(demo_db: Database) -> None:
    at = signed_in(demo_db)
    before = _count(demo_db, Case)
    _fill_new_case(at, "T7")
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert not at.exception
    assert not at.error
    assert _count(demo_db, Case) == before + 1
    created = [plain(s.value) for s in at.success]
    assert created and created[0].startswith("Case TB-")
    pseudonym = created[0].split()[1]
    at.multiselect(key="wl_columns").select("Levels").run()  # on demand
    table = at.dataframe[0].value
    row = table[table["Case"] == pseudonym].iloc[0]
    assert row["Urgency"] == "Immediate (MRI within 24 h)"  # known cancer, limb weakness
    assert row["Levels"] == "T7"


# ---------------------------------------------------------------------------
# Case page
# ---------------------------------------------------------------------------


def test_case_page_deep_link_shows_summary_and_history(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO02")
    at = open_case(signed_in(demo_db), case_id)
    assert plain(at.title[0].value) == "Case TB-DEMO02"
    assert [t.label for t in at.tabs] == [
        "Summary", "Imaging", "Pathology", "Assessments", "Scores", "Plan", "Follow-up",
        "Report", "History",
    ]  # fmt: skip
    urgent = [plain(e.value) for e in at.error]
    assert any("URGENT" in e and "24 hours" in e and "limb weakness" in e for e in urgent)
    text = _texts(at)
    assert "Power 4/5 in both legs" in text  # the note
    # Only the chosen tab is drawn; the choice is kept in the address.
    assert not next(t for t in at.tabs if t.label == "History").dataframe
    open_tab(at, "History")
    assert at.query_params["tab"] == "History"
    history = next(t for t in at.tabs if t.label == "History").dataframe[0].value
    assert "Case registered" in set(history["Action"])
    assert "Note added" in set(history["Action"])
    open_tab(at, "Imaging")
    imaging = at.tabs[1].dataframe[0].value
    assert list(imaging["Modality"]) == ["MR"]


def test_case_page_unknown_case(demo_db: Database) -> None:
    at = open_case(signed_in(demo_db), 99999)
    assert any("Case 99999 does not exist" in plain(e.value) for e in at.error)


def test_case_page_without_id_asks_for_one(demo_db: Database) -> None:
    at = signed_in(demo_db)
    at.switch_page("pages/case.py").run()
    assert "Open a case from the worklist" in _texts(at)


def test_case_page_add_note_is_audited(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO03")
    at = open_case(signed_in(demo_db, "demo.radiologist"), case_id)
    notes_before = _count(demo_db, Note)
    open_expander(at, "add_note_open")
    at.text_area(key="note_body").input("<script>alert(1)</script> L3 lesion is 2 cm")
    at.button(key="FormSubmitter:add_note-Add note").click().run()
    assert not at.exception
    assert _count(demo_db, Note) == notes_before + 1
    bodies = [t.value for t in at.text]
    assert "<script>alert(1)</script> L3 lesion is 2 cm" in bodies  # shown as plain text
    with demo_db.read() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.case_id == case_id, AuditEvent.actor_role == "radiologist"
                )
            )
        )
    assert "note.add" in actions


def test_case_page_empty_note_is_refused(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO03")
    at = open_expander(open_case(signed_in(demo_db), case_id), "add_note_open")
    notes_before = _count(demo_db, Note)
    at.button(key="FormSubmitter:add_note-Add note").click().run()
    assert any("The note is empty" in plain(e.value) for e in at.error)
    assert _count(demo_db, Note) == notes_before


def test_case_page_stale_edit_names_who_changed_it(demo_db: Database) -> None:
    from board.accounts.users import authenticate
    from board.cases.service import get_case, update_case

    case_id = _case_id(demo_db, "TB-DEMO01")
    at = open_expander(open_case(signed_in(demo_db), case_id), "edit_case_open")
    # Someone else edits the case after this user opened the form.
    surgeon = authenticate(demo_db, "demo.surgeon", DEMO_PASSWORD).as_actor()
    current = get_case(demo_db, surgeon, case_id)
    changed = current.as_input()
    update_case(
        demo_db,
        surgeon,
        case_id,
        current.version,
        type(changed)(**{**_asdict(changed), "referral_question": "Changed by the surgeon"}),
    )
    at.text_area(key=f"ec{case_id}_question").input("My edit")
    at.button(key=f"FormSubmitter:edit_case_{case_id}-Save changes").click().run()
    assert not at.exception
    warnings = [plain(w.value) for w in at.warning]
    assert any("Dr Sofia Marin" in w and "Nothing was overwritten" in w for w in warnings)
    with demo_db.read() as session:
        assert session.get(Case, case_id).referral_question == "Changed by the surgeon"


def _asdict(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


def test_case_page_shows_markup_in_user_text_literally(demo_db: Database) -> None:
    from board.accounts.users import authenticate
    from board.cases.service import create_case
    from board.cases.views import CaseInput

    nasty = '[click](http://evil.example) <img src=x onerror="alert(1)"> **bold**'
    coordinator = authenticate(demo_db, "demo.coordinator", DEMO_PASSWORD).as_actor()
    case = create_case(
        demo_db,
        coordinator,
        CaseInput(primary_site="breast", levels="T7", histology=nasty, referral_question=nasty),
    )
    at = open_case(signed_in(demo_db), case.id)
    caption = at.caption[0].value
    assert nasty in plain(caption)
    import re

    # every bracket, angle bracket and asterisk is escaped: no link, tag or emphasis
    assert not re.search(r"(?<!\\)[\[\]<>*]", caption), caption
    # The referral question is a row of the patient table, whose cells render markdown:
    # it shows literally, every markup character escaped.
    patient = at.table[0].value
    question = patient[patient["Field"] == "Referral question"]["Value"].iloc[0]
    assert plain(question) == nasty
    assert not re.search(r"(?<!\\)[\[\]<>*]", question), question


def test_worklist_follow_up_column_and_filter(demo_db: Database) -> None:
    at = signed_in(demo_db)
    at.multiselect(key="wl_columns").select("Follow-up").run()  # on demand
    table = at.dataframe[0].value
    died = table[table["Case"] == "TB-DEMO14"].iloc[0]
    assert died["Follow-up"].startswith("Died ")
    at.checkbox(key="wl_follow_up_due").check().run()
    assert not at.exception
    table = at.dataframe[0].value
    cases = set(table["Case"])
    assert "TB-DEMO11" in cases  # its first clinic visit was never recorded
    assert "TB-DEMO01" not in cases  # not yet discussed: nothing scheduled
    overdue = table[table["Case"] == "TB-DEMO11"].iloc[0]
    assert overdue["Follow-up"].startswith("Clinic visit overdue since ")


def _created_pseudonym(at) -> str:  # type: ignore[no-untyped-def]
    created = [plain(s.value) for s in at.success]
    assert created and created[0].startswith("Case TB-")
    return created[0].split()[1]


def test_new_case_form_records_pain_features_within_a_week(demo_db: Database) -> None:
    at = signed_in(demo_db)
    before = _count(demo_db, Case)
    at.selectbox(key="nc_site").select("breast")
    at.text_input(key="nc_levels").input("T7")
    for key in ("nc_painnew", "nc_weak", "nc_numb", "nc_reflex", "nc_gait", "nc_bb", "nc_radic"):
        at.radio(key=key).set_value(False)
    # "Yes" without a feature ticked is refused and nothing is created.
    at.radio(key="nc_spinalpain").set_value(True)
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert any("tick at least one feature" in plain(e.value) for e in at.error)
    assert _count(demo_db, Case) == before

    labels = at.multiselect(key="nc_painfeat").options
    assert "Nocturnal spinal pain preventing sleep" in labels
    at.multiselect(key="nc_painfeat").select(PainFeature.NIGHT_PAIN).select(
        PainFeature.THORACIC_OR_CERVICAL
    )
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert not at.exception
    assert not at.error
    assert _count(demo_db, Case) == before + 1
    pseudonym = _created_pseudonym(at)
    with demo_db.read() as session:
        case = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case is not None
        assert case.pain_features == ["thoracic_or_cervical", "night_pain"]
    table = at.dataframe[0].value
    row = table[table["Case"] == pseudonym].iloc[0]
    assert row["Urgency"] == "Within a week (MRI within 7 days)"


@pytest.mark.parametrize(
    ("answer", "stored"),
    [pytest.param(False, [], id="no-means-none"), pytest.param(None, None, id="not-asked")],
)
def test_new_case_form_tells_none_from_not_asked(
    demo_db: Database, answer: bool | None, stored: list[str] | None
) -> None:
    at = signed_in(demo_db)
    at.selectbox(key="nc_site").select("breast")
    at.text_input(key="nc_levels").input("T7")
    at.radio(key="nc_spinalpain").set_value(answer)
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert not at.exception and not at.error
    _created_pseudonym(at)
    with demo_db.read() as session:
        case = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case is not None
        assert case.pain_features == stored


def test_new_case_form_refuses_no_with_features_ticked(demo_db: Database) -> None:
    at = signed_in(demo_db)
    before = _count(demo_db, Case)
    at.selectbox(key="nc_site").select("breast")
    at.text_input(key="nc_levels").input("T7")
    at.radio(key="nc_spinalpain").set_value(False)
    at.multiselect(key="nc_painfeat").select(PainFeature.NIGHT_PAIN)
    at.button(key="FormSubmitter:new_case-Create case").click().run()
    assert any("answer is 'No' but features are ticked" in plain(e.value) for e in at.error)
    assert _count(demo_db, Case) == before


def test_case_edit_shows_in_the_header_in_the_same_run(demo_db: Database) -> None:
    case_id = _case_id(demo_db, "TB-DEMO01")
    at = open_expander(open_case(signed_in(demo_db), case_id), "edit_case_open")
    at.text_input(key=f"ec{case_id}_hist").input("Invasive ductal carcinoma, revised")
    at.button(key=f"FormSubmitter:edit_case_{case_id}-Save changes").click().run()
    assert not at.exception, at.exception
    assert "Saved." in _texts(at)
    assert "Invasive ductal carcinoma, revised" in plain(at.caption[0].value)


def test_case_edit_form_is_built_only_while_its_expander_is_open(demo_db: Database) -> None:
    # A closed expander's content is still sent to the browser and drawn hidden: the
    # edit form's dozen inputs cost every run of the Summary tab and every deep link.
    case_id = _case_id(demo_db, "TB-DEMO01")
    at = open_case(signed_in(demo_db), case_id)
    assert [e.label for e in at.expander] == ["Add a note", "Edit case details"]
    keys = {w.key for w in at.text_input} | {w.key for w in at.text_area}
    assert f"ec{case_id}_hist" not in keys and f"ec{case_id}_question" not in keys
    open_expander(at, "edit_case_open")
    assert at.text_input(key=f"ec{case_id}_hist").value
    # it stays open across the page's runs
    at.run()
    assert at.text_area(key=f"ec{case_id}_question") is not None
