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
                    permission: str = "resident.view", detail: dict[str, Any] | None = None) -> Resident:
    """Authorise ``staff`` to read ``resident`` in ``unit`` for ``purpose``; log it; return the resident.

    ``detail`` adds to the entry's ``{"what": what}`` (e.g. that emergency access was in force)."""
    role = check_access_resident(staff, resident, purpose, unit, permission)
    case_id = "" if case is None else str(getattr(case, "pk", case))
    chain.append(
        kind=EntryKind.READ, staff=staff, staff_hsa_id=staff.hsa_id, staff_name=staff.get_full_name(),
        role=role, unit=unit, unit_name=unit.name, resident=resident, case_id=case_id, purpose=purpose,
        detail={**(detail or {}), "what": what}, ip_address=client_ip(request),
    )
    return resident


# --- emergency access (nödåtkomst) ----------------------------------------------------------------
# Data the member of staff may not normally read (another region's or unit's contacts) is opened
# only with a stated reason. The reason is written to the access log, and the log entry itself is
# what grants the access: for one ``scope`` (e.g. "telephony.call:17"), for that person only.

EMERGENCY_ACCESS = "emergency_access"
EMERGENCY_REASON_MIN = 10
EMERGENCY_REASON_MAX = 500


def do_emergency_access(staff: StaffUser, resident: Resident, unit: Unit, reason: str, scope: str, *,
                        permission: str, request: HttpRequest | None = None, detail: dict[str, Any] | None = None
                        ) -> AccessLogEntry:
    """Record emergency access to ``resident``'s data beyond ``staff``'s normal rights, with the reason.

    Raises ``ValueError`` (with a message for the user) when the reason is too short."""
    from django.utils.translation import gettext as _

    reason = " ".join(reason.split())
    if len(reason) < EMERGENCY_REASON_MIN:
        raise ValueError(_("State why you need emergency access (at least %(n)s characters).")
                         % {"n": EMERGENCY_REASON_MIN})
    role = check_access_resident(staff, resident, Purpose.CARE, unit, permission)
    return chain.append(
        kind=EntryKind.READ, staff=staff, staff_hsa_id=staff.hsa_id, staff_name=staff.get_full_name(),
        role=role, unit=unit, unit_name=unit.name, resident=resident, case_id="", purpose=Purpose.CARE,
        detail={**(detail or {}), "what": EMERGENCY_ACCESS, "scope": scope, "reason": reason[:EMERGENCY_REASON_MAX]},
        ip_address=client_ip(request),
    )


def emergency_access(staff: StaffUser, resident: Resident, scope: str) -> AccessLogEntry | None:
    """The emergency access ``staff`` recorded for ``resident`` in ``scope``, if any (newest)."""
    return (AccessLogEntry.objects.filter(kind=EntryKind.READ, staff=staff, resident=resident,
                                          detail__what=EMERGENCY_ACCESS, detail__scope=scope)
            .order_by("-seq").first())


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
