from __future__ import annotations

from tests.cases.conftest import _fast_passwords, w

__all__ = ["_fast_passwords", "w"]
