"""Factories for tests and benchmarks: a small tree shaped like the real one, units, people.

province 50 > city 5001 > districts A and B > streets A1, A2, B1 > communities A1a, A1b, A2a,
B1a > grid A1a-001. Personas sit where STYLE.md puts them: the street supervisor on street
A1, the department handler in district A, the community staff in community A1a, and so on.

Every helper more than one test module uses lives here too (request texts, history, map
boundaries, the browser Tab), so that no test module imports another.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import factory
from django.db.models import F, Q
from django.test import Client
from django.utils import timezone, translation

from needle.areas.models import Area, Level, is_placeholder, subtree_q
from needle.cases.models import OPEN_STATES, Callback, Case, CaseEvent, EventKind, State
from needle.cases.selectors import period_bounds
from needle.intel.models import HotTopic
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
    placeholder = factory.LazyAttribute(lambda o: is_placeholder(name=o.name, level=o.level))


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


UNITS = [
    # key, code, name, type, area key, parent unit key (listed before its children)
    ("city_go", "go-city", "市政府办公厅", UnitType.GENERAL_OFFICE, "province", None),
    ("district_a_go", "go-a", "渝中区政府办", UnitType.GENERAL_OFFICE, "district_a", "city_go"),
    ("district_a_env", "env-a", "渝中区生态环境局", UnitType.DEPARTMENT, "district_a", "district_a_go"),
    ("street_a1", "so-a1", "七星岗街道办事处", UnitType.STREET_OFFICE, "street_a1", "district_a_go"),
    ("street_b1", "so-b1", "小龙坎街道办事处", UnitType.STREET_OFFICE, "street_b1", None),
    ("rc_a1a", "rc-a1a", "华一坡社区居委会", UnitType.RESIDENT_COMMITTEE, "community_a1a", "street_a1"),
    ("pb_a1a", "pb-a1a", "华一坡社区党委", UnitType.PARTY_COMMITTEE, "community_a1a", None),
    ("rc_a2a", "rc-a2a", "小什字社区居委会", UnitType.RESIDENT_COMMITTEE, "community_a2a", None),
    ("rc_b1a", "rc-b1a", "平街社区居委会", UnitType.RESIDENT_COMMITTEE, "community_b1a", "street_b1"),
]

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
    for key, code, name, type_, area_key, parent in UNITS:
        u[key] = UnitFactory.create(
            code=code, name=name, type=type_, area=a[area_key], parent=u[parent] if parent else None
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

    def put(self, path: str, body: Any = None) -> Any:
        return self.client.put(path, json.dumps(body or {}), content_type="application/json")

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


def report_form(catalog: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The public report form filled in for a pothole in community A1a, a new idempotency key
    each time; `extra` adds or replaces fields."""
    return {
        "service": catalog["road"].code,
        "description": "楼下的路面塌了一个大坑。",
        "area": "500103001001",
        "contact_name": "王小明",
        "contact_phone": "13812345678",
        "consent": "on",
        "idempotency_key": uuid.uuid4().hex,
        **extra,
    }


# Request intelligence: texts a classifier can learn from and cluster ------------------------

# Requests of three kinds, told in varied words: enough for a classifier to learn them apart.
KINDS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "noise": (
        ["楼上", "隔壁", "小区广场", "工地", "楼下商铺", "酒吧"],
        ["夜间施工噪音", "装修电钻声", "广场舞音响太响", "半夜大声喧哗", "音响噪音扰民", "机器轰鸣"],
        ["吵得睡不着觉", "老人孩子无法休息", "每天晚上十点以后还在响", "投诉多次无人管", "严重影响休息"],
    ),
    "road": (
        ["小区门口", "学校旁边", "公交站前", "菜市场外", "主干道上", "人行道上"],
        [
            "路面塌陷一个大坑",
            "井盖破损缺失",
            "道路开裂坑洼不平",
            "沥青路面破损",
            "人行道地砖松动",
            "路面积水坑洞",
        ],
        ["车辆经过很危险", "行人容易摔倒", "下雨天积水严重", "希望尽快修补路面", "电动车已经摔倒过"],
    ),
    "light": (
        ["小区北门", "河边步道", "停车场", "巷子里", "公园小路", "桥下"],
        ["路灯不亮", "路灯坏了好几盏", "照明灯一直闪", "晚上一片漆黑没有灯", "路灯杆倾斜灯不亮", "灯具损坏"],
        ["晚上走路看不见", "居民夜间出行不安全", "已经黑了一个月", "请尽快维修照明", "老人晚上不敢出门"],
    ),
}


