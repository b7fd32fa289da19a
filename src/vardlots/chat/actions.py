"""Chat writes and reads: send (idempotent), mark delivered and read, the resumable case stream.

A message is persisted (with a ``message`` case event) inside the transaction that locks the case
row; the channel layer is rung only after commit. Sending again with the same ``client_id``
returns the stored message and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vardlots.accounts.models import Resident, StaffUser
from vardlots.cases import events
from vardlots.cases.actions import CaseError, _lock, check_owner, check_resident_case, check_view_case
from vardlots.cases.models import Case, CaseEvent, CaseStatus
from vardlots.chat.models import Message, PhraseTemplate, Side
from vardlots.chat.text import frame_text_problem

MAX_BODY = 4000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
STREAM_BATCH = 500
MAX_MESSAGE_ID = 2**63 - 1  # bigint

Sender = StaffUser | Resident


def side_of(person: Sender) -> str:
    return Side.STAFF if isinstance(person, StaffUser) else Side.RESIDENT


def other_side(side: str) -> str:
    return Side.RESIDENT if side == Side.STAFF else Side.STAFF


def check_send(sender: Sender, case: Case, body: str, client_id: str) -> str:
    """Validate and authorise; return the cleaned body."""
    if isinstance(sender, StaffUser):
        check_owner(sender, case)
    else:
        check_resident_case(sender, case)
        if case.status == CaseStatus.CLOSED:
            raise CaseError("chat.closed", _("The case is closed. Reopen it to write again."))
    if not CLIENT_ID.match(client_id or ""):
        raise CaseError("chat.bad_client_id", _("The message could not be sent; please try again."))
    cleaned = (body or "").strip()
    if not cleaned:
        raise CaseError("chat.empty", _("Write a message first."))
    if len(cleaned) > MAX_BODY:
        raise CaseError("chat.too_long", _("The message is too long (at most %(n)d characters).") % {"n": MAX_BODY})
    problem = frame_text_problem(cleaned)
    if problem is not None:
        raise CaseError("chat.bad_text", problem)
    return cleaned


def check_rate(sender: Sender, case: Case, now: dt.datetime | None = None) -> None:
    """Refuse a message beyond the limits of ``CHAT_RATE_LIMITS``: per sender (any case) and per case
    (all senders), each at most ``burst`` messages within ``burst / rate`` seconds (a sliding window
    over the stored messages). Called with the case row locked, so the per-case count is exact across
    processes; the per-sender count may let a sender's parallel writes in two cases both pass."""
    now = now or timezone.now()
    limits = settings.CHAT_RATE_LIMITS
    person_burst, person_rate = limits["person"]
    case_burst, case_rate = limits["case"]
    own = (Message.objects.filter(sender_staff=sender) if isinstance(sender, StaffUser)
           else Message.objects.filter(sender_resident=sender))
    if (own.filter(created_at__gt=now - dt.timedelta(seconds=person_burst / person_rate)).count() >= person_burst
            or Message.objects.filter(case=case, created_at__gt=now - dt.timedelta(seconds=case_burst / case_rate))
            .count() >= case_burst):
        raise CaseError("chat.too_fast", _("You are sending too quickly. Wait a moment and send again."))


def do_send_message(sender: Sender, case: Case, body: str, client_id: str) -> Message:
    """Persist a message and ring the case group after commit. Same ``client_id`` → the same message."""
    with transaction.atomic():
        locked = _lock(case)
        existing = Message.objects.filter(case=locked, client_id=client_id).first()
        if existing is not None:
            if existing.side != side_of(sender) or (
                    existing.sender_staff_id or existing.sender_resident_id) != sender.pk:
                raise PermissionDenied(_("The message could not be sent; please try again."))
            return existing
        cleaned = check_send(sender, locked, body, client_id)
        check_rate(sender, locked)
        side = side_of(sender)
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    case=locked, side=side, body=cleaned, client_id=client_id,
                    sender_staff=sender if isinstance(sender, StaffUser) else None,
                    sender_resident=sender if isinstance(sender, Resident) else None,
                )
        except IntegrityError:  # a concurrent send with the same client id won (the lock makes this rare)
            return Message.objects.get(case=locked, client_id=client_id)
        events.record(locked, "message", {"message_id": message.pk, "sender": side},
                      staff=sender if isinstance(sender, StaffUser) else None,
                      resident=sender if isinstance(sender, Resident) else None)
        return message


