"""The Django admin writes units, roles and memberships through the services: permission
checks, rules and audit events as on every other surface; a unit's move carries its path."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.cases.models import RoutingRule
from needle.core.models import AuditEvent
from needle.orgs.models import Membership, Person, Role, RoleAssignment, Unit
from needle.orgs.permissions import can_for_unit

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


def test_an_address_typed_in_the_admin_is_unconfirmed(world, admin_for):
    person = world.people["resident"]
    person.email, person.email_confirmed_at = "old@example.org", timezone.now()
    person.save()
    joined = timezone.localtime(person.date_joined)
    form = {
        "username": person.username,
        "email": "typed@example.org",
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "display_name": person.display_name,
        "phone": person.phone,
    }
    response = admin_for("root").post(f"/admin/orgs/person/{person.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(pk=person.pk)
    assert person.email == "typed@example.org" and person.email_confirmed_at is None
