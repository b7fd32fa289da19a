"""Earlier contacts on the call page respect region boundaries (patientdatalagen); emergency access
(nödåtkomst) needs a stated reason, is access-logged, and holds for one call only."""

from __future__ import annotations

from django.test import Client

from tests.cases.helpers import World, care_case
from tests.cases.helpers import staff_login as login
from tests.telephony.helpers import answer_all
from vardlots.accounts.models import StaffUser
from vardlots.audit.models import AccessLogEntry, EntryKind
from vardlots.directory.models import Unit
from vardlots.telephony import actions
from vardlots.telephony.models import Call, CallerKind, CallOutcome


def finished_call(nurse: StaffUser, unit: Unit, w: World, protocol: str) -> Call:
    call = actions.do_start_call(nurse, unit)
    call = actions.do_identify(nurse, call, caller_kind=CallerKind.SELF, personal_number=w.resident.personal_number)
    actions.do_add_reason(nurse, call, protocol)
    answer_all(nurse, call)
    return actions.do_finish_call(nurse, call, CallOutcome.REFERRED)


def current_call(w: World) -> Call:
    call = actions.do_start_call(w.nurse_pool, w.pool)
    return actions.do_identify(w.nurse_pool, call, caller_kind=CallerKind.SELF,
                               personal_number=w.resident.personal_number)


def other_region_history(w: World) -> None:
    """A call in the own region; a call, and a case made from a web assessment, in region 03."""
    finished_call(w.nurse_pool, w.pool, w, "sore_throat")
    finished_call(w.nurse_other_region, w.pool_other, w, "earache")
    care_case(w, queue=w.care_queue(w.pool_other), complaint="Hemlig kontaktorsak")


def reads(w: World) -> int:
    return AccessLogEntry.objects.filter(kind=EntryKind.READ, resident=w.resident).count()


def test_contacts_in_other_regions_show_only_as_a_count(w: World, client: Client) -> None:
    other_region_history(w)
    call = current_call(w)
    login(client, w.nurse_pool)
    before = reads(w)
    page = client.get(f"/personal/telefon/samtal/{call.pk}/").content.decode()
    assert reads(w) == before + 1  # one display, one entry
    assert "Sore throat" in page  # the own region's call
    assert "Earache" not in page and "Hemlig kontaktorsak" not in page
    assert "There are 3 contacts in other regions or units that your roles do not let you read." in page
    assert "Emergency access (nödåtkomst)" in page
    earlier = actions.earlier_contacts(w.nurse_pool, call)
    assert earlier.withheld == 3 and len(earlier.shown) == 1


def test_the_other_region_reads_its_own_and_not_ours(w: World) -> None:
    other_region_history(w)
    call = actions.do_start_call(w.nurse_other_region, w.pool_other)
    call = actions.do_identify(w.nurse_other_region, call, caller_kind=CallerKind.SELF,
                               personal_number=w.resident.personal_number)
    earlier = actions.earlier_contacts(w.nurse_other_region, call)
    # its own call and case; our call and the web assessment of the case are not readable there
    assert sorted(e.kind for e in earlier.shown) == ["Call", "Case", "Web assessment"]
    assert earlier.withheld == 1


def test_emergency_access_needs_a_reason_is_logged_and_holds_for_this_call(w: World, client: Client) -> None:
    other_region_history(w)
    call = current_call(w)
    login(client, w.nurse_pool)
    url = f"/personal/telefon/samtal/{call.pk}/"
    before = reads(w)
    page = client.post(url + "emergency-access", {"reason": "kort"}, follow=True).content.decode()
    assert "State why you need emergency access (at least 10 characters)." in page
    assert "Hemlig kontaktorsak" not in page
    assert reads(w) == before + 1  # only the page shown after the refusal
    before = reads(w)
    client.post(url + "emergency-access", {"reason": "Medvetslös, anhörig vet ej vilka mediciner"})
    entry = AccessLogEntry.objects.filter(resident=w.resident).order_by("-seq").first()
    assert entry is not None and entry.staff == w.nurse_pool and entry.unit == w.pool
    assert entry.detail["what"] == "emergency_access"
    assert entry.detail["reason"] == "Medvetslös, anhörig vet ej vilka mediciner"
    assert reads(w) == before + 1
    page = client.get(url).content.decode()
    assert "Hemlig kontaktorsak" in page and "emergency access, Region Uppsala" in page
    assert "Medvetslös, anhörig vet ej vilka mediciner" in page
    shown = AccessLogEntry.objects.filter(resident=w.resident).order_by("-seq").first()
    assert shown is not None and shown.detail == {"what": "telephony_call", "emergency_access": entry.seq}
    assert reads(w) == before + 2
    # the next call about the same patient starts without it
    actions.do_finish_call(w.nurse_pool, answer_all(w.nurse_pool, _with_reason(w, call)), CallOutcome.REFERRED)
    later = current_call(w)
    page = client.get(f"/personal/telefon/samtal/{later.pk}/").content.decode()
    assert "Hemlig kontaktorsak" not in page and "There are 3 contacts in other regions" in page


def _with_reason(w: World, call: Call) -> Call:
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call.refresh_from_db()
    return call


def test_emergency_access_only_by_the_nurse_on_the_open_call(w: World, client: Client) -> None:
    other_region_history(w)
    call = current_call(w)
    from tests.factories import personas

    other_nurse = personas.nurse(w.pool)
    login(client, other_nurse)
    response = client.post(f"/personal/telefon/samtal/{call.pk}/emergency-access",
                           {"reason": "Medvetslös, anhörig vet ej"})
    assert response.status_code == 403
    assert not AccessLogEntry.objects.filter(detail__what="emergency_access").exists()
    assert actions.earlier_contacts(w.nurse_pool, call).withheld == 3
