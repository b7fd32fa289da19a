"""Websocket routes of every domain, collected in one list."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []
