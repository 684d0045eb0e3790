"""Render a :class:`~board.reports.model.BoardReport` as one self-contained HTML page.

Jinja2 with autoescaping on: every value is escaped, so text from people and DICOM
files shows literally. No scripts; thumbnails are embedded as ``data:`` URIs and a
Content-Security-Policy forbids loading anything else.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from board.reports.model import SECTION_TITLES, BoardReport, when


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI.

    Parameters
    ----------
    png:
        The image bytes.

    Returns
    -------
    str
        ``data:image/png;base64,...``.
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


#: the longest run of characters a table cell gets without a place to break the line
BREAK_EVERY = 16
_LONG_WORD = re.compile(rf"\S{{{BREAK_EVERY + 1},}}")
_BREAK_AFTER = re.compile(r"(?<=[./_\-])")


def breakable(text: object) -> Markup:
    """Escaped text with line-break opportunities (``<wbr>``) inside long words.

    A study UID or a description written without spaces would otherwise stretch its
    table column past the page. Long words break after dots, slashes, hyphens and
    underscores, and at the latest every :data:`BREAK_EVERY` characters.

    Parameters
    ----------
    text:
        Text from a person or a DICOM file (shown literally).

    Returns
    -------
    Markup
        The escaped text; the only markup added is ``<wbr>``.
    """

    def split(word: str) -> list[str]:
        pieces: list[str] = []
        for part in _BREAK_AFTER.split(word):
            pieces += [part[i : i + BREAK_EVERY] for i in range(0, len(part), BREAK_EVERY)]
        return [p for p in pieces if p]

    value = str(text)
    out: list[str] = []
    last = 0
    for found in _LONG_WORD.finditer(value):
        out.append(str(escape(value[last : found.start()])))
        out.append("<wbr>".join(str(escape(piece)) for piece in split(found.group())))
        last = found.end()
    out.append(str(escape(value[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece of text was escaped above


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("board.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    env.globals.update(when=when, data_uri=data_uri, titles=SECTION_TITLES)
    env.filters["breakable"] = breakable
    return env.get_template("report.html.j2")


def render_html(report: BoardReport) -> str:
    """The report as an HTML document.

    Parameters
    ----------
    report:
        The report model.

    Returns
    -------
    str
        A complete, self-contained HTML page (UTF-8 text).
    """
    return _template().render(report=report)
