"""Render a :class:`~board.reports.model.BoardReport` as one self-contained HTML page.

Jinja2 with autoescaping on: every value is escaped, so text from people and DICOM
files shows literally. No scripts; thumbnails are embedded as ``data:`` URIs and a
Content-Security-Policy forbids loading anything else.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

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


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("board.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    env.globals.update(when=when, data_uri=data_uri, titles=SECTION_TITLES)
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
