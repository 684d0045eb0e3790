"""A real Orthanc with the DICOMweb plugin on free loopback ports, for tests and benchmarks.

Needs the Debian packages ``orthanc`` and ``orthanc-dicomweb``. :func:`orthanc_or_skip`
skips the test with the reason when they are missing, unless
``TUMORBOARD_REQUIRE_ORTHANC`` is set (as in CI): then it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

PLUGIN_CANDIDATES = (
    "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
    "/usr/lib/orthanc/libOrthancDicomWeb.so",
)
USER, PASSWORD = "tumorboard", "orthanc-test-password"


def orthanc_binary() -> str | None:
    """The Orthanc executable, or ``None`` when it is not installed."""
    found = shutil.which("Orthanc")
    if found:
        return found
    return "/usr/sbin/Orthanc" if os.access("/usr/sbin/Orthanc", os.X_OK) else None


def dicomweb_plugin() -> str | None:
    """The DICOMweb plugin's shared library, or ``None`` when it is not installed."""
    for candidate in PLUGIN_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    for folder in ("/usr/share/orthanc/plugins", "/usr/lib/orthanc"):
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if "DicomWeb" in name and ".so" in name:
                    return os.path.join(folder, name)
    return None


def missing_reason() -> str | None:
    """Why Orthanc cannot be started here, or ``None`` when it can."""
    if orthanc_binary() is None:
        missing = "Orthanc"
    elif dicomweb_plugin() is None:
        missing = "the Orthanc DICOMweb plugin"
    else:
        return None
    return (
        f"{missing} is not installed (apt-get install -y orthanc orthanc-dicomweb); "
        "set TUMORBOARD_REQUIRE_ORTHANC=1 to make this a failure"
    )


def orthanc_or_skip() -> None:
    """Skip the calling test (or fail it, when ``TUMORBOARD_REQUIRE_ORTHANC`` is set)."""
    import pytest

    reason = missing_reason()
    if reason is None:
        return
    if os.environ.get("TUMORBOARD_REQUIRE_ORTHANC"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class OrthancServer:
    """A running Orthanc: its REST base URL and DICOMweb root (basic auth USER/PASSWORD)."""

    base: str
    dicomweb: str
    username: str = USER
    password: str = PASSWORD

    def store(self, files: Iterable[bytes]) -> None:
        """Store DICOM files through Orthanc's REST API (``POST /instances``)."""
        for data in files:
            answer = requests.post(
                f"{self.base}/instances", data=data, auth=(self.username, self.password), timeout=30
            )
            answer.raise_for_status()

    def instance_count(self) -> int:
        """How many instances Orthanc holds."""
        answer = requests.get(
            f"{self.base}/statistics", auth=(self.username, self.password), timeout=10
        )
        answer.raise_for_status()
        return int(answer.json()["CountInstances"])


@contextmanager
def running_orthanc(folder: Path) -> Iterator[OrthancServer]:
    """Orthanc with the DICOMweb plugin on free ports of 127.0.0.1, stopped on exit.

    Parameters
    ----------
    folder:
        An empty folder for its storage, configuration and log.

    Yields
    ------
    OrthancServer
        Where it listens.
    """
    binary, plugin = orthanc_binary(), dicomweb_plugin()
    if binary is None or plugin is None:
        raise RuntimeError(missing_reason())
    folder.mkdir(parents=True, exist_ok=True)
    http_port, dicom_port = _free_port(), _free_port()
    config = {
        "Name": "TUMORBOARD-TEST",
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USER: PASSWORD},
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "Plugins": [plugin],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "HttpTimeout": 30,
    }
    config_path = folder / "orthanc.json"
    config_path.write_text(json.dumps(config))
    log_path = folder / "orthanc.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [binary, str(config_path)], stdout=log, stderr=subprocess.STDOUT, cwd=folder
        )
        base = f"http://127.0.0.1:{http_port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if requests.get(f"{base}/system", auth=(USER, PASSWORD), timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Orthanc did not start: " + log_path.read_text()[-2000:])
                time.sleep(0.1)
            yield OrthancServer(base, f"{base}/dicom-web")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
