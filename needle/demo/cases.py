"""The demo's catalogs, routing rules and residents' cases.

Catalogs: the Teddy Cup label tree (first-level labels are categories, second-level labels
services, third-level labels their keywords) and NYC 311's complaint types in an English
"NYC 311" category. Cases: the real residents' messages of the Teddy Cup data, spread over
Chongqing's communities and the past twelve months and taken through the lifecycle up to
today, in every state, with timelines, deadlines and callbacks consistent with the services'
rules. Like the units (see loader.py), this is a seeded fixture written in bulk and recorded
as one audit event.
"""

from __future__ import annotations

import base64
import bisect
import csv
import datetime as dt
import gzip
import io
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level, subtree_q
from needle.cases.deadlines import colour_for
from needle.cases.models import (
    DEADLINE_DEFAULTS,
    OPEN_STATES,
    Assist,
    AttributeType,
    Callback,
    Case,
    CaseEvent,
    Category,
    Channel,
    Colour,
    DeadlineClass,
    EventKind,
    RoutingRule,
    Service,
    ServiceAttribute,
    State,
)
from needle.core.audit import audit_record
from needle.demo.names import random_name, random_phone
from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType

DATA = Path(__file__).resolve().parent / "data"
SEED = 2026
DAYS = 365
NYC_CATEGORY = "nyc311"
DISTRICT_KEYS = ("env", "housing", "transport", "civil")

# Where the cases happen: the personas' community, street and district get a share of their
# own so that every persona page has content; the rest spread over the whole city.
HOME_SHARES = (("community", 0.05), ("street", 0.10), ("district", 0.14))
RESIDENT_CASES = 24


# Catalogs ---------------------------------------------------------------------------------------


