"""Two app servers behind Debian's haproxy on one PostgreSQL, in a real browser.

Runs the shipped ``deploy/haproxy.cfg`` (TLS with a throw-away certificate, sticky
sessions by cookie, readiness checks on ``/api/ready``) with its addresses replaced by
loopback ports, two ``streamlit run app.py`` servers on one PostgreSQL database (the
demo board restored into it) sharing ``TUMORBOARD_SECRET_KEY`` and
``server.cookieSecret``, and chromium. It signs in through the proxy, edits the same
case from both servers (the second save is refused and names who changed it), moves a
signed-in person from one server to the other (another sticky cookie, then a stopped
server): they stay signed in. A chair presenting on one server is followed live by a
colleague served by the other (the presented case lives in the database).

Skipped with the reason when haproxy, openssl or PostgreSQL is missing, unless
``TUMORBOARD_REQUIRE_HAPROXY`` is set (``.ci/run`` sets it and installs haproxy).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from board.auth.actor import Actor
from board.backup.service import backup_board, restore_board
from board.db.engine import Database
from tests.conftest import (
    _create_postgres_database,
    _database_url,
    _drop_postgres_database,
    postgres_test_url,
)
from tests.e2e.pages import click, settle, sign_in
from tests.e2e.servers import ROOT, AppServer, demo_template, running_app

REQUIRE_VARIABLE = "TUMORBOARD_REQUIRE_HAPROXY"
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
STICKY_COOKIE = "TB_SERVER"
SECRET_KEY = "two-servers-" + "s" * 40
COOKIE_SECRET = "two-servers-cookie-" + "c" * 30
START_TIMEOUT_S = 60
CASE_PSEUDONYM = "TB-DEMO01"
#: A follower on the other server shows the chair's new case within this many seconds
#: (measured from the click, in the test process, so it includes the browser's own work).
FOLLOW_LIMIT_S = 2.0


def _haproxy() -> str | None:
    """The haproxy program (Debian installs it in /usr/sbin, not always on PATH)."""
    found = shutil.which("haproxy")
    if found is None and Path("/usr/sbin/haproxy").exists():
        found = "/usr/sbin/haproxy"
    return found


def _missing() -> str | None:
    if _haproxy() is None:
        return "haproxy is missing (Debian: apt-get install -y haproxy)"
    if shutil.which("openssl") is None:
        return "openssl is missing (Debian: apt-get install -y openssl)"
    if postgres_test_url() is None:
        return "several app servers need PostgreSQL: set TUMORBOARD_TEST_DATABASE_URL"
    return None


@pytest.fixture(scope="module")
def requirements() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get(REQUIRE_VARIABLE):
        pytest.fail(f"{REQUIRE_VARIABLE} is set but {reason}")
    pytest.skip(f"two-server test skipped: {reason}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proxy_config(shipped: str, tls_port: int, http_port: int, pem: Path, ports: list[int]) -> str:
    """The shipped haproxy configuration with loopback addresses and a test certificate.

    Parameters
    ----------
    shipped:
        The text of ``deploy/haproxy.cfg``.
    tls_port, http_port:
        Where the proxy listens (HTTPS, and plain HTTP that redirects).
    pem:
        The certificate and key.
    ports:
        The app servers' ports, in the order of the ``server`` lines.

    Returns
    -------
    str
        A configuration haproxy can run as a normal user.
    """
    text = shipped.replace("    log /dev/log local0\n", "")
    text = re.sub(r"bind :443 ssl crt \S+", f"bind 127.0.0.1:{tls_port} ssl crt {pem}", text)
    text = text.replace("bind :80\n", f"bind 127.0.0.1:{http_port}\n")
    servers = iter(ports)
    text = re.sub(
        r"(server app\d) \S+:8501", lambda m: f"{m.group(1)} 127.0.0.1:{next(servers)}", text
    )
    # Which server answered, so the test can tell (not in the shipped file).
    text = text.replace(
        "    balance leastconn\n",
        "    balance leastconn\n    http-response set-header X-Served-By %[srv_name]\n",
    )
    assert next(servers, None) is None, "the shipped file no longer has one line per server"
    return text


def _certificate(folder: Path) -> Path:
    key, cert, pem = folder / "key.pem", folder / "cert.pem", folder / "proxy.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return pem


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _ready_through(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy exited:\n{log.read_text(errors='replace')}")
        try:
            request = urllib.request.Request(f"{url}/api/ready")
            with urllib.request.urlopen(request, timeout=2, context=_insecure()) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"haproxy did not pass requests on in {START_TIMEOUT_S} s")


@dataclass(frozen=True)
class Cluster:
    """The proxy's address and the two app servers behind it, by haproxy server name."""

    url: str
    http_url: str
    servers: dict[str, AppServer]


