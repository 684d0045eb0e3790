"""The shipped Streamlit configuration keeps the per-click overheads off.

Measured with py-spy on the app server: Streamlit's forced full garbage collection after
every script run cost about 200 ms of each run, and its source-file watcher walked every
loaded module after each run on the server's event loop (about 160 ms). A deployed app
needs neither.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_no_forced_garbage_collection_after_each_run() -> None:
    config = tomllib.loads(CONFIG.read_text())
    assert config["runner"]["postScriptGC"] is False


def test_no_source_file_watcher() -> None:
    config = tomllib.loads(CONFIG.read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False
