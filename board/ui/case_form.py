"""The new-case and edit-case forms (shared by the worklist and the case page)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial
from typing import Any

import streamlit as st

from board.auth.actor import Actor
from board.cases.duplicates import possible_duplicates
from board.cases.enums import Sex
from board.cases.read_model import CaseReadModel
from board.cases.redflags import PainFeature
from board.cases.service import (
    PAIN_CHARACTERS,
    create_case,
    primary_site_options,
    update_case,
    validate_case_input,
)
from board.cases.views import CaseInput, PossibleDuplicate
from board.db.engine import Database
from board.errors import ValidationError
from board.imaging.links import derive_key
from board.ui import actions, context
from board.ui.errors import show_error
from board.ui.text import md_escape
from board.ui.widgets import fmt_date, tri_state

_PAIN_SCORES: list[int | None] = [None, *range(11)]
_PAIN_CHARACTERS: list[str | None] = [None, *PAIN_CHARACTERS]
_PAIN_FEATURES: list[PainFeature] = list(PainFeature)


def pain_features_from_form(
    answer: bool | None, selected: list[PainFeature]
) -> frozenset[PainFeature] | None:
    """The NG234 pain features from the form's question and its multiselect.

    Parameters
    ----------
    answer:
        "Spinal pain suggestive of metastases?": yes, no or unknown (``None``).
    selected:
        The features ticked in the multiselect.

    Returns
    -------
    frozenset[PainFeature] | None
        The features; empty when the answer is no (asked, none present); ``None`` when
        the question was left unknown and nothing is ticked (not asked).

    Raises
    ------
    ValidationError
        If the answer is yes with no feature ticked, or no with features ticked.
    """
    if answer is False:
        if selected:
            raise ValidationError(
                "Spinal pain features: the answer is 'No' but features are ticked; "
                "answer 'Yes' or clear the features.",
                field="pain_features",
            )
        return frozenset()
    if answer is True and not selected:
        raise ValidationError(
            "Spinal pain features: the answer is 'Yes'; tick at least one feature "
            "(or answer 'Unknown').",
            field="pain_features",
        )
    return frozenset(selected) if selected else None


@dataclasses.dataclass(frozen=True, slots=True)
class _FormValues:
    data: CaseInput
    pain_answer: bool | None
    pain_selected: list[PainFeature]

    def case_input(self) -> CaseInput:
        """The case input, with the pain features read from the question."""
        return dataclasses.replace(
            self.data,
            pain_features=pain_features_from_form(self.pain_answer, self.pain_selected),
        )


def _current_pain(c: CaseInput | None) -> tuple[bool | None, list[PainFeature]]:
    if c is None or c.pain_features is None:
        return None, []
    features = {PainFeature(f) for f in c.pain_features}
    return bool(features), [f for f in _PAIN_FEATURES if f in features]


def _fields(prefix: str, current: CaseInput | None) -> _FormValues:
    sites = primary_site_options()
    site_values = [value for value, _ in sites]
    site_labels = dict(sites)
    c = current
    col1, col2, col3 = st.columns(3)
    col1.text_input(
        "Hospital number (optional)",
        value=(c.hospital_number or "") if c else "",
        key=f"{prefix}_hn",
    )
    col2.number_input(
        "Age (years)",
        min_value=0,
        max_value=120,
        value=c.age if c else None,
        step=1,
        key=f"{prefix}_age",
        help="Give the age or the birth year.",
    )
    col3.number_input(
        "Birth year",
        min_value=1900,
        max_value=2100,
        value=c.birth_year if c else None,
        step=1,
        key=f"{prefix}_by",
    )
    col4, col5, col6 = st.columns(3)
    sexes = list(Sex)
    col4.selectbox(
        "Sex",
        sexes,
        index=sexes.index(c.sex) if c else sexes.index(Sex.UNKNOWN),
        format_func=lambda s: s.label,
        key=f"{prefix}_sex",
    )
    col5.selectbox(
        "Primary cancer site",
        site_values,
        index=site_values.index(c.primary_site) if c and c.primary_site in site_values else None,
        format_func=lambda v: site_labels.get(v, v),
        key=f"{prefix}_site",
        placeholder="Choose the primary site",
    )
    col6.text_input(
        "Histology (if known)", value=(c.histology or "") if c else "", key=f"{prefix}_hist"
    )
    st.text_input(
        "Involved vertebral levels (C1-S5)",
        value=", ".join(c.levels) if c and not isinstance(c.levels, str) else "",
        placeholder="for example T7, T10-T12, L1",
        key=f"{prefix}_levels",
    )
    st.checkbox(
        "Known cancer diagnosis", value=c.known_cancer if c else True, key=f"{prefix}_known"
    )
    st.markdown("**Presenting symptoms**")
    col7, col8, col9 = st.columns(3)
    col7.selectbox(
        "Pain score (0 none - 10 worst)",
        _PAIN_SCORES,
        index=_PAIN_SCORES.index(c.pain_score) if c else 0,
        format_func=lambda v: "Unknown" if v is None else str(v),
        key=f"{prefix}_pain",
    )
    col8.selectbox(
        "Pain character",
        _PAIN_CHARACTERS,
        index=_PAIN_CHARACTERS.index(c.pain_character) if c else 0,
        format_func=lambda v: "Unknown" if v is None else v.capitalize(),
        key=f"{prefix}_painchar",
        help="Mechanical: worse with movement, relieved lying down. Biological: constant, "
        "at night. Radicular: shooting along a nerve root.",
    )
    col9.date_input(
        "Symptom onset",
        value=c.symptom_onset if c else None,
        key=f"{prefix}_onset",
        max_value="today",
    )
    col10, col11 = st.columns(2)
    with col10:
        tri_state(
            "New or worsening back pain", f"{prefix}_painnew", c.pain_new_or_worse if c else None
        )
        tri_state("Limb weakness", f"{prefix}_weak", c.weakness if c else None)
        tri_state("Numbness or sensory level", f"{prefix}_numb", c.numbness if c else None)
        tri_state("Reflex change", f"{prefix}_reflex", c.reflex_change if c else None)
    with col11:
        tri_state("Gait disturbance", f"{prefix}_gait", c.gait_disturbance if c else None)
        tri_state(
            "Bladder or bowel dysfunction",
            f"{prefix}_bb",
            c.bladder_bowel_dysfunction if c else None,
        )
        tri_state("Radicular pain", f"{prefix}_radic", c.radicular_pain if c else None)
    pain_answer, pain_selected = _current_pain(c)
    col12, col13 = st.columns(2)
    with col12:
        tri_state(
            "Spinal pain suggestive of metastases?",
            f"{prefix}_spinalpain",
            pain_answer,
            help="NICE NG234: without neurological symptoms, these features call for an MRI "
            "within a week. 'No' means asked and none present; 'Unknown' means not asked.",
        )
    col13.multiselect(
        "Spinal pain features (when yes)",
        _PAIN_FEATURES,
        default=pain_selected,
        format_func=lambda f: f.label.capitalize(),
        key=f"{prefix}_painfeat",
    )
    st.text_area(
        "Referral question",
        value=c.referral_question if c else "",
        key=f"{prefix}_question",
        placeholder="What should the board decide?",
    )
    st.text_input("Referred by", value=(c.referred_by or "") if c else "", key=f"{prefix}_refby")
    return _read_state(prefix)


def _read_state(prefix: str) -> _FormValues:
    """The form's values as the session holds them (in a callback, the submitted ones)."""
    state = st.session_state

    def value(name: str, default: Any = None) -> Any:
        return state.get(f"{prefix}_{name}", default)

    age, birth_year = value("age"), value("by")
    data = CaseInput(
        primary_site=value("site") or "",
        levels=value("levels") or "",
        histology=value("hist") or None,
        hospital_number=value("hn") or None,
        age=int(age) if age is not None else None,
        birth_year=int(birth_year) if birth_year is not None else None,
        sex=value("sex", Sex.UNKNOWN),
        known_cancer=bool(value("known", True)),
        pain_score=value("pain"),
        pain_character=value("painchar"),
        pain_new_or_worse=value("painnew"),
        numbness=value("numb"),
        weakness=value("weak"),
        reflex_change=value("reflex"),
        gait_disturbance=value("gait"),
        bladder_bowel_dysfunction=value("bb"),
        radicular_pain=value("radic"),
        symptom_onset=value("onset") or None,
        referral_question=value("question") or "",
        referred_by=value("refby") or None,
    )
    return _FormValues(
        data=data, pain_answer=value("spinalpain"), pain_selected=list(value("painfeat") or [])
    )


