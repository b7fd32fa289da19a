"""Every case action × role: staff of other units (and roles without case access) are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.cases.helpers import World, care_case
from vardlots.accounts.models import StaffUser
from vardlots.cases import actions
from vardlots.cases.models import Case, CaseKind, CaseStatus, Outcome
from vardlots.chat import actions as chat

pytestmark = pytest.mark.django_db

ROLES = ["nurse", "doctor", "admin_staff", "nurse_hc2", "nurse_pool", "nurse_other_region", "region_admin"]
ALLOWED = {
    "care_hc": {"nurse", "doctor"},
    "admin_hc": {"admin_staff"},
    "care_pool": {"nurse_pool"},
}
HANDLER = {"care_hc": "nurse", "admin_hc": "admin_staff", "care_pool": "nurse_pool"}
OWNER_ACTIONS = {"release", "close", "message"}


def make_case(w: World, which: str) -> Case:
    if which == "care_hc":
        return care_case(w, "P3")
    if which == "care_pool":
        return care_case(w, "P1")
    return actions.do_create_admin_case(w.resident, contact_reason="Faktura")


def other_queue(w: World, case: Case) -> Any:
    return actions.queue_of(w.hc2, case.kind)


ACTIONS: dict[str, Callable[[World, StaffUser, Case], Any]] = {
    "view": lambda w, s, c: actions.access_case(s, c.pk),
    "claim": lambda w, s, c: actions.do_claim(s, c),
    "claim_next": lambda w, s, c: actions.do_claim_next(s, c.queue),
    "release": lambda w, s, c: actions.do_release(s, c),
    "transfer": lambda w, s, c: actions.do_transfer(s, c, other_queue(w, c), "Note"),
    "escalate": lambda w, s, c: actions.do_escalate_to_doctor(s, c),
    "override": lambda w, s, c: actions.do_override_urgency(s, c, "P4", "Reason"),
    "close": lambda w, s, c: actions.do_close(s, c, Outcome.OTHER),
    "reopen": lambda w, s, c: actions.do_reopen(s, c),
    "message": lambda w, s, c: chat.do_send_message(s, c, "Hej", "c-1"),
    "read": lambda w, s, c: chat.do_mark_read(s, c, 10**9),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("which", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_action_role_matrix(w: World, role: str, which: str, action: str) -> None:
    case = make_case(w, which)
    if case.kind == CaseKind.ADMIN and action in {"escalate", "override"}:
        pytest.skip("care-only action")
    staff: StaffUser = getattr(w, role)
    allowed = role in ALLOWED[which]
    handler: StaffUser = getattr(w, HANDLER[which])
    if action in OWNER_ACTIONS:
        actions.do_claim(staff if allowed else handler, case)
    if action == "reopen":
        actions.do_claim(handler, case)
        actions.do_close(handler, case, Outcome.OTHER)
    case.refresh_from_db()
    if allowed:
        ACTIONS[action](w, staff, case)
    else:
        with pytest.raises(PermissionDenied):
            ACTIONS[action](w, staff, case)
        case.refresh_from_db()
        assert case.owner_id in (None, handler.pk)


@pytest.mark.parametrize("role", ROLES)
def test_visible_queues_per_role(w: World, role: str) -> None:
    queues = {"care_hc": w.care_queue(w.hc), "admin_hc": w.admin_queue(w.hc), "care_pool": w.care_queue(w.pool),
              "care_hc2": w.care_queue(w.hc2), "care_pool_other": w.care_queue(w.pool_other)}
    expected = {name for name, allowed in ALLOWED.items() if role in allowed}
    expected |= {"care_hc2"} if role == "nurse_hc2" else set()
    expected |= {"care_pool_other"} if role == "nurse_other_region" else set()
    visible = {q.pk for q in actions.visible_queues(getattr(w, role))}
    assert visible == {queues[name].pk for name in expected}


def test_owner_only_for_in_progress(w: World) -> None:
    case = care_case(w, "P3")
    actions.do_claim(w.nurse, case)
    for act in (lambda: actions.do_release(w.doctor, case), lambda: actions.do_close(w.doctor, case, Outcome.OTHER),
                lambda: chat.do_send_message(w.doctor, case, "Hej", "x")):
        with pytest.raises(actions.CaseError) as caught:
            act()
        assert caught.value.key == "case.not_owner"
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.owner == w.nurse
