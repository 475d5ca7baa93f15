"""Factories for tests and benchmarks: a small tree shaped like the real one, units, people.

province 50 > city 5001 > districts A and B > streets A1, A2, B1 > communities A1a, A1b, A2a,
B1a > grid A1a-001. Personas sit where STYLE.md puts them: the street supervisor on street
A1, the department handler in district A, the community staff in community A1a, and so on.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import factory
from django.test import Client

from needle.areas.models import Area, Level
from needle.orgs.models import Membership, MembershipKind, Person, Role, RoleAssignment, Unit, UnitType
from needle.orgs.services import token_create


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"区域{n}")
    level = Level.PROVINCE
    parent = None
    code = factory.Sequence(lambda n: f"{990000000000 + n:012d}")
    path = factory.LazyAttribute(lambda o: (o.parent.path if o.parent else "") + o.code + "/")
    depth = factory.LazyAttribute(lambda o: o.path.count("/"))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.django.Password("secret-pass-123")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"单位{n}")
    type = UnitType.RESIDENT_COMMITTEE
    area = factory.SubFactory(AreaFactory)
    area_path = factory.LazyAttribute(lambda o: o.area.path)
    founded_on = dt.date(2010, 1, 1)


def area(code: str, name: str, level: int, parent: Area | None) -> Area:
    return AreaFactory.create(code=code, name=name, level=level, parent=parent)


@dataclass
class World:
    areas: dict[str, Any] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)


PERSONAS = [
    # persona, unit key, role
    ("city_admin", "city_go", Role.ADMIN),
    ("dispatcher", "city_go", Role.DISPATCHER),
    ("district_auditor", "district_a_go", Role.AUDITOR),
    ("handler", "district_a_env", Role.HANDLER),
    ("supervisor", "street_a1", Role.SUPERVISOR),
    ("street_admin", "street_a1", Role.ADMIN),
    ("staff", "rc_a1a", Role.COORDINATOR),
    ("other_supervisor", "street_b1", Role.SUPERVISOR),
]


def build_world() -> World:
    w = World()
    a = w.areas
    a["province"] = area("500000000000", "重庆市", Level.PROVINCE, None)
    a["city"] = area("500100000000", "市辖区", Level.CITY, a["province"])
    a["district_a"] = area("500103000000", "渝中区", Level.DISTRICT, a["city"])
    a["district_b"] = area("500106000000", "沙坪坝区", Level.DISTRICT, a["city"])
    a["street_a1"] = area("500103001000", "七星岗街道", Level.STREET, a["district_a"])
    a["street_a2"] = area("500103002000", "解放碑街道", Level.STREET, a["district_a"])
    a["street_b1"] = area("500106001000", "小龙坎街道", Level.STREET, a["district_b"])
    a["community_a1a"] = area("500103001001", "华一坡社区居委会", Level.COMMUNITY, a["street_a1"])
    a["community_a1b"] = area("500103001002", "领事巷社区居委会", Level.COMMUNITY, a["street_a1"])
    a["community_a2a"] = area("500103002001", "小什字社区居委会", Level.COMMUNITY, a["street_a2"])
    a["community_b1a"] = area("500106001001", "平街社区居委会", Level.COMMUNITY, a["street_b1"])
    a["grid_a1a"] = area("500103001001-001", "第1网格", Level.GRID, a["community_a1a"])
    u = w.units
    u["city_go"] = UnitFactory.create(
        code="go-city", name="市政府办公厅", type=UnitType.GENERAL_OFFICE, area=a["province"]
    )
    u["district_a_go"] = UnitFactory.create(
        code="go-a",
        name="渝中区政府办",
        type=UnitType.GENERAL_OFFICE,
        area=a["district_a"],
        parent=u["city_go"],
    )
    u["district_a_env"] = UnitFactory.create(
        code="env-a",
        name="渝中区生态环境局",
        type=UnitType.DEPARTMENT,
        area=a["district_a"],
        parent=u["district_a_go"],
    )
    u["street_a1"] = UnitFactory.create(
        code="so-a1",
        name="七星岗街道办事处",
        type=UnitType.STREET_OFFICE,
        area=a["street_a1"],
        parent=u["district_a_go"],
    )
    u["street_b1"] = UnitFactory.create(
        code="so-b1", name="小龙坎街道办事处", type=UnitType.STREET_OFFICE, area=a["street_b1"]
    )
    u["rc_a1a"] = UnitFactory.create(
        code="rc-a1a",
        name="华一坡社区居委会",
        type=UnitType.RESIDENT_COMMITTEE,
        area=a["community_a1a"],
        parent=u["street_a1"],
    )
    u["pb_a1a"] = UnitFactory.create(
        code="pb-a1a", name="华一坡社区党委", type=UnitType.PARTY_COMMITTEE, area=a["community_a1a"]
    )
    u["rc_a2a"] = UnitFactory.create(
        code="rc-a2a", name="小什字社区居委会", type=UnitType.RESIDENT_COMMITTEE, area=a["community_a2a"]
    )
    u["rc_b1a"] = UnitFactory.create(
        code="rc-b1a",
        name="平街社区居委会",
        type=UnitType.RESIDENT_COMMITTEE,
        area=a["community_b1a"],
        parent=u["street_b1"],
    )
    p = w.people
    for persona, unit_key, role in PERSONAS:
        p[persona] = PersonFactory.create(username=persona)
        RoleAssignment.objects.create(person=p[persona], unit=u[unit_key], role=role)
    p["member"] = PersonFactory.create(username="member")
    Membership.objects.create(
        person=p["member"], unit=u["pb_a1a"], kind=MembershipKind.PARTY_MEMBER, joined_on=dt.date(2015, 7, 1)
    )
    p["resident"] = PersonFactory.create(username="resident", home_area=a["community_a1a"])
    p["outsider"] = PersonFactory.create(username="outsider")
    p["root"] = PersonFactory.create(username="root", is_superuser=True, is_staff=True)
    return w


class ApiClient:
    """A test client that authenticates with a freshly issued bearer token."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.token = token_create(actor=None, person=person, name="test").secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(path, json.dumps(body or {}), content_type="application/json")

    def patch(self, path: str, body: Any = None) -> Any:
        return self.client.patch(path, json.dumps(body or {}), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(path)


# Residents' requests ------------------------------------------------------------------------


def build_catalog(w: World) -> dict[str, Any]:
    """Two services with a rule and one without: `road` routes to district A's environment
    department, `noise` (with questions) waits for a dispatcher, `private` is not public."""
    from needle.cases.models import AttributeType, Category, RoutingRule, Service, ServiceAttribute

    city = Category.objects.create(code="city", name="城乡建设", name_en="Urban affairs", order=1)
    road = Service.objects.create(
        code="road",
        category=city,
        name="道路破损",
        name_en="Damaged road",
        accept_hours=24,
        resolve_hours=168,
        keywords="路 坑",
    )
    noise = Service.objects.create(
        code="noise",
        category=city,
        name="噪音扰民",
        name_en="Noise",
        deadline_class="urgent",
        accept_hours=1,
        resolve_hours=2,
    )
    ServiceAttribute.objects.create(
        service=noise,
        code="when",
        datatype=AttributeType.SINGLE,
        required=True,
        description="什么时候？",
        values=[{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
    )
    ServiceAttribute.objects.create(
        service=noise, code="floor", datatype=AttributeType.NUMBER, description="楼层"
    )
    private = Service.objects.create(
        code="private",
        category=city,
        name="家庭纠纷",
        name_en="Family dispute",
        accept_hours=24,
        resolve_hours=72,
        public=False,
    )
    RoutingRule.objects.create(
        service=road,
        area=w.areas["district_a"],
        area_path=w.areas["district_a"].path,
        unit=w.units["district_a_env"],
    )
    return {"road": road, "noise": noise, "private": private}


def submit(
    w: World, service: Any, *, area: str = "community_a1a", reporter: str | None = "resident", **kw: Any
) -> Any:
    from needle.cases.services import Intake, case_submit

    kw.setdefault("description", "小区门口的路面塌了一个坑，晚上很危险。")
    intake = Intake(service=service, area=w.areas[area], **kw)
    return case_submit(actor=w.people[reporter] if reporter else None, intake=intake)
