"""The command line says plainly when the database is unavailable (no traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from board.cli import main
from board.errors import DatabaseUnavailableError

NO_SERVER = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2"


@pytest.mark.parametrize("command", [["analytics"], ["init-db"], ["report", "1"]])
def test_commands_say_the_database_is_unavailable(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", NO_SERVER)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", "k" * 40)
    assert main(command) == 1
    err = capsys.readouterr().err
    assert err == f"error: {DatabaseUnavailableError.MESSAGE}\n"


def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", NO_SERVER)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", "k" * 40)
    with pytest.raises(Exception, match="connection"):
        main(["--debug", "analytics"])
