"""The app server loads its modules at start and freezes its heap (board/heap.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import gc, time
from board.heap import freeze_heap, load_board_modules
loaded = load_board_modules()
freeze_heap()
began = time.perf_counter()
gc.collect()
print(loaded, gc.get_freeze_count(), time.perf_counter() - began)
"""


def test_the_app_modules_are_loaded_and_kept_out_of_collections() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded, frozen, collect_seconds = done.stdout.split()
    assert int(loaded) > 150  # every board module but the command-line entry
    assert int(frozen) > 100_000  # the libraries' objects, never walked again
    assert float(collect_seconds) < 0.05  # a full collection walks only what is new


def test_the_server_freezes_its_heap_at_start() -> None:
    source = (ROOT / "app.py").read_text()
    asgi_branch = source.split('if __name__ != "__main__":', 1)[1].split("\nelse:", 1)[0]
    assert "load_board_modules()" in asgi_branch and "freeze_heap()" in asgi_branch