def check_reader(reader: Sender, case: Case) -> None:
    if isinstance(reader, StaffUser):
        check_view_case(reader, case)
    else:
        check_resident_case(reader, case)


def _mark(reader: Sender, case: Case, up_to: int, field: str, kind: str) -> int:
    """Stamp the other side's messages up to ``up_to``; record one event if anything changed."""
    with transaction.atomic():
        locked = _lock(case)
        check_reader(reader, locked)
        side = side_of(reader)
        now = timezone.now()
        qs = Message.objects.filter(case=locked, side=other_side(side), pk__lte=up_to, **{f"{field}__isnull": True})
        last = qs.order_by("-pk").values_list("pk", flat=True).first()
        if last is None:
            return 0
        changed = qs.update(**{field: now})
        if field == "read_at":  # read implies delivered
            Message.objects.filter(case=locked, side=other_side(side), pk__lte=up_to,
                                   delivered_at__isnull=True).update(delivered_at=now)
        events.record(locked, kind, {"side": side, "up_to": last},
                      staff=reader if isinstance(reader, StaffUser) else None,
                      resident=reader if isinstance(reader, Resident) else None)
        return changed


def do_mark_delivered(reader: Sender, case: Case, up_to: int) -> int:
    return _mark(reader, case, up_to, "delivered_at", "messages_delivered")


def do_mark_read(reader: Sender, case: Case, up_to: int) -> int:
    """The reader has seen the other side's messages up to id ``up_to``; returns how many changed."""
    return _mark(reader, case, up_to, "read_at", "messages_read")


# --- reading ----------------------------------------------------------------------------------------

def serialise_message(message: Message) -> dict[str, Any]:
    sender_name = ""
    if message.side == Side.STAFF and message.sender_staff is not None:
        sender_name = message.sender_staff.get_short_name()
    elif message.sender_resident is not None:
        sender_name = message.sender_resident.given_name
    return {
        "id": message.pk, "client_id": message.client_id, "side": message.side, "sender_name": sender_name,
        "body": message.body, "created_at": message.created_at.isoformat(),
        "delivered_at": message.delivered_at.isoformat() if message.delivered_at else None,
        "read_at": message.read_at.isoformat() if message.read_at else None,
    }


def messages_after(case: Case, after: int = 0, *, limit: int = STREAM_BATCH) -> list[Message]:
    return list(Message.objects.filter(case=case, pk__gt=after).select_related("sender_staff", "sender_resident")
                .order_by("pk")[:limit])


def messages_page(case: Case, before: int | None = None, *, size: int | None = None) -> tuple[list[Message], bool]:
    """The newest ``size`` messages (``CHAT_PAGE_SIZE``) older than id ``before`` (all when ``None``),
    oldest first, and whether older ones exist. The case pages show the first page; "show older
    messages" walks back with ``before`` = the oldest id shown."""
    size = size or settings.CHAT_PAGE_SIZE
    qs = Message.objects.filter(case=case).select_related("sender_staff", "sender_resident").order_by("-pk")
    if before is not None:
        qs = qs.filter(pk__lt=before)
    found = list(qs[:size + 1])
    return found[:size][::-1], len(found) > size


def stream_after(case_id: int, after: int, *, for_resident: bool, limit: int = STREAM_BATCH) -> list[dict[str, Any]]:
    """Case events after cursor ``after`` as client frames (messages embedded). The cursor is ``id``."""
    qs = CaseEvent.objects.filter(case_id=case_id, pk__gt=after).select_related("actor_staff").order_by("pk")
    if for_resident:
        qs = qs.filter(visible_to_resident=True)
    rows = list(qs[:limit])
    ids = [e.payload["message_id"] for e in rows if e.kind == "message"]
    by_id = {m.pk: m for m in Message.objects.filter(pk__in=ids).select_related("sender_staff", "sender_resident")}
    frames = []
    for event in rows:
        frame: dict[str, Any] = {"type": "event", "id": event.pk, "kind": event.kind,
                                 "created_at": event.created_at.isoformat(), "payload": event.payload}
        if event.kind == "message":
            frame["message"] = serialise_message(by_id[event.payload["message_id"]])
        elif event.kind == "document_added":
            name = "cases:resident_document" if for_resident else "cases:staff_document"
            frame["document"] = {"id": event.payload["document_id"], "title": event.payload["title"],
                                 "url": reverse(name, args=[case_id, event.payload["document_id"]])}
        if not for_resident:
            frame["actor"] = event.actor_staff.get_full_name() if event.actor_staff is not None else ""
        frames.append(frame)
    return frames


