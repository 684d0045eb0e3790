"""All configuration, read once from the environment and validated at start-up.

Environment variables
---------------------
``TUMORBOARD_DATABASE_URL``
    SQLAlchemy URL. Default: an SQLite file ``tumorboard.db`` in the data directory.
    PostgreSQL: ``postgresql+psycopg://USER@HOST:PORT/DB``.
``TUMORBOARD_DATA_DIR``
    Directory for the SQLite database and generated files. Default: ``data/`` in the
    project.
``TUMORBOARD_SECRET_KEY``
    At least 32 characters; keys the hashes of patient identifiers and signs sessions.
    Default: a random key generated on first start and kept in ``DATA_DIR/.secret_key``.
``TUMORBOARD_PAGE_SIZE``
    Worklist rows per page (5-200, default 25).
``TUMORBOARD_SESSION_IDLE_MINUTES``
    Minutes without activity after which a sign-in ends (5-1440, default 60).
``TUMORBOARD_OIDC_UNKNOWN_USERS``
    Single sign-on users without an account: ``refuse`` (default) or ``inactive``
    (create an inactive account for an administrator to approve).
``TUMORBOARD_DEMO_MODE``
    ``1`` marks a demonstration installation (set automatically by loading the demo).
``TUMORBOARD_PACS_URL``, ``TUMORBOARD_PACS_USERNAME``, ``TUMORBOARD_PACS_PASSWORD``
    DICOMweb root of the hospital PACS (``http(s)://host/dicom-web``) and optional
    basic-auth credentials. Unset: no PACS search.
``TUMORBOARD_VIEWER_URL_TEMPLATE``
    Address of a study in the hospital viewer, with ``{study_uid}`` where the Study
    Instance UID goes. Unset: no viewer links.
``TUMORBOARD_COOKIE_SECURE``
    ``1`` (or ``true``, ``yes``) marks the session cookie ``Secure`` even when the app
    itself is reached over plain HTTP (TLS ending at a reverse proxy); ``0`` (or
    ``false``, ``no``) or unset: ``Secure`` only over HTTPS.
``TUMORBOARD_NEW_PASSWORD``
    Password of the account ``python -m board create-user`` creates when
    ``--password`` is not given. Unset: the command asks for it.
``TUMORBOARD_TIMEZONE``
    The hospital's time zone, an IANA name such as ``Europe/Berlin`` (default ``UTC``).
    Times are stored in UTC; every time shown to people is in this zone, and times
    people type (a meeting's start) are read in it.
``TUMORBOARD_SMTP_URL``
    The mail server reminders are sent through: ``smtp://[USER:PASSWORD@]HOST[:PORT]``
    (plain, port 25), ``smtp+starttls://...`` (STARTTLS, port 587) or ``smtps://...``
    (TLS, port 465). Unset: no e-mail is sent (``python -m board notify`` says so).
``TUMORBOARD_MAIL_FROM``
    The sender address of reminders (``Tumor Board <board@hospital.example>``);
    required when ``TUMORBOARD_SMTP_URL`` is set.
``TUMORBOARD_APP_URL``
    The address people open the app at (``https://tumorboard.hospital.example``): the
    link in reminders. Required when ``TUMORBOARD_SMTP_URL`` is set.
``TUMORBOARD_MSCC_COORDINATOR_EMAIL``
    The address told at once when a case enters the immediate tier (suspected
    metastatic spinal cord compression). Unset: nobody is told by e-mail.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from board.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_DIALECTS = ("sqlite", "postgresql")
MIN_SECRET_LENGTH = 32
DEFAULT_TIMEZONE = "UTC"
TIMEZONE_VARIABLE = "TUMORBOARD_TIMEZONE"
_TRUE = ("1", "true", "yes")
_FALSE = ("0", "false", "no", "")


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated application settings.

    Parameters
    ----------
    database_url:
        SQLAlchemy URL of the database.
    data_dir:
        Directory for the embedded database and generated files.
    secret_key:
        Secret used to key identifier hashes and sign sessions.
    page_size:
        Worklist rows per page.
    pacs_url, pacs_username, pacs_password:
        DICOMweb root of the hospital PACS and its credentials (``None``: no PACS).
    viewer_url_template:
        Viewer address with ``{study_uid}`` (``None``: no viewer links).
    session_idle_minutes:
        Minutes without activity after which a sign-in ends.
    oidc_unknown_users:
        ``refuse`` or ``inactive``: what single sign-on does for people without an account.
    cookie_secure:
        Always mark the session cookie ``Secure``; when ``False`` it is ``Secure`` only
        on requests that arrive over HTTPS.
    new_password:
        Password for ``create-user`` without ``--password`` (``None``: ask for it).
    timezone:
        IANA name of the hospital's time zone; times are shown (and typed) in it.
    smtp_url:
        The mail server of reminders (``None``: e-mail is off).
    mail_from:
        The sender of reminders.
    app_url:
        The app's address, for the links in reminders (no trailing slash).
    mscc_coordinator_email:
        Who is told at once when a case enters the immediate tier (``None``: nobody).
    """

    database_url: str
    data_dir: Path
    secret_key: str
    page_size: int = 25
    pacs_url: str | None = None
    pacs_username: str | None = None
    pacs_password: str | None = field(default=None, repr=False)
    viewer_url_template: str | None = None
    session_idle_minutes: int = 60
    oidc_unknown_users: str = "refuse"
    cookie_secure: bool = False
    new_password: str | None = field(default=None, repr=False)
    timezone: str = DEFAULT_TIMEZONE
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str | None = None
    app_url: str | None = None
    mscc_coordinator_email: str | None = None

    @property
    def mail_enabled(self) -> bool:
        """Whether reminders are sent (an SMTP server is configured)."""
        return self.smtp_url is not None

    @property
    def zone(self) -> ZoneInfo:
        """The hospital's time zone."""
        return _zone(self.timezone)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return make_url(self.database_url).get_backend_name()

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password hidden, for display and logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)


