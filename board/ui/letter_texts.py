"""Admin: the outcome letter's opening, closing and contact text."""

from __future__ import annotations

import streamlit as st

from board.auth.actor import Actor
from board.db.engine import Database
from board.reports.letter import MAX_LETTER_TEXT, LetterTexts
from board.reports.service import get_letter_texts, set_letter_texts
from board.ui.errors import user_errors

#: The texts the administrator's form was filled from (the version their save expects).
SEEN_KEY = "letter_texts_seen"


def render_letter_texts(db: Database, actor: Actor) -> None:
    """The form that words the outcome letter (administrators).

    Parameters
    ----------
    db:
        The database.
    actor:
        The administrator.
    """
    st.subheader("Outcome letter")
    st.caption(
        "The letter to the referring clinician (Report tab of a case) opens and closes "
        "with these texts and names whom to contact. Letters already stored with a "
        "finalized plan keep the texts they were written with."
    )
    current = get_letter_texts(db, actor)
    seen = st.session_state.get(SEEN_KEY)
    if not isinstance(seen, LetterTexts):
        seen = current
    with st.form("letter_texts"):
        opening = st.text_area(
            "Opening (salutation and first paragraph)",
            value=seen.opening,
            max_chars=MAX_LETTER_TEXT,
        )
        closing = st.text_area(
            "Closing (closing words and signature)", value=seen.closing, max_chars=MAX_LETTER_TEXT
        )
        contact = st.text_area("Whom to contact", value=seen.contact, max_chars=MAX_LETTER_TEXT)
        save = st.form_submit_button("Save letter texts")
    if not save:
        st.session_state[SEEN_KEY] = current
        return
    # Whatever happens, the next run shows the texts as stored now.
    st.session_state[SEEN_KEY] = current
    with user_errors():
        saved = set_letter_texts(db, actor, LetterTexts(opening, closing, contact), expected=seen)
        st.session_state[SEEN_KEY] = saved
        st.success("Letter texts saved: letters written from now on use them.")
