"""Settings: read once from the environment, validated with a clear message."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from board.accounts.users import authenticate
from board.cli import main
from board.db.engine import Database
from board.errors import ConfigurationError
from board.settings import MIN_SECRET_LENGTH, PROJECT_ROOT, display_zone, load_settings

SECRET = "s" * MIN_SECRET_LENGTH


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({"TUMORBOARD_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'tumorboard.db'}"
    assert settings.dialect == "sqlite"
    assert settings.data_dir == tmp_path
    assert settings.page_size == 25
    # A random secret is generated once, kept private, and reused on the next start.
    assert len(settings.secret_key) >= MIN_SECRET_LENGTH
    key_file = tmp_path / ".secret_key"
    assert key_file.read_text(encoding="utf-8").strip() == settings.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings({"TUMORBOARD_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_default_data_dir_is_the_project_data_folder() -> None:
    settings = load_settings({"TUMORBOARD_SECRET_KEY": SECRET})
    assert settings.data_dir == PROJECT_ROOT / "data"
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'tumorboard.db'}"


def test_data_dir_is_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    load_settings({"TUMORBOARD_DATA_DIR": str(target), "TUMORBOARD_SECRET_KEY": SECRET})
    assert target.is_dir()


def test_explicit_values(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "TUMORBOARD_DATA_DIR": str(tmp_path),
            "TUMORBOARD_DATABASE_URL": "postgresql+psycopg://board:hunter2@db.example:5432/board",
            "TUMORBOARD_SECRET_KEY": SECRET,
            "TUMORBOARD_PAGE_SIZE": "50",
        }
    )
    assert settings.dialect == "postgresql"
    assert settings.secret_key == SECRET
    assert settings.page_size == 50
    assert "hunter2" not in settings.safe_database_url
    assert settings.safe_database_url.startswith("postgresql+psycopg://board:***@db.example")
    assert not (tmp_path / ".secret_key").exists()


URL = "TUMORBOARD_DATABASE_URL"
PAGE = "TUMORBOARD_PAGE_SIZE"
INVALID = [
    pytest.param(
        URL,
        "not a url",
        rf"{URL} is not a database URL: expected for example 'sqlite:///",
        id="bad-url",
    ),
    pytest.param(
        URL,
        "mysql://u@localhost/board",
        rf"{URL} uses 'mysql': only SQLite and PostgreSQL",
        id="mysql",
    ),
    pytest.param(
        URL, "oracle://u@localhost/b", r"'oracle': only SQLite and PostgreSQL", id="oracle"
    ),
    pytest.param(
        URL,
        "postgresql+psycopg2://u@h/b",
        r"psycopg 3 driver: 'postgresql\+psycopg://",
        id="psycopg2",
    ),
    pytest.param(
        "TUMORBOARD_SECRET_KEY",
        "x" * (MIN_SECRET_LENGTH - 1),
        rf"TUMORBOARD_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters",
        id="short-secret",
    ),
    pytest.param(
        PAGE, "abc", rf"{PAGE} must be a whole number from 5 to 200, not 'abc'", id="page-abc"
    ),
    pytest.param(PAGE, "4", r"from 5 to 200, not '4'", id="page-4"),
    pytest.param(PAGE, "201", r"from 5 to 200, not '201'", id="page-201"),
    pytest.param(PAGE, "2.5", r"from 5 to 200, not '2\.5'", id="page-float"),
    pytest.param(PAGE, "", r"from 5 to 200, not ''", id="page-empty"),
]


@pytest.mark.parametrize(("variable", "value", "message"), INVALID)
def test_invalid_settings(tmp_path: Path, variable: str, value: str, message: str) -> None:
    env = {"TUMORBOARD_DATA_DIR": str(tmp_path), "TUMORBOARD_SECRET_KEY": SECRET, variable: value}
    with pytest.raises(ConfigurationError, match=message):
        load_settings(env)


@pytest.mark.parametrize("size", ["5", "200"])
def test_page_size_bounds_are_accepted(tmp_path: Path, size: str) -> None:
    env = {"TUMORBOARD_DATA_DIR": str(tmp_path), "TUMORBOARD_SECRET_KEY": SECRET}
    assert load_settings({**env, "TUMORBOARD_PAGE_SIZE": size}).page_size == int(size)


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"TUMORBOARD_DATA_DIR .* cannot be created"):
        load_settings(
            {"TUMORBOARD_DATA_DIR": str(blocker / "data"), "TUMORBOARD_SECRET_KEY": SECRET}
        )


def test_reads_os_environ_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", SECRET)
    monkeypatch.setenv("TUMORBOARD_PAGE_SIZE", "30")
    monkeypatch.delenv("TUMORBOARD_DATABASE_URL", raising=False)
    settings = load_settings()
    assert (settings.data_dir, settings.page_size) == (tmp_path, 30)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"TUMORBOARD_DATA_DIR": str(tmp_path), "TUMORBOARD_SECRET_KEY": SECRET, **extra}


COOKIE = "TUMORBOARD_COOKIE_SECURE"
NEW_PASSWORD = "TUMORBOARD_NEW_PASSWORD"


def test_cookie_secure_defaults_to_https_only(tmp_path: Path) -> None:
    assert load_settings(_env(tmp_path)).cookie_secure is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" YES ", True),
        ("True", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("", False),
        ("  ", False),
    ],
)
def test_cookie_secure_values(tmp_path: Path, value: str, expected: bool) -> None:
    assert load_settings(_env(tmp_path, **{COOKIE: value})).cookie_secure is expected


@pytest.mark.parametrize("value", ["on", "2", "secure", "y"])
def test_cookie_secure_invalid_value_names_the_variable(tmp_path: Path, value: str) -> None:
    with pytest.raises(
        ConfigurationError, match=rf"{COOKIE} must be 1 \(or true, yes\) .* not '{value}'"
    ):
        load_settings(_env(tmp_path, **{COOKIE: value}))


def test_new_password_default_and_empty_mean_ask(tmp_path: Path) -> None:
    assert load_settings(_env(tmp_path)).new_password is None
    assert load_settings(_env(tmp_path, **{NEW_PASSWORD: ""})).new_password is None


def test_new_password_is_kept_as_given_and_not_shown(tmp_path: Path) -> None:
    password = " correct horse battery staple "
    settings = load_settings(_env(tmp_path, **{NEW_PASSWORD: password}))
    assert settings.new_password == password
    assert password not in repr(settings)


@pytest.mark.parametrize("value", ["first-line\nsecond", "tab\tinside-pw", "nul\x00byte-pw"])
def test_new_password_with_control_characters_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"{NEW_PASSWORD} must not contain line breaks"):
        load_settings(_env(tmp_path, **{NEW_PASSWORD: value}))


def test_create_user_takes_the_password_from_the_settings(
    db: Database,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in _env(tmp_path, TUMORBOARD_DATABASE_URL=database_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(NEW_PASSWORD, "from-the-environment")
    assert main(["create-user", "first.admin", "--name", "First Admin"]) == 0
    assert "Created" in capsys.readouterr().out
    assert authenticate(db, "first.admin", "from-the-environment").username == "first.admin"
    monkeypatch.setenv(COOKIE, "maybe")
    assert main(["create-user", "second.admin", "--name", "Second Admin"]) == 1
    assert COOKIE in capsys.readouterr().err


TIMEZONE = "TUMORBOARD_TIMEZONE"


def test_timezone_defaults_to_utc(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path))
    assert settings.timezone == "UTC"
    assert settings.zone.key == "UTC"
    assert load_settings(_env(tmp_path, **{TIMEZONE: " "})).timezone == "UTC"


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"])
def test_timezone_takes_iana_names(tmp_path: Path, name: str) -> None:
    settings = load_settings(_env(tmp_path, **{TIMEZONE: name}))
    assert (settings.timezone, settings.zone.key) == (name, name)


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "Berlin", "CEST+2", "../../etc/passwd", "/usr/share/zoneinfo/UTC"]
)
def test_unknown_timezone_is_a_configuration_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env(tmp_path, **{TIMEZONE: name}))
    message = str(caught.value)
    assert message.startswith(f"{TIMEZONE} must be an IANA time zone name such as 'Europe/Berlin'")
    assert f"'{name}' is not a known time zone" in message


def test_display_zone_reads_the_same_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert display_zone({}).key == "UTC"
    assert display_zone({TIMEZONE: "Europe/Berlin"}).key == "Europe/Berlin"
    monkeypatch.setenv(TIMEZONE, "Asia/Tokyo")
    assert display_zone().key == "Asia/Tokyo"
    monkeypatch.setenv(TIMEZONE, "Europe/Nowhere")
    with pytest.raises(ConfigurationError, match="TUMORBOARD_TIMEZONE must be an IANA"):
        display_zone()
