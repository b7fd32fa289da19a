from __future__ import annotations

from django.urls import path

from vardlots.chat.consumers import CaseConsumer
from vardlots.chat.queue_consumer import QueueConsumer

websocket_urlpatterns = [
    path("ws/cases/<int:case_id>/", CaseConsumer.as_asgi()),
    path("ws/queues/", QueueConsumer.as_asgi()),
]
