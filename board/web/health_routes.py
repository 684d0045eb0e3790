"""Readiness for load balancers and monitoring: ``GET /api/ready``.

Streamlit's own ``/_stcore/health`` only says the web server is up. A server whose
database is gone cannot serve anyone, so a reverse proxy should send people elsewhere:
this route answers ``200`` with ``{"status": "ready", "database": "ok", "schema":
"current"}`` only when a query on the database succeeds within
:data:`CHECK_TIMEOUT_S` and its schema is at this code's newest migration; otherwise
``503`` with ``"database": "unavailable"`` (or ``"schema": "behind"`` / ``"ahead"``
while an upgrade is under way). The answer holds no data and is never cached; failures
are logged as structured warnings with the request id.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from board.db.migrate import current_revision, head_revision, known_revisions
from board.logs import log_error
from board.web.session_routes import settings_and_database

READY_PATH = "/api/ready"
#: The longest the check waits for the database before answering 503.
CHECK_TIMEOUT_S = 5.0
log = logging.getLogger("board.web")


def check_database() -> dict[str, str]:
    """Query the database and compare its schema revision with this code's newest.

    Returns
    -------
    dict[str, str]
        ``database`` (``ok``) and ``schema``: ``current``, ``behind`` (migrations to
        run), ``ahead`` (the database is newer than this code) or ``empty``.

    Raises
    ------
    Exception
        Whatever the database driver raises when it cannot be reached.
    """
    _settings, db = settings_and_database()
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        revision = current_revision(connection)
    head = head_revision()
    if revision is None:
        schema = "empty"
    elif revision == head:
        schema = "current"
    else:
        # A revision this code does not know was written by newer code.
        schema = "behind" if revision in known_revisions() else "ahead"
    return {"database": "ok", "schema": schema}


async def ready(_request: Request) -> Response:
    """Answer whether this server can serve people now (database reachable, schema current).

    Parameters
    ----------
    _request:
        The GET request.

    Returns
    -------
    Response
        200 or 503 with a small JSON body; ``Cache-Control: no-store``.
    """
    body: dict[str, Any]
    try:
        result = await asyncio.wait_for(run_in_threadpool(check_database), CHECK_TIMEOUT_S)
    except Exception as error:
        log_error(log, "readiness: database unavailable", error, level=logging.WARNING)
        body, status = {"status": "unavailable", "database": "unavailable"}, 503
    else:
        ok = result["schema"] == "current"
        body = {"status": "ready" if ok else "unavailable", **result}
        status = 200 if ok else 503
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    """The readiness route to pass to ``st.App(routes=...)``.

    Returns
    -------
    list[Route]
        ``GET /api/ready``.
    """
    return [Route(READY_PATH, ready, methods=["GET"])]
