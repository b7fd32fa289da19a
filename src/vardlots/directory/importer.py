"""Import and export of units in a documented CSV or JSON format (docs/subsystems/directory.md).

An import is all-or-nothing: every row is parsed and validated first; if any row has an error,
``ImportFailed`` carries every error (row number, field, message) and the database is unchanged.
Otherwise all rows are written through the directory actions in one transaction. Units are
matched on HSA-id (created or updated); units not in the file are left alone.

CSV columns (header row required; only ``hsa_id``, ``region``, ``kind``, ``name`` are required):
``hsa_id, region, kind, name, street_address, postal_code, city, municipality, phone, web,
latitude, longitude, active, step_free_entrance, accessibility_note, hours, chat_hours,
eservices, care``. ``hours``: ``mon-fri 08:00-17:00; sat 10:00-14:00; holiday 10:00-14:00``
(days ``mon``…``sun``, ranges, ``daily``, ``holiday``; ``00:00-24:00`` round the clock; an
empty value leaves the hours as they are, ``closed`` removes them). ``eservices``:
``chat|book_appointment``. ``care``: ``*:0-18|maternity_clinic:0-`` (care need or ``*``,
age from–to, exclusive end, open end allowed). JSON: ``{"units": [{same keys}]}`` with the
same string values, or lists for ``hours``/``chat_hours``/``eservices``/``care``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from vardlots.directory.actions import (
    do_set_care_offerings,
    do_set_eservices,
    do_set_opening_hours,
    do_upsert_unit,
)
from vardlots.directory.models import Channel, Day, EServiceKind, Region, Unit, UnitKind

COLUMNS = ["hsa_id", "region", "kind", "name", "street_address", "postal_code", "city", "municipality", "phone",
           "web", "latitude", "longitude", "active", "step_free_entrance", "accessibility_note", "hours",
           "chat_hours", "eservices", "care"]
REQUIRED = ["hsa_id", "region", "kind", "name"]
DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6, "holiday": 7}
DAY_LABELS = {v: k for k, v in DAY_NAMES.items()}
TEXT_LIMITS = {"hsa_id": 64, "name": 200, "street_address": 200, "postal_code": 10, "city": 100,
               "municipality": 100, "phone": 30, "web": 200, "accessibility_note": 300}
MAX_ROWS = 10_000


@dataclass(frozen=True)
class RowError:
    row: int  # 1 = first data row (CSV line 2)
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors


@dataclass
class ParsedUnit:
    hsa_id: str
    region: Region
    kind: str
    name: str
    fields: dict[str, Any]
    hours: list[tuple[int, dt.time, dt.time]] | None = None
    chat_hours: list[tuple[int, dt.time, dt.time]] | None = None
    eservices: dict[str, str] | None = None
    care: list[tuple[str, int, int | None]] | None = None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    hsa_ids: list[str] = field(default_factory=list)


# --- parsing -----------------------------------------------------------------------------------
def _time(text: str) -> dt.time:
    if text == "24:00":
        return dt.time(0, 0)
    return dt.time.fromisoformat(text)


def parse_hours(value: str | list[str]) -> list[tuple[int, dt.time, dt.time]]:
    parts = value if isinstance(value, list) else [p for p in value.split(";")]
    rows: list[tuple[int, dt.time, dt.time]] = []
    for part in (p.strip() for p in parts):
        if not part or part == "closed":
            continue
        try:
            days_text, span = part.split()
        except ValueError:
            raise ValueError(f"{part!r}: write days and times, e.g. 'mon-fri 08:00-17:00'") from None
        if days_text == "daily":
            days = list(range(8))
        elif "-" in days_text:
            first, last = days_text.split("-", 1)
            if first not in DAY_NAMES or last not in DAY_NAMES or DAY_NAMES[first] > DAY_NAMES[last]:
                raise ValueError(f"{days_text!r} is not a day range like 'mon-fri'")
            days = list(range(DAY_NAMES[first], DAY_NAMES[last] + 1))
        elif days_text in DAY_NAMES:
            days = [DAY_NAMES[days_text]]
        else:
            raise ValueError(f"unknown day {days_text!r} (mon, tue, …, sun, holiday, daily)")
        if span == "closed":
            continue
        try:
            opens_text, closes_text = span.split("-")
            opens, closes = _time(opens_text), _time(closes_text)
        except ValueError:
            raise ValueError(f"{span!r} is not a time span like '08:00-17:00'") from None
        rows.extend((d, opens, closes) for d in days)
    return rows


def format_hours(rows: list[tuple[int, dt.time, dt.time]]) -> str:
    return "; ".join(f"{DAY_LABELS[d]} {o:%H:%M}-{'24:00' if c == dt.time(0) else f'{c:%H:%M}'}"
                     for d, o, c in sorted(rows))


def parse_care(value: str | list[Any]) -> list[tuple[str, int, int | None]]:
    items = value if isinstance(value, list) else [p for p in value.split("|") if p.strip()]
    rows: list[tuple[str, int, int | None]] = []
    for item in items:
        if isinstance(item, dict):
            need, low, high = item.get("care_need", ""), int(item.get("age_from", 0)), item.get("age_to")
            high = None if high in (None, "") else int(high)
        else:
            try:
                need, band = str(item).strip().rsplit(":", 1)
                low_text, high_text = band.split("-")
                low, high = int(low_text or 0), (int(high_text) if high_text else None)
            except ValueError:
                raise ValueError(f"{item!r}: write care as 'care_need:from-to', e.g. '*:0-18'") from None
        need = "" if need == "*" else need
        if high is not None and high <= low:
            raise ValueError(f"{item!r}: the age band is empty")
        rows.append((need, low, high))
    return rows


def _bool(text: Any, default: bool | None) -> bool | None:
    if isinstance(text, bool) or text is None:
        return text if text is not None else default
    value = str(text).strip().lower()
    if value == "":
        return default
    if value in ("1", "true", "yes", "ja"):
        return True
    if value in ("0", "false", "no", "nej"):
        return False
    raise ValueError(f"{text!r} is not yes or no")


def _parse_row(n: int, raw: dict[str, Any], regions: dict[str, Region], seen: set[str]) -> tuple[
        ParsedUnit | None, list[RowError]]:
    errors: list[RowError] = []

    def err(name: str, message: str) -> None:
        errors.append(RowError(n, name, message))

    unknown = sorted(k for k in raw if k not in COLUMNS and k is not None)
    for name in unknown:
        err(name, "unknown column")
    data: dict[str, Any] = {k: ("" if raw.get(k) is None else raw.get(k)) for k in COLUMNS}
    for name in REQUIRED:
        if not str(data[name]).strip():
            err(name, "required")
    for name, limit in TEXT_LIMITS.items():
        if len(str(data[name])) > limit:
            err(name, f"longer than {limit} characters")
    hsa_id = str(data["hsa_id"]).strip().upper()
    if hsa_id and hsa_id in seen:
        err("hsa_id", "the same HSA-id is on an earlier row")
    seen.add(hsa_id)
    region = regions.get(str(data["region"]).strip().zfill(2)) if str(data["region"]).strip() else None
    if str(data["region"]).strip() and region is None:
        err("region", f"unknown region code {data['region']!r}")
    kind = str(data["kind"]).strip()
    if kind and kind not in UnitKind.values:
        err("kind", f"unknown kind {kind!r} ({', '.join(UnitKind.values)})")
    fields: dict[str, Any] = {k: str(data[k]).strip() for k in
                              ("street_address", "postal_code", "city", "municipality", "phone", "web",
                               "accessibility_note")}
    if fields["web"] and not fields["web"].startswith(("https://", "http://")):
        err("web", "must start with https://")
    for name, low, high in (("latitude", 55.0, 69.5), ("longitude", 10.5, 24.5)):
        text = str(data[name]).strip()
        if not text:
            fields[name] = None
            continue
        try:
            number = float(text)
        except ValueError:
            err(name, "not a number")
            continue
        if not low <= number <= high:
            err(name, f"outside Sweden ({low}–{high})")
        fields[name] = number
    for name, default in (("active", True), ("step_free_entrance", None)):
        try:
            fields[name] = _bool(data[name], default)
        except ValueError as e:
            err(name, str(e))
    if fields.get("active") is None:
        fields["active"] = True
    parsed_hours: dict[str, list[tuple[int, dt.time, dt.time]] | None] = {}
    for name in ("hours", "chat_hours"):
        value = data[name]
        if value in ("", []):
            parsed_hours[name] = None
            continue
        try:
            parsed_hours[name] = parse_hours(value)
        except ValueError as e:
            err(name, str(e))
    eservices = None
    if data["eservices"] not in ("", []):
        items = data["eservices"] if isinstance(data["eservices"], list) else str(data["eservices"]).split("|")
        eservices = {}
        for item in (str(i).strip() for i in items if str(i).strip()):
            if item not in EServiceKind.values:
                err("eservices", f"unknown e-service {item!r} ({', '.join(EServiceKind.values)})")
            eservices[item] = ""
    care = None
    if data["care"] not in ("", []):
        try:
            care = parse_care(data["care"])
        except ValueError as e:
            err("care", str(e))
    if errors or region is None:
        return None, errors
    return ParsedUnit(hsa_id, region, kind, str(data["name"]).strip(), fields, parsed_hours.get("hours"),
                      parsed_hours.get("chat_hours"), eservices, care), errors


def parse_rows(rows: list[dict[str, Any]]) -> tuple[list[ParsedUnit], list[RowError]]:
    regions = {r.code: r for r in Region.objects.all()}
    parsed, errors, seen = [], [], set[str]()
    if len(rows) > MAX_ROWS:
        return [], [RowError(0, "-", f"more than {MAX_ROWS} rows")]
    for n, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            errors.append(RowError(n, "-", "each unit must be an object"))
            continue
        unit, row_errors = _parse_row(n, raw, regions, seen)
        errors.extend(row_errors)
        if unit is not None:
            parsed.append(unit)
    return parsed, errors


def read_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [dict(row) for row in reader]


def read_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportFailed([RowError(0, "-", f"not valid JSON: {e.msg} (line {e.lineno})")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise ImportFailed([RowError(0, "-", 'expected {"units": [...]}')])
    return list(data["units"])


# --- writing -----------------------------------------------------------------------------------
def do_import_units(text: str, fmt: str) -> ImportResult:
    """Import ``text`` (``fmt`` "csv" or "json"). All rows or none; raises ``ImportFailed``."""
    rows = read_csv(text) if fmt == "csv" else read_json(text)
    parsed, errors = parse_rows(rows)
    if errors:
        raise ImportFailed(errors)
    result = ImportResult()
    with transaction.atomic():
        existing = set(Unit.objects.filter(hsa_id__in=[p.hsa_id for p in parsed]).values_list("hsa_id", flat=True))
        for p in parsed:
            unit = do_upsert_unit(region=p.region, hsa_id=p.hsa_id, kind=p.kind, name=p.name, **p.fields)
            if p.hours is not None:
                do_set_opening_hours(unit, p.hours, Channel.VISIT)
            if p.chat_hours is not None:
                do_set_opening_hours(unit, p.chat_hours, Channel.CHAT)
            if p.eservices is not None:
                do_set_eservices(unit, p.eservices)
            if p.care is not None:
                do_set_care_offerings(unit, p.care)
            if p.hsa_id in existing:
                result.updated += 1
            else:
                result.created += 1
            result.hsa_ids.append(p.hsa_id)
    return result


# --- export ------------------------------------------------------------------------------------
def export_rows(units: Any = None) -> list[dict[str, Any]]:
    qs = units if units is not None else Unit.objects.all()
    out = []
    for u in qs.select_related("region").prefetch_related("opening_hours", "eservices", "care_offerings"):
        hours = [(h.day, h.opens, h.closes) for h in u.opening_hours.all() if h.channel == Channel.VISIT]
        chat = [(h.day, h.opens, h.closes) for h in u.opening_hours.all() if h.channel == Channel.CHAT]
        out.append({
            "hsa_id": u.hsa_id, "region": u.region.code, "kind": u.kind, "name": u.name,
            "street_address": u.street_address, "postal_code": u.postal_code, "city": u.city,
            "municipality": u.municipality, "phone": u.phone, "web": u.web,
            "latitude": "" if u.latitude is None else str(u.latitude),
            "longitude": "" if u.longitude is None else str(u.longitude),
            "active": "yes" if u.active else "no",
            "step_free_entrance": "" if u.step_free_entrance is None else ("yes" if u.step_free_entrance else "no"),
            "accessibility_note": u.accessibility_note,
            "hours": format_hours(hours) or "closed", "chat_hours": format_hours(chat) or "closed",
            "eservices": "|".join(sorted(e.kind for e in u.eservices.all())),
            "care": "|".join(f"{c.care_need or '*'}:{c.age_from}-{'' if c.age_to is None else c.age_to}"
                             for c in u.care_offerings.all()),
        })
    return out


def export_units(fmt: str, units: Any = None) -> str:
    rows = export_rows(units)
    if fmt == "json":
        return json.dumps({"units": rows}, ensure_ascii=False, indent=2)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


assert set(DAY_NAMES.values()) == set(Day.values)
