"""``GET /api/ready``: 200 only with the database reachable and its schema current."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from board import logs
from board.db.engine import Database
from board.db.migrate import head_revision
from board.web import health_routes, session_routes

NO_SERVER = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2"


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", "r" * 40)
    yield
    for engine_db in session_routes._databases.values():
        engine_db.dispose()
    session_routes._databases.clear()


@pytest.fixture
def client(environment: None) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=health_routes.routes())) as test_client:
        yield test_client


def test_ready_with_the_database_reachable_and_current(
    database_url: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    response = client.get("/api/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "schema": "current"}
    assert response.headers["cache-control"] == "no-store"


def test_not_ready_when_the_database_is_unreachable(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", NO_SERVER)
    stream = io.StringIO()
    handler = logs.configure(stream)
    try:
        response = client.get("/api/ready")
    finally:
        logging.getLogger(logs.ROOT_LOGGER).removeHandler(handler)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["event"] == "readiness: database unavailable"
    assert line["error_type"] == "sqlalchemy.exc.OperationalError"


@pytest.mark.parametrize(("revision", "schema"), [("0001", "behind"), ("9999_newer", "ahead")])
def test_not_ready_while_the_schema_is_not_this_codes(
    database_url: str,
    db: Database,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    revision: str,
    schema: str,
) -> None:
    assert head_revision() != revision
    with db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    response = client.get("/api/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "schema": schema}
