"""Every write of accounts data: ``check_…`` validates and authorises, ``do_…`` writes and audits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from vardlots.accounts import personnummer
from vardlots.accounts.models import (
    GUARDIAN_MAX_CHILD_AGE,
    GuardianRelation,
    LoginAttempt,
    Membership,
    Resident,
    Role,
    StaffUser,
    active_relations_q,
)
from vardlots.audit.actions import client_ip, do_record_security_event
from vardlots.audit.models import EntryKind
from vardlots.directory.models import Unit

# --- staff ----------------------------------------------------------------------------------


def do_create_staff(*, hsa_id: str, given_name: str, family_name: str, password: str | None,
                    username: str | None = None, email: str = "", title: str = "",
                    totp_secret: str = "", totp_confirmed: bool = False,
                    acting: StaffUser | None = None) -> StaffUser:
    with transaction.atomic():
        staff = StaffUser.objects.create_user(
            hsa_id, password, given_name=given_name, family_name=family_name,
            username=(username or None), email=email, title=title,
            totp_secret=totp_secret, totp_confirmed=totp_confirmed,
        )
        do_record_security_event(EntryKind.ADMIN_CHANGE, staff=acting,
                                 detail={"action": "create_staff", "target_hsa_id": staff.hsa_id})
    return staff


def do_grant_role(staff: StaffUser, unit: Unit, role: str, *, acting: StaffUser | None = None,
                  request: HttpRequest | None = None) -> Membership:
    """Give ``staff`` ``role`` in ``unit`` (re-activating a former membership); a role-change event."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(staff=staff, unit=unit, role=role)
        if not created and not membership.active:
            membership.active = True
            membership.save(update_fields=["active"])
        do_record_security_event(
            EntryKind.ROLE_CHANGE, staff=acting, request=request, role=role, unit=unit,
            detail={"action": "grant", "target_hsa_id": staff.hsa_id, "role": role,
                    "unit_hsa_id": unit.hsa_id},
        )
    return membership