#: Session keys of the intake: the case just created, the last refusal, the possible
#: duplicates waiting for confirmation (none starts with the form's prefix "nc_").
_CREATED = "intake_created"
_ERROR = "intake_error"
_DUPLICATES = "intake_duplicates"


def _create(db: Database, actor: Actor, key: bytes, confirmed: bool) -> None:
    """Create the case from the submitted form (a callback: it runs before the page).

    Possible duplicates are shown first; the case is created only once the person
    confirmed every one of them ("Create the case anyway"). On success the form is
    emptied and the new case is kept for the confirmation at the top of the page.
    """
    state = st.session_state
    shown: tuple[PossibleDuplicate, ...] = state.pop(_DUPLICATES, ())
    state.pop(_ERROR, None)
    try:
        data = _read_state("nc").case_input()
        validate_case_input(data, dt.date.today())
        found = possible_duplicates(db, actor, hospital_number=data.hospital_number, key=key)
        seen = {d.case_id for d in shown} if confirmed else set()
        if any(d.case_id not in seen for d in found):
            state[_DUPLICATES] = found
            return
        created = create_case(db, actor, data, confirmed_duplicates=tuple(d.case_id for d in found))
    except Exception as exc:  # shown under the form by new_case_form
        state[_ERROR] = exc
        return
    state[_CREATED] = (created.id, created.pseudonym)
    for name in [k for k in state if str(k).startswith("nc_")]:
        del state[name]


