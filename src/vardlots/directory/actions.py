"""Writes of directory data: units, hours, care offered, e-services, routing tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from vardlots.directory.models import (
    CareOffering,
    Channel,
    Day,
    EService,
    EServiceKind,
    OpeningException,
    OpeningHours,
    Region,
    RoutingRule,
    RoutingTable,
    Unit,
    UnitKind,
)


def do_upsert_unit(*, region: Region, hsa_id: str, kind: str, name: str, **fields: Any) -> Unit:
    if kind not in UnitKind.values:
        raise ValueError(f"unknown unit kind {kind!r}")
    unit, _ = Unit.objects.update_or_create(hsa_id=hsa_id, defaults={"region": region, "kind": kind,
                                                                      "name": name, **fields})
    return unit


# --- hours, care offered, e-services ----------------------------------------------------------
HoursRow = tuple[int, dt.time, dt.time]  # (day 0–7, opens, closes)


def check_hours(rows: Iterable[HoursRow]) -> None:
    for day, opens, closes in rows:
        if day not in Day.values:
            raise ValueError(f"day must be 0–7 (Monday–Sunday, 7 = holidays), not {day!r}")
        if not isinstance(opens, dt.time) or not isinstance(closes, dt.time):
            raise ValueError("opening and closing times must be times")


def do_set_opening_hours(unit: Unit, rows: Iterable[HoursRow], channel: str = Channel.VISIT) -> bool:
    """Replace the unit's weekly hours for ``channel``. Writes only when they differ; returns
    whether anything changed (so re-running the demo seed or an import changes nothing)."""
    wanted = sorted((int(d), o.replace(second=0, microsecond=0), c.replace(second=0, microsecond=0))
                    for d, o, c in rows)
    check_hours(wanted)
    current = sorted((h.day, h.opens, h.closes) for h in OpeningHours.objects.filter(unit=unit, channel=channel))
    if current == wanted:
        return False
    with transaction.atomic():
        OpeningHours.objects.filter(unit=unit, channel=channel).delete()
        OpeningHours.objects.bulk_create(OpeningHours(unit=unit, channel=channel, day=d, opens=o, closes=c)
                                         for d, o, c in wanted)
    return True


def do_set_opening_exception(unit: Unit, date: dt.date, *, closed: bool = False, opens: dt.time | None = None,
                             closes: dt.time | None = None, note: str = "",
                             channel: str = Channel.VISIT) -> OpeningException:
    """Set one date's hours (replacing earlier exceptions of that date and channel)."""
    if not closed and (opens is None or closes is None):
        raise ValueError("an exception either closes the day or gives opening and closing times")
    with transaction.atomic():
        OpeningException.objects.filter(unit=unit, date=date, channel=channel).delete()
        return OpeningException.objects.create(unit=unit, date=date, channel=channel, closed=closed,
                                               opens=None if closed else opens, closes=None if closed else closes,
                                               note=note)


def do_set_care_offerings(unit: Unit, rows: Iterable[tuple[str, int, int | None]]) -> bool:
    wanted = sorted(rows, key=lambda r: (r[0], r[1], r[2] if r[2] is not None else 999))
    current = sorted(((o.care_need, o.age_from, o.age_to) for o in CareOffering.objects.filter(unit=unit)),
                     key=lambda r: (r[0], r[1], r[2] if r[2] is not None else 999))
    if current == wanted:
        return False
    with transaction.atomic():
        CareOffering.objects.filter(unit=unit).delete()
        CareOffering.objects.bulk_create(CareOffering(unit=unit, care_need=c, age_from=a, age_to=b)
                                         for c, a, b in wanted)
    return True


def do_set_eservices(unit: Unit, services: Mapping[str, str]) -> bool:
    """Replace the unit's e-services ({kind: url})."""
    for kind in services:
        if kind not in EServiceKind.values:
            raise ValueError(f"unknown e-service {kind!r}")
    current = dict(EService.objects.filter(unit=unit).values_list("kind", "url"))
    if current == dict(services):
        return False
    with transaction.atomic():
        EService.objects.filter(unit=unit).delete()
        EService.objects.bulk_create(EService(unit=unit, kind=k, url=u) for k, u in services.items())
    return True


# --- routing tables --------------------------------------------------------------------------
def check_manage_routing(staff: Any, region: Region) -> None:
    """Region administrators of ``region`` (or superusers) manage its routing tables."""
    from django.core.exceptions import PermissionDenied

    from vardlots.accounts.models import Role

    if getattr(staff, "is_superuser", False):
        return
    if staff is None or not staff.memberships.filter(active=True, role=Role.REGION_ADMIN,
                                                     unit__region=region).exists():
        raise PermissionDenied("only the region's administrators manage its routing table")


def do_create_routing_draft(region: Region, *, copy_from: RoutingTable | None = None, note: str = "",
                            staff: Any = None) -> RoutingTable:
    """A new draft version: a copy of ``copy_from``, else of the published table, else the default."""
    from vardlots.directory.routing import DEFAULT_RULES, Rule, published_table, rules_of

    if staff is not None:
        check_manage_routing(staff, region)
    with transaction.atomic():
        last = RoutingTable.objects.select_for_update().filter(region=region).order_by("-version").first()
        table = RoutingTable.objects.create(region=region, version=(last.version + 1) if last else 1, note=note)
        source = copy_from or published_table(region)
        rules: list[Rule] = rules_of(source) if source is not None else list(DEFAULT_RULES)
        RoutingRule.objects.bulk_create(
            RoutingRule(table=table, position=(n + 1) * 10, urgency=r.urgency, care_need=r.care_need,
                        age_from=r.age_from, age_to=r.age_to, days=r.days, time_from=r.time_from,
                        time_to=r.time_to, care_forms=", ".join(r.forms))
            for n, r in enumerate(rules))
    return table


class RoutingTableInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def check_publish_routing_table(table: RoutingTable) -> None:
    from vardlots.directory.routing import check_rules, rules_of

    if table.status != RoutingTable.Status.DRAFT:
        raise RoutingTableInvalid([str(_("Only a draft can be published."))])
    errors = check_rules(rules_of(table))
    if errors:
        raise RoutingTableInvalid(errors)


def do_publish_routing_table(table: RoutingTable, *, staff: Any = None) -> RoutingTable:
    """Publish a valid draft; the region's previously published version is archived."""
    from django.utils import timezone

    if staff is not None:
        check_manage_routing(staff, table.region)
    with transaction.atomic():
        table = RoutingTable.objects.select_for_update().get(pk=table.pk)
        check_publish_routing_table(table)
        RoutingTable.objects.filter(region=table.region, status=RoutingTable.Status.PUBLISHED).update(
            status=RoutingTable.Status.ARCHIVED)
        table.status = RoutingTable.Status.PUBLISHED
        table.published_at = timezone.now()
        table.save(update_fields=["status", "published_at"])
    return table
