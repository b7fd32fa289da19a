"""Test data for cases and chat: a small region with a health centre, another unit and the 1177 pool."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from tests import factories
from tests.factories import personas
from vardlots.accounts.models import Resident, Role, StaffUser
from vardlots.cases import actions
from vardlots.cases.models import Case, CaseKind, Queue
from vardlots.directory.models import Region, Unit, UnitKind
from vardlots.intake.models import TriageSession


@dataclass
class World:
    hc: Unit  # the resident's listed health centre (region 01)
    hc2: Unit  # another health centre in region 01
    pool: Unit  # region 01's 1177 nurse advice unit
    pool_other: Unit  # region 03's 1177 unit
    nurse: StaffUser  # at hc
    doctor: StaffUser  # at hc
    admin_staff: StaffUser  # administrative staff at hc
    nurse_hc2: StaffUser  # at hc2 (another unit)
    nurse_pool: StaffUser  # 1177 nurse of region 01
    nurse_other_region: StaffUser  # 1177 nurse of region 03
    region_admin: StaffUser  # region administrator of region 01 (no case roles)
    resident: Resident  # listed at hc

    def care_queue(self, unit: Unit | None = None) -> Queue:
        return actions.queue_of(unit or self.hc, CaseKind.CARE)

    def admin_queue(self, unit: Unit | None = None) -> Queue:
        return actions.queue_of(unit or self.hc, CaseKind.ADMIN)


def world() -> World:
    # Transactional tests flush the database, data migrations included: make sure the regions exist.
    for code, name in (("01", "Region Stockholm"), ("03", "Region Uppsala")):
        Region.objects.get_or_create(code=code, defaults={"name": name})
    hc = factories.unit(UnitKind.HEALTH_CENTRE, name="Vårdcentral Test")
    hc2 = factories.unit(UnitKind.HEALTH_CENTRE, name="Vårdcentral Annan")
    pool = factories.unit(UnitKind.NURSE_ADVICE, name="1177 Stockholm")
    pool_other = factories.unit(UnitKind.NURSE_ADVICE, region_code="03", name="1177 Uppsala")
    resident = factories.resident(given_name="Rut", listed_unit=hc)
    return World(
        hc=hc, hc2=hc2, pool=pool, pool_other=pool_other,
        nurse=personas.nurse(hc), doctor=personas.doctor(hc), admin_staff=factories.staff(Role.ADMIN_STAFF, hc),
        nurse_hc2=personas.nurse(hc2), nurse_pool=personas.nurse(pool), nurse_other_region=personas.nurse(pool_other),
        region_admin=personas.administrator(hc), resident=resident,
    )


def triage_session(resident: Resident | None, urgency: str = "P3", care_need: str = "health_centre", *,
                   guardian: Resident | None = None, complaint: str = "Halsont") -> TriageSession:
    """A completed assessment as the intake flow leaves it (the engine's result stored)."""
    return TriageSession.objects.create(
        channel=TriageSession.Channel.WEB, resident=resident, acting_guardian=guardian, age_days=12000,
        sex="female", protocol_ids=["sore_throat"], complaint_text=complaint, answers=[],
        content_version="test", state=TriageSession.State.COMPLETED, urgency=urgency, care_need=care_need,
        result={"urgency": urgency}, completed_at=timezone.now(),
    )


def care_case(w: World, urgency: str = "P3", *, resident: Resident | None = None, queue: Queue | None = None,
              now: dt.datetime | None = None, complaint: str = "Halsont") -> Case:
    person = resident or w.resident
    return actions.do_create_case_from_triage(triage_session(person, urgency, complaint=complaint),
                                              queue=queue, now=now)


def staff_login(client: Client, member: StaffUser) -> Client:
    """Log a member of staff in (session as after password + TOTP).

    ``factories.staff_client`` goes through the real log-in views, but on PostgreSQL it currently
    fails inside accounts (``LoginAttempt.stage`` is 10 characters, the view writes
    "password_totp"), so these tests log in directly.
    """
    import time

    from vardlots.core.middleware import SESSION_KIND, SESSION_LAST_SEEN, SESSION_LOGIN_AT

    client.force_login(member, backend="vardlots.accounts.backends.StaffBackend")
    session = client.session
    now = int(time.time())
    session[SESSION_KIND], session[SESSION_LOGIN_AT], session[SESSION_LAST_SEEN] = "staff", now, now
    session.save()
    return client
