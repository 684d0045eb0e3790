"""The forked parse workers die with their parent: kill -9 of an import while it parses
leaves no worker alive and nothing holding its output open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from board.imaging import pool

ROOT = Path(__file__).resolve().parents[2]

#: An import whose header parsing hangs in two forked workers (each writes its pid).
SCRIPT = """
import os, sys, time
sys.path.insert(0, {root!r})
from board.imaging import pool
from board.imaging.reader import SourceFile

def slow(item, *, key):
    with open(os.path.join({folder!r}, f"worker-{{os.getpid()}}"), "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(300)

pool.parse_source = slow
items = [SourceFile(f"f{{i}}", data=b"x") for i in range(400)]
print("parsing", flush=True)
pool.parse_all(items, key=b"k" * 32, workers=2)
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and /proc: Linux")
@pytest.mark.parametrize("prctl", [True, False], ids=["death-signal", "watchdog-only"])
def test_workers_die_when_the_import_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prctl: bool
) -> None:
    script = SCRIPT.format(root=str(ROOT), folder=str(tmp_path))
    if not prctl:  # the watchdog alone must also do it (no PR_SET_PDEATHSIG)
        script = script.replace(
            "pool.parse_source = slow",
            "pool.parse_source = slow\n"
            "import board.processes\n"
            "board.processes._PR_SET_PDEATHSIG = 0",
        )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"parsing"
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("worker-*"))) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        workers = [int(p.read_text() or p.name.split("-")[1]) for p in tmp_path.glob("worker-*")]
        assert all(_alive(pid) for pid in workers)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        killed = time.monotonic()
        # Nothing holds the import's output open any more: reading it ends.
        process.communicate(timeout=5 * pool.WATCHDOG_SECONDS + 3)
        deadline = killed + 5 * pool.WATCHDOG_SECONDS + 3
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "a worker outlived its parent"
            time.sleep(0.05)
        print(f"workers gone {time.monotonic() - killed:.2f} s after kill -9")
    finally:
        if process.poll() is None:
            process.kill()
        for path in tmp_path.glob("worker-*"):
            pid = int(path.name.split("-")[1])
            if _alive(pid):  # only our own workers, by their id
                os.kill(pid, signal.SIGKILL)
