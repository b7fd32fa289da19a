"""The telephony integration API: call events and callback booking from the phone menu.

Every request is signed (see ``vardlots.telephony.signing``): ``X-Vardlots-Timestamp`` and
``X-Vardlots-Signature`` = hex HMAC-SHA256 of ``"<timestamp>." + body`` with the shared secret.
The signature is checked before the body is read as JSON; replays, old timestamps and bad
signatures are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Query

from vardlots.core.api_errors import error_responses
from vardlots.core.text import InputSchema
from vardlots.telephony import actions, signing
from vardlots.telephony.models import CallbackSlot, CallbackSource


class SignatureAuth:
    """A django-ninja auth callable: the request's signature, timestamp and freshness.

    The OpenAPI declares it as two header API keys that are both required: this one
    (``X-Vardlots-Signature``) and ``TimestampHeader`` (``X-Vardlots-Timestamp``); see
    ``vardlots.api.VardlotsAPI``.
    """

    openapi_security_schema = {
        "type": "apiKey", "in": "header", "name": signing.SIGNATURE_HEADER,
        "description": "hex HMAC-SHA256 with the shared secret of '<timestamp>.' + the raw body "
                       "(decision 0013); each signature is accepted once",
    }
    timestamp_security_schema = {
        "type": "apiKey", "in": "header", "name": signing.TIMESTAMP_HEADER,
        "description": "Unix seconds; at most 5 minutes from the server's clock",
    }

    def __call__(self, request: HttpRequest) -> bool:
        signing.verify(request.body, request.headers.get(signing.TIMESTAMP_HEADER),
                       request.headers.get(signing.SIGNATURE_HEADER))
        return True


router = Router(tags=["telephony"], auth=SignatureAuth())
# 400: JSON that cannot be read, a number that is not a phone number; 401: unsigned, badly signed or
# stale; 404: no such active unit; 409: a replayed signature or event, no free callback time, a call
# in another state; 413: body over the upload limit; 422: does not match the schema.
ERRORS = error_responses(400, 401, 404, 409, 413, 422)


class CallEventIn(InputSchema):
    event_id: str = Field(..., min_length=1, max_length=100, description="Unique per event; a resent id is a replay")
    type: Literal["offered", "answered", "transferred", "ended"]
    call_id: str = Field(..., min_length=1, max_length=100, description="The platform's id of the call")
    caller_number: str = Field("", max_length=30)
    personal_number: str = Field("", max_length=13, description="When the phone menu collected it")
    unit_hsa_id: str = Field("", max_length=64, description="The queue's unit; required for a new call")
    agent_hsa_id: str = Field("", max_length=64, description="The nurse who answered")
    transferred_to: str = Field("", max_length=100)


class CallOut(Schema):
    id: int
    state: str
    nurse_hsa_id: str | None
    workspace_url: str


class CallbackSlotOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    free: int


class CallbackIn(InputSchema):
    unit_hsa_id: str = Field(..., max_length=64)
    caller_number: str = Field(..., min_length=5, max_length=30)
    personal_number: str = Field("", max_length=13)
    slot_id: int | None = Field(None, description="A free time; the earliest free time when left out")


class CallbackOut(Schema):
    id: int
    due_at: dt.datetime
    unit: str


@router.post("/events", response={200: CallOut, **ERRORS}, summary="Receive a call event")
def receive_event(request: HttpRequest, payload: CallEventIn) -> CallOut:
    from django.urls import reverse

    call = actions.do_receive_event(event_id=payload.event_id, kind=payload.type, call_id=payload.call_id,
                                    caller_number=payload.caller_number, personal_number=payload.personal_number,
                                    unit_hsa_id=payload.unit_hsa_id, agent_hsa_id=payload.agent_hsa_id,
                                    transferred_to=payload.transferred_to)
    return CallOut(id=call.pk, state=call.state, nurse_hsa_id=call.nurse.hsa_id if call.nurse else None,
                   workspace_url=reverse("telephony:call", args=[call.pk]))


@router.get("/callback-slots", response={200: list[CallbackSlotOut], **error_responses(401, 404, 409, 422)},
            summary="Free callback times of a unit")
def callback_slots(request: HttpRequest,
                   unit_hsa_id: str = Query(..., max_length=64)
                   ) -> list[CallbackSlotOut]:
    unit = actions._unit_by_hsa(unit_hsa_id)
    return [CallbackSlotOut(id=s.pk, starts_at=s.starts_at, ends_at=s.ends_at, free=s.free)
            for s in actions.free_callback_slots(unit)[:50]]


@router.post("/callbacks", response={201: CallbackOut, **ERRORS}, summary="Book a callback from the phone menu")
def book_callback(request: HttpRequest, payload: CallbackIn) -> Status[CallbackOut]:
    from vardlots.accounts.models import Resident

    unit = actions._unit_by_hsa(payload.unit_hsa_id)
    if payload.slot_id is not None:
        slot = CallbackSlot.objects.filter(pk=payload.slot_id, unit=unit).first()
    else:
        slot = actions.free_callback_slots(unit, after=timezone.now()).first()
    if slot is None:
        raise actions.TelephonyError("telephony.callback_full", "No free callback time.", 409)
    number = actions._collected_number(payload.personal_number)
    resident = Resident.objects.filter(personal_number=number).first() if number else None
    cb = actions.do_book_callback(slot, phone=payload.caller_number, resident=resident,
                                  source=CallbackSource.PHONE_MENU)
    return Status(201, CallbackOut(id=cb.pk, due_at=cb.due_at, unit=unit.name))
