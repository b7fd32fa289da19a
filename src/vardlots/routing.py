"""Websocket routes of every domain, collected in one list."""

from __future__ import annotations

from typing import Any

from vardlots.chat.routing import websocket_urlpatterns as chat_websocket_urlpatterns

websocket_urlpatterns: list[Any] = [*chat_websocket_urlpatterns]
