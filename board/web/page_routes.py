"""Serve the app's page addresses (``/case``, ``/worklist``...) without failed probes.

Streamlit's browser code does not know whether the app is mounted at ``/`` or under a
path. Opened at ``/case?case=12`` it first probes ``/case/_stcore/health`` and
``/case/_stcore/host-config`` (two 404 responses in every deep link) before it finds the
server at ``/``. These routes serve Streamlit's own ``index.html`` for the app's page
addresses with one line added that tells the browser code where the server is
(``window.__streamlit.BACKEND_BASE_URL``, Streamlit's documented embedding setting), so
it connects at once. The line holds no data from the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

_BASE_URL_SCRIPT = (
    "<script>window.__streamlit=Object.assign({},window.__streamlit,"
    '{BACKEND_BASE_URL:window.location.origin+"/"});</script>'
)


@cache
def patched_index() -> str:
    """Streamlit's ``index.html`` with the server's base address set for the browser code.

    Returns
    -------
    str
        The page, read once per process.
    """
    # Read as a package resource: board/ outside board/ui/ never imports streamlit.
    index = (resources.files("streamlit") / "static" / "index.html").read_text("utf-8")
    head = index.find("<head>")
    if head < 0:  # an unexpected layout: serve it unchanged
        return index
    at = head + len("<head>")
    return index[:at] + _BASE_URL_SCRIPT + index[at:]


async def _index(_request: Request) -> Response:
    return HTMLResponse(patched_index(), headers={"Cache-Control": "no-cache"})


def page_routes(url_paths: Iterable[str]) -> list[Route]:
    """Routes answering ``GET /<page>`` with :func:`patched_index`.

    Parameters
    ----------
    url_paths:
        The app's page addresses without the leading slash (``"case"``).

    Returns
    -------
    list[Route]
        One route per address, to pass to ``st.App(routes=...)``.
    """
    return [Route(f"/{path}", _index, methods=["GET", "HEAD"]) for path in url_paths]
