"""Small helpers shared by the meeting, presenter and plan screens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from board.auth.actor import Actor
from board.auth.permissions import Action, allowed
from board.localtime import fmt_local
from board.ui.errors import user_errors
from board.ui.text import md_escape

_FLASH = "meeting_flash"


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
