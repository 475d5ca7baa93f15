import datetime as dt

import pytest

from needle.areas.models import Area
from needle.core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs import services
from needle.orgs.models import ApiToken, GridAssignment, Membership, Person, RoleAssignment, Unit
from needle.testing import PersonFactory


def last_event(action):
    return AuditEvent.objects.filter(action=action).latest("id")


# Sign-up and profile ----------------------------------------------------------------------


def test_resident_signup_creates_one_person_and_audits(db):
    person = services.person_signup(
        username="zhang", password="a-long-pass-987", phone="13812341234", accepted_terms=True
    )
    assert person.check_password("a-long-pass-987")
    event = last_event("orgs.person.signed_up")
    assert event.actor == person and event.changes["new"]["username"] == "zhang"
    with pytest.raises(ValidationFailed) as err:
        services.person_signup(username="ZHANG", password="a-long-pass-987", accepted_terms=True)
    assert "username" in err.value.fields
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("phone", {"phone": "12345"}),
        ("password", {"password": "123"}),
        ("username", {"username": ""}),
        ("language", {"language": "fr"}),
        ("email", {"email": "not-an-address"}),
        ("accept_terms", {"accepted_terms": False}),
    ],
)
def test_signup_names_the_bad_field(db, field, kwargs):
    args = {"username": "li", "password": "a-long-pass-987", "accepted_terms": True, **kwargs}
    with pytest.raises(ValidationFailed) as err:
        services.person_signup(**args)
    assert field in err.value.fields
    assert not Person.objects.exists()


def test_profile_change_records_old_and_new(world):
    resident = world.people["resident"]
    services.person_update_profile(actor=resident, person=resident, phone="023-63891234", language="en")
    event = last_event("orgs.person.profile_changed")
    assert event.changes["new"] == {"language": "en", "phone": "023-63891234"}
    assert event.changes["old"]["language"] == ""


def test_profile_of_someone_else_needs_people_admin(world):
    with pytest.raises(PermissionDenied):
        services.person_update_profile(
            actor=world.people["outsider"], person=world.people["resident"], display_name="x"
        )
    with pytest.raises(NotAuthenticated):
        services.person_update_profile(actor=None, person=world.people["resident"], display_name="x")
    # The street admin manages the party member registered in a community of the street.
    services.person_update_profile(
        actor=world.people["street_admin"], person=world.people["member"], display_name="老党员"
    )
    assert Person.objects.get(username="member").display_name == "老党员"


# Units --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, allowed",
    [
        ("city_admin", True),
        ("street_admin", True),
        ("supervisor", False),
        ("staff", False),
        ("handler", False),
        ("resident", False),
        ("outsider", False),
        ("root", True),
    ],
)
def test_unit_create_needs_an_admin_over_the_area(world, persona, allowed):
    kwargs = {
        "actor": world.people[persona],
        "code": "new-rc",
        "name": "新居委会",
        "type": "resident_committee",
        "area": world.areas["community_a1b"],
        "parent": world.units["street_a1"],
    }
    if allowed:
        unit = services.unit_create(**kwargs)
        assert unit.area_path == world.areas["community_a1b"].path
        assert last_event("orgs.unit.created").object_id == str(unit.pk)
    else:
        with pytest.raises(PermissionDenied):
            services.unit_create(**kwargs)
        assert not Unit.objects.filter(code="new-rc").exists()


def test_street_admin_cannot_found_units_in_another_street(world):
    with pytest.raises(PermissionDenied):
        services.unit_create(
            actor=world.people["street_admin"],
            code="x",
            name="x",
            type="resident_committee",
            area=world.areas["community_b1a"],
        )


def test_unit_fields_are_checked(world):
    with pytest.raises(ValidationFailed) as err:
        services.unit_create(
            actor=world.people["city_admin"],
            code="so-a1",
            name="",
            type="castle",
            area=world.areas["street_a1"],
            founded_on=dt.date(2999, 1, 1),
        )
    assert set(err.value.fields) == {"code", "name", "type", "founded_on"}


def test_dissolve_unit(world):
    admin = world.people["city_admin"]
    with pytest.raises(Conflict):
        services.unit_dissolve(actor=admin, unit=world.units["street_a1"])  # has live children
    unit = services.unit_dissolve(actor=admin, unit=world.units["rc_a2a"], on=dt.date(2026, 3, 1))
    assert unit.dissolved_on == dt.date(2026, 3, 1)
    with pytest.raises(Conflict):
        services.unit_dissolve(actor=admin, unit=world.units["rc_a2a"])
    with pytest.raises(PermissionDenied):
        services.unit_dissolve(actor=world.people["supervisor"], unit=world.units["rc_a1a"])


# Memberships and roles -------------------------------------------------------------------


