"""The page-wide key listener behind the presenter's clicker keys and the viewer's keys.

A small ``st.components.v2`` component, drawn in the page itself (not in an iframe),
listens for ``keydown`` on the document and sets a trigger value ("next" or
"previous"); the page runs the move in the trigger's callback (one script run).

Keys are ignored while the focus is in a text field, a drop-down, a slider or any
editable element, when a modifier key is held (Alt+Left is the browser's "back"), and
while a key is held down (auto-repeat).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

_TEMPLATE = """
export default function (component) {
  const { setTriggerValue } = component;
  const NEXT = new Set(__NEXT__);
  const PREVIOUS = new Set(__PREVIOUS__);
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
  document.documentElement.setAttribute(__MARKER__, 'on');
  return () => {
    document.removeEventListener('keydown', onKey);
    document.documentElement.removeAttribute(__MARKER__);
  };
}
"""


def key_listener_js(next_keys: Sequence[str], previous_keys: Sequence[str], marker: str) -> str:
    """The component's JavaScript for one pair of key sets.

    Parameters
    ----------
    next_keys, previous_keys:
        ``KeyboardEvent.key`` values that trigger "next" and "previous".
    marker:
        The attribute set on ``<html>`` while the listener is attached.

    Returns
    -------
    str
        The module source for ``st.components.v2.component(js=...)``.
    """
    return (
        _TEMPLATE.replace("__NEXT__", json.dumps(list(next_keys)))
        .replace("__PREVIOUS__", json.dumps(list(previous_keys)))
        .replace("__MARKER__", json.dumps(marker))
    )
