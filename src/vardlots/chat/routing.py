from __future__ import annotations

from django.urls import path

from vardlots.chat.consumers import CaseConsumer

websocket_urlpatterns = [
    path("ws/cases/<int:case_id>/", CaseConsumer.as_asgi()),
]
