"""md_escape: person-supplied text shows literally in Streamlit's markdown elements."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from board.ui.text import md_escape
from tests.pages.helpers import plain

NASTY = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](http://evil.example/x)",
    "![img](http://evil.example/a.png)",
    "**bold** _em_ `code` # heading",
    "visit www.evil.example or https://evil.example",
    "mail someone@evil.example",
    "≥ 5 µm, Zoë Ångström, \u05e9\u05dc\u05d5\u05dd (right-to-left)",
    "javascript:alert(1)",
    ":material/warning: $x^2$",
]


def test_nasty_inputs_lose_their_markup() -> None:
    for text in NASTY:
        escaped = md_escape(text)
        assert plain(escaped) == text
        assert "](" not in escaped
        assert not re.search(r"(?<!\\)[<\[*_`#]", escaped), escaped
        assert not re.search(r"(?i)https?:", escaped), escaped
        assert "www." not in escaped
        assert ":material/" not in escaped


@given(st.text())
def test_round_trip_any_text(text: str) -> None:
    assert plain(md_escape(text)) == text.replace("\u200b", "")


@given(st.text(alphabet="<>[]()*_`#!:/.@wht ps-\\\n"))
def test_no_unescaped_markdown_punctuation(text: str) -> None:
    escaped = md_escape(text)
    # every markdown-special character is preceded by a backslash
    unescaped = re.sub(r"\\.", "", escaped)
    assert not re.search(r"[<>\[\]()*_`#!\\]", unescaped)
