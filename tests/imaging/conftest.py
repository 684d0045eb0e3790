"""Shared fixtures for the imaging tests."""

from __future__ import annotations

import pytest

from .helpers import KEY


@pytest.fixture
def key() -> bytes:
    """The HMAC key used by the tests."""
    return KEY
