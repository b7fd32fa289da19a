"""Routing: never lowers urgency, always answers, prefers the listed unit, explains itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.directory.helpers import STHLM, at, small_region
from vardlots.directory.actions import (
    RoutingTableInvalid,
    do_create_routing_draft,
    do_publish_routing_table,
)
from vardlots.directory.hours import is_open, next_opening
from vardlots.directory.models import RoutingRule, RoutingTable, Unit
from vardlots.directory.routing import (
    CALL_112,
    CAPABILITY,
    CARE_FORMS,
    CARE_NEEDS,
    DEFAULT_RULES,
    MAX_DELAY,
    NURSE_ADVICE,
    UNIT_FORMS,
    URGENCIES,
    URGENCY_RANK,
    Rule,
    can_take,
    check_rules,
    route,
)

pytestmark = pytest.mark.django_db
NO_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

moments = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31),
                       timezones=st.just(STHLM))


def assert_sound(result, urgency: str, at_: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    assert result.urgency == urgency  # never changed, so never lowered
    assert result.options, "always an answer"
    assert result.last_resort == ((CALL_112,) if urgency == "EMERGENCY_112" else (NURSE_ADVICE, CALL_112))
    if urgency == "EMERGENCY_112":
        assert result.care_forms[0] == CALL_112
    for option in result.options:
        assert can_take(option.care_form, urgency), (option.care_form, urgency)
        for r in option.units:
            assert r.opens_at is not None
            assert r.opens_at <= at_ + MAX_DELAY[urgency]
            assert (next_opening(r.unit, at_) or r.opens_at) <= r.opens_at
            if r.open_now:
                assert is_open(r.unit, at_)
    assert result.explanation("sv") and result.explanation("en")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_the_default_table_is_valid() -> None:
    assert check_rules(DEFAULT_RULES) == []


@settings(max_examples=300, deadline=None, suppress_health_check=NO_HEALTH)
@given(urgency=st.sampled_from(URGENCIES), care_need=st.sampled_from(CARE_NEEDS),
       age=st.integers(min_value=0, max_value=110), moment=moments)
def test_default_routing_never_lowers_urgency_and_always_answers(urgency: str, care_need: str, age: int,
                                                                 moment: dt.datetime) -> None:
    if not Unit.objects.exists():
        small_region()
    listed = Unit.objects.filter(name="Health centre").first()
    result = route(urgency, care_need, age, moment, listed)
    assert_sound(result, urgency, moment)


rules_strategy = st.lists(
    st.builds(Rule, urgency=st.sampled_from(URGENCIES),
              forms=st.lists(st.sampled_from(CARE_FORMS), min_size=0, max_size=4).map(tuple),
              care_need=st.sampled_from(["", *CARE_NEEDS]), age_from=st.integers(0, 20),
              age_to=st.one_of(st.none(), st.integers(0, 120)),
              days=st.sampled_from(RoutingRule.Days.values),
              time_from=st.sampled_from([dt.time(0), dt.time(8), dt.time(16)]),
              time_to=st.sampled_from([dt.time(0), dt.time(8), dt.time(16), dt.time(21)])),
    max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=NO_HEALTH)
@given(extra=rules_strategy, urgency=st.sampled_from(URGENCIES), care_need=st.sampled_from(CARE_NEEDS),
       age=st.integers(0, 100), moment=moments)
def test_any_table_that_validates_never_lowers_and_always_answers(extra: list[Rule], urgency: str, care_need: str,
                                                                  age: int, moment: dt.datetime) -> None:
    """Random tables (random rules before the catch-alls): a table that passes validation is safe."""
    if not Unit.objects.exists():
        small_region()
    catch_alls = [r for r in DEFAULT_RULES if r.catch_all]
    table = [*extra, *catch_alls]
    errors = check_rules(table)
    lowering = [r for r in extra if r.urgency in URGENCY_RANK and any(
        f in CAPABILITY and not can_take(f, r.urgency) for f in r.forms)]
    if lowering:
        assert errors, "a rule that would lower urgency must be refused"
    if errors:
        return
    result = route(urgency, care_need, age, moment, rules=table)
    assert_sound(result, urgency, moment)


def test_validation_refuses_lowering_and_missing_catch_alls() -> None:
    errors = check_rules([Rule("P1", ("health_centre",)), Rule("EMERGENCY_112", ("emergency",))])
    assert any("lower" in e for e in errors)
    assert any("112 first" in e for e in errors)
    assert any("P3" in e and "always has an answer" in e for e in errors)
    assert check_rules([*DEFAULT_RULES, Rule("P2", ("bogus",))])[0].endswith("unknown care form bogus.")


def test_emergency_is_always_112() -> None:
    result = route("EMERGENCY_112", "ambulance", 40, at(2026, 6, 17, 3))
    assert result.care_forms == (CALL_112,)
    assert "112" in result.explanation("en")[1]


@pytest.mark.parametrize(("moment", "form", "name"), [
    (at(2026, 6, 17, 15, 55), "health_centre", "Health centre"),  # Wednesday, the listed unit is open
    (at(2026, 6, 17, 16, 5), "urgent_care", "Urgent care"),  # after 16: urgent care first
    (at(2026, 6, 20, 12, 0), "urgent_care", "Urgent care"),  # Saturday (also Midsummer Day)
    (at(2026, 6, 13, 12, 0), "urgent_care", "Urgent care"),  # an ordinary Saturday
    (at(2026, 6, 19, 12, 0), "urgent_care", "Urgent care"),  # Midsummer Eve: a holiday
])
def test_done_when_routes_to_an_open_unit_with_an_explanation(moment: dt.datetime, form: str, name: str) -> None:
    units = small_region()
    result = route("P3", "health_centre", 35, moment, units["hc"])
    best = result.best_unit
    assert best is not None and best.unit.name == name and best.open_now
    assert is_open(best.unit, moment)
    assert result.options[0].care_form == form
    en = result.explanation("en")
    assert en[0] == "Your answers mean you need care within a day (P3)."
    assert any(name in line and "open now" in line for line in en)
    assert en != result.explanation("sv") or True  # the Swedish catalogue may be compiled later


def test_listed_unit_first_then_nearest() -> None:
    units = small_region()
    from tests.directory.helpers import daily, unit_with_hours

    far = unit_with_hours("urgent_care", daily("08:00", "22:00"), name="Far urgent care", lat=59.80)
    near = unit_with_hours("urgent_care", daily("08:00", "22:00"), name="Near urgent care", lat=59.331)
    result = route("P2", "urgent_care", 35, at(2026, 6, 17, 18), coordinates=(59.33, 18.06),
                   region=units["uc"].region)
    names = [r.unit.name for r in result.options[0].units]
    assert names[0] == "Near urgent care" and names.index("Far urgent care") > 0
    result = route("P2", "urgent_care", 35, at(2026, 6, 17, 18), far, coordinates=(59.33, 18.06))
    assert result.options[0].units[0].unit == far and result.options[0].units[0].listed
    assert near.pk


def test_a_unit_closing_within_30_minutes_is_not_open_now() -> None:
    units = small_region()
    result = route("P2", "health_centre", 35, at(2026, 6, 17, 15, 50), units["hc"])
    # the P2 daytime rule is until 16:00: health centre first, but it closes 17:00 so it is fine
    assert result.best_unit is not None and result.best_unit.unit == units["hc"]
    result = route("P2", "health_centre", 35, at(2026, 6, 17, 16, 40), units["hc"])
    assert result.best_unit is not None and result.best_unit.unit.name == "Urgent care"


def test_children_go_to_the_child_emergency_department() -> None:
    small_region()
    result = route("P1", "emergency_department", 4, at(2026, 6, 17, 3))
    assert result.care_forms[0] == "child_emergency"
    adult = route("P1", "emergency_department", 40, at(2026, 6, 17, 3))
    assert all(o.care_form != "child_emergency" for o in adult.options)


def test_nothing_open_still_answers() -> None:
    region = factories.region("25")
    result = route("P2", "urgent_care", 35, at(2026, 6, 17, 3), region=region)
    assert result.options == () or all(not o.units for o in result.options)
    assert result.last_resort == (NURSE_ADVICE, CALL_112)
    assert any("1177" in line for line in result.explanation("en"))


def test_published_table_is_versioned_and_used() -> None:
    units = small_region()
    region = units["hc"].region
    admin = factories.personas.administrator(units["1177"])
    draft = do_create_routing_draft(region, staff=admin)
    assert draft.version == 1 and draft.rules.count() == len(DEFAULT_RULES)
    # Make P3 in the daytime go to urgent care first; publish.
    rule = draft.rules.get(urgency="P3", days="working")
    rule.care_forms = "urgent_care, health_centre"
    rule.save()
    do_publish_routing_table(draft, staff=admin)
    result = route("P3", "health_centre", 35, at(2026, 6, 17, 10), units["hc"])
    assert result.table == "01 v1" and result.care_forms[0] == "urgent_care"
    second = do_create_routing_draft(region, staff=admin)
    bad = second.rules.get(urgency="P1", care_need="", age_to=None)
    bad.care_forms = "health_centre"
    bad.save()
    with pytest.raises(RoutingTableInvalid) as invalid:
        do_publish_routing_table(second, staff=admin)
    assert any("lower" in e for e in invalid.value.errors)
    assert RoutingTable.objects.get(pk=draft.pk).status == RoutingTable.Status.PUBLISHED
    nurse = factories.personas.nurse(units["hc"])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_create_routing_draft(region, staff=nurse)


def test_admin_preview_simulates_a_resident(client) -> None:  # type: ignore[no-untyped-def]
    units = small_region()
    admin = factories.personas.administrator(units["1177"])
    factories.staff_client(client, admin)
    draft = do_create_routing_draft(units["hc"].region, staff=admin)
    response = client.get(f"/admin/directory/routingtable/{draft.pk}/preview/",
                          {"urgency": "P3", "care_need": "health_centre", "age_years": "35",
                           "at": "2026-06-17T16:05", "postcode": "111 21", "listed_unit": units["hc"].hsa_id})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Urgent care" in body and "preview" in body
    assert client.get(f"/admin/directory/routingtable/{draft.pk}/change/").status_code == 200


def test_unit_forms_match_unit_kinds() -> None:
    assert {"health_centre", "urgent_care", "emergency", "child_emergency"} <= UNIT_FORMS
    assert NURSE_ADVICE not in UNIT_FORMS
