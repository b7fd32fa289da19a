from __future__ import annotations

from typing import Any

import pytest

from tests.cases.helpers import World, world


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Staff personas get passwords; Argon2 would make every world() take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def w(db: None) -> World:
    return world()
