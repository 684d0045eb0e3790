"""The one place that turns errors into messages on the page.

User errors (:class:`board.errors.UserError`) are shown as they are: their messages are
written for people. Anything else is logged with its traceback on the server and the
page shows a short generic message, so no traceback ever reaches the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from board.errors import ConflictError, PermissionDeniedError, UserError
from board.localtime import fmt_local
from board.ui.text import md_escape

log = logging.getLogger("board.ui")

GENERIC_MESSAGE = (
    "Something went wrong on the server and nothing was saved. The error has been logged; "
    "please try again, and tell your administrator if it happens again."
)


def show_error(error: BaseException) -> None:
    """Render one error as plain text (never as HTML or markdown)."""
    if isinstance(error, ConflictError):
        st.warning(md_escape(error.message_in(fmt_local)), icon=":material/sync_problem:")
    elif isinstance(error, PermissionDeniedError):
        st.error(md_escape(error.message), icon=":material/block:")
    elif isinstance(error, UserError):
        st.error(md_escape(error.message), icon=":material/error:")
    else:
        log.exception("unexpected error", exc_info=error)
        st.error(GENERIC_MESSAGE, icon=":material/error:")


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