def _dismiss() -> None:
    st.session_state.pop(_CREATED, None)


def created_case_notice() -> None:
    """The confirmation of the case just created, with a link to open it (top of the page).

    It stays until dismissed or replaced by the next new case.
    """
    created = st.session_state.get(_CREATED)
    if not created:
        return
    case_id, pseudonym = created
    text, link, dismiss = st.columns([4, 2, 1], vertical_alignment="center")
    text.success(md_escape(f"Case {pseudonym} created."), icon=":material/check_circle:")
    link.page_link(
        "pages/case.py",
        label=f"Open {pseudonym}",
        query_params={"case": str(case_id)},
        icon=":material/folder_open:",
    )
    dismiss.button("Dismiss", key="intake_dismiss", on_click=_dismiss)


def _duplicate_warning(db: Database, actor: Actor, key: bytes) -> None:
    duplicates: tuple[PossibleDuplicate, ...] = st.session_state.get(_DUPLICATES, ())
    if not duplicates:
        return
    count = len(duplicates)
    st.warning(
        f"Possible duplicate: {count} existing case{'s' if count != 1 else ''} may be the "
        "same patient. Open "
        + ("them" if count != 1 else "it")
        + " to check. The new case is not created until you confirm it is another patient "
        "or a new referral.",
        icon=":material/content_copy:",
    )
    for found in duplicates:
        text, link = st.columns([4, 1], vertical_alignment="center")
        text.markdown(
            md_escape(
                f"{found.pseudonym}: {found.status.label}, {found.primary_site_label}, "
                f"levels {', '.join(found.levels)}, registered {fmt_date(found.created_at.date())}"
                f" ({'; '.join(found.reasons)})"
            )
        )
        link.page_link(
            "pages/case.py",
            label=f"Open {found.pseudonym}",
            query_params={"case": str(found.case_id)},
            icon=":material/folder_open:",
        )
    st.button(
        "Create the case anyway",
        key="intake_create_anyway",
        on_click=_create,
        args=(db, actor, key, True),
    )


def new_case_form(db: Database, actor: Actor) -> None:
    """Render the new-case form.

    On invalid input the message names the field and what was expected, and the form
    keeps everything that was typed. Possible duplicates (same hospital number, or
    imaging of the same Patient ID) are shown before anything is created. After the case
    is created the form is empty; :func:`created_case_notice` shows the confirmation.
    """
    key = derive_key(context.settings().secret_key)
    with st.form("new_case"):
        st.caption("A pseudonym is generated for the patient. Unknown symptoms may stay 'Unknown'.")
        _fields("nc", None)
        st.form_submit_button(
            "Create case", type="primary", on_click=_create, args=(db, actor, key, False)
        )
    error = st.session_state.get(_ERROR)
    if error is not None:
        show_error(error)
    _duplicate_warning(db, actor, key)


def edit_case_form(db: Database, actor: Actor, case: CaseReadModel) -> None:
    """Render the edit form for ``case``; saving runs in the click's callback.

    The version the user started from is kept in the session, so a save after someone
    else's change is refused with a message naming who changed the case and when;
    "Reload" discards the form and starts again from the current version. The caller
    shows the outcome of the slot ``edit_case`` (:func:`board.ui.actions.show_outcome`)
    where it stays visible (outside a collapsible section).
    """
    prefix = f"ec{case.id}"
    version_key = f"{prefix}_loaded_version"
    st.session_state.setdefault(version_key, case.version)
    if st.session_state[version_key] != case.version:
        st.warning(
            md_escape(
                f"This case was changed by {case.updated_by or 'another user'} since you "
                "opened the form. Reload to start from the current version."
            )
        )
    st.button(
        "Reload",
        key=f"{prefix}_reload",
        icon=":material/refresh:",
        on_click=actions.clear_keys,
        args=(prefix + "_",),
    )
    with st.form(f"edit_case_{case.id}"):
        _fields(prefix, case.as_input())
        st.form_submit_button(
            "Save changes",
            type="primary",
            on_click=actions.run,
            args=("edit_case", partial(_save_edit, db, actor, case.id)),
        )


def _save_edit(db: Database, actor: Actor, case_id: int) -> str:
    """The save callback: the form's values from the session, saved against its version."""
    prefix = f"ec{case_id}"
    version_key = f"{prefix}_loaded_version"
    updated = update_case(
        db, actor, case_id, st.session_state[version_key], _read_state(prefix).case_input()
    )
    st.session_state[version_key] = updated.version
    return "Saved."
