"""The hash chain of the access log: append (serialised) and verify."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from vardlots.audit.models import AccessLogEntry, ChainHead

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq", "at", "kind", "staff_id", "staff_hsa_id", "staff_name", "role", "unit_id", "unit_name",
    "resident_id", "case_id", "purpose", "detail", "ip_address",
)


def canonical_payload(entry: AccessLogEntry) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if name == "at":
            value = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        values[name] = value
    return values


def compute_hash(entry: AccessLogEntry, prev_hash: str) -> str:
    payload = canonical_payload(entry)
    payload["prev_hash"] = prev_hash
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(**fields: Any) -> AccessLogEntry:
    """Write one entry at the end of the chain.

    The head row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite runs transactions
    ``IMMEDIATE`` here, so the write lock is held from BEGIN), so concurrent writers queue up and
    the chain stays linear. If the surrounding transaction rolls back, so does the entry.
    """
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            ChainHead.objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH})
            head = ChainHead.objects.select_for_update().get(pk=1)
        entry = AccessLogEntry(seq=head.last_seq + 1, at=timezone.now(), **fields)
        # Hash the detail exactly as the database will return it.
        entry.detail = json.loads(json.dumps(entry.detail or {}, sort_keys=True))
        entry.prev_hash = head.last_hash
        entry.hash = compute_hash(entry, head.last_hash)
        entry.save()
        ChainHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Walk the whole log in sequence order; report the first entry where the chain breaks.

    Detects an altered entry (its hash no longer matches), a removed one (a gap in the sequence
    or a wrong previous hash), reordering (sequence numbers are inside the hash), and a removed
    tail (the head row records the last sequence number and hash).
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in AccessLogEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(False, count, entry.seq, "the previous-hash link does not match")
        if compute_hash(entry, prev_hash) != entry.hash:
            return ChainReport(False, count, entry.seq, "the entry was altered after it was written")
        prev_hash = entry.hash
        expected_seq += 1
    head = ChainHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.last_seq != last_seq or (last_seq and head.last_hash != prev_hash)):
        return ChainReport(False, count, last_seq + 1,
                           f"the log ends at entry {last_seq} but entry {head.last_seq} was written")
    return ChainReport(True, count)
