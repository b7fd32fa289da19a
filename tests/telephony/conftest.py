from __future__ import annotations

from typing import Any

import pytest

from tests.cases.helpers import World, world


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NOTIFICATION_BACKEND = "memory"


@pytest.fixture
def w(db: None) -> World:
    return world()
