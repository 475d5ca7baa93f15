from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.areas.models import Area
from needle.orgs.models import Membership, MembershipKind, Person, Role, RoleAssignment, Unit, UnitType
from needle.volunteering.models import CheckIn, CheckInStatus, Skill

SKILLS = [
    ("first_aid", "急救", "first aid", "CPR\n心肺复苏\n救护"),
    ("legal", "法律咨询", "legal advice", "律师\nlawyer\n法律"),
    ("repairs", "维修", "repairs", "水电维修\nplumbing\nelectrician\n修理"),
    ("teaching", "教学辅导", "teaching", "家教\ntutoring\n辅导"),
    ("it", "电脑网络", "IT", "电脑\ncomputer\n手机使用"),
]


def build_volunteering(world: t.World) -> t.World:
    """Adds to the common world: known skills; a workplace (district A's environment department)
    whose coordinator reads its members (a viewer there); two more members of it, living in
    community A1a (one in its grid) and in A1b; the world's member lives in A1a and works in
    its party committee."""
    for code, name, name_en, synonyms in SKILLS:
        Skill.objects.create(code=code, name=name, name_en=name_en, synonyms=synonyms)
    a, u, p = world.areas, world.units, world.people
    u["workplace"] = t.UnitFactory.create(
        code="dept-work",
        name="渝中区住房城乡建委",
        type=UnitType.DEPARTMENT,
        area=a["district_a"],
        parent=u["district_a_go"],
    )
    p["unit_coord"] = t.PersonFactory.create(username="unit_coord")
    RoleAssignment.objects.create(person=p["unit_coord"], unit=u["workplace"], role=Role.VIEWER)
    Person.objects.filter(pk=p["member"].pk).update(home_area=a["community_a1a"])
    p["member"].refresh_from_db()
    for key, home in (("member2", a["grid_a1a"]), ("member3", a["community_a1b"])):
        p[key] = t.PersonFactory.create(username=key, home_area=home)
        Membership.objects.create(
            person=p[key],
            unit=u["workplace"],
            kind=MembershipKind.PARTY_MEMBER,
            joined_on=dt.date(2018, 1, 1),
        )
    return world


@pytest.fixture
def vworld(world: t.World) -> t.World:
    return build_volunteering(world)


def skills(*codes: str) -> list[Skill]:
    return list(Skill.objects.filter(code__in=codes))


def make_checkin(
    person: Person,
    *,
    workplace: Unit,
    community: Area,
    grid: Area | None = None,
    skill_codes: Iterable[str] = (),
    availability: int = 0,
    status: str = CheckInStatus.CONFIRMED,
    **fields: Any,
) -> CheckIn:
    """A check-in as it stands after the services made it (test data only: the services'
    own tests go through them)."""
    checkin = CheckIn.objects.create(
        person=person,
        workplace=workplace,
        community=community,
        grid=grid,
        area_path=(grid or community).path,
        status=status,
        availability=availability,
        confirmed_at=timezone.now() if status == CheckInStatus.CONFIRMED else None,
        **fields,
    )
    checkin.skills.set(skills(*skill_codes))
    return checkin
