"""The staff queue websocket ``/ws/queues/``: a bell for every change in the queues one may see.

On connect the member of staff (from the session) joins the ``queue.<id>`` group of every queue
their roles let them see. Each bell becomes ``{"type": "queue_changed", "queue_id"}``; the page
script then fetches the queue page again (the database is the truth, the bell carries no data).
Anyone else is closed with 4403. The socket takes no frames from the client: each gets an error
frame, and abuse closes it as in ``chat.frames``.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from vardlots.accounts.models import StaffUser
from vardlots.cases.actions import visible_queues
from vardlots.cases.events import queue_group
from vardlots.chat.frames import GuardedJsonConsumer

CLOSE_FORBIDDEN = 4403


class QueueConsumer(GuardedJsonConsumer):
    frames = None  # the page only listens: every frame is answered with an error (and limited)
    groups_joined: list[str]

    def _queue_ids(self) -> list[int] | None:
        user = self.scope.get("user")
        if not isinstance(user, StaffUser) or not user.is_authenticated or not user.is_active:
            return None
        return [q.pk for q in visible_queues(user)]

    async def connect(self) -> None:
        self.groups_joined = []
        ids: list[int] | None = await database_sync_to_async(self._queue_ids)()
        if ids is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for queue_id in ids:
            name = queue_group(queue_id)
            await self.channel_layer.group_add(name, self.channel_name)
            self.groups_joined.append(name)
        await self.accept()
        await self.send_json({"type": "hello", "queues": ids})

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def queue_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "queue_changed", "case_id": event.get("case_id")})
