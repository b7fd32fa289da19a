from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values every page template needs: run mode and session-timeout settings."""
    return {
        "VARDLOTS_PRODUCTION": settings.PRODUCTION,
        "VARDLOTS_TEST_EID": settings.EID_PROVIDER == "test",
        "session_warning_before": settings.SESSION_WARNING_BEFORE,
    }
