"""The running app server (``streamlit run app.py``): readiness, request ids, body limits,
and a script run's messages sent as they are made (no 40 ms Nagle stall).

Started with a 1 MB upload limit (``--server.maxUploadSize 1``): an upload or a form
larger than allowed is refused with 413 by the server itself, before anything is read
(Content-Length) or as soon as the limit is passed (a chunked body), whatever the page
in the browser would have allowed.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.servers import AppServer, ScriptServer, running_app, running_script

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with running_app(
        tmp_path_factory.mktemp("limits"), extra_args=["--server.maxUploadSize", "1"]
    ) as app:
        yield app


def _request(
    server: AppServer | ScriptServer,
    method: str,
    path: str,
    body: bytes | Iterator[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    try:
        chunked = body is not None and not isinstance(body, bytes)
        connection.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    except (BrokenPipeError, ConnectionResetError):
        # The server answered and closed while the body was still being sent.
        return 413, {}, b""
    finally:
        connection.close()


def test_the_host_configuration_trusts_no_other_site(server: AppServer) -> None:
    # What Streamlit's browser code asks before it connects: no origin may steer the
    # app through window messages (Streamlit's default lists its cloud's domains).
    status, _headers, body = _request(server, "GET", "/_stcore/host-config")
    assert status == 200
    assert json.loads(body)["allowedOrigins"] == []


def test_a_project_script_runs_with_the_project_settings_and_stops(tmp_path: Path) -> None:
    # bench/ui_latency.py compares the app's page loads with this one-title page: it
    # must be served with the app's own settings (here: no trusted origin), then stopped.
    with running_script(tmp_path, "bench/empty_page.py") as empty:
        process = empty.process
        assert process.poll() is None
        status, _headers, body = _request(empty, "GET", "/_stcore/host-config")
        assert status == 200
        assert json.loads(body)["allowedOrigins"] == []
    assert process.poll() is not None


def _chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_ready_says_the_database_is_ok_with_a_request_id(server: AppServer) -> None:
    status, headers, body = _request(server, "GET", "/api/ready")
    assert status == 200
    assert json.loads(body) == {"status": "ready", "database": "ok", "schema": "current"}
    assert len(headers["x-request-id"]) == 16
    status, headers, _ = _request(
        server, "GET", "/api/ready", headers={"X-Request-ID": "proxy-request-0001"}
    )
    assert headers["x-request-id"] == "proxy-request-0001"


def test_an_upload_over_the_limit_is_refused_by_the_server(server: AppServer) -> None:
    path = "/_stcore/upload_file/some-session/some-file"
    # Refused on its declared length, before the upload route's own checks run.
    status, _, _ = _request(server, "PUT", path, b"x" * (3 * MB), {"Content-Type": "x/y"})
    assert status == 413
    # Without a length the body is counted as it is read: this upload is refused by
    # Streamlit's XSRF check before a byte is read, so it never reaches the limit.
    status, _, _ = _request(server, "PUT", path, _chunks(3 * MB), {"Content-Type": "x/y"})
    assert status in (403, 413)


def test_a_large_form_to_the_session_route_is_refused_unread(server: AppServer) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = _request(
        server, "POST", "/api/session/start", b"code=" + b"x" * (200 * 1024), form
    )
    assert status == 413
    # A chunked body (no declared length) is cut off at the limit while it is read.
    status, _, _ = _request(server, "POST", "/api/session/start", _chunks(400 * 1024), form)
    assert status == 413
    status, _, _ = _request(server, "POST", "/api/session/start", b"code=nothing", form)
    assert status == 400  # a small form is read: the code is simply not valid


def test_the_log_has_json_lines_with_request_ids(server: AppServer, tmp_path: Path) -> None:
    _request(server, "PUT", "/_stcore/upload_file/s/f", b"x" * (3 * MB))
    log = Path(server.database_url.removeprefix("sqlite:///")).parent.parent / "streamlit.log"
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    refused = [x for x in lines if x["event"] == "request body over the limit"]
    assert refused and all(len(str(x["request_id"])) == 16 for x in refused)


def _run_arrivals(server: AppServer) -> list[float]:
    """Milliseconds from asking for a script run to each of its messages' arrival."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    address = server.url.replace("http://", "ws://") + "/_stcore/stream"
    with connect(address, subprotocols=["streamlit"]) as websocket:  # type: ignore[list-item]
        request = BackMsg()
        request.rerun_script.query_string = ""
        started = time.perf_counter()
        websocket.send(request.SerializeToString())
        arrivals: list[float] = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(websocket.recv(timeout=60))
            arrivals.append((time.perf_counter() - started) * 1000)
            if message.WhichOneof("type") == "script_finished":
                return arrivals


def test_a_runs_messages_are_not_held_back(server: AppServer) -> None:
    """The server writes a run's first messages back to back (the new session, its
    status, the page settings). With Nagle's algorithm on the connection the second
    waited for the client's delayed acknowledgement of the first: 42 ms on every run
    (board.web.sockets). Now it follows at once."""
    _run_arrivals(server)  # the first run compiles the scripts
    gaps = []
    for _ in range(7):
        arrivals = _run_arrivals(server)
        assert len(arrivals) >= 3
        gaps.append(arrivals[1] - arrivals[0])
    assert statistics.median(gaps) < 25, gaps


def test_the_log_says_small_writes_are_sent_at_once(server: AppServer) -> None:
    log = Path(server.database_url.removeprefix("sqlite:///")).parent.parent / "streamlit.log"
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    nodelay = [x for x in lines if x["event"] == "small writes sent at once (TCP_NODELAY)"]
    port = server.url.rsplit(":", 1)[1]
    assert nodelay and any(s.endswith(f":{port}") for s in nodelay[0]["sockets"])
