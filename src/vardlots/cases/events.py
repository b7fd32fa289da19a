"""Case events: typed payloads, recording, and publishing after commit.

Every change to a case writes one or more ``CaseEvent`` rows (the history, and the stream that
clients resume from) and, once the transaction has committed, rings the case's channel-layer
group. The bell carries no data: consumers read what is new from the database. See
``docs/subsystems/events.md``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, get_type_hints

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext_lazy

from vardlots.cases.models import Case, CaseEvent

if TYPE_CHECKING:
    from vardlots.accounts.models import Resident, StaffUser

log = logging.getLogger(__name__)


# --- payloads (one TypedDict per kind) ----------------------------------------------------------

class CaseCreated(TypedDict):
    queue_id: int
    unit_name: str
    kind: str
    urgency: str


class Claimed(TypedDict):
    staff_name: str
    staff_title: str


class Released(TypedDict):
    note: str


class ReturnedToQueue(TypedDict):
    unit_name: str
    reason: str  # "released" | "transferred" | "escalated"


class Transferred(TypedDict):
    from_queue_id: int
    to_queue_id: int
    to_unit_name: str
    note: str


class Escalated(TypedDict):
    note: str


class UrgencyOverridden(TypedDict):
    computed: str
    previous: str
    urgency: str
    reason: str


class Closed(TypedDict):
    outcome: str


class Reopened(TypedDict):
    by: str  # "staff" | "resident"


class MessagePosted(TypedDict):
    message_id: int
    sender: str  # "staff" | "resident"


class MessagesMarked(TypedDict):
    side: str  # the side that received / read: "staff" | "resident"
    up_to: int  # message id


class NoteAdded(TypedDict):
    note_id: int


class DocumentAdded(TypedDict):
    document_id: int
    title: str


class Reassigned(TypedDict):
    from_name: str
    to_name: str
    note: str


class HandedOver(TypedDict):
    from_queue_id: int
    to_queue_id: int
    to_unit_name: str


@dataclass(frozen=True)
class EventType:
    payload: type
    visible_to_resident: bool


EVENT_TYPES: dict[str, EventType] = {
    "case_created": EventType(CaseCreated, True),
    "claimed": EventType(Claimed, True),
    "released": EventType(Released, False),
    "returned_to_queue": EventType(ReturnedToQueue, True),
    "transferred": EventType(Transferred, False),
    "escalated": EventType(Escalated, False),
    "urgency_overridden": EventType(UrgencyOverridden, False),
    "closed": EventType(Closed, True),
    "reopened": EventType(Reopened, True),
    "message": EventType(MessagePosted, True),
    "messages_delivered": EventType(MessagesMarked, True),
    "messages_read": EventType(MessagesMarked, True),
    "note_added": EventType(NoteAdded, False),
    "document_added": EventType(DocumentAdded, True),
    "reassigned": EventType(Reassigned, False),
    "handed_over": EventType(HandedOver, False),
}


# What each event is called in the case history staff read.
EVENT_LABELS: dict[str, Any] = {
    "case_created": gettext_lazy("Case created"),
    "claimed": gettext_lazy("Taken"),
    "released": gettext_lazy("Released to the queue"),
    "returned_to_queue": gettext_lazy("Returned to the queue"),
    "transferred": gettext_lazy("Transferred"),
    "escalated": gettext_lazy("Escalated to a doctor"),
    "urgency_overridden": gettext_lazy("Urgency changed"),
    "closed": gettext_lazy("Closed"),
    "reopened": gettext_lazy("Reopened"),
    "message": gettext_lazy("Message"),
    "messages_delivered": gettext_lazy("Messages delivered"),
    "messages_read": gettext_lazy("Messages read"),
    "note_added": gettext_lazy("Internal note"),
    "document_added": gettext_lazy("Document attached"),
    "reassigned": gettext_lazy("Reassigned"),
    "handed_over": gettext_lazy("Handed over to 1177"),
}


class EventSchemaError(ValueError):
    pass


def check_payload(kind: str, payload: dict[str, Any]) -> None:
    """Raise EventSchemaError unless ``payload`` has exactly the typed fields of ``kind``."""
    if kind not in EVENT_TYPES:
        raise EventSchemaError(f"unknown event kind {kind!r}")
    hints = get_type_hints(EVENT_TYPES[kind].payload)
    if set(payload) != set(hints):
        raise EventSchemaError(f"{kind}: fields {sorted(payload)} != {sorted(hints)}")
    for name, expected in hints.items():
        value = payload[name]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise EventSchemaError(f"{kind}.{name}: expected {expected.__name__}, got {value!r}")


# --- recording and publishing -------------------------------------------------------------------

def case_group(case_id: int) -> str:
    return f"case.{case_id}"


def queue_group(queue_id: int) -> str:
    return f"queue.{queue_id}"


def record(case: Case, kind: str, payload: dict[str, Any], *, staff: StaffUser | None = None,
           resident: Resident | None = None) -> CaseEvent:
    """Write an event; the caller holds the case row lock inside a transaction (see actions)."""
    check_payload(kind, payload)
    event = CaseEvent.objects.create(case=case, kind=kind, payload=payload,
                                     visible_to_resident=EVENT_TYPES[kind].visible_to_resident,
                                     actor_staff=staff, actor_resident=resident)
    publish_on_commit(case.pk, event.pk, queue_ids=[case.queue_id])
    return event


def publish_on_commit(case_id: int, event_id: int, *, queue_ids: list[int] | tuple[int, ...] = ()) -> None:
    """Ring the case's group (and the queues' groups) once the current transaction commits."""

    def ring() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(case_group(case_id), {"type": "case.event", "event_id": event_id})
            for queue_id in queue_ids:
                async_to_sync(layer.group_send)(queue_group(queue_id), {"type": "queue.changed",
                                                                        "case_id": case_id})
        except Exception:  # the bell is best-effort: clients catch up from the database
            log.exception("could not publish case event %s", event_id)

    transaction.on_commit(ring)
