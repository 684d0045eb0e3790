"""Request ids and request body limits (ASGI middleware), on a small Starlette app."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from board import logs
from board.web.middleware import (
    MULTIPART_MARGIN_BYTES,
    BodySizeLimitMiddleware,
    RequestIdMiddleware,
)

UPLOAD_LIMIT = 2 * 1024 * 1024
SMALL_LIMIT = 1024
UPLOAD = "/_stcore/upload_file/session-1/file-1"
received: list[int] = []


async def _echo(request: Request) -> Response:
    body = await request.body()
    received.append(len(body))
    return PlainTextResponse(f"{len(body)}")


async def _fails(_request: Request) -> Response:
    raise RuntimeError("TB-SECRET histology in a message")


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = Starlette(
        routes=[
            Route(UPLOAD, _echo, methods=["PUT"]),
            Route("/api/session/start", _echo, methods=["POST"]),
            Route("/fails", _fails),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(
                BodySizeLimitMiddleware,
                upload_limit_bytes=UPLOAD_LIMIT,
                small_limit_bytes=SMALL_LIMIT,
            ),
        ],
    )
    received.clear()
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logs.configure(stream)
    yield stream
    logging.getLogger(logs.ROOT_LOGGER).removeHandler(handler)


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        sent += part
        yield b"x" * part


def test_a_body_within_the_limit_passes(client: TestClient) -> None:
    assert client.put(UPLOAD, content=b"x" * UPLOAD_LIMIT).text == str(UPLOAD_LIMIT)
    assert client.post("/api/session/start", content=b"code=abc").status_code == 200


def test_a_declared_length_over_the_limit_is_refused_before_reading(
    client: TestClient, log_lines: io.StringIO
) -> None:
    too_big = UPLOAD_LIMIT + MULTIPART_MARGIN_BYTES + 1
    response = client.put(UPLOAD, content=b"x" * too_big)
    assert response.status_code == 413
    assert received == []  # the route never ran
    line = json.loads(log_lines.getvalue().splitlines()[-1])
    assert line["event"] == "request body over the limit"
    assert line["path"] == "/_stcore/upload_file/..."  # no session or file id
    assert line["request_id"] == response.headers["x-request-id"]


def test_a_streamed_body_without_length_is_cut_at_the_limit(client: TestClient) -> None:
    too_big = UPLOAD_LIMIT + MULTIPART_MARGIN_BYTES + 64 * 1024
    response = client.put(UPLOAD, content=_chunks(too_big))
    assert response.status_code == 413
    assert received == []


def test_other_requests_have_a_small_limit(client: TestClient) -> None:
    response = client.post("/api/session/start", content=b"code=" + b"x" * SMALL_LIMIT)
    assert response.status_code == 413
    response = client.post("/api/session/start", content=_chunks(SMALL_LIMIT * 4, 512))
    assert response.status_code == 413
    assert received == []


def test_request_ids_are_taken_when_valid_and_made_otherwise(client: TestClient) -> None:
    given = client.put(UPLOAD, content=b"x", headers={"X-Request-ID": "proxy-1234abcd"})
    assert given.headers["x-request-id"] == "proxy-1234abcd"
    hostile = client.put(UPLOAD, content=b"x", headers={"X-Request-ID": 'a"}\n{"level":"x'})
    made = hostile.headers["x-request-id"]
    assert made != 'a"}\n{"level":"x' and len(made) == 16


def test_an_escaping_error_is_logged_with_the_request_id_and_no_message(
    client: TestClient, log_lines: io.StringIO
) -> None:
    response = client.get("/fails", headers={"X-Request-ID": "req-00000001"})
    assert response.status_code == 500
    text = log_lines.getvalue()
    assert "TB-SECRET" not in text
    line = json.loads(text.splitlines()[-1])
    assert (line["event"], line["level"], line["request_id"], line["path"]) == (
        "unexpected error in a web request",
        "ERROR",
        "req-00000001",
        "/fails",
    )
    assert line["error_type"] == "RuntimeError"
    assert any("tests/web/test_middleware.py" in where for where in line["where"])