def _slug(text: str, prefix: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (prefix + slug)[:40].rstrip("-")


def _read_csv(name: str) -> list[dict[str, str]]:
    path = DATA / name
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


@dataclass
class _Entry:
    """One Teddy Cup second-level label: its service, matching words and department key."""

    service: Service
    l1: str
    l2: str
    department: str
    words: list[tuple[str, int]]


@dataclass
class _Catalog:
    teddy: dict[str, list[_Entry]] = field(default_factory=dict)  # label_l1 -> services

    def pick(self, l1: str, text: str) -> _Entry:
        """Best-effort second-level label: the service whose names and keywords the text hits most."""
        entries = self.teddy[l1]
        best, score = None, 0
        for entry in entries:
            s = sum(weight for word, weight in entry.words if word in text)
            if s > score:
                best, score = entry, s
        if best is None:
            best = next((e for e in entries if e.l2 == "其他"), entries[0])
        return best


def _hours(deadline: str) -> tuple[int, int]:
    return DEADLINE_DEFAULTS[DeadlineClass(deadline)]


def _save_new(model: Any, rows: list[Any]) -> None:
    existing = set(model.objects.filter(code__in=[r.code for r in rows]).values_list("code", flat=True))
    model.objects.bulk_create([r for r in rows if r.code not in existing])


def catalog_load() -> _Catalog:
    """Create the demo categories and services (existing codes are left as they are)."""
    teddy = _read_csv("teddycup_catalog.csv")
    nyc = _read_csv("nyc311_services.csv")
    categories: list[Category] = []
    for i, l1 in enumerate(dict.fromkeys(r["label_l1"] for r in teddy), start=1):
        en = next(r["name_en_l1"] for r in teddy if r["label_l1"] == l1)
        categories.append(Category(code=_slug(en, "tc-"), name=l1, name_en=en, order=i))
    categories.append(Category(code=NYC_CATEGORY, name="NYC 311", name_en="NYC 311", order=99))
    _save_new(Category, categories)
    category = {c.name: c for c in Category.objects.filter(code__in=[c.code for c in categories])}

    services: list[Service] = []
    for r in teddy:
        accept, resolve = _hours(r["deadline_class"])
        name = r["label_l2"] if r["label_l2"] != "其他" else f"其他{r['label_l1']}事项"
        services.append(
            Service(
                code=_slug(r["name_en_l2"], "tc-"),
                category=category[r["label_l1"]],
                name=name,
                name_en=r["name_en_l2"],
                description=f"{r['label_l1']} / {r['label_l2']}",
                keywords=r["keywords_l3"][:300],
                deadline_class=r["deadline_class"],
                accept_hours=accept,
                resolve_hours=resolve,
            )
        )
    codes = Counter(_slug(r["complaint_type"], "nyc-") for r in nyc)
    for r in nyc:
        code = _slug(r["complaint_type"], "nyc-")
        if codes[code] > 1:
            code = _slug(f"{r['complaint_type']} {r['agency']}", "nyc-")
        accept, resolve = _hours(r["deadline_class"])
        details = r["descriptors"].replace("|", ", ")
        services.append(
            Service(
                code=code,
                category=category["NYC 311"],
                name=r["name_zh"],
                name_en=r["complaint_type"],
                description=(
                    f"NYC 311 complaint type, handled in New York by the {r['agency_name']} ({r['agency']})."
                    + (f" Usual details: {details}." if details else "")
                ),
                keywords=details[:300],
                deadline_class=r["deadline_class"],
                accept_hours=accept,
                resolve_hours=resolve,
            )
        )
    assert len({s.code for s in services}) == len(services), "demo service codes collide"
    _save_new(Service, services)
    by_code = {s.code: s for s in Service.objects.filter(code__in=[s.code for s in services])}
    _attributes(by_code)

    result = _Catalog()
    for r in teddy:
        service = by_code[_slug(r["name_en_l2"], "tc-")]
        words = [(w, 2) for w in r["keywords_l3"].split()] + [(w, 1) for w in r["hints"].split()]
        if r["label_l2"] != "其他":
            words.append((r["label_l2"], 2))
        result.teddy.setdefault(r["label_l1"], []).append(
            _Entry(service, r["label_l1"], r["label_l2"], r["department"], words)
        )
    return result


POLLUTION_KINDS = [
    ("noise", "噪音", ("噪", "扰民", "吵")),
    ("air", "大气/异味", ("废气", "油烟", "烟尘", "粉尘", "灰尘", "臭", "空气")),
    ("water", "水污染", ("污水", "废水", "排污", "水质")),
    ("waste", "固体废物", ("垃圾", "废渣", "固废")),
]


def _attributes(services: dict[str, Service]) -> None:
    """Open311 questions: a required day/night on NYC residential noise, and the kind of
    pollution (optional) on the Teddy Cup pollution service."""
    noise = services.get("nyc-noise-residential")
    pollution = services.get("tc-pollution")
    rows = []
    if noise is not None:
        rows += [
            ServiceAttribute(
                service=noise,
                code="when",
                datatype=AttributeType.SINGLE,
                required=True,
                description="When does the noise happen? / 什么时候有噪音？",
                order=1,
                values=[
                    {"key": "day", "name": "Daytime / 白天"},
                    {"key": "night", "name": "At night / 夜间"},
                ],
            ),
            ServiceAttribute(
                service=noise,
                code="source",
                datatype=AttributeType.SINGLE,
                description="What kind of noise? / 什么噪音？",
                order=2,
                values=[
                    {"key": "banging", "name": "Banging/Pounding"},
                    {"key": "music", "name": "Loud Music/Party"},
                    {"key": "talking", "name": "Loud Talking"},
                    {"key": "television", "name": "Loud Television"},
                ],
            ),
        ]
    if pollution is not None:
        rows.append(
            ServiceAttribute(
                service=pollution,
                code="kind",
                datatype=AttributeType.SINGLE,
                description="污染类型",
                datatype_description="Kind of pollution",
                order=1,
                values=[{"key": k, "name": n} for k, n, _words in POLLUTION_KINDS]
                + [{"key": "other", "name": "其他"}],
            )
        )
    existing = set(
        ServiceAttribute.objects.filter(service__in=[r.service for r in rows]).values_list(
            "service_id", "code"
        )
    )
    ServiceAttribute.objects.bulk_create([r for r in rows if (r.service.pk, r.code) not in existing])


def _pollution_kind(text: str) -> str:
    for key, _label, words in POLLUTION_KINDS:
        if any(w in text for w in words):
            return key
    return "other"


# Routing rules ----------------------------------------------------------------------------------


def rules_load(city: Area, catalog: _Catalog, units: dict[str, int]) -> dict[tuple[int, str], int]:
    """A rule at the city for every service with an obvious department, and one per district
    where the district has that department. Returns (service, district code) -> unit id, with
    the city's code for the city-wide rule."""
    districts = list(
        Area.objects.filter(subtree_q(city.path), level=Level.DISTRICT)
        .exclude(name="市辖区")
        .order_by("code")
    )
    wanted: dict[tuple[int, int], tuple[Area, int]] = {}
    routes: dict[tuple[int, str], int] = {}
    for entries in catalog.teddy.values():
        for e in entries:
            unit = units.get(f"dept-{e.department}-{city.code}") if e.department else None
            if unit is None:
                continue
            wanted[(e.service.pk, city.pk)] = (city, unit)
            routes[(e.service.pk, city.code)] = unit
            if e.department not in DISTRICT_KEYS:
                continue
            for d in districts:
                unit = units.get(f"dept-{e.department}-{d.code}")
                if unit is not None:
                    wanted[(e.service.pk, d.pk)] = (d, unit)
                    routes[(e.service.pk, d.code)] = unit
    existing = set(RoutingRule.objects.values_list("service_id", "area_id"))
    RoutingRule.objects.bulk_create(
        [
            RoutingRule(service_id=s, area=area, area_path=area.path, unit_id=unit)
            for (s, a), (area, unit) in wanted.items()
            if (s, a) not in existing
        ],
        batch_size=1000,
    )
    return routes


# Cases ------------------------------------------------------------------------------------------

RESOLVE_NOTES = [
    "经现场核实，已责成责任单位整改，问题已处理完毕，并已电话告知反映人处理结果。",
    "已联系反映人了解详细情况，按照相关政策作出解释说明，反映人表示理解。",
    "已会同社区、物业等单位现场处理，后续将加强日常巡查，防止问题反弹。",
    "经调查，反映情况属实，已督促责任主体限期整改，目前已整改到位。",
    "已协调相关部门依法依规处理，并向反映人告知了办理渠道和进度。",
]
RESOLVE_AGAIN = "回访不满意后再次上门核实，已与反映人当面沟通并进一步处理，问题已解决。"
REJECT_REASONS = [
    "诉求内容不明确，多次联系反映人未果，无法核实办理。",
    "该事项已进入司法程序，请通过诉讼途径依法解决。",
    "不属于政务服务便民热线受理范围，已告知反映人向相关机构反映。",
    "咨询类诉求，已当场解答，无需派单办理。",
]
RETURN_REASONS = [
    "经核实，该事项不属于本单位职责范围，请重新派单。",
    "诉求地址不在本单位辖区，建议转属地街道办理。",
    "该事项涉及多个部门职责，请明确牵头单位后再派。",
]
PROGRESS_NOTES = [
    "已安排工作人员现场查看，正在协调处理。",
    "已约谈相关责任单位，要求限期整改。",
    "已联系反映人，约定时间上门处理。",
]
GOOD_COMMENTS = ["处理及时，态度很好，谢谢！", "问题已经解决了。", "比较满意，希望以后加强巡查。"]
BAD_COMMENTS = ["问题还是没有解决，希望再来看看。", "只打了个电话，没有实际处理。", "答复敷衍，诉求未解决。"]
URGE_NOTE = "该件已超期，请抓紧办理并及时反馈。"
WHISTLE_NOTE = "需相关部门到现场会商处理。"

# (state the case stops at, weight) for cases that are still open today.
STALLS = [
    (State.SUBMITTED, 18),
    (State.DISPATCHED, 18),
    (State.RETURNED, 12),
    (State.ACCEPTED, 12),
    (State.IN_PROGRESS, 22),
    (State.RESOLVED, 14),
    (State.REOPENED, 8),
]
HOURS_OF_DAY = [0, 0, 0, 0, 0, 1, 2, 4, 8, 10, 10, 9, 6, 7, 9, 9, 8, 7, 6, 6, 6, 5, 3, 1]


def _stall_chance(age_days: float) -> float:
    for limit, chance in ((3, 0.55), (10, 0.35), (30, 0.15), (90, 0.04)):
        if age_days < limit:
            return chance
    return 0.008


@dataclass
class _Message:
    source: str
    title: str
    text: str
    l1: str
    time_of_day: str
    reply: str


def _title(text: str) -> str:
    """A title for the messages that came without one (their title was run into the text)."""
    for marker in ("尊敬的", "您好", "你好"):
        i = text.find(marker)
        if 6 <= i <= 60:
            return text[:i].rstrip("，,：:")
    m = re.search(r"[。！？!?]", text)
    if m and 6 <= m.start() <= 40:
        return text[: m.start()]
    return text[:30] + "…"


def _messages() -> list[_Message]:
    return [
        _Message(
            source=r["source"],
            title=(r["title"] or _title(r["text"]))[:200],
            text=r["text"][:4000],
            l1=r["label_l1"],
            time_of_day=r["created_at"][11:19],
            reply=r["reply"],
        )
        for r in _read_csv("teddycup_messages.csv.gz")
    ]


@dataclass
class _Place:
    area_id: int
    path: str
    code: str
    street: str  # street code
    district: str  # district code
    address: str


@dataclass
class _Event:
    at: dt.datetime
    kind: str
    from_state: str = ""
    to_state: str = ""
    actor: int | None = None
    unit: int | None = None
    note: str = ""
    public: bool = True


@dataclass
class _Plan:
    message: _Message
    entry: _Entry
    place: _Place
    submitted_at: dt.datetime
    channel: str
    reporter: int | None
    case: Case | None = None
    events: list[_Event] = field(default_factory=list)
    callbacks: list[tuple[Any, ...]] = field(default_factory=list)
    assists: list[tuple[Assist, dt.datetime]] = field(default_factory=list)
    parent: _Plan | None = None
    merge_note: _Event | None = None


class _Simulation:
    """Takes each case through the lifecycle, as the services would, until today."""

    def __init__(
        self,
        rng: random.Random,
        now: dt.datetime,
        city: Area,
        units: dict[str, int],
        routes: dict[tuple[int, str], int],
        people: dict[str, int],
        acting: dict[int, int],
    ) -> None:
        self.rng, self.now, self.city = rng, now, city
        self.units, self.routes, self.pk, self.acting = units, routes, people, acting
        self.unit_names = dict(
            Unit.objects.filter(pk__in={*routes.values(), *units.values()}).values_list("pk", "name")
        )
        self.areas = dict(
            Area.objects.filter(subtree_q(city.path), level__lte=Level.DISTRICT).values_list("code", "name")
        )

    def _delay(self, median_minutes: float, cap_hours: float) -> dt.timedelta:
        minutes = min(self.rng.lognormvariate(0, 0.9) * median_minutes, cap_hours * 60)
        return dt.timedelta(minutes=max(minutes, 1))

    def _rule_unit(self, plan: _Plan) -> tuple[int | None, str]:
        service = plan.entry.service.pk
        for code in (plan.place.district, self.city.code):
            unit = self.routes.get((service, code))
            if unit is not None:
                return unit, code
        return None, ""

    def run(self, plan: _Plan, stall: str | None, fate: str, earlier: list[_Plan]) -> None:
        rng, now, case = self.rng, self.now, plan.case
        assert case is not None
        service = plan.entry.service
        accept_window = dt.timedelta(hours=service.accept_hours)
        resolve_window = dt.timedelta(hours=service.resolve_hours)
        t0 = case.submitted_at
        state: str = State.SUBMITTED
        lead: int | None = None
        ev = plan.events

        def move(at: dt.datetime, kind: str, to: str, **kw: Any) -> None:
            nonlocal state
            ev.append(_Event(at=at, kind=kind, from_state=state, to_state=to, **kw))
            state = to

        def actor_for(unit: int | None) -> int | None:
            return self.acting.get(unit) if unit is not None else None

        ev.append(
            _Event(
                at=t0,
                kind=EventKind.SUBMITTED,
                actor=plan.reporter,
                note=_("Received via %(channel)s.") % {"channel": Channel(plan.channel).label},
            )
        )
        dispatcher = self.pk.get("dispatcher")
        street_office = self.units["so-" + plan.place.street]
        t = t0
        rule_unit, rule_area = self._rule_unit(plan)
        if rule_unit is not None:
            lead = rule_unit
            note = _("Routed by rule: %(area)s → %(unit)s.") % {
                "area": self.areas.get(rule_area, rule_area),
                "unit": self.unit_names.get(rule_unit, ""),
            }
            move(t, EventKind.ROUTED, State.DISPATCHED, unit=lead, note=note)
            case.dispatched_at = t
        elif stall == State.SUBMITTED:
            return self._finish(plan, state, lead)
        else:
            t = t + self._delay(40, 20)
            if t > now:
                return self._finish(plan, state, lead)
        if fate in ("reject", "merge"):
            if rule_unit is not None:
                t = t + self._delay(60, 20)
                if t > now:
                    return self._finish(plan, state, lead)
            parent = self._parent(plan, earlier) if fate == "merge" else None
            if parent is not None and parent.case is not None:
                plan.parent = parent
                move(t, EventKind.MERGED, State.MERGED, actor=dispatcher, note=parent.case.number)
                plan.merge_note = _Event(
                    at=t,
                    kind=EventKind.MERGED,
                    actor=dispatcher,
                    note=_("%(number)s merged into this case.") % {"number": case.number},
                    public=False,
                )
            else:
                move(t, EventKind.REJECTED, State.REJECTED, actor=dispatcher, note=rng.choice(REJECT_REASONS))
            case.closed_at = t
            return self._finish(plan, state, lead)
        if lead is None:
            lead = street_office
            move(t, EventKind.DISPATCHED, State.DISPATCHED, actor=dispatcher, unit=lead)
            case.dispatched_at = t
        # The unit may say "not ours" and send it back to the dispatchers.
        if stall == State.RETURNED or rng.random() < 0.05:
            t = t + min(self._delay(90, 12), accept_window * 0.8)
            if t > now:
                return self._finish(plan, state, lead)
            move(
                t,
                EventKind.RETURNED,
                State.RETURNED,
                actor=actor_for(lead),
                unit=lead,
                note=rng.choice(RETURN_REASONS),
            )
            previous, lead = lead, None
            if stall == State.RETURNED:
                return self._finish(plan, state, lead)
            t = t + self._delay(30, 8)
            if t > now:
                return self._finish(plan, state, lead)
            office = self.units.get("go-" + plan.place.district, self.units["go-" + self.city.code])
            lead = street_office if previous != street_office else office
            move(t, EventKind.DISPATCHED, State.DISPATCHED, actor=dispatcher, unit=lead)
            case.dispatched_at = t
        if stall == State.DISPATCHED:
            return self._finish(plan, state, lead)
        # Accept: most within the window.
        if rng.random() < 0.95:
            t = max(t + dt.timedelta(minutes=2), t0 + accept_window * rng.uniform(0.05, 0.95))
        else:
            t = t0 + accept_window * rng.uniform(1.1, 3.0)
        if t > now:
            return self._finish(plan, state, lead)
        move(t, EventKind.ACCEPTED, State.ACCEPTED, actor=actor_for(lead), unit=lead)
        case.accepted_at = t
        if stall == State.ACCEPTED:
            return self._finish(plan, state, lead)
        reopens = 0
        while True:
            if stall == State.IN_PROGRESS or rng.random() < 0.6:
                t = t + resolve_window * rng.uniform(0.01, 0.1)
                if t > now:
                    return self._finish(plan, state, lead)
                move(t, EventKind.STARTED, State.IN_PROGRESS, actor=actor_for(lead), unit=lead)
                if rng.random() < 0.3:
                    t = t + resolve_window * rng.uniform(0.01, 0.2)
                    if t > now:
                        return self._finish(plan, state, lead)
                    ev.append(
                        _Event(
                            at=t,
                            kind=EventKind.NOTE,
                            actor=actor_for(lead),
                            unit=lead,
                            note=rng.choice(PROGRESS_NOTES),
                            public=False,
                        )
                    )
                if state == State.IN_PROGRESS and lead == street_office and rng.random() < 0.08:
                    t = self._whistle(plan, t)
                if stall == State.IN_PROGRESS:
                    return self._finish(plan, state, lead)
            # Resolve: most before the deadline.
            if rng.random() < 0.88:
                target = t0 + resolve_window * rng.uniform(0.15, 0.98)
            else:
                target = t0 + resolve_window * rng.uniform(1.05, 2.5)
            t = max(t + dt.timedelta(minutes=10), target)
            if t > now:
                return self._finish(plan, state, lead)
            note = RESOLVE_AGAIN if reopens else (plan.message.reply or rng.choice(RESOLVE_NOTES))
            move(t, EventKind.RESOLVED, State.RESOLVED, actor=actor_for(lead), unit=lead, note=note)
            case.resolved_at = t
            if stall == State.RESOLVED:
                return self._finish(plan, state, lead)
            # The resident's answer.
            t = t + dt.timedelta(hours=rng.uniform(2, 72))
            if t > now:
                return self._finish(plan, state, lead)
            force_unsolved = stall == State.REOPENED and reopens == 0
            solved = not force_unsolved and (reopens >= 2 or rng.random() < (0.9 if reopens == 0 else 0.75))
            self._callback(plan, t, solved, lead)
            if solved:
                move(t, EventKind.CLOSED, State.CLOSED, actor=ev[-1].actor, unit=lead)
                case.closed_at = t
                return self._finish(plan, state, lead)
            move(t, EventKind.REOPENED, State.REOPENED, actor=ev[-1].actor, unit=lead)
            case.reopen_count += 1
            case.resolved_at = None
            reopens += 1
            if stall == State.REOPENED:
                return self._finish(plan, state, lead)
            t = t + accept_window * rng.uniform(0.1, 0.9)
            if t > now:
                return self._finish(plan, state, lead)
            move(t, EventKind.ACCEPTED, State.ACCEPTED, actor=actor_for(lead), unit=lead)
            stall = None
            t0 = t  # the second round is measured from the reopening
            resolve_window = resolve_window / 2

    def _callback(self, plan: _Plan, at: dt.datetime, solved: bool, lead: int | None) -> None:
        rng = self.rng
        actor: int | None
        if plan.reporter is not None:
            actor, by_staff = plan.reporter, False
        elif rng.random() < 0.45 or plan.channel == Channel.PHONE:
            actor, by_staff = self.pk.get("dispatcher"), True
        else:
            actor, by_staff = None, False
        if solved:
            rating = rng.choices([5, 4, 3, 2, 1], weights=[62, 26, 7, 3, 2])[0]
        else:
            rating = rng.choices([1, 2, 3, 4, 5], weights=[42, 30, 18, 7, 3])[0]
        rated: int | None = rating if rng.random() < 0.93 else None
        comment = ""
        if rng.random() < 0.3:
            comment = rng.choice(GOOD_COMMENTS if solved else BAD_COMMENTS)
        plan.callbacks.append((at, actor, by_staff, solved, rated, comment, lead))
        note = _("Solved: %(solved)s; rating: %(rating)s.") % {
            "solved": _("yes") if solved else _("no"),
            "rating": rated or "—",
        }
        plan.events.append(
            _Event(
                at=at, kind=EventKind.CALLBACK, actor=actor, note=note + (" " + comment if comment else "")
            )
        )

    def _whistle(self, plan: _Plan, t: dt.datetime) -> dt.datetime:
        rng = self.rng
        # A case whistled twice (after a reopening) calls in a department not yet on it.
        assisting = {a.unit_id for a, _at in plan.assists}
        keys = [
            k
            for k in DISTRICT_KEYS
            if self.units.get(f"dept-{k}-{plan.place.district}") not in (None, *assisting)
        ]
        if not keys:
            return t
        unit = self.units[f"dept-{rng.choice(keys)}-{plan.place.district}"]
        due = t + dt.timedelta(hours=24)
        responded = t + dt.timedelta(hours=rng.uniform(1, 30))
        answered = responded <= self.now and rng.random() < 0.85
        assist = Assist(
            unit_id=unit,
            kind=Assist.Kind.WHISTLE,
            respond_due_at=due,
            responded_at=responded if answered else None,
            note="将派员到现场会商。" if answered else WHISTLE_NOTE,
        )
        plan.assists.append((assist, t))
        name = self.unit_names.get(unit, "")
        actor = self.acting.get(self.units["so-" + plan.place.street])
        plan.events.append(
            _Event(at=t, kind=EventKind.WHISTLED, actor=actor, note=f"{name} — {WHISTLE_NOTE}")
        )
        if answered:
            plan.events.append(
                _Event(at=responded, kind=EventKind.RESPONDED, unit=unit, note="将派员到现场会商。")
            )
        return t

    def _parent(self, plan: _Plan, earlier: list[_Plan]) -> _Plan | None:
        """A recent case of the same service nearby that is neither merged nor rejected."""
        assert plan.case is not None
        since = plan.case.submitted_at - dt.timedelta(days=30)
        for same_street in (True, False):
            for other in reversed(earlier):
                if other.case is None or other.case.submitted_at < since:
                    break
                if (
                    other.entry.service.pk == plan.entry.service.pk
                    and other.case.state not in (State.MERGED, State.REJECTED)
                    and (not same_street or other.place.street == plan.place.street)
                ):
                    return other
        return None

    def _finish(self, plan: _Plan, state: str, lead: int | None) -> None:
        case = plan.case
        assert case is not None
        case.state = state
        case.lead_unit_id = lead
        case.version = 1 + sum(1 for e in plan.events if e.from_state) + len(plan.callbacks)
        if state in OPEN_STATES:
            self._colour(plan)

    def _colour(self, plan: _Plan) -> None:
        case = plan.case
        assert case is not None and case.resolve_due_at is not None
        case.colour = colour_for(
            now=self.now, submitted_at=case.submitted_at, resolve_due_at=case.resolve_due_at
        )
        if not case.colour:
            return
        window = case.resolve_due_at - case.submitted_at
        marks = [
            (case.submitted_at + window * 0.75, Colour.BLUE),
            (case.resolve_due_at, Colour.YELLOW),
            (case.resolve_due_at + window * 0.5, Colour.RED),
        ]
        for at, colour in marks:
            if at <= self.now and at >= plan.events[-1].at:
                plan.events.append(_Event(at=at, kind=EventKind.COLOUR, note=colour, public=False))
        if case.colour == Colour.RED and self.rng.random() < 0.5:
            supervisor = self.acting.get(self.units.get("so-" + plan.place.street, -1))
            actor = supervisor or self.pk.get("admin")
            at = min(self.now - dt.timedelta(minutes=5), marks[2][0] + dt.timedelta(hours=2))
            plan.events.append(
                _Event(
                    at=max(at, plan.events[-1].at),
                    kind=EventKind.URGED,
                    actor=actor,
                    unit=case.lead_unit_id,
                    note=URGE_NOTE,
                    public=False,
                )
            )


def _places(
    city: Area, home: Area | None, rng: random.Random
) -> tuple[list[_Place], list[float], dict[str, list[int]]]:
    areas = list(
        Area.objects.filter(
            subtree_q(city.path), level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY], retired=False
        )
        .order_by("path")
        .values_list("pk", "code", "name", "level", "parent_id", "path")
    )
    by_pk = {a[0]: a for a in areas}
    places: list[_Place] = []
    weights: list[float] = []
    for pk, code, name, level, parent_id, path in areas:
        if level != Level.COMMUNITY or parent_id not in by_pk:
            continue
        street = by_pk[parent_id]
        district = by_pk.get(street[4])
        if district is None:
            continue
        short = name
        for suffix, keep in (
            ("社区居民委员会", "社区"),
            ("村民委员会", "村"),
            ("居民委员会", ""),
            ("居委会", ""),
            ("村委会", "村"),
        ):
            if short.endswith(suffix):
                short = short.removesuffix(suffix) + keep
                break
        places.append(_Place(pk, path, code, street[1], district[1], f"{district[2]}{street[2]}{short}"))
        weights.append(3.0 if "社区" in name else 1.0)
    groups: dict[str, list[int]] = {"community": [], "street": [], "district": []}
    if home is not None:
        for i, p in enumerate(places):
            if p.area_id == home.pk:
                groups["community"].append(i)
            elif p.street == home.path.strip("/").split("/")[-2]:
                groups["street"].append(i)
            elif p.district == home.path.strip("/").split("/")[-3]:
                groups["district"].append(i)
    return places, weights, groups


