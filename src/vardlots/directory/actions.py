"""Writes of directory base data."""

from __future__ import annotations

from typing import Any

from vardlots.directory.models import Region, Unit, UnitKind


def do_upsert_unit(*, region: Region, hsa_id: str, kind: str, name: str, **fields: Any) -> Unit:
    if kind not in UnitKind.values:
        raise ValueError(f"unknown unit kind {kind!r}")
    unit, _ = Unit.objects.update_or_create(hsa_id=hsa_id, defaults={"region": region, "kind": kind,
                                                                      "name": name, **fields})
    return unit