def _secret_from_file(data_dir: Path) -> str:
    path = data_dir / ".secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    # Created private at once: never readable by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(key + "\n")
    return key


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings from the environment.

    Parameters
    ----------
    environ:
        The environment to read; ``os.environ`` when omitted.

    Returns
    -------
    Settings
        The validated settings.

    Raises
    ------
    ConfigurationError
        With a message naming the variable and what was expected.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("TUMORBOARD_DATA_DIR") or PROJECT_ROOT / "data").expanduser()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"TUMORBOARD_DATA_DIR '{data_dir}' cannot be created or written: {exc.strerror}."
        ) from exc
    if not os.access(data_dir, os.W_OK):
        raise ConfigurationError(f"TUMORBOARD_DATA_DIR '{data_dir}' is not writable.")

    url = env.get("TUMORBOARD_DATABASE_URL") or f"sqlite:///{data_dir / 'tumorboard.db'}"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            "TUMORBOARD_DATABASE_URL is not a database URL: expected for example "
            "'sqlite:///data/tumorboard.db' or 'postgresql+psycopg://user@host:5432/db'."
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DIALECTS:
        raise ConfigurationError(
            f"TUMORBOARD_DATABASE_URL uses '{backend}': only SQLite and PostgreSQL are supported."
        )
    if backend == "postgresql" and parsed.get_driver_name() not in ("psycopg",):
        raise ConfigurationError(
            "TUMORBOARD_DATABASE_URL for PostgreSQL must use the psycopg 3 driver: "
            "'postgresql+psycopg://...'."
        )

    secret = env.get("TUMORBOARD_SECRET_KEY") or _secret_from_file(data_dir)
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"TUMORBOARD_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long."
        )

    raw_page_size = env.get("TUMORBOARD_PAGE_SIZE", "25")
    try:
        page_size = int(raw_page_size)
    except ValueError:
        page_size = -1
    if not 5 <= page_size <= 200:
        raise ConfigurationError(
            f"TUMORBOARD_PAGE_SIZE must be a whole number from 5 to 200, not '{raw_page_size}'."
        )
    pacs_url, pacs_username, pacs_password, viewer = _imaging_settings(env)
    raw_idle = env.get("TUMORBOARD_SESSION_IDLE_MINUTES", "60")
    try:
        idle = int(raw_idle)
    except ValueError:
        idle = -1
    if not 5 <= idle <= 1440:
        raise ConfigurationError(
            "TUMORBOARD_SESSION_IDLE_MINUTES must be a whole number from 5 to 1440, "
            f"not '{raw_idle}'."
        )
    oidc_unknown = env.get("TUMORBOARD_OIDC_UNKNOWN_USERS", "refuse").strip().lower()
    if oidc_unknown not in ("refuse", "inactive"):
        raise ConfigurationError(
            f"TUMORBOARD_OIDC_UNKNOWN_USERS must be 'refuse' or 'inactive', not '{oidc_unknown}'."
        )
    cookie_secure, new_password = _account_settings(env)
    timezone = _timezone_name(env)
    smtp_url, mail_from, app_url, mscc = _mail_settings(env)
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=secret,
        page_size=page_size,
        pacs_url=pacs_url,
        pacs_username=pacs_username,
        pacs_password=pacs_password,
        viewer_url_template=viewer,
        session_idle_minutes=idle,
        oidc_unknown_users=oidc_unknown,
        cookie_secure=cookie_secure,
        new_password=new_password,
        timezone=timezone,
        smtp_url=smtp_url,
        mail_from=mail_from,
        app_url=app_url,
        mscc_coordinator_email=mscc,
    )


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    """The zone of a validated name (``ZoneInfo`` keeps its own cache as well)."""
    return ZoneInfo(name)


