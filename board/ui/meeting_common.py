"""Small helpers shared by the meeting, presenter and plan screens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.localtime import fmt_local
from board.meetings.views import MeetingSummary
from board.ui import actions
from board.ui.errors import user_errors
from board.wording import plural as counted

_FLASH = "meeting_flash"

#: Session key of the meeting selector on the meetings page.
MEETING_SELECTOR = "meeting"


def flash(message: str) -> None:
    """Keep a success message to show in the next run (:func:`show_flash`)."""
    st.session_state["_outcome_" + _FLASH] = message


def show_flash(*, toast: bool = False) -> None:
    """Show (once) the outcome of the last :func:`on_click` or :func:`act` action.

    Parameters
    ----------
    toast:
        Show a confirmation as a toast (the presenter: nothing on the shared screen
        moves). Errors always stand on the page.
    """
    actions.show_outcome(_FLASH, toast=toast)


def _with_message(action: Callable[[], Any], success: str | None) -> str | None:
    action()
    return success


def on_click(
    action: Callable[[], Any], success: str | None = None, clear: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Widget arguments that run ``action`` as the click's callback (one script run).

    Use as ``st.button("Sign", **on_click(lambda: sign_plan(...), "Plan signed."))``.
    The outcome is shown by :func:`show_flash` in the run the click causes.

    Parameters
    ----------
    action:
        The service call (no arguments; it reads any input from ``st.session_state``).
    success:
        The confirmation to show.
    clear:
        Key prefixes of the widgets to empty once the action succeeded (a form that
        fails keeps what was typed).

    Returns
    -------
    dict[str, Any]
        ``on_click`` and ``args`` for ``st.button`` / ``st.form_submit_button``.
    """
    return {
        "on_click": actions.run,
        "args": (_FLASH, partial(_with_message, action, success), clear),
    }


def on_click_message(action: Callable[[], str | None]) -> dict[str, Any]:
    """Like :func:`on_click`, for an action that words its own confirmation.

    Parameters
    ----------
    action:
        The service call (no arguments); returns the confirmation to show (or ``None``).

    Returns
    -------
    dict[str, Any]
        ``on_click`` and ``args`` for ``st.button``.
    """
    return {"on_click": actions.run, "args": (_FLASH, action)}


def on_change(action: Callable[[], Any], success: str | None = None) -> dict[str, Any]:
    """Widget arguments that run ``action`` when the value changes (one script run).

    Use as ``st.selectbox(..., key=k, **on_change(lambda: save(st.session_state[k])))``;
    the outcome is shown by :func:`show_flash`.

    Parameters
    ----------
    action:
        The service call (no arguments; it reads the new value from ``st.session_state``).
    success:
        The confirmation to show.

    Returns
    -------
    dict[str, Any]
        ``on_change`` and ``args`` for the widget.
    """
    return {"on_change": actions.run, "args": (_FLASH, partial(_with_message, action, success))}


def act(action: Callable[[], Any], success: str | None = None) -> None:
    """Run a service call inline; on success keep ``success`` and rerun, else show the error.

    Prefer :func:`on_click`; this remains for forms whose values are read during the run.

    Parameters
    ----------
    action:
        The service call (no arguments).
    success:
        The message to show after the rerun.
    """
    with user_errors():
        action()
        if success:
            flash(success)
        st.rerun()


def count_text(count: int, noun: str, plural: str | None = None) -> str:
    """``"1 case"``, ``"0 cases"``, ``"2 cases"`` (:func:`board.wording.plural`)."""
    return counted(count, noun, plural)


def meeting_label(meeting: MeetingSummary) -> str:
    """A meeting in the selector: title, time, status and agenda size in words."""
    return (
        f"{meeting.title}, {when(meeting.starts_at)} "
        f"({meeting.status.label.lower()}, {count_text(meeting.agenda_count, 'case')})"
    )


def may(actor: Actor, action: Action) -> bool:
    """Whether the signed-in role may perform ``action`` (to show or hide controls)."""
    return allowed(actor.role, action)


def clock(seconds: int) -> str:
    """Seconds as ``m:ss`` (or ``h:mm:ss``)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when(value: dt.datetime | None) -> str:
    """A stored (UTC) time in the hospital's zone, ``YYYY-MM-DD HH:MM CET``."""
    return fmt_local(value)