def _token(rng: random.Random) -> str:
    return base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode().rstrip("=")


def _tokens_taken(tokens: list[str]) -> list[str]:
    return list(Case.objects.filter(tracking_token__in=tokens).values_list("tracking_token", flat=True))


def _numbers(plans: list[_Plan]) -> list[str]:
    """YYYYMMDD + a six-digit sequence of the day, after any numbers already taken."""
    days = [timezone.localtime(p.submitted_at).strftime("%Y%m%d") for p in plans]
    taken: dict[str, int] = {}
    if days:
        for number in Case.objects.filter(number__gte=min(days)).values_list("number", flat=True):
            day = number[:8]
            taken[day] = max(taken.get(day, 0), int(number[8:]) if number[8:].isdigit() else 0)
    out = []
    for day in days:
        taken[day] = taken.get(day, 0) + 1
        out.append(f"{day}{taken[day]:06d}")
    return out


def demo_cases_load(city: Area, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Load the catalogs, the routing rules and the cases; returns the number of cases per state.
    Call once, inside the demo's first load (after units and personas exist)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _load(city, now or timezone.now())


def _load(city: Area, now: dt.datetime) -> dict[str, int]:
    rng = random.Random(SEED)
    catalog = catalog_load()
    units = dict(
        Unit.objects.filter(
            subtree_q(city.path, "area_path"),
            type__in=[UnitType.STREET_OFFICE, UnitType.GENERAL_OFFICE, UnitType.DEPARTMENT],
        ).values_list("code", "pk")
    )
    routes = rules_load(city, catalog, units)
    people = {
        p.username: p
        for p in Person.objects.filter(
            username__in=["admin", "dispatcher", "handler", "supervisor", "resident"]
        )
    }
    resident = people.get("resident")
    home = resident.home_area if resident is not None else None
    # The handler and the supervisor act for their units; other units' acts have no named actor.
    acting = dict(
        RoleAssignment.objects.filter(
            person__username__in=["handler", "supervisor"], role__in=[Role.HANDLER, Role.SUPERVISOR]
        ).values_list("unit_id", "person_id")
    )

    places, weights, groups = _places(city, home, rng)
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    tz = timezone.get_current_timezone()
    local_now = timezone.localtime(now)

    plans: list[_Plan] = []
    resident_left = RESIDENT_CASES
    for message in _messages():
        roll = rng.random()
        place_index = None
        for group, share in HOME_SHARES:
            if roll < share and groups[group]:
                place_index = rng.choice(groups[group])
                break
            roll -= share
        if place_index is None:
            place_index = bisect.bisect_left(cumulative, rng.random() * total)
        place = places[min(place_index, len(places) - 1)]
        day = (local_now - dt.timedelta(days=rng.random() * DAYS)).date()
        clock = (
            message.time_of_day
            or f"{rng.choices(range(24), weights=HOURS_OF_DAY)[0]:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        )
        at = dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=tz)
        if at > now:
            at -= dt.timedelta(days=1)
        channel = rng.choices(
            [Channel.PHONE, Channel.WEB, Channel.API, Channel.OPEN311, Channel.STAFF],
            weights=[45, 38, 7, 4, 6],
        )[0]
        reporter = None
        if resident is not None and home is not None and place.area_id == home.pk and resident_left > 0:
            reporter, channel = resident.pk, Channel.WEB
            resident_left -= 1
        plans.append(
            _Plan(
                message=message,
                entry=catalog.pick(message.l1, message.text),
                place=place,
                submitted_at=at,
                channel=channel,
                reporter=reporter,
            )
        )
    plans.sort(key=lambda p: p.submitted_at)
    for plan, number in zip(plans, _numbers(plans), strict=True):
        service = plan.entry.service
        hide = rng.random() < 0.2
        plan.case = Case(
            number=number,
            service=service,
            area_id=plan.place.area_id,
            area_path=plan.place.path,
            address=plan.place.address,
            title=plan.message.title,
            description=plan.message.text,
            attributes={"kind": _pollution_kind(plan.message.text)} if service.code == "tc-pollution" else {},
            channel=plan.channel,
            reporter_id=plan.reporter,
            contact_name=resident.display_name if plan.reporter and resident else random_name(rng),
            contact_phone=resident.phone if plan.reporter and resident else random_phone(rng),
            hide_name=hide,
            tracking_token=_token(rng),
            submitted_at=plan.submitted_at,
            accept_due_at=plan.submitted_at + dt.timedelta(hours=service.accept_hours),
            resolve_due_at=plan.submitted_at + dt.timedelta(hours=service.resolve_hours),
        )

    # Seeded tokens are the same on every run: draw again where a case already holds one.
    tokens = [p.case.tracking_token for p in plans if p.case is not None]
    taken = {t for i in range(0, len(tokens), 500) for t in _tokens_taken(tokens[i : i + 500])}
    redraw = random.Random(f"{SEED}-tokens")
    for p in plans:
        while p.case is not None and p.case.tracking_token in taken:
            p.case.tracking_token = _token(redraw)

    sim = _Simulation(rng, now, city, units, routes, {k: p.pk for k, p in people.items()}, acting)
    done: list[_Plan] = []
    for plan in plans:
        assert plan.case is not None
        age = (now - plan.submitted_at).total_seconds() / 86400
        stall = (
            rng.choices([s for s, _ in STALLS], weights=[w for _, w in STALLS])[0]
            if rng.random() < _stall_chance(age)
            else None
        )
        roll = rng.random()
        fate = "reject" if roll < 0.025 else "merge" if roll < 0.045 else ""
        sim.run(plan, stall, fate, done)
        done.append(plan)

    # Write: parents first (a merged case needs its parent's id), then the timelines.
    first = [p for p in plans if p.parent is None]
    merged = [p for p in plans if p.parent is not None]
    _insert_cases(first)
    for p in merged:
        assert p.case is not None and p.parent is not None and p.parent.case is not None
        p.case.parent_id = p.parent.case.pk
    _insert_cases(merged)
    events: list[tuple[Any, ...]] = []
    callbacks: list[tuple[Any, ...]] = []
    assists: list[Assist] = []
    whistled: dict[int, dt.datetime] = {}
    for p in plans:
        case = p.case
        assert case is not None
        events += [_row(case.pk, e) for e in p.events]
        if p.merge_note is not None and p.parent is not None and p.parent.case is not None:
            events.append(_row(p.parent.case.pk, p.merge_note))
        callbacks += [(case.pk, *c) for c in p.callbacks]
        for a, at in p.assists:
            a.case_id = case.pk
            assists.append(a)
            whistled[id(a)] = at
    events.sort(key=lambda e: (e[1], e[0]))  # by time: ids follow the timeline
    _insert(
        CaseEvent, ["case", "at", "kind", "from_state", "to_state", "actor", "unit", "note", "public"], events
    )
    _insert(
        Callback, ["case", "at", "actor", "by_staff", "solved", "rating", "comment", "lead_unit"], callbacks
    )
    Assist.objects.bulk_create(assists, batch_size=500)
    for a in assists:
        a.created_at = a.updated_at = whistled[id(a)]
    Assist.objects.bulk_update(assists, ["created_at", "updated_at"])

    counts = Counter(p.case.state for p in plans if p.case is not None)
    result = {state: counts.get(state, 0) for state in State.values}
    audit_record(
        actor=None,
        action="demo.cases_loaded",
        obj=city,
        new={
            "cases": len(plans),
            "services": Service.objects.count(),
            "rules": RoutingRule.objects.count(),
            "events": len(events),
            "callbacks": len(callbacks),
        },
    )
    return result


def _row(case_id: int, e: _Event) -> tuple[Any, ...]:
    return (case_id, e.at, e.kind, e.from_state, e.to_state, e.actor, e.unit, e.note, e.public)


def _insert_cases(plans: list[_Plan]) -> None:
    """Insert the cases with their creation and last-change times (which bulk_create would
    set to now), then read back their ids by number."""
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    rows = []
    for p in plans:
        case = p.case
        assert case is not None
        case.created_at = case.submitted_at
        last = [e.at for e in p.events]
        case.updated_at = max(last) if last else case.submitted_at
        rows.append(tuple(getattr(case, f.attname) for f in fields))
    _insert(Case, [f.name for f in fields], rows)
    numbers = [p.case.number for p in plans if p.case is not None]
    ids: dict[str, int] = {}
    for i in range(0, len(numbers), 500):
        ids.update(Case.objects.filter(number__in=numbers[i : i + 500]).values_list("number", "pk"))
    for p in plans:
        assert p.case is not None
        p.case.pk = ids[p.case.number]
        p.case._state.adding = False


def _insert(model: Any, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """A plain INSERT of many rows: bulk_create prepares every value through its field and
    takes seconds for the tens of thousands of timeline rows. Values are stored as given,
    except datetimes and JSON, which go through the database's adapters."""
    fields = [model._meta.get_field(name) for name in names]
    adapt = connection.ops.adapt_datetimefield_value
    dates = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
    documents = [(i, f) for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model, quoted)
        qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    prepared = []
    for row in rows:
        values = list(row)
        for i in dates:
            values[i] = adapt(values[i])
        for i, f in documents:
            values[i] = f.get_db_prep_save(values[i], connection)
        prepared.append(values)
    with connection.cursor() as cursor:
        for i in range(0, len(prepared), 2000):
            cursor.executemany(sql, prepared[i : i + 2000])
