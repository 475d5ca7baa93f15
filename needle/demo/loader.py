"""`needle demo`: one real city (Chongqing) with plausible units and a login per persona.

Areas and boundaries go through the real importers; the points of streets and communities and
the grids' outlines are invented (places.py). Units, people and memberships are a
seeded fixture written in bulk (tens of thousands of rows in a few seconds) and recorded as
one audit event; everything a user does afterwards goes through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from needle.areas.models import Area, Level, subtree_q
from needle.areas.services import area_import, boundaries_import
from needle.core.audit import audit_record
from needle.demo.care import demo_care_load
from needle.demo.cases import demo_cases_load
from needle.demo.center import demo_center_load
from needle.demo.consult import demo_consult_load
from needle.demo.names import random_name, random_phone
from needle.demo.places import invent_grids, invent_points
from needle.demo.supervision import demo_supervision_load
from needle.demo.volunteering import demo_volunteering_load
from needle.orgs.models import (
    GridAssignment,
    Membership,
    MembershipKind,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitType,
)

DATA = Path(__file__).resolve().parent / "data"
CITY_CODE = "500000000000"
SEED = 2026
MEMBERS_PER_BRANCH = 3

CITY_DEPARTMENTS = [
    ("env", "生态环境局"),
    ("housing", "住房和城乡建设委员会"),
    ("transport", "交通局"),
    ("civil", "民政局"),
    ("market", "市场监督管理局"),
    ("urban", "城市管理局"),
]
DISTRICT_DEPARTMENTS = CITY_DEPARTMENTS[:4]


@dataclass(frozen=True)
class Login:
    username: str
    persona: str
    where: str


def _founded(rng: random.Random, today: dt.date) -> dt.date:
    # Most bodies are old; about one in twenty-five was founded this year.
    if rng.random() < 0.04:
        return today - dt.timedelta(days=rng.randint(0, max(0, (today - today.replace(month=1, day=1)).days)))
    return dt.date(rng.randint(1985, today.year - 1), rng.randint(1, 12), rng.randint(1, 28))


def _short(name: str) -> str:
    for suffix in ("社区居委会", "社区居民委员会", "居委会", "村委会", "村民委员会", "办事处"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Units:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng, self.today = rng, today
        self.rows: list[Unit] = []
        self.by_code: dict[str, Unit] = {}

    def add(self, code: str, name: str, type: str, area: Area, parent: Unit | None) -> Unit:
        founded = _founded(self.rng, self.today)
        if parent is not None and founded < parent.founded_on:
            founded = parent.founded_on
        unit = Unit(
            code=code, name=name, type=type, area=area, area_path=area.path, parent=parent, founded_on=founded
        )
        self.rows.append(unit)
        self.by_code[code] = unit
        return unit

    def save_level(self) -> None:
        Unit.objects.bulk_create(self.rows, batch_size=2000)
        self.rows = []


def _build_units(city: Area, rng: random.Random, today: dt.date) -> None:
    units = _Units(rng, today)
    areas = list(Area.objects.filter(subtree_q(city.path), level__lte=Level.COMMUNITY, retired=False))
    districts = [a for a in areas if a.level == Level.DISTRICT and a.name != "市辖区"]
    streets = [a for a in areas if a.level == Level.STREET]
    communities = [a for a in areas if a.level == Level.COMMUNITY]
    by_id = {a.pk: a for a in areas}

    city_pc = units.add("pc-" + city.code, "中共重庆市委员会", UnitType.PARTY_COMMITTEE, city, None)
    city_go = units.add("go-" + city.code, "重庆市人民政府办公厅", UnitType.GENERAL_OFFICE, city, None)
    units.save_level()
    units.add(
        "hotline-" + city.code, "重庆市12345政务服务便民热线中心", UnitType.GENERAL_OFFICE, city, city_go
    )
    for key, name in CITY_DEPARTMENTS:
        units.add(f"dept-{key}-{city.code}", "重庆市" + name, UnitType.DEPARTMENT, city, city_go)
    for d in districts:
        units.add("pc-" + d.code, f"中共重庆市{d.name}委员会", UnitType.PARTY_COMMITTEE, d, city_pc)
        units.add("go-" + d.code, f"重庆市{d.name}人民政府办公室", UnitType.GENERAL_OFFICE, d, city_go)
    units.save_level()
    for d in districts:
        for key, name in DISTRICT_DEPARTMENTS:
            units.add(
                f"dept-{key}-{d.code}", d.name + name, UnitType.DEPARTMENT, d, units.by_code["go-" + d.code]
            )
    district_of = {d.pk: d for d in districts}
    for s in streets:
        # Dongguan-style gaps do not occur in Chongqing, but a street under a placeholder
        # county still needs parents: fall back to the city's bodies.
        parent_district = district_of.get(s.parent_id or 0)
        go = units.by_code["go-" + parent_district.code] if parent_district else city_go
        pc = units.by_code["pc-" + parent_district.code] if parent_district else city_pc
        office = "办事处" if s.name.endswith("街道") else "人民政府"
        units.add("so-" + s.code, s.name + office, UnitType.STREET_OFFICE, s, go)
        units.add(
            "pc-" + s.code,
            f"中共{s.name}工作委员会" if s.name.endswith("街道") else f"中共{s.name}委员会",
            UnitType.PARTY_COMMITTEE,
            s,
            pc,
        )
    units.save_level()
    for c in communities:
        s = by_id[c.parent_id]  # type: ignore[index]
        so, pc = units.by_code["so-" + s.code], units.by_code["pc-" + s.code]
        short = _short(c.name)
        units.add("rc-" + c.code, c.name, UnitType.RESIDENT_COMMITTEE, c, so)
        units.add(
            "pb-" + c.code,
            f"中共{short}{'委员会' if '社区' in c.name else '支部委员会'}",
            UnitType.PARTY_BRANCH if "社区" not in c.name else UnitType.PARTY_COMMITTEE,
            c,
            pc,
        )
        if "社区" in c.name:
            units.add(
                "sc-" + c.code,
                f"{short}社区党群服务中心".replace("社区社区", "社区"),
                UnitType.SERVICE_CENTER,
                c,
                so,
            )
    units.save_level()
    # A few service centers merged away this year: the figures show a net change.
    start_of_year = today.replace(month=1, day=1)
    centers = list(
        Unit.objects.filter(
            subtree_q(city.path, "area_path"), type=UnitType.SERVICE_CENTER, founded_on__lt=start_of_year
        )
        .order_by("code")
        .values_list("pk", flat=True)
    )
    gone = rng.sample(centers, k=min(len(centers), len(centers) // 60))
    if (today - start_of_year).days > 0:
        for pk in gone:
            Unit.objects.filter(pk=pk).update(
                dissolved_on=start_of_year + dt.timedelta(days=rng.randint(0, (today - start_of_year).days))
            )


def _build_members(city: Area, rng: random.Random, today: dt.date) -> None:
    branches = list(
        Unit.objects.filter(subtree_q(city.path, "area_path"), area__level=Level.COMMUNITY)
        .filter(type__in=[UnitType.PARTY_BRANCH, UnitType.PARTY_COMMITTEE])
        .order_by("code")
        .values_list("pk", "code", "founded_on")
    )
    unusable = make_password(None)
    people, memberships = [], []
    for pk, code, founded in branches:
        for i in range(MEMBERS_PER_BRANCH):
            username = f"m{code[3:]}{i}"
            people.append(
                Person(
                    username=username,
                    password=unusable,
                    display_name=random_name(rng),
                    phone=random_phone(rng),
                )
            )
            joined = max(founded, _founded(rng, today))
            left = None
            if rng.random() < 0.03 and joined < today:
                left = joined + dt.timedelta(days=rng.randint(0, (today - joined).days))
            memberships.append((username, pk, joined, left))
    Person.objects.bulk_create(people, batch_size=2000)
    ids = dict(Person.objects.filter(username__in=[p.username for p in people]).values_list("username", "pk"))
    Membership.objects.bulk_create(
        [
            Membership(
                person_id=ids[u], unit_id=unit_id, kind=MembershipKind.PARTY_MEMBER, joined_on=j, left_on=left
            )
            for u, unit_id, j, left in memberships
        ],
        batch_size=2000,
    )


def _persona(username: str, display: str, password: str, rng: random.Random, **extra: object) -> Person:
    person = Person(
        username=username, password=password, display_name=display, phone=random_phone(rng), **extra
    )
    person.save()
    return person


def _build_personas(city: Area, rng: random.Random) -> list[Login]:
    password = make_password(settings.NEEDLE_DEMO_PASSWORD)
    u = Unit.objects.get
    district = (
        Area.objects.filter(subtree_q(city.path), level=Level.DISTRICT, name="渝中区").first()
        or Area.objects.filter(subtree_q(city.path), level=Level.DISTRICT)
        .exclude(name="市辖区")
        .order_by("code")
        .first()
    )
    assert district is not None
    street = Area.objects.filter(parent=district, level=Level.STREET).order_by("code").first()
    assert street is not None
    community = Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code").first()
    assert community is not None
    logins: list[Login] = []

    def make(
        username: str, display: str, persona: str, roles: list[tuple[Unit, str]], where: str, **extra: object
    ) -> Person:
        person = _persona(username, display, password, rng, **extra)
        for unit, role in roles:
            RoleAssignment.objects.create(person=person, unit=unit, role=role)
        logins.append(Login(username, persona, where))
        return person

    city_go = u(code="go-" + city.code)
    make(
        "admin",
        "市级管理员",
        "city admin",
        [(city_go, Role.ADMIN), (city_go, Role.AUDITOR)],
        city.name,
        is_staff=True,
        is_superuser=True,
        language="zh-hans",
    )
    make(
        "dispatcher",
        "热线派单员",
        "dispatcher",
        [(u(code="hotline-" + city.code), Role.DISPATCHER)],
        city.name,
    )
    make("analyst", "运行中心分析员", "operations analyst", [(city_go, Role.VIEWER)], city.name)
    make(
        "auditor",
        f"{district.name}审计员",
        "district auditor",
        [(u(code="go-" + district.code), Role.AUDITOR)],
        district.name,
    )
    make(
        "handler",
        f"{district.name}生态环境局办事员",
        "department handler",
        [(u(code="dept-env-" + district.code), Role.HANDLER)],
        district.name,
    )
    make(
        "supervisor",
        f"{street.name}督办员",
        "street supervisor",
        [(u(code="so-" + street.code), Role.SUPERVISOR), (u(code="so-" + street.code), Role.ADMIN)],
        street.name,
    )
    staff = make(
        "staff",
        f"{_short(community.name)}社区工作者",
        "community staff",
        [(u(code="rc-" + community.code), Role.COORDINATOR)],
        community.name,
    )
    member = make("member", "在职党员", "organization member", [], community.name, home_area=community)
    Membership.objects.create(
        person=member,
        unit=u(code="pb-" + community.code),
        kind=MembershipKind.PARTY_MEMBER,
        joined_on=dt.date(2015, 7, 1),
    )
    Membership.objects.create(
        person=staff,
        unit=u(code="rc-" + community.code),
        kind=MembershipKind.STAFF,
        joined_on=dt.date(2019, 3, 1),
    )
    make("resident", "居民", "resident", [], community.name, home_area=community, language="zh-hans")
    make("outsider", "外部访客", "outsider", [], "—")
    # Grids divide the staff member's community; the grid worker holds the first one.
    worker = make(
        "gridworker",
        "网格员",
        "grid worker",
        [(u(code="rc-" + community.code), Role.VISITOR)],
        community.name,
    )
    # The street's communities are divided into grids (invented outlines, places.py); the
    # staff member's has three.
    grids = invent_grids(street, sizes={community.pk: 3})
    grid = grids[community.pk].outlines[0][0]
    GridAssignment.objects.create(grid=grid, worker=worker, area_path=grid.path)
    logins[-1] = Login("gridworker", "grid worker", f"{community.name} {grid.name}")
    return logins


def demo_load(*, areas_file: Path | None = None) -> tuple[list[Login], bool]:
    """Load the demo city; a second run only refreshes areas and returns the same logins."""
    area_import(actor=None, source=areas_file or DATA / "chongqing_500000_areas.csv.gz")
    with open(DATA / "chongqing_500000_districts.geojson.gz", "rb") as f:
        boundaries_import(actor=None, source=f, crs="gcj02")
    city = Area.objects.get(code=CITY_CODE)
    if Person.objects.filter(username="admin").exists():
        return _existing_logins(), False
    rng = random.Random(SEED)
    today = timezone.localdate()
    with transaction.atomic():
        invent_points(city)
        _build_units(city, rng, today)
        _build_members(city, rng, today)
        logins = _build_personas(city, rng)
        demo_cases_load(city)
        staff = RoleAssignment.objects.select_related("unit__area__parent", "person").get(
            person__username="staff"
        )
        street = staff.unit.area.parent
        district = street.parent if street is not None else None
        assert district is not None
        # Its own generator: the center's rows leave everything else the demo invents as it was.
        demo_center_load(
            area=district,
            staff=staff.person,
            rng=random.Random(SEED + 16),
            resident=Person.objects.get(username="resident"),
        )
        demo_volunteering_load(
            area=district,
            rng=random.Random(SEED + 17),
            staff=staff.person,
            member=Person.objects.get(username="member"),
        )
        demo_care_load(
            area=district,
            rng=random.Random(SEED + 18),
            staff=staff.person,
            member=Person.objects.get(username="member"),
        )
        demo_consult_load(
            staff=staff.person,
            admin=Person.objects.get(username="admin"),
            resident=Person.objects.get(username="resident"),
            rng=random.Random(SEED + 19),
        )
        demo_supervision_load(
            area=district,
            rng=random.Random(SEED + 20),
            actor=Person.objects.get(username="admin"),
            staff=staff.person,
        )
        audit_record(
            actor=None,
            action="demo.loaded",
            obj=city,
            new={"units": Unit.objects.count(), "people": Person.objects.count()},
        )
    return logins, True


PERSONAS = [
    ("admin", "city admin"),
    ("dispatcher", "dispatcher"),
    ("analyst", "operations analyst"),
    ("auditor", "district auditor"),
    ("handler", "department handler"),
    ("supervisor", "street supervisor"),
    ("staff", "community staff"),
    ("member", "organization member"),
    ("resident", "resident"),
    ("outsider", "outsider"),
    ("gridworker", "grid worker"),
]


def _existing_logins() -> list[Login]:
    where = {
        p.username: (p.roles.select_related("unit__area").first() or None)
        for p in Person.objects.filter(username__in=[u for u, _ in PERSONAS])
    }
    return [
        Login(u, persona, ra.unit.area.name if ra else "—")
        for u, persona in PERSONAS
        if u in where
        for ra in [where[u]]
    ]
