"""The Django admin writes units, roles and memberships through the services: permission
checks, rules and audit events as on every other surface; a unit's move carries its path."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from needle import testing as t
from needle.cases.models import Category, Holiday, RoutingRule
from needle.core.models import AuditEvent
from needle.orgs.models import Membership, Role, RoleAssignment, Unit
from needle.orgs.permissions import can_for_unit
from needle.orgs.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def admin_for(world):
    def make(persona):
        client = Client()
        client.force_login(world.people[persona])
        return client

    return make


def test_moving_a_unit_in_the_admin_goes_through_unit_move(world, admin_for):
    unit = world.units["rc_a2a"]
    target = world.areas["community_b1a"]
    response = admin_for("root").post(f"/admin/orgs/unit/{unit.pk}/change/", {"area": target.pk})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.area == target and unit.area_path == target.path
    event = AuditEvent.objects.get(action="orgs.unit.moved")
    assert event.actor == world.people["root"] and event.object_id == str(unit.pk)
    # Grants read the moved path: district B's supervisor now reaches the unit, district A's not.
    assert can_for_unit(world.people["other_supervisor"], "cases.supervise", unit)


def test_the_admin_refuses_what_the_service_refuses(world, admin_for):
    # Django's own permission to edit units lets the page open; the service still decides.
    street_admin = world.people["street_admin"]
    street_admin.is_staff = True
    street_admin.save()
    street_admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_unit", "change_unit"]))
    unit = world.units["rc_a1a"]  # the street admin manages it, but not district B
    response = admin_for("street_admin").post(
        f"/admin/orgs/unit/{unit.pk}/change/", {"area": world.areas["community_b1a"].pk}
    )
    assert (
        response.status_code == 200 and "You do not have permission to do this." in response.content.decode()
    )
    unit.refresh_from_db()
    assert unit.area == world.areas["community_a1a"] and unit.area_path == world.areas["community_a1a"].path
    assert not AuditEvent.objects.filter(action="orgs.unit.moved").exists()


def test_founding_a_unit_in_the_admin_checks_its_fields(world, admin_for):
    client = admin_for("root")
    area = world.areas["community_a1b"]
    fields = {"code": "rc-a1b", "name": "领事巷社区居委会", "type": "resident_committee", "area": area.pk}
    taken = client.post("/admin/orgs/unit/add/", {**fields, "code": "rc-a1a", "founded_on": "2020-01-01"})
    assert taken.status_code == 200 and "Another unit has this code." in taken.content.decode()
    made = client.post("/admin/orgs/unit/add/", {**fields, "founded_on": "2020-01-01"})
    assert made.status_code == 302
    unit = Unit.objects.get(code="rc-a1b")
    assert unit.area_path == area.path
    assert AuditEvent.objects.filter(action="orgs.unit.created", object_id=str(unit.pk)).exists()


def test_roles_and_memberships_in_the_admin_are_granted_and_revoked_by_the_services(world, admin_for):
    client = admin_for("root")
    person, unit = world.people["member"], world.units["rc_a1a"]
    granted = client.post(
        "/admin/orgs/roleassignment/add/", {"person": person.pk, "unit": unit.pk, "role": Role.VISITOR}
    )
    assert granted.status_code == 302
    assignment = RoleAssignment.objects.get(person=person, unit=unit)
    assert AuditEvent.objects.filter(action="orgs.role.granted", object_id=str(assignment.pk)).exists()
    assert client.get(f"/admin/orgs/roleassignment/{assignment.pk}/change/").status_code == 200  # a view
    assert (
        client.post(f"/admin/orgs/roleassignment/{assignment.pk}/change/", {"role": Role.ADMIN}).status_code
        == 403
    )
    deleted = client.post(f"/admin/orgs/roleassignment/{assignment.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="orgs.role.revoked").exists()
    joined = client.post(
        "/admin/orgs/membership/add/",
        {"person": person.pk, "unit": unit.pk, "kind": "volunteer", "joined_on": "2026-01-01"},
    )
    assert joined.status_code == 302
    assert AuditEvent.objects.filter(action="orgs.membership.added").exists()
    membership = Membership.objects.get(person=person, unit=unit)
    assert client.post(f"/admin/orgs/membership/{membership.pk}/delete/", {"post": "yes"}).status_code == 403


def test_routing_rules_in_the_admin_are_set_and_deleted_by_the_services(world, admin_for):
    catalog = t.build_catalog(world)
    client = admin_for("root")
    area = world.areas["street_a1"]
    added = client.post(
        "/admin/cases/routingrule/add/",
        {"service": catalog["noise"].pk, "area": area.pk, "unit": world.units["street_a1"].pk},
    )
    assert added.status_code == 302
    rule = RoutingRule.objects.get(service=catalog["noise"])
    assert rule.area_path == area.path
    assert AuditEvent.objects.filter(action="cases.rule.set", object_id=str(rule.pk)).exists()
    deleted = client.post(f"/admin/cases/routingrule/{rule.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert AuditEvent.objects.filter(action="cases.rule.deleted").exists()


def test_calendar_exceptions_and_the_catalog_in_the_admin_are_written_by_the_services(world, admin_for):
    client = admin_for("root")
    added = client.post("/admin/cases/holiday/add/", {"date": "2027-01-01", "name": "元旦"})
    assert added.status_code == 302
    holiday = Holiday.objects.get(date="2027-01-01")
    event = AuditEvent.objects.get(action="cases.holiday.created")
    assert event.actor == world.people["root"] and event.changes["new"]["name"] == "元旦"
    deleted = client.post(f"/admin/cases/holiday/{holiday.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not Holiday.objects.filter(pk=holiday.pk).exists()
    assert AuditEvent.objects.filter(action="cases.holiday.deleted").exists()
    catalog = t.build_catalog(world)
    category = catalog["noise"].category
    fields = {
        "code": category.code,
        "name": "噪声与环境",
        "name_en": category.name_en,
        "order": category.order,
    }
    changed = client.post(f"/admin/cases/category/{category.pk}/change/", fields)
    assert changed.status_code == 302
    event = AuditEvent.objects.get(action="cases.category.changed")
    assert event.changes["old"]["name"] == category.name and event.changes["new"]["name"] == "噪声与环境"
    # A category that services use is not deleted: the page names what holds it, nothing goes.
    kept = client.post(f"/admin/cases/category/{category.pk}/delete/", {"post": "yes"})
    assert kept.status_code == 200 and "protected related objects" in kept.content.decode()
    assert Category.objects.filter(pk=category.pk).exists()
    assert not AuditEvent.objects.filter(action="cases.category.deleted").exists()


def test_a_street_admin_cannot_edit_the_city_calendar_through_the_admin(world, admin_for):
    street_admin = world.people["street_admin"]
    street_admin.is_staff = True
    street_admin.save()
    street_admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_holiday", "add_holiday"])
    )
    refused = admin_for("street_admin").post("/admin/cases/holiday/add/", {"date": "2027-01-01", "name": "x"})
    assert refused.status_code == 200 and "You do not have permission to do this." in refused.content.decode()
    assert not Holiday.objects.exists() and not AuditEvent.objects.filter(action__startswith="cases.holiday")


@pytest.mark.parametrize("model", ["areas/area", "orgs/person", "orgs/gridassignment", "cases/open311key"])
def test_rows_written_elsewhere_are_read_only_in_the_admin(world, admin_for, model):
    client = admin_for("root")
    assert client.get(f"/admin/{model}/").status_code == 200
    assert client.get(f"/admin/{model}/add/").status_code == 403


def test_tokens_are_revoked_from_the_admin_through_the_service(world, admin_for):
    token = token_create(actor=None, person=world.people["member"], name="laptop").token
    client = admin_for("root")
    assert client.get(f"/admin/orgs/apitoken/{token.pk}/change/").status_code == 200  # a view
    revoked = client.post(
        "/admin/orgs/apitoken/", {"action": "revoke", "_selected_action": [token.pk], "index": 0}
    )
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="orgs.token.revoked", actor=world.people["root"]).exists()
