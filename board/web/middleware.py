"""ASGI middleware of the app server: request ids and request body limits.

``app.py`` passes both to ``st.App(middleware=...)``; they run before Streamlit's own.

:class:`RequestIdMiddleware`
    Gives every HTTP request a request id (the client's or proxy's ``X-Request-ID``
    when it looks like one, else a new one), answers with it in ``X-Request-ID``, and
    logs an error that escapes a route as one structured line with that id
    (:mod:`board.logs`).
:class:`BodySizeLimitMiddleware`
    Refuses a request body larger than allowed with ``413 Payload Too Large``: for
    Streamlit's file uploads the upload limit (``server.maxUploadSize``, plus a margin
    for the multipart framing), for anything else a small limit (the app's own routes
    take a few hundred bytes). The ``Content-Length`` is checked before anything is
    read; a body sent without one (chunked) or longer than it said is counted as it
    streams and cut off at the limit, so an oversized body is never held in memory.
    Websocket traffic is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from board.logs import log_error, log_event, request_context

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "x-request-id"
#: Path part of Streamlit's file upload route (after any ``server.baseUrlPath``).
UPLOAD_PATH_PART = "/_stcore/upload_file/"
#: Room for the multipart framing around an uploaded file (Streamlit allows the same).
MULTIPART_MARGIN_BYTES = 1024 * 1024
#: Largest body of any other request (the session routes take a short form).
SMALL_BODY_BYTES = 64 * 1024
log = logging.getLogger("board.web")


class RequestIdMiddleware:
    """Tag each HTTP request with a request id; log escaping errors with it.

    Parameters
    ----------
    app:
        The ASGI application to wrap.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection (HTTP requests get a request id)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope.get("headers", []):
            if name == REQUEST_ID_HEADER.encode():
                given = value.decode("latin-1")
        with request_context(given) as request_id:

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() != REQUEST_ID_HEADER.encode()
                    ]
                    headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                    message["headers"] = headers
                await send(message)

            try:
                await self.app(scope, receive, send_with_id)
            except Exception as error:
                log_error(log, "unexpected error in a web request", error, path=_route(scope))
                raise


def _route(scope: Scope) -> str:
    """The request's path without identifiers (upload session and file ids dropped)."""
    path = str(scope.get("path", ""))
    if UPLOAD_PATH_PART in path:
        return path[: path.index(UPLOAD_PATH_PART) + len(UPLOAD_PATH_PART)] + "..."
    return path[:200]


class BodyTooLarge(Exception):
    """Raised inside :class:`BodySizeLimitMiddleware` when a body passes its limit."""


class BodySizeLimitMiddleware:
    """Refuse request bodies over the limit with 413 (see the module documentation).

    Parameters
    ----------
    app:
        The ASGI application to wrap.
    upload_limit_bytes:
        Largest file a person may upload (``server.maxUploadSize`` in bytes).
    small_limit_bytes:
        Largest body of any request that is not a file upload.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        upload_limit_bytes: int,
        small_limit_bytes: int = SMALL_BODY_BYTES,
    ) -> None:
        self.app = app
        self.upload_limit_bytes = upload_limit_bytes
        self.small_limit_bytes = small_limit_bytes

    def limit_for(self, path: str) -> int:
        """The largest body allowed for a request to ``path``.

        Parameters
        ----------
        path:
            The request path.

        Returns
        -------
        int
            Bytes.
        """
        if UPLOAD_PATH_PART in path:
            return self.upload_limit_bytes + MULTIPART_MARGIN_BYTES
        return self.small_limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection (HTTP request bodies are limited)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "Invalid Content-Length")
                    return
                if declared > limit:
                    await _too_large(scope, send, declared, limit)
                    return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(scope, send, received, limit)


async def _too_large(scope: Scope, send: Send, size: int, limit: int) -> None:
    log_event(
        log,
        "request body over the limit",
        level=logging.WARNING,
        path=_route(scope),
        bytes=size,
        limit_bytes=limit,
    )
    await _refuse(send, 413, "Payload Too Large: the file is larger than the upload limit.")


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