def _timezone_name(env: Mapping[str, str]) -> str:
    """``TUMORBOARD_TIMEZONE``, checked against the IANA time zone database."""
    name = (env.get(TIMEZONE_VARIABLE) or "").strip() or DEFAULT_TIMEZONE
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(
            f"{TIMEZONE_VARIABLE} must be an IANA time zone name such as 'Europe/Berlin', "
            f"'America/New_York' or 'UTC'; '{name}' is not a known time zone."
        ) from exc
    return name


def display_zone(environ: Mapping[str, str] | None = None) -> ZoneInfo:
    """The hospital's time zone, in which times are shown and typed.

    Reads only ``TUMORBOARD_TIMEZONE``, with the same validation as
    :func:`load_settings`, so formatting code below the pages (reports, exports, the
    audit trail) can ask for it without loading every setting for each value shown.

    Parameters
    ----------
    environ:
        The environment to read; ``os.environ`` when omitted.

    Returns
    -------
    ZoneInfo
        The zone (UTC when the variable is unset or empty).

    Raises
    ------
    ConfigurationError
        When the name is not a known IANA time zone.
    """
    env = os.environ if environ is None else environ
    return _zone(_timezone_name(env))


def _account_settings(env: Mapping[str, str]) -> tuple[bool, str | None]:
    """The session cookie's ``Secure`` flag and the new account password, validated."""
    raw_secure = env.get("TUMORBOARD_COOKIE_SECURE", "")
    secure = raw_secure.strip().lower()
    if secure not in _TRUE + _FALSE:
        raise ConfigurationError(
            "TUMORBOARD_COOKIE_SECURE must be 1 (or true, yes) to always mark the session "
            f"cookie Secure, or 0 (or false, no) to mark it only over HTTPS; not '{raw_secure}'."
        )
    password = env.get("TUMORBOARD_NEW_PASSWORD") or None
    if password is not None and not password.isprintable():
        raise ConfigurationError(
            "TUMORBOARD_NEW_PASSWORD must not contain line breaks, tabs or other control "
            "characters."
        )
    return secure in _TRUE, password


