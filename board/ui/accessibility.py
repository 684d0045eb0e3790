"""The app-wide accessibility style: a visible keyboard focus on every page.

The text contrast (captions, hints, coloured text) comes from the theme in
``.streamlit/config.toml``. What the theme cannot set is the focus indicator: Streamlit
draws it as a soft ring in the primary colour at half opacity (about 2.2:1 against
white), below the 3:1 WCAG 2.1 asks of a focus indicator (success criteria 1.4.11 and
2.4.7). :data:`FOCUS_CSS` draws a solid dark-blue outline around whatever has the
keyboard focus (links, buttons, tabs, expanders, the sliders' thumbs); for a text
field, select box, check box or radio button the outline goes on the box that holds the
focused ``input`` (the input itself is clipped by that box). The outline is
:data:`FOCUS_COLOUR`, 6.7:1 on white and 6.0:1 on the sidebar's grey.

The style sheet is a fixed string written here: no person-supplied text ever goes into it.
"""

from __future__ import annotations

import streamlit as st

#: The outline colour of the keyboard focus (Tailwind's blue-700).
FOCUS_COLOUR = "#1d4ed8"

FOCUS_CSS = f"""
<style>
:focus-visible {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}
input:focus-visible, textarea:focus-visible {{
  outline: none !important;
}}
div:has(> input:focus-visible),
div:has(> textarea:focus-visible),
span:has(> input:focus-visible) {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 1px !important;
}}
</style>
"""


def apply_accessible_style() -> None:
    """Add the focus-indicator style sheet to the page (once per run, takes no space)."""
    st.html(FOCUS_CSS)
