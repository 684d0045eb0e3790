"""A presentation clicker on the presenter: Page Down / Right Arrow and Page Up / Left Arrow.

A presentation clicker sends Page Down and Page Up (some send the arrow keys). Streamlit
has no keyboard shortcuts of its own for this, so a small ``st.components.v2``
component, drawn in the page itself (not in an iframe), listens for ``keydown`` on the
document and sets a trigger value ("next" or "previous"); the presenter runs the move
in the trigger's callback, exactly as a click on "Next case" does (one script run).

Keys are ignored while the focus is in a text field, a drop-down or any editable
element (typing a reason must not move the meeting on), when a modifier key is held
(Alt+Left is the browser's "back"), and while a key is held down (auto-repeat).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from board.ui.key_listener import key_listener_js
from board.ui.meeting_common import on_click

_JS = key_listener_js(("PageDown", "ArrowRight"), ("PageUp", "ArrowLeft"), "data-tb-presenter-keys")

_component = st.components.v2.component("tumorboard.presenter_keys", html="", js=_JS)


def presenter_keys(
    *,
    on_next: Callable[[], Any] | None,
    on_previous: Callable[[], Any] | None,
    key: str = "pres_keys",
) -> None:
    """Move to the next or previous case with a clicker or the keyboard.

    Parameters
    ----------
    on_next:
        The move to run when Page Down or Right Arrow is pressed (``None``: no next
        case); it runs like a button's action (:func:`board.ui.meeting_common.on_click`),
        its error shown the same way.
    on_previous:
        The same for Page Up or Left Arrow.
    key:
        Widget key; the style sheet hides its (empty) element.
    """
    _component(
        key=key,
        on_next_change=_callback(on_next),
        on_previous_change=_callback(on_previous),
        height=0,
    )


def _callback(action: Callable[[], Any] | None) -> Callable[[], None]:
    if action is None:
        return _ignore
    spec = on_click(action)
    return partial(spec["on_click"], *spec["args"])


def _ignore() -> None:
    """A key with nowhere to go (first or last case) does nothing."""
