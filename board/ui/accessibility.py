"""The app-wide accessibility style: a visible keyboard focus on every page.

The text contrast (captions, hints, coloured text) comes from the theme in
``.streamlit/config.toml``. What the theme cannot set is the focus indicator: Streamlit
draws it as a soft ring in the primary colour at half opacity (about 2.2:1 against
white), below the 3:1 WCAG 2.1 asks of a focus indicator (success criteria 1.4.11 and
2.4.7). :data:`FOCUS_CSS` draws a solid dark-blue outline around whatever has the
keyboard focus (links, buttons, tabs, check boxes, the sliders' thumbs) and around a
text field, select box or upload area while the focus is inside it; the outline is
:data:`FOCUS_COLOUR`, 6.7:1 on white and 6.1:1 on the sidebar's grey.

The style sheet is a fixed string written here: no person-supplied text ever goes into it.
"""

from __future__ import annotations

import streamlit as st

#: The outline colour of the keyboard focus (Tailwind's blue-700).
FOCUS_COLOUR = "#1d4ed8"

FOCUS_CSS = f"""
<style>
:focus-visible,
[data-testid="stMain"] a:focus-visible,
[data-testid="stSidebar"] a:focus-visible,
button:focus-visible,
[role="tab"]:focus-visible,
[role="slider"]:focus-visible,
[data-baseweb="checkbox"]:focus-within,
[data-baseweb="radio"]:focus-within {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}
[data-baseweb="input"]:focus-within,
[data-baseweb="textarea"]:focus-within,
[data-baseweb="select"] > div:focus-within,
[data-testid="stFileUploaderDropzone"]:focus-within {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 1px !important;
}}
[data-baseweb="input"] input:focus-visible,
[data-baseweb="textarea"] textarea:focus-visible,
[data-baseweb="select"] input:focus-visible {{
  outline: none !important;
}}
</style>
"""


def apply_accessible_style() -> None:
    """Add the focus-indicator style sheet to the page (once per run, takes no space)."""
    st.html(FOCUS_CSS)