def unread_counts(staff: StaffUser) -> dict[int, int]:
    """Unread resident messages per case the member of staff has in progress."""
    rows = (Message.objects.filter(case__owner=staff, case__status=CaseStatus.IN_PROGRESS, side=Side.RESIDENT,
                                   read_at__isnull=True)
            .values("case_id").annotate(n=Count("id")))
    return {row["case_id"]: row["n"] for row in rows}


def has_unread(case: Case, side: str) -> bool:
    return Message.objects.filter(Q(case=case) & ~Q(side=side) & Q(read_at__isnull=True)).exists()


# --- phrase templates -------------------------------------------------------------------------------

def _template_holder_allowed(staff: StaffUser, scope: str, unit: Any, region: Any) -> bool:
    """Personal: anyone with a case role. Unit: its unit manager (or a region admin of its region).
    Region: a region administrator of that region."""
    from vardlots.accounts.models import Membership, Role
    from vardlots.accounts.permissions import can

    if scope == "personal":
        return any(can(staff, p) for p in ("case.handle", "case.handle_administrative"))
    if scope == "unit":
        return unit is not None and can(staff, "unit.manage", unit)
    if scope == "region":
        return region is not None and Membership.objects.filter(
            staff=staff, active=True, role=Role.REGION_ADMIN, unit__region=region).exists()
    return False


def check_template(staff: StaffUser, *, scope: str, unit: Any = None, region: Any = None, code: str,
                   title: str, body: str, language: str, kind: str) -> None:
    if not _template_holder_allowed(staff, scope, unit, region):
        raise PermissionDenied(_("You may not manage these templates."))
    if not re.fullmatch(r"[a-z0-9-]{1,20}", code or ""):
        raise CaseError("template.bad_code", _("The short code is 1–20 lowercase letters, digits or dashes."))
    if not title.strip() or not body.strip():
        raise CaseError("template.empty", _("Give the template a title and a text."))
    if len(body) > MAX_BODY:
        raise CaseError("template.too_long", _("The text is too long (at most %(n)d characters).") % {"n": MAX_BODY})
    title_max = PhraseTemplate._meta.get_field("title").max_length or 100
    if len(title.strip()) > title_max:
        raise CaseError("template.title_too_long",
                        _("The title is too long (at most %(n)d characters).") % {"n": title_max})
    if language not in ("sv", "en") or kind not in ("care", "admin"):
        raise CaseError("template.bad_choice", _("Choose a language and a kind."))


def do_save_template(staff: StaffUser, *, scope: str, code: str, title: str, body: str, language: str = "sv",
                     kind: str = "care", unit: Any = None, region: Any = None,
                     template: PhraseTemplate | None = None) -> PhraseTemplate:
    """Create (or update ``template``) a personal, unit or region template."""
    if template is not None:
        check_manage_template(staff, template)
        scope, unit, region = template.scope, template.unit, template.region
    check_template(staff, scope=scope, unit=unit, region=region, code=code, title=title, body=body,
                   language=language, kind=kind)
    item = template or PhraseTemplate(scope=scope, owner=staff if scope == "personal" else None,
                                      unit=unit if scope == "unit" else None,
                                      region=region if scope == "region" else None)
    item.code, item.title, item.body = code, title.strip(), body.strip()
    item.language, item.kind = language, kind
    item.save()
    return item


def check_manage_template(staff: StaffUser, template: PhraseTemplate) -> None:
    if template.scope == "personal":
        if template.owner_id != staff.pk:
            raise PermissionDenied(_("You may not manage these templates."))
        return
    if not _template_holder_allowed(staff, template.scope, template.unit, template.region):
        raise PermissionDenied(_("You may not manage these templates."))


def do_delete_template(staff: StaffUser, template: PhraseTemplate) -> None:
    check_manage_template(staff, template)
    template.delete()


def manageable_templates(staff: StaffUser) -> list[PhraseTemplate]:
    """The templates ``staff`` may edit: their own, and those of units/regions they manage."""
    found = PhraseTemplate.objects.select_related("unit", "region", "owner").order_by("scope", "code", "language")
    return [t for t in found if (t.scope == "personal" and t.owner_id == staff.pk)
            or (t.scope != "personal" and _template_holder_allowed(staff, t.scope, t.unit, t.region))]
