"""Writing the access log: ``access_…`` functions authorise a read and record it; security events.

Views and other code never create ``AccessLogEntry`` rows themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from vardlots.audit import chain
from vardlots.audit.models import AccessLogEntry, EntryKind, Purpose

if TYPE_CHECKING:
    from vardlots.accounts.models import Resident, StaffUser
    from vardlots.directory.models import Unit

F = TypeVar("F", bound=Callable[..., Any])

# Views that display a resident's data to staff. A test calls every one of them and checks that
# each wrote an access-log entry; register with ``@shows_resident_data("url:name")``.
RESIDENT_DATA_VIEWS: dict[str, Callable[..., Any]] = {}


def shows_resident_data(url_name: str) -> Callable[[F], F]:
    def register(view: F) -> F:
        RESIDENT_DATA_VIEWS[url_name] = view
        return view

    return register


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR") or "")


def check_access_resident(staff: StaffUser, resident: Resident, purpose: str, unit: Unit,
                          permission: str = "resident.view") -> str:
    """Return the role that authorises the read, or raise PermissionDenied."""
    from vardlots.accounts.permissions import role_in_unit

    if purpose not in Purpose.values or purpose == Purpose.SECURITY:
        raise PermissionDenied("A valid purpose is required to open a resident's data.")
    if not staff.is_authenticated or not staff.is_active:
        raise PermissionDenied("Not logged in.")
    role = role_in_unit(staff, permission, unit)
    if role is None:
        raise PermissionDenied("No role in this unit gives access to resident data.")
    return role


def access_resident(staff: StaffUser, resident: Resident, purpose: str, unit: Unit, case: Any = None,
                    *, request: HttpRequest | None = None, what: str = "resident",
                    permission: str = "resident.view") -> Resident:
    """Authorise ``staff`` to read ``resident`` in ``unit`` for ``purpose``; log it; return the resident."""
    role = check_access_resident(staff, resident, purpose, unit, permission)
    case_id = "" if case is None else str(getattr(case, "pk", case))
    chain.append(
        kind=EntryKind.READ, staff=staff, staff_hsa_id=staff.hsa_id, staff_name=staff.get_full_name(),
        role=role, unit=unit, unit_name=unit.name, resident=resident, case_id=case_id, purpose=purpose,
        detail={"what": what}, ip_address=client_ip(request),
    )
    return resident


def do_record_security_event(kind: str, *, staff: StaffUser | None = None, request: HttpRequest | None = None,
                             detail: dict[str, Any] | None = None, role: str = "",
                             unit: Unit | None = None) -> AccessLogEntry:
    if kind not in EntryKind.values or kind == EntryKind.READ:
        raise ValueError(f"not a security event kind: {kind!r}")
    return chain.append(
        kind=kind, staff=staff, staff_hsa_id=staff.hsa_id if staff else "",
        staff_name=staff.get_full_name() if staff else "", role=role, unit=unit,
        unit_name=unit.name if unit else "", purpose=Purpose.SECURITY, detail=detail or {},
        ip_address=client_ip(request),
    )
