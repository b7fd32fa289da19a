"""Malformed ids posted to the staff case actions get a 404, and nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.helpers import staff_login, world
from vardlots.cases import actions
from vardlots.cases.models import CaseKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("action", "field"), [("transfer", "queue"), ("reassign", "staff")])
def test_a_non_numeric_id_is_404_and_the_case_is_unchanged(client: Client, action: str, field: str) -> None:
    w = world()
    case = actions.do_create_admin_case(w.resident, contact_reason="Faktura",
                                        queue=actions.queue_of(w.hc, CaseKind.ADMIN))
    case = actions.do_claim(w.admin_staff, case)
    staff_login(client, w.admin_staff)
    response = client.post(f"/personal/arenden/{case.pk}/{action}", {field: "abc", "note": "x"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.queue.unit == w.hc and case.owner == w.admin_staff


def test_deleting_a_template_with_a_non_numeric_id_is_404(client: Client) -> None:
    w = world()
    staff_login(client, w.nurse)
    assert client.post("/personal/mallar/", {"delete": "abc"}).status_code == 404
