"""The shipped Streamlit configuration keeps the per-click overheads off.

Measured with py-spy on the app server: Streamlit's forced full garbage collection after
every script run cost about 200 ms of each run, and its source-file watcher walked every
loaded module after each run on the server's event loop (about 160 ms). A deployed app
needs neither. The "magic" syntax-tree rewrite ran whenever a script was compiled again
(after the last open tab closed): it is off, and no page relies on it.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner import magic

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"
SCRIPTS = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


def test_no_forced_garbage_collection_after_each_run() -> None:
    config = tomllib.loads(CONFIG.read_text())
    assert config["runner"]["postScriptGC"] is False


def test_no_source_file_watcher() -> None:
    config = tomllib.loads(CONFIG.read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False


def test_no_magic() -> None:
    config = tomllib.loads(CONFIG.read_text())
    assert config["runner"]["magicEnabled"] is False


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_page_relies_on_magic(script: Path) -> None:
    # With magic on, every bare expression would be rewritten into a write to the page;
    # none is, so turning magic off changes nothing on any page.
    source = script.read_text()
    rewritten = magic.add_magic(source, str(script))
    writes = [
        node
        for node in ast.walk(rewritten)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == magic.MAGIC_MODULE_NAME
    ]
    assert writes == []


def test_the_magic_check_finds_a_bare_expression(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text('import streamlit as st\n"shown by magic"\n')
    rewritten = magic.add_magic(page.read_text(), str(page))
    assert any(
        isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id == magic.MAGIC_MODULE_NAME
        for n in ast.walk(rewritten)
    )


def test_no_other_site_may_steer_the_app_through_window_messages() -> None:
    # Streamlit's default trusts its own cloud's domains to stop, rerun or redirect the
    # app from a frame; the app trusts none.
    config = tomllib.loads(CONFIG.read_text())
    assert config["client"]["allowedOrigins"] == []
