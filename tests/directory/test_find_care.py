"""Find care: the public search and unit pages (no log-in)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.directory.helpers import at, small_region
from vardlots.directory.actions import do_set_eservices
from vardlots.directory.views import search_units

pytestmark = pytest.mark.django_db


def test_search_by_name_kind_municipality_open_now_and_eservice() -> None:
    units = small_region()
    do_set_eservices(units["hc"], {"book_appointment": ""})
    assert [u.name for u in search_units(q="urgent")] == ["Urgent care"]
    assert [u.name for u in search_units(kind="pharmacy")] == ["Pharmacy"]
    assert len(search_units(municipality="stockholm")) == 8
    assert search_units(municipality="Uppsala") == []
    night = {u.name for u in search_units(open_now=True, at=at(2026, 6, 17, 3))}
    assert night == {"Emergency", "Child emergency", "Psychiatry", "1177"}
    assert [u.name for u in search_units(eservice="book_appointment")] == ["Health centre"]


def test_pages_render_without_log_in(client: Client) -> None:
    units = small_region()
    response = client.get("/hitta-vard/", {"q": "care", "open_now": "1"})
    assert response.status_code == 200
    assert client.get("/hitta-vard/").status_code == 200
    page = client.get(f"/hitta-vard/enhet/{units['hc'].hsa_id}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "08:00–17:00" in body and units["hc"].name in body
    assert client.get("/hitta-vard/enhet/NOPE/").status_code == 404