def hot_topic(w: World, title: str, *, area: str = "community_a1a") -> HotTopic:
    """A hot topic of six requests by six reporters in `area`, found just now."""
    now, place = timezone.now(), w.areas[area]
    return HotTopic.objects.create(
        title=title,
        heat=6.0,
        size=6,
        reporters=6,
        start=now,
        end=now,
        area=place,
        area_path=place.path,
        detected_at=now,
    )


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together (each thread has its own database
    connection, closed when it ends): what each returned or raised, in the calls' order. The
    races between two workers or two people are tried this way on PostgreSQL."""
    import threading

    from django.db import connections

    start = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            start.wait()
            outcomes[i] = calls[i]()
        except BaseException as exc:  # the caller asserts on it
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def texts_of(kind: str, n: int, seed: int = 0) -> list[str]:
    rng = random.Random(f"{kind}-{seed}")
    where, what, why = KINDS[kind]
    return [f"{rng.choice(where)}{rng.choice(what)}，{rng.choice(why)}。{rng.choice(why)}" for _ in range(n)]


# A request a classifier trained on closed_history is sure of, and one it cannot place.
NOISE = "楼上装修电钻声，每天晚上十点以后还在响，吵得睡不着觉，老人孩子无法休息。"
VAGUE = "请问社区办事大厅周末几点开门？"
# The same matter told twice in other words: a likely duplicate.
POTHOLE = "华一坡社区门口的路面塌了一个大坑，晚上骑电动车很危险，已经有人摔倒。"
POTHOLE_AGAIN = "社区门口路面塌了个大坑，电动车晚上很危险，请尽快修补。"
LIFT = [  # one matter at one named place, told six ways (as real clusters are)
    "金山花园小区3栋电梯又坏了，老人上下楼非常困难，请物业尽快维修电梯。",
    "金山花园小区3栋电梯故障停运一周了，物业不修，老人被困家中。",
    "金山花园小区3栋电梯天天坏，物业维修电梯一拖再拖。",
    "反映金山花园小区3栋电梯故障问题，物业长期不维修电梯，居民爬楼很辛苦。",
    "金山花园小区3栋电梯又停了，老人出不了门，物业维修电梯太慢。",
    "金山花园小区3栋电梯坏了多次，请督促物业彻底维修电梯。",
]
OTHERS = [  # unrelated requests around them
    "学校门口早晚高峰拥堵，希望增派交警疏导。",
    "菜市场垃圾堆放没人清运，气味很大。",
    "公园健身器材损坏，希望更换。",
    "小区停车位被长期占用，业主无处停车。",
    "河边步道路灯不亮，夜里很黑。",
]


def closed_history(
    w: World, catalog: dict[str, Any], per_kind: int = 30, *, days_ago: int = 90
) -> list[Case]:
    """Closed cases of noise, road and light in community A1a, each handled by the same unit."""
    handler = {"noise": w.units["rc_a1a"], "road": w.units["district_a_env"], "light": w.units["street_a1"]}
    area = w.areas["community_a1a"]
    start = timezone.now() - dt.timedelta(days=days_ago)
    cases = []
    n = 0
    for kind in KINDS:
        for i, text in enumerate(texts_of(kind, per_kind)):
            n += 1
            at = start + dt.timedelta(hours=n)
            cases.append(
                Case(
                    number=f"19990101{n:06d}",
                    service=catalog[kind],
                    area=area,
                    area_path=area.path,
                    title=text[:20],
                    description=text,
                    state=State.CLOSED,
                    lead_unit=handler[kind],
                    tracking_token=f"hist-{kind}-{i}",
                    public=True,
                    submitted_at=at,
                    accept_due_at=at + dt.timedelta(hours=24),
                    resolve_due_at=at + dt.timedelta(days=3),
                    closed_at=at + dt.timedelta(days=1),
                )
            )
    return Case.objects.bulk_create(cases)


# Operations: cases moved back in time, and the indicators counted without the rollups -------


def shift(case: Case, days: int) -> Case:
    """Move every timestamp of a case `days` into the past (an edit: updated_at is now)."""
    delta = dt.timedelta(days=days)
    fields = [
        "submitted_at",
        "dispatched_at",
        "accept_due_at",
        "accepted_at",
        "resolved_at",
        "resolve_due_at",
        "closed_at",
        "suspended_at",
    ]
    values = {f: getattr(case, f) - delta for f in fields if getattr(case, f) is not None}
    Case.objects.filter(pk=case.pk).update(**values, updated_at=timezone.now())
    for cb in Callback.objects.filter(case=case):
        Callback.objects.filter(pk=cb.pk).update(at=cb.at - delta)
    for ev in CaseEvent.objects.filter(case=case):
        CaseEvent.objects.filter(pk=ev.pk).update(at=ev.at - delta)
    case.refresh_from_db()
    return case


def raw_counts(
    *, start: dt.date, end: dt.date, area: Area | None = None, units: list[int] | None = None
) -> dict[str, int]:
    """The indicators counted straight from cases, callbacks and events (no rollup code)."""
    lo, hi = period_bounds(start, end)
    cases = Case.objects.all()
    callbacks = Callback.objects.all()
    reopenings = CaseEvent.objects.filter(kind=EventKind.REOPENED)
    if area is not None:
        cases = cases.filter(subtree_q(area.path, "area_path"))
        callbacks = callbacks.filter(subtree_q(area.path, "case__area_path"))
        reopenings = reopenings.filter(subtree_q(area.path, "case__area_path"))
    if units is not None:
        cases = cases.filter(lead_unit_id__in=units)
        callbacks = callbacks.filter(lead_unit_id__in=units)
        reopenings = reopenings.filter(unit_id__in=units)

    def n(qs: Any, **kw: Any) -> int:
        return qs.filter(**kw).count()

    in_period = {"submitted_at__gte": lo, "submitted_at__lt": hi}
    due = Q(accept_due_at__gte=lo, accept_due_at__lt=hi)
    res = Q(resolved_at__gte=lo, resolved_at__lt=hi)
    cb = callbacks.filter(at__gte=lo, at__lt=hi)

    open_cases = cases.filter(state__in=OPEN_STATES)
    return {
        "received": n(cases, **in_period),
        "dispatched": n(cases, dispatched_at__gte=lo, dispatched_at__lt=hi),
        "response_due": cases.filter(due).count(),
        "responded_on_time": cases.filter(due, accepted_at__lte=F("accept_due_at")).count(),
        "resolved": cases.filter(res).count(),
        "resolved_on_time": cases.filter(res, resolved_at__lte=F("resolve_due_at")).count(),
        "callbacks": cb.count(),
        "solved": n(cb, solved=True),
        "rated": n(cb, rating__isnull=False),
        "satisfied": n(cb, rating__gte=4),
        "reopened": n(reopenings, at__gte=lo, at__lt=hi),
        "open": open_cases.count(),
        "due_soon": n(open_cases, colour="blue"),
        "overdue": n(open_cases, colour="yellow"),
        "overdue_serious": n(open_cases, colour="red"),
    }


# Maps: boundaries for the small tree's areas (test data, set through the ORM) ----------------


def give_districts_boundaries(world: World) -> None:
    """Two adjacent squares near Chongqing for the districts (test data, set through the ORM)."""
    for i, key in enumerate(["district_a", "district_b"]):
        lng, lat = 106.5 + 0.1 * i, 29.5
        ring = [[lng, lat], [lng + 0.1, lat], [lng + 0.1, lat + 0.1], [lng, lat + 0.1], [lng, lat]]
        Area.objects.filter(pk=world.areas[key].pk).update(
            boundary={"type": "Polygon", "coordinates": [ring]},
            centroid_lat=lat + 0.05,
            centroid_lng=lng + 0.05,
        )


def give_community_boundary(world: World) -> None:
    """A square inside district A's square (106.5–106.6, 29.5–29.6) around its centre, so a pin
    in the middle of district A lands in community A1a, the deepest area containing it."""
    lng, lat = 106.52, 29.52
    ring = [[lng, lat], [lng + 0.06, lat], [lng + 0.06, lat + 0.06], [lng, lat + 0.06], [lng, lat]]
    Area.objects.filter(pk=world.areas["community_a1a"].pk).update(
        boundary={"type": "Polygon", "coordinates": [ring]}, centroid_lat=lat + 0.03, centroid_lng=lng + 0.03
    )


# WGS-84 -> GCJ-02 reference points published with googollee/eviltransform (MIT), which most
# Chinese map tools check against: (wgs lat, wgs lng, gcj lat, gcj lng). Both conversions
# (areas/geometry.py and static/needle/maps.js) are tested against them.
GCJ_REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def give_grid_boundary(world: World) -> None:
    """A square for grid 第1网格 of community A1a in the middle of district A's square
    (106.54–106.56, 29.54–29.56; inside the community's square when it has one), so a pin
    there lands in the grid even when the community has no outline."""
    lng, lat = 106.54, 29.54
    ring = [[lng, lat], [lng + 0.02, lat], [lng + 0.02, lat + 0.02], [lng, lat + 0.02], [lng, lat]]
    Area.objects.filter(pk=world.areas["grid_a1a"].pk).update(
        boundary={"type": "Polygon", "coordinates": [ring]}, centroid_lat=lat + 0.01, centroid_lng=lng + 0.01
    )


# Browser tests (the fixtures `browser` and `open_tab` are in needle/conftest.py) -------------

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"  # git-ignored, for a human to look over
PASSWORD = "secret-pass-123"  # PersonFactory's


class Tab:
    """One browser page plus what went wrong in it: JS errors, failed or 4xx/5xx requests."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"JS error: {exc}"))
        page.on("console", self._console)
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )

    def _console(self, message: Any) -> None:
        # A failed load is reported with its URL by the response listener below, which also
        # skips Chromium's own /favicon.ico probe (Needle has no favicon).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _failed(self, request: Any) -> None:
        # net::ERR_ABORTED is the browser dropping a request because the page moved on (a
        # click that navigates while the favicon or a map layer is still loading): nothing
        # failed on our side. Any other failure (refused, reset, blocked) is reported.
        if "ERR_ABORTED" not in str(request.failure):
            self.errors.append(f"failed: {request.url} {request.failure}")

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / name), full_page=True)

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def assert_clean(self) -> None:
        assert not self.errors, "\n".join(self.errors)


def sign_in(tab: Tab, persona: str, screenshot: str | None = None) -> None:
    """Through the real login form, in Chinese (the tab's locale); waits for the home page."""
    page = tab.page
    tab.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", persona)
    page.fill("#id_password", PASSWORD)
    if screenshot:
        tab.shot(screenshot)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(tab.base + "/")
    # Attached, not visible: on a phone the account links fold away into the menu.
    page.locator("header .who").wait_for(state="attached")


def switch_language(tab: Tab, code: str) -> None:
    """Through the header's language form; on a phone the form sits in the folded menu."""
    from playwright.sync_api import expect  # a dev dependency, needed by browser tests only

    page = tab.page
    if not page.locator("#language-select").is_visible():
        page.locator("label.menu-button").click()
    page.select_option("#language-select", code)
    page.locator("form.lang button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", code)


def zh(text: Any) -> str:
    """What a zh-hans page shows for `text` (a msgid or a lazy label)."""
    with translation.override("zh-hans"):
        return str(translation.gettext(text) if isinstance(text, str) else text)