@pytest.fixture(scope="module")
def cluster(
    requirements: None, browser_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("two-servers")
    server_url = postgres_test_url()
    assert server_url is not None
    name = _create_postgres_database(server_url)
    database_url = _database_url(server_url, name)
    with ExitStack() as stack:
        stack.callback(_drop_postgres_database, server_url, name)
        # The demo board, restored into the shared PostgreSQL database.
        copy = folder / "demo.db"
        shutil.copyfile(demo_template(), copy)
        source, target = Database.from_url(f"sqlite:///{copy}"), Database.from_url(database_url)
        try:
            system = Actor.system("two-server test")
            backup_board(source, system, folder / "demo.tbbackup", secret_key=SECRET_KEY)
            restore_board(target, system, folder / "demo.tbbackup", secret_key=SECRET_KEY)
        finally:
            source.dispose()
            target.dispose()
        servers = {
            f"app{n}": stack.enter_context(
                running_app(
                    folder / f"app{n}",
                    database_url=database_url,
                    extra_env={
                        "TUMORBOARD_SECRET_KEY": SECRET_KEY,
                        "TUMORBOARD_COOKIE_SECURE": "1",
                        "HOME": str(_service_home(folder / f"home{n}")),
                    },
                )
            )
            for n in (1, 2)
        }
        tls_port, http_port = _free_port(), _free_port()
        config = folder / "haproxy.cfg"
        config.write_text(
            proxy_config(
                HAPROXY_CONFIG.read_text(),
                tls_port,
                http_port,
                _certificate(folder),
                [int(s.url.rsplit(":", 1)[1]) for s in servers.values()],
            )
        )
        check = subprocess.run(
            [str(_haproxy()), "-c", "-f", str(config)], capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0, check.stdout + check.stderr
        log = folder / "haproxy.log"
        with log.open("wb") as out:
            proxy = subprocess.Popen(
                [str(_haproxy()), "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
            )
        stack.callback(_stop, proxy)
        url = f"https://127.0.0.1:{tls_port}"
        _ready_through(url, proxy, log)
        yield Cluster(url=url, http_url=f"http://127.0.0.1:{http_port}", servers=servers)


def _service_home(home: Path) -> Path:
    """A service account's home with the shared ``server.cookieSecret``.

    Streamlit refuses this option on the command line (and, in 1.67, from its
    environment variable too): it goes into the account's ``~/.streamlit/config.toml``.
    """
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "config.toml").write_text(
        f'[server]\ncookieSecret = "{COOKIE_SECRET}"\n', encoding="utf-8"
    )
    return home


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def _page_on(browser: Any, cluster: Cluster, server: str) -> Any:
    """A page in a browser context of its own, sticky to ``server`` from the start."""
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, ignore_https_errors=True
    )
    page = new_page_in(context)
    context.add_cookies([{"name": STICKY_COOKIE, "value": server, "url": cluster.url}])
    return page


def new_page_in(context: Any) -> Any:
    """Like :func:`tests.e2e.pages.new_page`, in a given browser context."""
    from tests.e2e.pages import OPEN_PAGES, RUN_COUNTER, TIMEOUT_MS

    context.add_init_script(RUN_COUNTER)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    OPEN_PAGES.append(page)
    return page


def _served_by(page: Any, url: str) -> str:
    response = page.goto(url)
    assert response is not None and response.ok, url
    settle(page)
    return str(response.headers.get("x-served-by", ""))


def _stick_to(page: Any, cluster: Cluster, server: str) -> None:
    page.context.add_cookies([{"name": STICKY_COOKIE, "value": server, "url": cluster.url}])


def _case_id(database_url: str) -> int:
    from sqlalchemy import select

    from board.db.models import Case, Patient

    db = Database.from_url(database_url)
    try:
        with db.read() as session:
            return int(
                session.scalars(
                    select(Case.id).join(Patient).where(Patient.pseudonym == CASE_PSEUDONYM)
                ).one()
            )
    finally:
        db.dispose()


def _edit_referral(page: Any, text: str) -> None:
    page.get_by_text("Edit case details").click()
    field = page.get_by_role("textbox", name="Referral question")
    field.fill(text)
    page.get_by_role("button", name="Save changes").click()
    settle(page)


def test_two_servers_behind_haproxy(cluster: Cluster, browser: Any) -> None:
    from playwright.sync_api import expect

    # Plain HTTP is redirected to HTTPS by the proxy.
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(_NoRedirect()).open(f"{cluster.http_url}/", timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://")

    first, second = sorted(cluster.servers)
    coordinator = _page_on(browser, cluster, first)
    surgeon = _page_on(browser, cluster, second)
    sign_in(coordinator, cluster.url, "demo.coordinator")
    sign_in(surgeon, cluster.url, "demo.surgeon")
    session_cookie = next(
        c for c in coordinator.context.cookies() if c["name"] == "tumorboard_session"
    )
    assert session_cookie["secure"] and session_cookie["httpOnly"]

    # The same case, open on both servers.
    case_url = f"{cluster.url}/case?case={_case_id(cluster.servers[first].database_url)}"
    assert _served_by(coordinator, case_url) == first
    assert _served_by(surgeon, case_url) == second
    expect(coordinator.get_by_text(CASE_PSEUDONYM).first).to_be_visible()
    expect(surgeon.get_by_text(CASE_PSEUDONYM).first).to_be_visible()

    # Saved on the first server; the second server's save is refused, naming who.
    _edit_referral(coordinator, "Stabilisation first? (coordinator)")
    expect(coordinator.get_by_text("Saved.")).to_be_visible()
    _edit_referral(surgeon, "Radiotherapy alone? (surgeon)")
    refusal = surgeon.get_by_text(re.compile("was changed by Claire Dubois"))
    expect(refusal).to_be_visible()
    expect(surgeon.get_by_text(re.compile("Nothing was overwritten"))).to_be_visible()

    # Follow mode across servers: the chair presents on one server, a colleague on the
    # other follows; the chair's move reaches the follower through the shared database.
    _follow_across_servers(browser, cluster, chair=surgeon, follower_server=first)

    # The coordinator moves to the other server: still signed in there.
    _stick_to(coordinator, cluster, second)
    assert _served_by(coordinator, case_url) == second
    expect(coordinator.get_by_text("Signed in as")).to_be_visible()
    expect(coordinator.get_by_text("Stabilisation first? (coordinator)").first).to_be_attached()

    # That server stops: the proxy sends the coordinator back to the first one, signed in.
    _stop(cluster.servers[second].process)  # type: ignore[arg-type]
    assert _served_by(coordinator, case_url) == first
    expect(coordinator.get_by_text("Signed in as")).to_be_visible()
    expect(coordinator.get_by_role("textbox", name="Username")).to_have_count(0)


def _follow_across_servers(
    browser: Any, cluster: Cluster, chair: Any, follower_server: str
) -> None:
    """The chair presents meeting 1 on its server; a follower on ``follower_server``
    sees each move within :data:`FOLLOW_LIMIT_S` seconds, without a click."""
    from playwright.sync_api import expect

    def heading(page: Any, position: int) -> Any:
        return page.get_by_role("heading", name=re.compile(f"case {position} of 7"))

    chair.goto(f"{cluster.url}/presenter?meeting=1")
    expect(heading(chair, 1)).to_be_visible()
    click(chair, "Start meeting")
    expect(chair.get_by_role("button", name="Pause timer")).to_be_visible()

    follower = _page_on(browser, cluster, follower_server)
    sign_in(follower, cluster.url, "demo.physio")
    assert _served_by(follower, f"{cluster.url}/presenter?meeting=1&follow=1") == follower_server
    expect(follower.get_by_text("Following the chair live")).to_be_visible()
    expect(heading(follower, 1)).to_be_visible()
    delays: list[float] = []
    for position in (2, 3):
        settle(chair)
        settle(follower)
        moved = time.monotonic()
        chair.get_by_role("button", name="Next case").click()
        heading(follower, position).wait_for()
        delays.append(time.monotonic() - moved)
        expect(heading(chair, position)).to_be_visible()
    print(f"follower on the other server: {', '.join(f'{d:.2f} s' for d in delays)}")
    assert max(delays) < FOLLOW_LIMIT_S, delays


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_shipped_configuration_is_what_the_test_runs() -> None:
    shipped = HAPROXY_CONFIG.read_text()
    text = proxy_config(shipped, 8443, 8080, Path("proxy.pem"), [9001, 9002])
    assert "server app1 127.0.0.1:9001 cookie app1" in text
    assert "server app2 127.0.0.1:9002 cookie app2" in text
    assert "bind 127.0.0.1:8443 ssl crt proxy.pem alpn h2,http/1.1" in text
    for needed in ("cookie TB_SERVER insert", "uri /api/ready", "timeout tunnel", "redispatch"):
        assert needed in shipped
