"""Start ``streamlit run app.py`` over a fresh demo database, with extra flags if needed.

The ``app_server`` fixture of ``conftest.py`` uses it per test; as a context manager a
test module can also share one server (module scope) or pass flags such as
``--secrets.files``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90
DEMO_TIMEOUT_S = 300

#: The demo database this test process made once (``python -m board demo``, as a user
#: would), copied for every server: the demo is written through the services (stored
#: report PDFs, production password hashing), so loading it per server is slow.
_DEMO_TEMPLATE: list[Path] = []


def _demo_template(env: dict[str, str]) -> Path:
    """The path of a demo database made once per test process."""
    if not _DEMO_TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="tb-e2e-demo-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        database = folder / "demo.db"
        subprocess.run(
            [sys.executable, "-m", "board", "demo"],
            cwd=ROOT,
            env={
                **env,
                "TUMORBOARD_DATABASE_URL": f"sqlite:///{database}",
                "TUMORBOARD_DATA_DIR": str(folder),
            },
            check=True,
            capture_output=True,
            timeout=DEMO_TIMEOUT_S,
        )
        _DEMO_TEMPLATE.append(database)
    return _DEMO_TEMPLATE[0]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class AppServer:
    """A running app: its base URL, its database URL and its process."""

    url: str
    database_url: str
    process: subprocess.Popen[bytes] | None = None


def demo_template() -> Path:
    """The demo database (SQLite) this test process made once; copy it before use."""
    return _demo_template({**os.environ, "PYTHONPATH": str(ROOT)})


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy in {START_TIMEOUT_S} s")


@contextmanager
def running_app(
    folder: Path,
    extra_args: Sequence[str] = (),
    prepare: Callable[[str], None] | None = None,
    port: int | None = None,
    database_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[AppServer]:
    """The app on a free local port over a fresh demo database in ``folder``.

    Parameters
    ----------
    folder:
        An empty temporary folder (database, data directory, log).
    extra_args:
        More ``streamlit run`` flags.
    prepare:
        Called with the database URL after the demo is loaded, before the app starts.
    port:
        The port to use (default: a free one).
    database_url:
        A database that already holds the board (several servers on one PostgreSQL);
        default: a copy of the demo database in ``folder``.
    extra_env:
        More environment variables for the server.

    Yields
    ------
    AppServer
        The base URL and the database URL.
    """
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    shared_database = database_url is not None
    database_url = database_url or f"sqlite:///{data_dir / 'e2e.db'}"
    env = {
        **os.environ,
        "TUMORBOARD_DATABASE_URL": database_url,
        "TUMORBOARD_DATA_DIR": str(data_dir),
        "TUMORBOARD_SECRET_KEY": "e2e-" + "s" * 40,
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    env.pop("TUMORBOARD_PAGE_SIZE", None)
    if not shared_database:
        # A copy of the demo database made once, with its write-ahead log if one was left.
        template = _demo_template(env)
        for suffix in ("", "-wal", "-shm"):
            source = template.with_name(template.name + suffix)
            if source.exists():
                shutil.copyfile(source, data_dir / f"e2e.db{suffix}")
    if prepare is not None:
        prepare(database_url)
    with _streamlit("app.py", folder, env, extra_args, port) as (url, process):
        yield AppServer(url=url, database_url=database_url, process=process)


@dataclass(frozen=True)
class ScriptServer:
    """A running Streamlit script other than the app: its base URL and its process."""

    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def running_script(folder: Path, script: str) -> Iterator[ScriptServer]:
    """Any Streamlit script of the project (``streamlit run <script>``) with the
    project's settings (``.streamlit/config.toml``) on a free local port.

    Parameters
    ----------
    folder:
        An empty temporary folder (for the server's log).
    script:
        The script's path from the project root (``"bench/empty_page.py"``).

    Yields
    ------
    ScriptServer
        The server's base URL and process.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with _streamlit(script, folder, env, (), None) as (url, process):
        yield ScriptServer(url=url, process=process)


@contextmanager
def _streamlit(
    script: str,
    folder: Path,
    env: Mapping[str, str],
    extra_args: Sequence[str],
    port: int | None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``streamlit run script`` from the project root on 127.0.0.1; yields its base URL
    and process once healthy, and stops it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    log = folder / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                *extra_args,
            ],
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
