"""Structured logs: JSON lines with a request id; errors by type and place, never message."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from board import logs

SECRET = "TB-4K2J9 histology: adenocarcinoma of the lung, hospital number 123456"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logs.configure(out)
    yield out
    logging.getLogger(logs.ROOT_LOGGER).removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _raise_nested() -> None:
    try:
        raise sqlite3.OperationalError(SECRET)
    except sqlite3.OperationalError as driver:
        raise OperationalError("INSERT INTO notes ...", {"body": SECRET}, driver) from driver


def test_an_error_is_logged_by_type_and_place_never_by_message(stream: io.StringIO) -> None:
    log = logging.getLogger("board.test")
    with logs.request_context("req-abcdef12"):
        try:
            _raise_nested()
        except OperationalError as error:
            assert logs.log_error(log, "database unavailable", error) == "req-abcdef12"
            log.exception("unexpected error")
    assert SECRET not in stream.getvalue() and "123456" not in stream.getvalue()
    first, second = _lines(stream)
    assert first["event"] == "database unavailable"
    assert first["request_id"] == "req-abcdef12"
    assert first["level"] == "ERROR" and first["logger"] == "board.test"
    assert first["error_type"] == "sqlalchemy.exc.OperationalError"
    assert first["cause_types"] == ["sqlite3.OperationalError"]
    assert any(str(w).startswith("tests/test_logs.py:") for w in first["where"])  # type: ignore[attr-defined]
    assert second["error_type"] == first["error_type"]  # logger.exception is reduced too


def test_request_ids() -> None:
    with logs.request_context(None) as made:
        assert len(made) == 16 and logs.current_request_id() == made
        with logs.request_context("proxy-id-0001") as given:
            assert given == "proxy-id-0001"
        assert logs.current_request_id() == made
    for hostile in ["", "short", "a" * 65, "has space 12345", 'x"}\n{"y":"z"']:
        assert logs.valid_request_id(hostile) is None


def test_events_carry_fields_and_the_request_id(stream: io.StringIO) -> None:
    with logs.request_context("req-00000042"):
        logs.log_event(logging.getLogger("board.web"), "request body over the limit", bytes=9)
    (line,) = _lines(stream)
    assert (line["event"], line["bytes"], line["request_id"], line["level"]) == (
        "request body over the limit",
        9,
        "req-00000042",
        "INFO",
    )


def test_configure_once_per_stream(stream: io.StringIO) -> None:
    assert logs.configure(stream) is logs.configure(stream)
