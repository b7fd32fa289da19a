"""Authentication backend for staff sessions.

``authenticate()`` never succeeds through it: staff log in only through the views of this app
(password + TOTP, or OIDC), which call ``django.contrib.auth.login`` with this backend. A bare
username + password form (for example Django's admin log-in) therefore cannot log anyone in.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vardlots.accounts.models import StaffUser

BACKEND = "vardlots.accounts.backends.StaffBackend"


class StaffBackend:
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        return None

    def get_user(self, user_id: int) -> StaffUser | None:
        user = StaffUser.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False
