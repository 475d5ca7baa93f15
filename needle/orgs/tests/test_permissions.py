from django.db import connection
from django.test.utils import CaptureQueriesContext

from needle.orgs import permissions as perms
from needle.orgs.models import Unit
from needle.orgs.selectors import UnitFilters, unit_list_for


def visible_units(person):
    return set(unit_list_for(actor=person, filters=UnitFilters()).values_list("code", flat=True))


def test_city_admin_sees_the_whole_city(world):
    assert visible_units(world.people["city_admin"]) == set(Unit.objects.values_list("code", flat=True))


def test_street_supervisor_sees_only_that_street(world):
    seen = visible_units(world.people["supervisor"])
    assert seen == {"so-a1", "rc-a1a", "pb-a1a"}
    a = world.areas
    sup = world.people["supervisor"]
    assert perms.can_in_area(sup, "orgs.view_stats", a["community_a1a"])
    assert not perms.can_in_area(sup, "orgs.view_stats", a["street_a2"])
    assert not perms.can_in_area(sup, "orgs.view_stats", a["district_a"])  # no looking up the tree
    assert not perms.can_for_unit(sup, "orgs.view_units", world.units["rc_b1a"])


def test_department_handler_sees_its_district_units(world):
    seen = visible_units(world.people["handler"])
    assert {"env-a", "go-a", "so-a1", "rc-a1a", "rc-a2a"} <= seen
    assert "rc-b1a" not in seen and "go-city" not in seen


def test_residents_and_outsiders_see_no_units(world):
    for persona in ("resident", "member", "outsider"):
        assert visible_units(world.people[persona]) == set()
        assert not perms.has_perm_anywhere(world.people[persona], "orgs.view_stats")


def test_role_limits_the_permission_not_just_the_place(world):
    supervisor, street_admin = world.people["supervisor"], world.people["street_admin"]
    unit = world.units["rc_a1a"]
    assert not perms.can_for_unit(supervisor, "orgs.manage_people", unit)
    assert perms.can_for_unit(street_admin, "orgs.manage_people", unit)


def test_dissolved_units_grant_nothing(world):
    Unit.objects.filter(code="so-a1").update(dissolved_on="2020-01-01")
    world.people["supervisor"].refresh_from_db()
    sup = type(world.people["supervisor"]).objects.get(pk=world.people["supervisor"].pk)
    assert not perms.can_in_area(sup, "orgs.view_stats", world.areas["street_a1"])


def test_checks_cost_one_query_per_actor_whatever_the_number(world):
    sup = type(world.people["supervisor"]).objects.get(username="supervisor")
    with CaptureQueriesContext(connection) as ctx:
        for area in world.areas.values():
            perms.can_in_area(sup, "orgs.view_stats", area)
        for unit in world.units.values():
            perms.can_for_unit(sup, "orgs.view_units", unit)
    assert len(ctx.captured_queries) == 1


def test_scope_paths_fold_nested_grants(world):
    from needle.orgs.models import RoleAssignment

    admin = world.people["city_admin"]
    RoleAssignment.objects.create(person=admin, unit=world.units["street_a1"], role="admin")
    perms.forget_grants(admin)
    assert perms.scope_paths(admin, "orgs.manage_units") == [world.areas["province"].path]


def test_unknown_permission_names_are_a_programming_error(world):
    import pytest

    with pytest.raises(ValueError):
        perms.has_perm_anywhere(world.people["city_admin"], "orgs.fly")
