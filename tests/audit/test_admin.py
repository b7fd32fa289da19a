"""The back office: only region administrators get in; changes and role changes are recorded."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import personas, staff_client, unit
from vardlots.accounts.models import Membership, Role
from vardlots.audit.chain import verify_chain
from vardlots.audit.models import AccessLogEntry, EntryKind

pytestmark = pytest.mark.django_db


def test_only_region_admin_gets_in(client: Client) -> None:
    staff_client(client, personas.nurse())
    assert client.get("/admin/").status_code == 302
    admin_client = staff_client(Client(), personas.administrator())
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get("/admin/directory/unit/").status_code == 200


class _FormValues(HTMLParser):
    """The values a browser would submit for the admin change form (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(html)
    parser.values.pop("csrfmiddlewaretoken", None)
    return {k: v for k, v in parser.values.items() if "__prefix__" not in k}


def test_unit_change_is_recorded(client: Client) -> None:
    admin = personas.administrator()
    staff_client(client, admin)
    target = unit(name="Gamla namnet")
    url = f"/admin/directory/unit/{target.pk}/change/"
    form = form_values(client.get(url).content.decode())  # the page's own form, inlines included
    form["name"] = "Nya namnet"
    assert client.post(url, form).status_code == 302
    entry = AccessLogEntry.objects.filter(kind=EntryKind.ADMIN_CHANGE, staff=admin).order_by("-seq").first()
    assert entry is not None
    assert entry.detail["model"] == "directory.Unit"
    assert entry.detail["object_id"] == str(target.pk)
    assert entry.detail["action"] == "change"
    assert verify_chain().ok


def test_role_change_is_recorded(client: Client) -> None:
    admin = personas.administrator()
    nurse = personas.nurse()
    staff_client(client, admin)
    membership = Membership.objects.get(staff=nurse)
    response = client.post(f"/admin/accounts/membership/{membership.pk}/change/", {
        "staff": nurse.pk, "unit": membership.unit_id, "role": Role.DOCTOR, "active": "on",
        "created_at_0": "2026-01-01", "created_at_1": "10:00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AccessLogEntry.objects.filter(kind=EntryKind.ROLE_CHANGE, staff=admin).order_by("-seq").first()
    assert entry is not None
    assert entry.detail["target_hsa_id"] == nurse.hsa_id
    assert entry.detail["role"] == "doctor"


def test_access_log_is_read_only_in_admin(client: Client) -> None:
    admin = personas.administrator()
    staff_client(client, admin)
    entry = AccessLogEntry.objects.order_by("seq").first()
    assert entry is not None
    assert client.get("/admin/audit/accesslogentry/").status_code == 200
    assert client.get("/admin/audit/accesslogentry/add/").status_code == 403
    assert client.post(f"/admin/audit/accesslogentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_resident_in_admin_is_access_logged(client: Client) -> None:
    admin = personas.administrator()
    rut = personas.resident()
    rut.listed_unit = admin.memberships.get().unit  # a resident of the administrator's region
    rut.save(update_fields=["listed_unit"])
    staff_client(client, admin)
    listing = client.get("/admin/accounts/resident/")
    assert rut.masked_personal_number not in listing.content.decode()  # nothing listed before a search
    found = client.get("/admin/accounts/resident/", {"q": rut.personal_number})
    assert rut.masked_personal_number in found.content.decode()
    client.get(f"/admin/accounts/resident/{rut.pk}/change/")
    reads = AccessLogEntry.objects.filter(kind=EntryKind.READ, resident=rut, staff=admin)
    assert sorted(reads.values_list("detail__what", flat=True)) == ["admin.change", "admin.list"]
