"""Making text from people (or DICOM files) safe to show in Streamlit's markdown elements.

Titles, captions and alert boxes render markdown. Text that came from a person is
escaped so it shows literally: no emphasis, no headings, no links, no images, no HTML.
Where possible, pages show such text with ``st.text`` or in tables instead.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$=:&\"'^])")
_ZWSP = "\u200b"


def md_escape(text: object) -> str:
    """Escape ``text`` so Streamlit's markdown renders it literally.

    Every markdown punctuation character is backslash-escaped, and the patterns that
    turn into links or icons on their own (``http://``, ``www.``, e-mail addresses,
    ``:short_codes:``) are broken with a zero-width space.

    Parameters
    ----------
    text:
        Anything; converted with ``str``.

    Returns
    -------
    str
        Markdown source that displays as the original text.
    """
    value = str(text)
    # Break URL schemes, emoji and icon short codes (":smile:", ":material/x:").
    value = value.replace(":", f":{_ZWSP}")
    value = re.sub(r"(?i)\bwww\.", f"www{_ZWSP}.", value)
    value = value.replace("@", f"{_ZWSP}@")
    value = _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value.replace("\n", "  \n")


def escaped_rows(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    """Table rows for ``st.table`` with every cell escaped (``st.table`` renders markdown).

    ``st.table`` is a light HTML table (``st.dataframe`` draws a canvas grid, which costs
    far more in the browser); its cells render markdown, so each one is escaped.

    Parameters
    ----------
    rows:
        One dictionary per row, the same keys in each.

    Returns
    -------
    list[dict[str, str]]
        The rows with every value as escaped markdown text.
    """
    return [{key: md_escape(value) for key, value in row.items()} for row in rows]
