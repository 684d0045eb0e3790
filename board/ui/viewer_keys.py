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

_JS = """
export default function (component) {
  const { setTriggerValue } = component;
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
    if (event.key === 'ArrowDown') { move = 'next'; }
    if (event.key === 'ArrowUp') { move = 'previous'; }
    if (move === null) { return; }
    event.preventDefault();
    setTriggerValue(move, Date.now());
  };
  document.addEventListener('keydown', onKey);
  // Say on the page that the keys work now (browser tests wait for it).
  document.documentElement.setAttribute('data-tb-viewer-keys', 'on');
  return () => {
    document.removeEventListener('keydown', onKey);
    document.documentElement.removeAttribute('data-tb-viewer-keys');
  };
}
"""

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
