"""The one place that turns errors into messages on the page.

User errors (:class:`board.errors.UserError`) are shown as they are: their messages are
written for people. A database that cannot be reached or fails in flight (whether a
service already turned it into :class:`board.errors.DatabaseUnavailableError` or it
came raw from the driver, say while the database is opened) is shown as the app's own
message and logged as a warning. Anything else is logged as one structured line (types
and places, never the message: :mod:`board.logs`) and the page shows a short generic
message with the request id as a reference, so no traceback ever reaches the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from board.db.engine import database_unavailable
from board.errors import (
    ConflictError,
    DatabaseUnavailableError,
    PermissionDeniedError,
    UserError,
)
from board.localtime import fmt_local
from board.logs import log_error
from board.ui.text import md_escape

log = logging.getLogger("board.ui")

GENERIC_MESSAGE = (
    "Something went wrong on the server and nothing was saved. The error has been logged; "
    "please try again, and tell your administrator if it happens again."
)


def show_error(error: BaseException) -> None:
    """Render one error as plain text (never as HTML or markdown).

    Parameters
    ----------
    error:
        The error an action or a page raised.
    """
    if database_unavailable(error):
        request_id = log_error(log, "database unavailable", error, level=logging.WARNING)
        message = (
            error.message
            if isinstance(error, DatabaseUnavailableError)
            else DatabaseUnavailableError.MESSAGE
        )
        st.error(md_escape(f"{message} (Reference {request_id}.)"), icon=":material/cloud_off:")
    elif isinstance(error, ConflictError):
        st.warning(md_escape(error.message_in(fmt_local)), icon=":material/sync_problem:")
    elif isinstance(error, PermissionDeniedError):
        st.error(md_escape(error.message), icon=":material/block:")
    elif isinstance(error, UserError):
        st.error(md_escape(error.message), icon=":material/error:")
    else:
        request_id = log_error(log, "unexpected error", error)
        st.error(md_escape(f"{GENERIC_MESSAGE} Reference: {request_id}."), icon=":material/error:")


@contextmanager
def user_errors() -> Iterator[None]:
    """Run a block; show any error it raises on the page instead of a traceback.

    Streamlit's own control-flow exceptions (``st.stop``, ``st.rerun``) derive from
    ``BaseException`` and pass through untouched.
    """
    try:
        yield
    except Exception as exc:
        show_error(exc)