def _http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _imaging_settings(
    env: Mapping[str, str],
) -> tuple[str | None, str | None, str | None, str | None]:
    """PACS and viewer settings, validated (see the module docstring)."""
    pacs_url = (env.get("TUMORBOARD_PACS_URL") or "").strip().rstrip("/") or None
    if pacs_url is not None and not _http_url(pacs_url):
        raise ConfigurationError(
            "TUMORBOARD_PACS_URL must be the http(s) address of the PACS's DICOMweb root, "
            "for example 'https://pacs.example.org/dicom-web'."
        )
    username = env.get("TUMORBOARD_PACS_USERNAME") or None
    password = env.get("TUMORBOARD_PACS_PASSWORD") or None
    if (username is None) != (password is None):
        raise ConfigurationError(
            "Set both TUMORBOARD_PACS_USERNAME and TUMORBOARD_PACS_PASSWORD, or neither."
        )
    if username is not None and pacs_url is None:
        raise ConfigurationError("TUMORBOARD_PACS_USERNAME is set but TUMORBOARD_PACS_URL is not.")
    viewer = (env.get("TUMORBOARD_VIEWER_URL_TEMPLATE") or "").strip() or None
    if viewer is not None:
        if "{study_uid}" not in viewer or not _http_url(viewer.replace("{study_uid}", "1.2")):
            raise ConfigurationError(
                "TUMORBOARD_VIEWER_URL_TEMPLATE must be an http(s) address containing "
                "{study_uid}, for example 'https://viewer.example.org/viewer?StudyInstanceUIDs="
                "{study_uid}'."
            )
        rest = viewer.replace("{study_uid}", "")
        if "{" in rest or "}" in rest:
            raise ConfigurationError(
                "TUMORBOARD_VIEWER_URL_TEMPLATE may contain only the placeholder {study_uid}."
            )
    return pacs_url, username, password, viewer


#: The schemes of ``TUMORBOARD_SMTP_URL`` with their default ports.
SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


def email_address(value: str) -> str | None:
    """The bare address of ``value`` (``Name <a@b.example>`` or ``a@b.example``).

    Parameters
    ----------
    value:
        An address as people write it.

    Returns
    -------
    str | None
        The address, or ``None`` when it is not one address of the form local@domain
        (line breaks and other control characters are never accepted).
    """
    if not value.isprintable() or len(getaddresses([value])) != 1:
        return None
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        return None
    return address


def _mail_settings(
    env: Mapping[str, str],
) -> tuple[str | None, str | None, str | None, str | None]:
    """SMTP server, sender, app address and MSCC coordinator, validated."""
    smtp_url = (env.get("TUMORBOARD_SMTP_URL") or "").strip() or None
    if smtp_url is not None:
        try:
            parts = urlsplit(smtp_url)
            valid = parts.scheme in SMTP_SCHEMES and bool(parts.hostname)
            valid = valid and (parts.port is None or parts.port > 0)
        except ValueError:  # a port that is not a number from 0 to 65535
            valid = False
        if not valid:
            raise ConfigurationError(
                "TUMORBOARD_SMTP_URL must be the mail server as smtp://HOST[:PORT], "
                "smtp+starttls://USER:PASSWORD@HOST:587 or smtps://USER:PASSWORD@HOST:465."
            )
    raw_from = (env.get("TUMORBOARD_MAIL_FROM") or "").strip()
    mail_from = raw_from or None
    if mail_from is not None and email_address(mail_from) is None:
        raise ConfigurationError(
            "TUMORBOARD_MAIL_FROM must be one e-mail address, for example "
            f"'Tumor Board <board@hospital.example>'; not '{raw_from}'."
        )
    app_url = (env.get("TUMORBOARD_APP_URL") or "").strip().rstrip("/") or None
    if app_url is not None and not _http_url(app_url):
        raise ConfigurationError(
            "TUMORBOARD_APP_URL must be the http(s) address people open the app at, for "
            "example 'https://tumorboard.hospital.example'."
        )
    if smtp_url is not None and (mail_from is None or app_url is None):
        raise ConfigurationError(
            "TUMORBOARD_SMTP_URL is set: set TUMORBOARD_MAIL_FROM (the sender) and "
            "TUMORBOARD_APP_URL (the link in reminders) as well."
        )
    raw_mscc = (env.get("TUMORBOARD_MSCC_COORDINATOR_EMAIL") or "").strip()
    mscc = email_address(raw_mscc) if raw_mscc else None
    if raw_mscc and mscc is None:
        raise ConfigurationError(
            "TUMORBOARD_MSCC_COORDINATOR_EMAIL must be one e-mail address, for example "
            f"'mscc.coordinator@hospital.example'; not '{raw_mscc}'."
        )
    return smtp_url, mail_from, app_url, mscc