def do_revoke_role(membership: Membership, *, acting: StaffUser | None = None,
                   request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(active=False)
        membership.active = False
        do_record_security_event(
            EntryKind.ROLE_CHANGE, staff=acting, request=request, role=membership.role, unit=membership.unit,
            detail={"action": "revoke", "target_hsa_id": membership.staff.hsa_id, "role": membership.role,
                    "unit_hsa_id": membership.unit.hsa_id},
        )


def record_membership_change(membership: Membership, change: str, *, acting: StaffUser | None,
                             request: HttpRequest | None) -> None:
    """A membership saved elsewhere (the back office) changed a role: record it."""
    do_record_security_event(
        EntryKind.ROLE_CHANGE, staff=acting, request=request, role=membership.role, unit=membership.unit,
        detail={"action": change, "target_hsa_id": membership.staff.hsa_id, "role": membership.role,
                "unit_hsa_id": membership.unit.hsa_id, "active": membership.active},
    )


# --- staff log-in: rate limiting, password, TOTP ---------------------------------------------

def _limits() -> tuple[int, int, timedelta]:
    return (
        int(getattr(settings, "LOGIN_FAILURES_PER_ACCOUNT", 5)),
        int(getattr(settings, "LOGIN_FAILURES_PER_IP", 20)),
        timedelta(seconds=int(getattr(settings, "LOGIN_FAILURE_WINDOW", 15 * 60))),
    )


def normalise_account(identifier: str) -> str:
    """The key failures are counted under: the HSA-id when the account exists (so typing the
    username instead does not get five more tries), else the identifier as typed."""
    staff = find_staff(identifier)
    return staff.hsa_id if staff is not None else identifier.strip().upper()[:64]


def check_login_allowed(account: str, ip: str) -> None:
    """Raise PermissionDenied (with a message for the user) when too many recent failures."""
    per_account, per_ip, window = _limits()
    since = timezone.now() - window
    account_key = normalise_account(account)
    last_success = (LoginAttempt.objects.filter(account=account_key, succeeded=True, at__gte=since)
                    .order_by("-at").values_list("at", flat=True).first())
    account_failures = LoginAttempt.objects.filter(account=account_key, succeeded=False, at__gte=since)
    if last_success is not None:
        account_failures = account_failures.filter(at__gt=last_success)
    minutes = int(window.total_seconds() // 60)
    if account_key and account_failures.count() >= per_account:
        raise PermissionDenied(_("Too many failed log-in attempts for this account. Try again in "
                                 "%(minutes)d minutes or contact your manager.") % {"minutes": minutes})
    if ip and LoginAttempt.objects.filter(ip_address=ip, succeeded=False, at__gte=since).count() >= per_ip:
        raise PermissionDenied(_("Too many failed log-in attempts from this network address. "
                                 "Try again in %(minutes)d minutes.") % {"minutes": minutes})


def do_record_login_attempt(account: str, request: HttpRequest, *, succeeded: bool, stage: str,
                            staff: StaffUser | None = None, reason: str = "") -> None:
    ip = client_ip(request) or None
    with transaction.atomic():
        LoginAttempt.objects.create(account=normalise_account(account), ip_address=ip,
                                    succeeded=succeeded, stage=stage)
        if succeeded:
            do_record_security_event(EntryKind.LOGIN, staff=staff, request=request, detail={"method": stage})
        else:
            do_record_security_event(EntryKind.LOGIN_FAILED, staff=staff, request=request,
                                     detail={"account": normalise_account(account), "stage": stage,
                                             "reason": reason})


def find_staff(identifier: str) -> StaffUser | None:
    key = identifier.strip()
    if not key:
        return None
    return StaffUser.objects.filter(Q(hsa_id__iexact=key) | Q(username__iexact=key)).first()


def check_password_step(identifier: str, password: str) -> StaffUser | None:
    """The member of staff when the password is right (and the account active), else None.

    Always runs the password hasher, so timing does not reveal whether the account exists.
    """
    staff = find_staff(identifier)
    if staff is None:
        StaffUser().set_password(password)  # equalise timing
        return None
    if not staff.check_password(password) or not staff.is_active:
        return None
    return staff


def totp_for(staff: StaffUser) -> pyotp.TOTP:
    return pyotp.TOTP(staff.totp_secret)


def provisioning_uri(staff: StaffUser) -> str:
    return totp_for(staff).provisioning_uri(name=staff.hsa_id, issuer_name="vardlots")


def do_start_totp_enrolment(staff: StaffUser) -> str:
    """Give an unconfirmed account a fresh secret (demo and development only)."""
    if settings.PRODUCTION:
        raise PermissionDenied(_("TOTP enrolment is not available in production."))
    if staff.totp_confirmed:
        raise PermissionDenied(_("This account already has an authenticator."))
    if not staff.totp_secret:
        staff.totp_secret = pyotp.random_base32()
        staff.save(update_fields=["totp_secret"])
    return staff.totp_secret


def check_totp(staff: StaffUser, code: str, *, now: dt.datetime | None = None) -> bool:
    """Verify a code (±1 step) and refuse a code already used: each code works once."""
    code = "".join(code.split())
    if not staff.totp_secret or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    moment = now or timezone.now()
    totp = totp_for(staff)
    step = int(moment.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if candidate <= staff.totp_last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(candidate), code):
            updated = StaffUser.objects.filter(pk=staff.pk, totp_last_step__lt=candidate).update(
                totp_last_step=candidate)
            staff.totp_last_step = candidate
            return updated == 1
    return False


def do_confirm_totp(staff: StaffUser) -> None:
    StaffUser.objects.filter(pk=staff.pk).update(totp_confirmed=True)
    staff.totp_confirmed = True


# --- residents -------------------------------------------------------------------------------

def check_personal_number(value: str) -> personnummer.Personnummer:
    try:
        return personnummer.parse(value, today=timezone.localdate())
    except personnummer.PersonnummerError as error:
        raise ValidationError(error.message, code=error.code.value) from error


def do_register_resident(*, personal_number: str, given_name: str, family_name: str,
                         listed_unit: Unit | None = None, phone: str = "", email: str = "") -> Resident:
    pnr = check_personal_number(personal_number)
    return Resident.objects.create(
        personal_number=pnr.canonical, given_name=given_name, family_name=family_name,
        birth_date=pnr.birth_date, sex=pnr.legal_sex.value, listed_unit=listed_unit, phone=phone, email=email,
    )


def do_resident_from_eid(personal_number: str, given_name: str, family_name: str) -> Resident:
    """The resident an e-ID identified; created on the first log-in, names kept current."""
    pnr = check_personal_number(personal_number)
    with transaction.atomic():
        resident = Resident.objects.select_for_update().filter(personal_number=pnr.canonical).first()
        if resident is None:
            return do_register_resident(personal_number=pnr.canonical, given_name=given_name,
                                        family_name=family_name)
        changed = (resident.given_name, resident.family_name) != (given_name, family_name)
        if given_name and family_name and changed:
            resident.given_name, resident.family_name = given_name, family_name
            resident.save(update_fields=["given_name", "family_name"])
    return resident


def do_add_guardian_relation(guardian: Resident, child: Resident, *, source: str,
                             valid_from: dt.date | None = None, valid_to: dt.date | None = None
                             ) -> GuardianRelation:
    if guardian.pk == child.pk:
        raise ValidationError(_("A person cannot be their own guardian."))
    if source not in GuardianRelation.Source.values:
        raise ValidationError(_("Unknown source of the relation."))
    return GuardianRelation.objects.create(guardian=guardian, child=child, source=source,
                                           valid_from=valid_from or child.birth_date, valid_to=valid_to)


def children_in_care(guardian: Resident, *, today: dt.date | None = None) -> list[Resident]:
    """Children the guardian may act for now: an active recorded relation and under 13."""
    day = today or timezone.localdate()
    relations = (GuardianRelation.objects.filter(active_relations_q(day), guardian=guardian)
                 .select_related("child").order_by("child__birth_date"))
    return [r.child for r in relations if r.child.age(day) < GUARDIAN_MAX_CHILD_AGE]


def NOT_GUARDIAN_MESSAGE() -> str:
    return _("You can only act for a child when you are recorded as the child's guardian.")


@dataclass(frozen=True)
class ActingFor:
    guardian_id: int
    child_id: int
    relation_id: int


def check_act_for(guardian: Resident, child: Resident, *, today: dt.date | None = None) -> ActingFor:
    """May ``guardian`` act for ``child``? Raise PermissionDenied with a clear message otherwise."""
    day = today or timezone.localdate()
    relation = (GuardianRelation.objects.filter(active_relations_q(day), guardian=guardian, child=child)
                .order_by("-valid_from").first())
    if relation is None:
        raise PermissionDenied(NOT_GUARDIAN_MESSAGE())
    if child.age(day) >= GUARDIAN_MAX_CHILD_AGE:
        raise PermissionDenied(_("Children who are 13 or older log in and contact the care themselves, "
                                 "so you cannot act for this child."))
    return ActingFor(guardian_id=guardian.pk, child_id=child.pk, relation_id=relation.pk)


def acting_for_payload(acting: ActingFor) -> dict[str, Any]:
    return {"guardian_id": acting.guardian_id, "child_id": acting.child_id, "relation_id": acting.relation_id,
            "since": timezone.now().isoformat()}
