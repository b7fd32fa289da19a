from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values every page template needs: run mode, session-timeout settings, and who is logged in.

    ``current_resident`` and ``active_membership`` are lazy: only pages that show them query.
    """
    from vardlots.accounts.session import current_resident

    def membership() -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(user, "active_memberships"):
            return None
        return user.active_memberships().select_related("unit").first()

    return {
        "VARDLOTS_PRODUCTION": settings.PRODUCTION,
        "VARDLOTS_TEST_EID": settings.EID_PROVIDER == "test",
        "session_warning_before": settings.SESSION_WARNING_BEFORE,
        "current_resident": SimpleLazyObject(lambda: current_resident(request)),
        "active_membership": SimpleLazyObject(membership),
    }
