"""A person's action run from a widget callback, so the click costs one script run.

Streamlit runs an ``on_click`` / ``on_change`` callback before the script. An action done
there (save, add, sign) is already in the database when the page is drawn, so the run
that the click causes shows the new truth everywhere on the page: no
set-state-then-``st.rerun()`` (a second full run), no stale summary.

How a page uses it::

    actions.begin_page_run()            # first thing in a full run of the page
    ...
    st.form_submit_button("Save", on_click=actions.run, args=("slot", do_save))
    actions.show_outcome("slot")        # where the message belongs

Inside an ``st.fragment`` (each case tab is one) a click reruns only the fragment;
:func:`refresh_whole_page` (called first thing in the fragment) turns that into a run
of the whole page when an action changed the case, so the header and the readiness are
current too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from board.ui.errors import show_error
from board.ui.text import md_escape

_OUTCOME_PREFIX = "_outcome_"
_WHOLE_PAGE_KEY = "_action_changed_page"

#: What an action returns: a confirmation to show, or ``None`` for none.
Action = Callable[[], str | None]


def run(slot: str, action: Action, clear: Iterable[str] = ()) -> None:
    """Run ``action`` from a widget callback and keep its outcome for :func:`show_outcome`.

    Parameters
    ----------
    slot:
        Where the outcome is shown (the same name is passed to :func:`show_outcome`).
    action:
        Does the work (reads its inputs from ``st.session_state``); returns the
        confirmation text or ``None``. Any exception it raises is kept and shown by
        :func:`show_outcome` exactly as :func:`board.ui.errors.show_error` would.
    clear:
        Key prefixes of widgets to empty after a successful action (what was typed is
        kept when the action fails, so nothing is lost).
    """
    try:
        message = action()
    except Exception as exc:  # shown in the slot: a user error's own text, else generic
        st.session_state[_OUTCOME_PREFIX + slot] = exc
        return
    prefixes = tuple(clear)
    if prefixes:
        for key in [k for k in st.session_state if str(k).startswith(prefixes)]:
            del st.session_state[key]
    st.session_state[_OUTCOME_PREFIX + slot] = message
    st.session_state[_WHOLE_PAGE_KEY] = True


def show_outcome(slot: str, *, toast: bool = False) -> None:
    """Show (once) the confirmation or the error of the last action run for ``slot``.

    Parameters
    ----------
    slot:
        The name given to :func:`run`.
    toast:
        Show a confirmation as a toast (the presenter: nothing on the shared screen
        moves); errors always stand on the page.
    """
    # One element in every run, shown or not: the elements after it keep their place,
    # so Streamlit keeps their state (an open expander stays open after the action).
    place = st.empty()
    outcome = st.session_state.pop(_OUTCOME_PREFIX + slot, None)
    if isinstance(outcome, BaseException):
        with place.container():
            show_error(outcome)
    elif outcome and toast:
        st.toast(md_escape(str(outcome)), icon=":material/check_circle:")
    elif outcome:
        place.success(md_escape(str(outcome)), icon=":material/check_circle:")


def clear_keys(*prefixes: str) -> None:
    """Forget the widget values whose keys start with any of ``prefixes`` (a reload)."""
    for key in [k for k in st.session_state if str(k).startswith(prefixes)]:
        del st.session_state[key]


def begin_page_run() -> None:
    """Mark the start of a run of the whole page (nothing is left to refresh)."""
    st.session_state.pop(_WHOLE_PAGE_KEY, None)


def refresh_whole_page() -> None:
    """In a fragment: if an action just changed the page's data, run the whole page.

    Call it first thing in the fragment. A run of the whole page clears the mark in
    :func:`begin_page_run`, so this only fires in a fragment-only run after an action.
    """
    if st.session_state.pop(_WHOLE_PAGE_KEY, False):
        st.rerun(scope="app")
