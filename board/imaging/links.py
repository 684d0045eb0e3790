"""Keys and links of imaging: the HMAC key for patient and accession hashes, derived
from the installation's secret key, and a study's address in the hospital viewer."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["derive_key", "viewer_url"]


def derive_key(secret_key: str) -> bytes:
    """The HMAC key for patient and accession hashes, derived from the secret key.

    Parameters
    ----------
    secret_key:
        The installation's ``TUMORBOARD_SECRET_KEY``.

    Returns
    -------
    bytes
        32 bytes, the same for the same secret.
    """
    label = b"tumorboard imaging keys v1"
    return hmac.new(secret_key.encode("utf-8"), label, hashlib.sha256).digest()


def viewer_url(template: str | None, study_uid: str | None) -> str | None:
    """The hospital viewer's address of a study, from the configured template.

    Parameters
    ----------
    template:
        ``TUMORBOARD_VIEWER_URL_TEMPLATE`` containing ``{study_uid}``, or ``None``.
    study_uid:
        The study's UID (``None`` for a study entered by hand).

    Returns
    -------
    str | None
        The link, or ``None`` when there is no template or no UID.
    """
    if not template or not study_uid:
        return None
    return template.replace("{study_uid}", study_uid)
