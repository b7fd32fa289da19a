"""Permissions per role and unit: a small table in code.

``can(staff, "case.view", unit)`` is true when the member of staff has an active membership whose
role grants the permission *in that unit*. Roles marked region-wide grant it in every unit of the
region of the membership's unit. Permissions that are not tied to a unit (content editing) are
asked with ``unit=None``: any active membership granting them is enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vardlots.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from vardlots.accounts.models import StaffUser
    from vardlots.directory.models import Unit

# What each role may do. Keep this table small and readable; add names as features arrive.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.NURSE: frozenset({
        "resident.view", "case.view", "case.handle", "chat.answer", "telephony.advise", "booking.book",
    }),
    Role.DOCTOR: frozenset({
        "resident.view", "case.view", "case.handle", "case.close_medical", "chat.answer",
        "telephony.advise", "booking.book",
    }),
    Role.ADMIN_STAFF: frozenset({
        "resident.view", "case.view_administrative", "case.handle_administrative", "booking.book",
    }),
    Role.UNIT_MANAGER: frozenset({
        "unit.manage", "schedule.manage", "stats.view", "staff.view",
    }),
    Role.REGION_ADMIN: frozenset({
        "admin.access", "unit.manage", "staff.manage", "staff.view", "stats.view", "resident.view",
        "queue.takeover",
    }),
    Role.CONTENT_EDITOR: frozenset({"content.edit", "content.propose"}),
    Role.QUALITY_REVIEWER: frozenset({"quality.review", "resident.view", "case.view", "stats.view"}),
}

# Roles whose permissions reach every unit of their region, not only their own unit.
REGION_WIDE: frozenset[str] = frozenset({Role.REGION_ADMIN, Role.QUALITY_REVIEWER})

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*PERMISSIONS.values())

# Apps a region administrator may manage in the Django admin (the access log is view-only).
ADMIN_APPS: frozenset[str] = frozenset({"accounts", "directory", "audit", "booking"})


def roles_granting(permission: str) -> list[str]:
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return [str(role) for role, perms in PERMISSIONS.items() if permission in perms]


def can(staff: StaffUser | AnonymousUser | None, permission: str, unit: Unit | None = None) -> bool:
    """May ``staff`` do ``permission`` in ``unit`` (or anywhere, when ``unit`` is None)?"""
    roles = roles_granting(permission)
    if staff is None or not staff.is_authenticated or not staff.is_active:
        return False
    memberships = staff.memberships.filter(active=True, role__in=roles).select_related("unit")
    if unit is None:
        return memberships.exists()
    for membership in memberships:
        if membership.unit_id == unit.pk:
            return True
        if membership.role in REGION_WIDE and membership.unit.region_id == unit.region_id:
            return True
    return False


def role_in_unit(staff: StaffUser, permission: str, unit: Unit) -> str | None:
    """The role through which ``staff`` holds ``permission`` in ``unit`` (for the access log)."""
    roles = roles_granting(permission)
    memberships = staff.memberships.filter(active=True, role__in=roles).select_related("unit")
    fallback = None
    for membership in memberships:
        if membership.unit_id == unit.pk:
            return str(membership.role)
        if membership.role in REGION_WIDE and membership.unit.region_id == unit.region_id:
            fallback = str(membership.role)
    return fallback


def can_use_admin(staff: StaffUser) -> bool:
    if not staff.is_active:
        return False
    return staff.is_superuser or can(staff, "admin.access")


def admin_model_permission(staff: StaffUser, perm: str) -> bool:
    """Django admin model permissions ("directory.change_unit"). The access log is never writable."""
    if not staff.is_active:
        return False
    app_label, _, codename = perm.partition(".")
    if app_label == "audit" and not codename.startswith("view_"):
        return False
    if staff.is_superuser:
        return True
    return app_label in ADMIN_APPS and can(staff, "admin.access")


def admin_module_permission(staff: StaffUser, app_label: str) -> bool:
    if not staff.is_active:
        return False
    return staff.is_superuser or (app_label in ADMIN_APPS and can(staff, "admin.access"))
