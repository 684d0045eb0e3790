"""Small types and helpers shared by the imaging modules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from board.imaging.enums import ImportStatus

#: Reason given for a DICOMDIR index file, wherever it is met.
DICOMDIR_REASON = (
    "DICOMDIR index file: it only lists the images of a CD/DVD export; "
    "the images themselves are read as separate files"
)

#: Longest study or series description kept (imported or entered by hand).
MAX_DESCRIPTION_LENGTH = 200

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that was not imported, with the reason in plain English.

    Parameters
    ----------
    display_name:
        Where the input came from, as shown to the user (file name, or
        ``archive.zip › member``).
    reason:
        Why it was skipped, written for the person importing (no internals).
    """

    display_name: str
    reason: str

    @property
    def status(self) -> ImportStatus:
        """Always :attr:`ImportStatus.SKIPPED`."""
        return ImportStatus.SKIPPED


def clean_text(value: object, max_length: int = 64) -> str:
    """Make a header or file-name string safe to show and store.

    Control characters become spaces, runs of white space collapse, the ends are
    stripped and the result is cut to ``max_length`` characters.

    Parameters
    ----------
    value:
        Any value; ``None`` gives ``""``.
    max_length:
        Maximum number of characters kept.

    Returns
    -------
    str
        The cleaned text.
    """
    if value is None:
        return ""
    text = str(value)
    if text.isprintable():  # fast path: no control characters at all
        text = text.strip()
        if "  " in text:
            text = _SPACES.sub(" ", text)
        return text[:max_length]
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:max_length]


def format_bytes(size: int | float) -> str:
    """Human-readable size: ``"512 B"``, ``"3.0 MB"``, ``"1.5 GB"`` (powers of 1024).

    Parameters
    ----------
    size:
        Size in bytes.

    Returns
    -------
    str
        The formatted size.
    """
    units = ("B", "KB", "MB", "GB", "TB")
    value = float(size)
    index = 0
    while abs(value) >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    return f"{int(value)} B" if index == 0 else f"{value:.1f} {units[index]}"
