"""Keys and links of imaging: the HMAC key for patient and accession hashes, derived
from the installation's secret key, the keyed hash that identifies a patient (of a
file, a PACS result or a case's hospital number), and a study's address in the
hospital viewer. Cheap to import (no pydicom): the cases package uses the patient key
to find possible duplicates at intake."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["MIN_KEY_BYTES", "check_key", "derive_key", "patient_key_for", "viewer_url"]

#: Shortest accepted HMAC key.
MIN_KEY_BYTES = 16


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


def check_key(key: bytes) -> None:
    """Refuse an HMAC key that is not bytes or is too short.

    Parameters
    ----------
    key:
        The key.

    Raises
    ------
    ValueError
        If the key is not bytes or shorter than :data:`MIN_KEY_BYTES`.
    """
    if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the HMAC key must be at least {MIN_KEY_BYTES} bytes")


def patient_key_for(patient_id: str | None, issuer: str | None, key: bytes) -> str | None:
    """Keyed hash identifying a patient without storing the identifier.

    The same function must be used for the Patient ID in files, in PACS results and
    for a case's hospital number, so that they can be compared.

    Parameters
    ----------
    patient_id:
        (0010,0020) Patient ID or a hospital number; surrounding spaces ignored.
    issuer:
        (0010,0021) Issuer of Patient ID; ``None`` or ``""`` when not known.
    key:
        Secret HMAC key, at least :data:`MIN_KEY_BYTES` bytes.

    Returns
    -------
    str | None
        64 hex characters, or ``None`` when ``patient_id`` is empty.

    Raises
    ------
    ValueError
        If the key is shorter than :data:`MIN_KEY_BYTES`.
    """
    check_key(key)
    pid = (patient_id or "").strip()
    if not pid:
        return None
    message = b"patient\x00" + pid.encode("utf-8") + b"\x00" + (issuer or "").strip().encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
