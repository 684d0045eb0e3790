"""Small helpers shared by the meeting, presenter and plan screens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.meetings.views import MeetingSummary
from board.ui.errors import show_error, user_errors
from board.ui.text import md_escape

_FLASH = "meeting_flash"

#: Session key of the meeting selector on the meetings page.
MEETING_SELECTOR = "meeting"
#: Session key of an error raised by a callback (shown by :func:`show_callback_error`).
CALLBACK_ERROR = "meeting_callback_error"


def flash(message: str) -> None:
    """Keep a success message to show after the next rerun."""
    st.session_state[_FLASH] = message


def show_flash(*, toast: bool = False) -> None:
    """Show (once) the message kept by :func:`flash`.

    Parameters
    ----------
    toast:
        Show it as a toast (the presenter: nothing on the shared screen moves).
    """
    message = st.session_state.pop(_FLASH, None)
    if not message:
        return
    if toast:
        st.toast(md_escape(message), icon=":material/check_circle:")
    else:
        st.success(md_escape(message), icon=":material/check_circle:")


def act(action: Callable[[], Any], success: str | None = None) -> None:
    """Run a service call; on success keep ``success`` and rerun, else show the error.

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


def callback(
    action: Callable[[], Any], success: str | None = None, *, errors: str = CALLBACK_ERROR
) -> Callable[[], None]:
    """A widget callback (``on_click`` / ``on_change``) that runs a service call.

    Callbacks run before the page, so the whole page then shows the new state in the
    same run (no second run as with ``st.rerun()``).

    Parameters
    ----------
    action:
        The service call (no arguments).
    success:
        The message to show on the page after the call.
    errors:
        The session key that keeps an error for :func:`show_callback_error`.

    Returns
    -------
    Callable[[], None]
        The callback.
    """

    def run() -> None:
        try:
            action()
        except Exception as exc:
            st.session_state[errors] = exc
        else:
            if success:
                flash(success)

    return run


def show_callback_error(errors: str = CALLBACK_ERROR) -> None:
    """Show (once) the error a :func:`callback` kept under ``errors``."""
    error = st.session_state.pop(errors, None)
    if error is not None:
        show_error(error)


def count_text(count: int, noun: str, plural: str | None = None) -> str:
    """``"1 case"``, ``"0 cases"``, ``"2 cases"``."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


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
    """A UTC time as ``YYYY-MM-DD HH:MM UTC``."""
    return "" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"
