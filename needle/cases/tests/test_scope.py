"""The list's scope (case_scope_q) and the case page's (may_view) are one rule: every case an
actor may open is on their list, and every case on their list opens."""

import pytest

from needle import testing as t
from needle.cases import selectors
from needle.cases import services as s
from needle.cases.selectors import CaseFilters
from needle.core.errors import NotFound

pytestmark = pytest.mark.django_db


def _listed(world, persona):
    return set(
        selectors.case_list_for(actor=world.people[persona], filters=CaseFilters()).values_list(
            "number", flat=True
        )
    )


def _opens(world, persona, number):
    try:
        selectors.access_case(actor=world.people[persona], number=number)
    except NotFound:
        return False
    return True


def _lead(root, case, unit):
    case.refresh_from_db()
    if case.lead_unit != unit:  # the catalog's routing rules may have sent it there already
        s.case_dispatch(actor=root, case=case, unit=unit)


def test_a_case_assisted_by_a_unit_in_the_actors_area_is_listed_and_opens(world):
    catalog = t.build_catalog(world)
    # Located and led in district B; a community committee in the supervisor's street assists.
    case = t.submit(world, catalog["road"], area="community_b1a")
    root = world.people["root"]
    _lead(root, case, world.units["street_b1"])
    s.case_assist(actor=root, case=case, unit=world.units["rc_a1a"])
    assert _opens(world, "supervisor", case.number)
    assert case.number in _listed(world, "supervisor")


@pytest.mark.parametrize(
    "persona",
    ["city_admin", "dispatcher", "district_auditor", "handler", "supervisor", "staff", "other_supervisor"],
)
def test_what_each_persona_lists_is_what_each_opens(world, persona):
    catalog = t.build_catalog(world)
    root = world.people["root"]
    cases = [t.submit(world, catalog["road"], area=place) for place in ("community_a1a", "community_b1a")]
    _lead(root, cases[0], world.units["district_a_env"])
    _lead(root, cases[1], world.units["street_b1"])
    s.case_assist(actor=root, case=cases[1], unit=world.units["rc_a1a"])
    listed = _listed(world, persona)
    assert {c.number for c in cases if _opens(world, persona, c.number)} == listed & {c.number for c in cases}


@pytest.mark.parametrize("persona", ["city_admin", "dispatcher", "supervisor", "staff", "other_supervisor"])
@pytest.mark.parametrize("place", ["district_a", "street_a1", "community_a1a", "district_b", "community_b1a"])
def test_a_list_within_an_area_lists_what_opens_there(world, persona, place):
    # Inside the actor's areas the list drops its scope condition: it must still list exactly
    # the cases there that the actor may open, inside those areas and outside them.
    catalog = t.build_catalog(world)
    root = world.people["root"]
    cases = [
        t.submit(world, catalog["road"], area=p) for p in ("community_a1a", "community_a1b", "community_b1a")
    ]
    _lead(root, cases[2], world.units["street_b1"])
    s.case_assist(actor=root, case=cases[2], unit=world.units["rc_a1a"])
    area = world.areas[place]
    listed = set(
        selectors.case_list_for(actor=world.people[persona], filters=CaseFilters(area=area)).values_list(
            "number", flat=True
        )
    )
    there = [c for c in cases if c.area_path.startswith(area.path)]
    assert listed == {c.number for c in there if _opens(world, persona, c.number)}


def test_the_scope_is_dropped_only_inside_the_actors_areas(world):
    supervisor = world.people["supervisor"]  # street A1
    assert selectors.case_scope_q(supervisor, within=world.areas["community_a1a"].path) is None
    assert selectors.case_scope_q(supervisor, within=world.areas["district_a"].path) is not None
    assert selectors.case_scope_q(supervisor, within=world.areas["street_b1"].path) is not None
