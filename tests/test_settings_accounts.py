"""Settings of accounts and sessions: idle time and the single sign-on policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from board.errors import ConfigurationError
from board.settings import load_settings


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"TUMORBOARD_DATA_DIR": str(tmp_path), "TUMORBOARD_SECRET_KEY": "k" * 40, **extra}


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path))
    assert settings.session_idle_minutes == 60
    assert settings.oidc_unknown_users == "refuse"


def test_values(tmp_path: Path) -> None:
    settings = load_settings(
        _env(
            tmp_path,
            TUMORBOARD_SESSION_IDLE_MINUTES="15",
            TUMORBOARD_OIDC_UNKNOWN_USERS="Inactive",
        )
    )
    assert (settings.session_idle_minutes, settings.oidc_unknown_users) == (15, "inactive")


@pytest.mark.parametrize("value", ["4", "1441", "soon", ""])
def test_idle_minutes_are_checked(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match="TUMORBOARD_SESSION_IDLE_MINUTES"):
        load_settings(_env(tmp_path, TUMORBOARD_SESSION_IDLE_MINUTES=value))


def test_oidc_policy_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="TUMORBOARD_OIDC_UNKNOWN_USERS"):
        load_settings(_env(tmp_path, TUMORBOARD_OIDC_UNKNOWN_USERS="allow"))
