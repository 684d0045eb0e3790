"""Sending e-mail through the configured SMTP server (``TUMORBOARD_SMTP_URL``)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from board.settings import SMTP_SCHEMES, email_address

SMTP_TIMEOUT_SECONDS = 30


def make_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    """A plain-text e-mail (no HTML part: nothing in it is rendered as markup).

    Parameters
    ----------
    sender:
        The From address (``TUMORBOARD_MAIL_FROM``).
    recipient:
        One address.
    subject, body:
        The text.

    Returns
    -------
    EmailMessage
        The message, with Date and Message-ID.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = (email_address(sender) or "tumorboard.invalid").rpartition("@")[2]
    message["Message-ID"] = make_msgid("tumorboard", domain=domain)
    message.set_content(body)
    return message


@contextmanager
def smtp_connection(url: str) -> Iterator[smtplib.SMTP]:
    """An open connection to the mail server of a validated ``TUMORBOARD_SMTP_URL``.

    Parameters
    ----------
    url:
        ``smtp://``, ``smtp+starttls://`` or ``smtps://`` with optional user and
        password (see :mod:`board.settings`).

    Yields
    ------
    smtplib.SMTP
        The connection (logged in when the URL has a user); closed afterwards.

    Raises
    ------
    OSError, smtplib.SMTPException
        When the server cannot be reached or refuses the login.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or SMTP_SCHEMES[parts.scheme]
    server: smtplib.SMTP
    if parts.scheme == "smtps":
        server = smtplib.SMTP_SSL(
            host, port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if parts.scheme == "smtp+starttls":
            server.starttls(context=ssl.create_default_context())
        if parts.username:
            server.login(unquote(parts.username), unquote(parts.password or ""))
        yield server
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
