from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests.cases.helpers import World, world


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NOTIFICATION_BACKEND = "memory"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The tests assert the English source strings (Swedish is the default language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    c = Client()
    c.cookies["vardlots_language"] = "en"
    return c


@pytest.fixture
def w(db: None) -> World:
    return world()
