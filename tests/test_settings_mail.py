"""Mail settings: SMTP server, sender, app address and MSCC coordinator, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from board.errors import ConfigurationError
from board.settings import email_address, load_settings

MAIL = {
    "TUMORBOARD_SMTP_URL": "smtp+starttls://board:p%40ss@mail.hospital.example:587",
    "TUMORBOARD_MAIL_FROM": "Spine tumor board <board@hospital.example>",
    "TUMORBOARD_APP_URL": "https://tumorboard.hospital.example/",
}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"TUMORBOARD_DATA_DIR": str(tmp_path), "TUMORBOARD_SECRET_KEY": "k" * 40, **extra}


def test_mail_is_off_by_default(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path))
    assert not settings.mail_enabled
    assert settings.smtp_url is None and settings.mscc_coordinator_email is None


def test_mail_settings(tmp_path: Path) -> None:
    settings = load_settings(
        _env(tmp_path, **MAIL, TUMORBOARD_MSCC_COORDINATOR_EMAIL=" mscc@hospital.example ")
    )
    assert settings.mail_enabled
    assert settings.app_url == "https://tumorboard.hospital.example"
    assert settings.mscc_coordinator_email == "mscc@hospital.example"
    assert "p%40ss" not in repr(settings)  # the password never reaches logs


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"TUMORBOARD_SMTP_URL": "http://mail.example"}, "TUMORBOARD_SMTP_URL must be"),
        ({"TUMORBOARD_SMTP_URL": "smtp://"}, "TUMORBOARD_SMTP_URL must be"),
        ({"TUMORBOARD_SMTP_URL": "smtp://mail.example:99999"}, "TUMORBOARD_SMTP_URL must be"),
        ({"TUMORBOARD_MAIL_FROM": ""}, "set TUMORBOARD_MAIL_FROM"),
        ({"TUMORBOARD_APP_URL": ""}, "TUMORBOARD_APP_URL (the link"),
        ({"TUMORBOARD_APP_URL": "tumorboard.example"}, "TUMORBOARD_APP_URL must be the http"),
        ({"TUMORBOARD_MAIL_FROM": "board at hospital"}, "TUMORBOARD_MAIL_FROM must be one"),
        (
            {"TUMORBOARD_MSCC_COORDINATOR_EMAIL": "a@hospital.example\nBcc: spy@evil.example"},
            "TUMORBOARD_MSCC_COORDINATOR_EMAIL must be one",
        ),
        (
            {"TUMORBOARD_MSCC_COORDINATOR_EMAIL": "a@hospital.example, b@hospital.example"},
            "TUMORBOARD_MSCC_COORDINATOR_EMAIL must be one",
        ),
    ],
)
def test_bad_mail_settings_name_the_variable(
    tmp_path: Path, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        load_settings(_env(tmp_path, **{**MAIL, **changes}))


def test_an_address_is_one_address() -> None:
    assert email_address("Board <board@hospital.example>") == "board@hospital.example"
    assert email_address("board@hospital.example") == "board@hospital.example"
    for bad in ("board", "a@b", "a@hospital.example\r\nX: y", "a b@hospital.example"):
        assert email_address(bad) is None, bad
