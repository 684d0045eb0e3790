"""Helpers shared by the imaging tests (pydicom corpus access, the test key)."""

from __future__ import annotations

import os
from pathlib import Path

from pydicom.data import get_testdata_file, get_testdata_files

KEY = b"imaging-tests-hmac-key-0123456789"


def corpus_files() -> list[str]:
    """Every file (not folder) of pydicom's bundled test corpus, sorted."""
    return sorted(p for p in get_testdata_files() if os.path.isfile(p))


def corpus_id(path: str) -> str:
    """A short test id: the path inside test_files."""
    return path.split("test_files" + os.sep, 1)[-1]


def corpus_file(name: str) -> Path:
    """One bundled file by name."""
    path = get_testdata_file(name)
    assert path is not None, name
    return Path(str(path))


def corpus_root() -> Path:
    """The test_files folder itself."""
    return corpus_file("CT_small.dcm").parent
