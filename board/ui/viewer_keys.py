"""Clicker and keyboard keys for the series viewer: Down Arrow / Up Arrow move one slice.

The presenter's case keys are Page Down / Right Arrow (next case) and Page Up / Left
Arrow (previous case) (:mod:`board.ui.presenter_keys`); the viewer takes the two keys
left over, so the two never clash: **Down Arrow** shows the next slice, **Up Arrow** the
previous one. Like the case keys, a small ``st.components.v2`` component drawn in the
page listens for ``keydown`` on the document and sets a trigger value; the move runs in
the trigger's callback (one run of the viewer's fragment).

Keys are ignored while the focus is in a text field, a drop-down or a slider (a focused
slider moves itself with the arrow keys), when a modifier key is held, and while a key
is held down (auto-repeat).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from board.ui.key_listener import key_listener_js

_JS = key_listener_js(("ArrowDown",), ("ArrowUp",), "data-tb-viewer-keys")

_component = st.components.v2.component("tumorboard.viewer_keys", html="", js=_JS)


def viewer_keys(*, on_next: Callable[[], None], on_previous: Callable[[], None], key: str) -> None:
    """Move one slice with Down Arrow (next) and Up Arrow (previous).

    Parameters
    ----------
    on_next, on_previous:
        Callbacks that change the slice (they run before the viewer is drawn again).
    key:
        Widget key; the style sheet hides its (empty) element.
    """
    _component(key=key, on_next_change=on_next, on_previous_change=on_previous, height=0)