def test_membership_add_and_end(world):
    admin, person = world.people["street_admin"], PersonFactory()
    m = services.membership_add(
        actor=admin,
        person=person,
        unit=world.units["pb_a1a"],
        kind="party_member",
        joined_on=dt.date(2020, 1, 1),
    )
    with pytest.raises(Conflict):
        services.membership_add(actor=admin, person=person, unit=world.units["pb_a1a"], kind="party_member")
    services.membership_end(actor=admin, membership=m, on=dt.date(2026, 1, 1))
    assert Membership.objects.get(pk=m.pk).left_on == dt.date(2026, 1, 1)
    assert last_event("orgs.membership.ended").area_path == world.areas["community_a1a"].path
    with pytest.raises(PermissionDenied):
        services.membership_add(
            actor=world.people["other_supervisor"], person=person, unit=world.units["pb_a1a"], kind="member"
        )


def test_role_grant_takes_effect_and_revoke_removes_it(world):
    from needle.orgs.permissions import can_in_area

    admin, person = world.people["street_admin"], PersonFactory()
    assignment = services.role_grant(
        actor=admin, person=person, unit=world.units["rc_a1a"], role="coordinator"
    )
    assert can_in_area(person, "areas.manage_grids", world.areas["community_a1a"])
    with pytest.raises(Conflict):
        services.role_grant(actor=admin, person=person, unit=world.units["rc_a1a"], role="coordinator")
    services.role_revoke(actor=admin, assignment=assignment)
    assert not RoleAssignment.objects.filter(person=person).exists()
    assert not can_in_area(person, "areas.manage_grids", world.areas["community_a1a"])
    with pytest.raises(PermissionDenied):
        services.role_grant(
            actor=world.people["staff"], person=person, unit=world.units["rc_a1a"], role="admin"
        )


def test_staff_accounts_are_created_by_admins(world):
    person = services.person_create_staff(
        actor=world.people["street_admin"],
        unit=world.units["rc_a1a"],
        username="newstaff",
        password="a-long-pass-987",
        role="coordinator",
    )
    assert person.roles.get().role == "coordinator"
    with pytest.raises(PermissionDenied):
        services.person_create_staff(
            actor=world.people["staff"],
            unit=world.units["rc_a1a"],
            username="x2",
            password="a-long-pass-987",
            role="admin",
        )


# Grids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, allowed",
    [
        ("staff", True),
        ("street_admin", True),
        ("city_admin", True),
        ("supervisor", False),
        ("other_supervisor", False),
        ("resident", False),
        ("outsider", False),
    ],
)
def test_grid_create(world, persona, allowed):
    community = world.areas["community_a1a"]
    if allowed:
        grid = services.grid_create(actor=world.people[persona], community=community, name="第2网格")
        assert grid.code == "500103001001-002" and grid.level == 6
        assert grid.path == community.path + "500103001001-002/"
        assert last_event("areas.grid.created").actor == world.people[persona]
    else:
        with pytest.raises(PermissionDenied):
            services.grid_create(actor=world.people[persona], community=community, name="第2网格")
        assert Area.objects.filter(parent=community).count() == 1


def test_grids_only_under_communities_with_unique_names(world):
    staff = world.people["staff"]
    with pytest.raises(ValidationFailed) as err:
        services.grid_create(actor=staff, community=world.areas["community_a1a"], name="第1网格")
    assert "name" in err.value.fields
    with pytest.raises((ValidationFailed, PermissionDenied)):
        services.grid_create(actor=world.people["city_admin"], community=world.areas["street_a1"], name="x")


def test_grid_workers(world):
    staff, grid = world.people["staff"], world.areas["grid_a1a"]
    worker = PersonFactory()
    a = services.grid_assign_worker(actor=staff, grid=grid, worker=worker)
    with pytest.raises(Conflict):
        services.grid_assign_worker(actor=staff, grid=grid, worker=worker)
    services.grid_unassign_worker(actor=staff, assignment=a)
    assert GridAssignment.objects.get(pk=a.pk).ended_at is not None
    with pytest.raises(PermissionDenied):
        services.grid_assign_worker(actor=world.people["other_supervisor"], grid=grid, worker=worker)


# Tokens ---------------------------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_can_be_revoked(world):
    resident = world.people["resident"]
    issued = services.token_create(actor=resident, person=resident, name="phone")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert services.token_authenticate(issued.secret) == resident
    assert services.token_authenticate(issued.secret + "x") is None
    assert services.token_authenticate("garbage") is None
    with pytest.raises(PermissionDenied):
        services.token_create(actor=world.people["outsider"], person=resident, name="steal")
    services.token_revoke(actor=resident, token=stored)
    assert services.token_authenticate(issued.secret) is None
