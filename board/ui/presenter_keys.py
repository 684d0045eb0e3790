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

from board.ui.meeting_common import on_click

_JS = """
export default function (component) {
  const { setTriggerValue } = component;
  const NEXT = new Set(['PageDown', 'ArrowRight']);
  const PREVIOUS = new Set(['PageUp', 'ArrowLeft']);
  const typing = (el) => {
    if (!el) { return false; }
    const tag = (el.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select') { return true; }
    if (el.isContentEditable) { return true; }
    const role = el.getAttribute && el.getAttribute('role');
    return role === 'combobox' || role === 'listbox' || role === 'textbox'
      || role === 'spinbutton' || role === 'slider';
  };
  const onKey = (event) => {
    if (event.defaultPrevented || event.repeat) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    const target = event.composedPath ? event.composedPath()[0] : event.target;
    if (typing(target) || typing(document.activeElement)) { return; }
    let move = null;
    if (NEXT.has(event.key)) { move = 'next'; }
    if (PREVIOUS.has(event.key)) { move = 'previous'; }
    if (move === null) { return; }
    event.preventDefault();
    setTriggerValue(move, Date.now());
  };
  document.addEventListener('keydown', onKey);
  // Say on the page that the keys work now (browser tests wait for it).
  document.documentElement.setAttribute('data-tb-presenter-keys', 'on');
  return () => {
    document.removeEventListener('keydown', onKey);
    document.documentElement.removeAttribute('data-tb-presenter-keys');
  };
}
"""

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
