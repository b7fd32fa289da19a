"""These tests assert the English source texts: run them in English (Swedish is the default)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(settings: pytest.FixtureRequest) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    with translation.override("en"):
        yield
