"""Start ``streamlit run app.py`` over a fresh demo database, with extra flags if needed.

Like the ``app_server`` fixture of ``conftest.py``, as a context manager so a test
module can share one server (module scope) or pass flags such as ``--secrets.files``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import ROOT, AppServer, _free_port, _wait_healthy


@contextmanager
def running_app(
    folder: Path,
    extra_args: Sequence[str] = (),
    prepare: Callable[[str], None] | None = None,
    port: int | None = None,
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

    Yields
    ------
    AppServer
        The base URL and the database URL.
    """
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{data_dir / 'e2e.db'}"
    env = {
        **os.environ,
        "TUMORBOARD_DATABASE_URL": database_url,
        "TUMORBOARD_DATA_DIR": str(data_dir),
        "TUMORBOARD_SECRET_KEY": "e2e-" + "s" * 40,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TUMORBOARD_PAGE_SIZE", None)
    subprocess.run(
        [sys.executable, "-m", "board", "demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    if prepare is not None:
        prepare(database_url)
    port = port or _free_port()
    log = folder / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
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
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield AppServer(url=url, database_url=database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
