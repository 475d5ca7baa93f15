"""The demo's care for vulnerable households, in the personas' district: invented households
(names and phone numbers from the demo's generator, never real people) in its communities — many
in the staff persona's street, a few in each other community — with categories and ages in
realistic proportions (mostly elderly people living alone, then disability, low income, the
seriously ill, the unemployed and a few left-behind children with their guardians), risks, the
consents recorded (a few households not yet), their sensitive fields sealed with the configured
key; a lead helper for most from the party members living in the community (the `member`
persona helps four households of the staff persona's community), some waiting for a helper; a
year of visits and calls on the schedule's defaults, some households behind (overdue); and the
ledger's items, most closed with the household's confirmation, some open, a few that became the
community's residents' requests (linked to those requests).

Written in bulk, as the rest of the demo's fixture (the registry's, pairing's and ledger's
services audit one change at a time: the demo writes a year at once); every status it writes
is one the lifecycles' tables allow (needle.care.states), and the schedule's dates come from
services.schedule's own rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import defaultdict
from typing import Any

from django.db import models
from django.utils import timezone

from needle.areas.models import Area, Level, subtree_q
from needle.care.crypto import seal
from needle.care.models import (
    Consent,
    ConsentMethod,
    Household,
    Item,
    ItemStatus,
    Pairing,
    Purpose,
    Recipient,
    Risk,
    Visit,
    VisitKind,
    category_bits,
    purpose_bit,
)
from needle.care.services.registry import ID_CHECKS, ID_WEIGHTS, sealed_bits
from needle.care.services.schedule import Policies, dues
from needle.care.states import ITEM_MOVES, STAFF, SYSTEM
from needle.cases.models import Case, State
from needle.core.states import allowed
from needle.demo.names import random_name, random_phone
from needle.orgs.models import Membership, Person

# (categories, share): the proportions of a Chongqing street's care registry.
MIX: list[tuple[tuple[str, ...], float]] = [
    (("elderly_alone",), 0.42),
    (("elderly_alone", "low_income"), 0.12),
    (("elderly_alone", "serious_illness"), 0.06),
    (("disability",), 0.12),
    (("disability", "low_income"), 0.06),
    (("low_income",), 0.09),
    (("unemployed",), 0.06),
    (("unemployed", "low_income"), 0.02),
    (("left_behind_child",), 0.04),
    (("other",), 0.01),
]
# Ages (years) by the first category.
AGES = {
    "elderly_alone": (70, 96),
    "disability": (25, 80),
    "low_income": (35, 75),
    "unemployed": (28, 55),
    "left_behind_child": (6, 15),
    "serious_illness": (40, 85),
    "other": (30, 80),
}
HEALTH = ["高血压，按时服药", "糖尿病，需控制饮食", "行动不便，需拄拐", "听力下降", "术后康复中", "身体尚可"]
DISABILITY = ["肢体二级残疾", "视力三级残疾", "智力残疾，由家属照顾", "听力残疾"]
INCOME = ["城乡低保", "特困供养", "退休金较低", "无固定收入"]
NOTES = ["子女在外地工作", "独居，邻居常照看", "喜欢下棋，常去活动中心", "需定期送药", "与老伴同住，老伴卧床"]
VISIT_NOTES = [
    "身体状况良好，生活正常",
    "血压偏高，已提醒按时服药",
    "家中整洁，饮食正常",
    "情绪较低落，陪同聊天",
    "",
]
PROBLEMS = [
    ("厨房水管漏水", "社区物业"),
    ("需要助餐服务", "社区食堂"),
    ("楼道灯坏了，夜间出行不便", "物业"),
    ("申请临时救助", "街道民政"),
    ("需办理残疾人证年审", "社区"),
    ("孩子学习用品短缺", "帮扶人"),
    ("求职需要培训信息", "街道就业服务站"),
    ("轮椅损坏需维修", "社区"),
]
GUARDIANS = ["祖母", "祖父", "外婆", "外公"]
# How many households in each community of the persona's street, and in the district's others.
IN_STREET = 16
ELSEWHERE = 3


def pick_weighted(rng: random.Random, mix: list[tuple[Any, float]]) -> Any:
    """One value of `mix`, (value, share) pairs whose shares add up to one, drawn by its share."""
    x = rng.random()
    for value, share in mix:
        x -= share
        if x < 0:
            return value
    return mix[-1][0]


def id_number(rng: random.Random, area_code: str, born: dt.date) -> str:
    """An invented ID number in the format (GB 11643: region, birth date, sequence, and the MOD
    11-2 check character); its region is the community's district, its sequence random."""
    body = f"{area_code[:6]}{born:%Y%m%d}{rng.randint(100, 999)}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECKS[total % 11]


def _risk(rng: random.Random, codes: tuple[str, ...], age: int) -> str:
    weight = (
        0.15 + 0.25 * ("serious_illness" in codes) + 0.2 * (age >= 85) + 0.15 * ("left_behind_child" in codes)
    )
    roll = rng.random()
    return Risk.HIGH if roll < weight else Risk.MEDIUM if roll < weight + 0.45 else Risk.LOW


def demo_care_load(
    *, area: Area, rng: random.Random, staff: Person, member: Person, now: dt.datetime | None = None
) -> dict[str, int]:
    """Households, consents, pairings, a year of visits and the ledgers for the communities in
    `area`'s subtree; returns how many of each. `staff` keeps the records of their community and
    `member` helps four households in it."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    home = staff.roles.select_related("unit__area").get().unit.area
    communities = list(Area.objects.filter(subtree_q(area.path), level=Level.COMMUNITY).order_by("path"))
    grids: dict[int, list[Area]] = defaultdict(list)
    for grid in Area.objects.filter(subtree_q(area.path), level=Level.GRID).order_by("path"):
        grids[grid.parent_id or 0].append(grid)
    street_path = home.path.rsplit("/", 2)[0] + "/"
    # The helpers: party members living in the community (or one of its grids), members of the
    # demo's units; where none lives, one from the same street; where the street has none, the
    # household waits for a helper.
    by_path = {c.path: c.pk for c in communities}
    helpers: dict[int, list[int]] = defaultdict(list)
    in_street: dict[str, list[int]] = defaultdict(list)
    for person_id, home_path in (
        Membership.objects.filter(left_on__isnull=True, person__home_area__path__startswith=area.path)
        .exclude(person=member)
        .values_list("person_id", "person__home_area__path")
        .distinct()
    ):
        parts = home_path.split("/")
        community_pk = by_path.get("/".join(parts[:5]) + "/")
        if community_pk is not None:
            helpers[community_pk].append(person_id)
            in_street["/".join(parts[:4]) + "/"].append(person_id)

    # Households and recipients.
    households: list[Household] = []
    people: list[Recipient] = []
    for community in communities:
        count = IN_STREET if community.path.startswith(street_path) else ELSEWHERE
        for _ in range(count):
            place = (
                rng.choice(grids[community.pk])
                if grids.get(community.pk) and rng.random() < 0.6
                else community
            )
            codes = pick_weighted(rng, MIX)
            low, high = AGES[codes[0]]
            age = rng.randint(low, high)
            born = today - dt.timedelta(days=365 * age + rng.randint(0, 364))
            child = "left_behind_child" in codes
            name = random_name(rng)
            values = {
                "health": rng.choice(HEALTH),
                "disability": rng.choice(DISABILITY) if "disability" in codes else "",
                "income": rng.choice(INCOME) if {"low_income", "unemployed"} & set(codes) else "",
                "notes": "父母在外务工，由祖辈照顾" if child else rng.choice(NOTES),
                "id_number": id_number(rng, community.code, born),
            }
            joined = now - dt.timedelta(days=rng.randint(30, 720), hours=rng.randint(0, 9))
            household = Household(
                area=place, area_path=place.path, address=f"{rng.randint(1, 300)}号{rng.randint(1, 12)}栋"
            )
            households.append(household)
            recipient = Recipient(
                name=name,
                phone="" if child else random_phone(rng),
                birth_date=born,
                area=place,
                area_path=place.path,
                categories=category_bits(codes),
                risk=_risk(rng, codes, age),
                guardian_name=(name[0] + rng.choice(GUARDIANS)) if child else "",
                guardian_phone=random_phone(rng) if child else "",
                emergency_contact="" if child else f"{random_name(rng)} {random_phone(rng)}",
                sealed=seal(values),
                sealed_fields=sealed_bits(values),
                created_by=staff,
            )
            recipient.created_at = joined
            people.append(recipient)
    Household.objects.bulk_create(households, batch_size=1000)
    for household, recipient in zip(households, people, strict=True):
        recipient.household = household

    # Consents: nearly everyone to registration and sharing, most to photos; a few recorded
    # only by the staff so far (their records are the staff's alone until then).
    consents: list[Consent] = []
    for recipient in people:
        if rng.random() < 0.04:
            continue
        purposes = [Purpose.REGISTRATION, Purpose.SHARING] + ([Purpose.PHOTOS] if rng.random() < 0.7 else [])
        recipient.consents = sum(purpose_bit(p) for p in purposes)
    # bulk_create stamps created_at now (auto_now_add): the days of registration are kept here
    # and written back with the schedule below.
    registered_at = [r.created_at for r in people]
    Recipient.objects.bulk_create(people, batch_size=1000)
    for recipient, at in zip(people, registered_at, strict=True):
        recipient.created_at = at
    for recipient in people:
        minor = recipient.guardian_name != ""
        for purpose in Purpose:
            if recipient.consents & purpose_bit(purpose):
                consent = Consent(
                    recipient=recipient,
                    purpose=purpose,
                    method=ConsentMethod.SIGNED_FORM
                    if rng.random() < 0.8
                    else ConsentMethod.VERBAL_WITNESSED,
                    given_by=recipient.guardian_name if minor else recipient.name,
                    by_guardian=minor,
                    recorded_by=staff,
                )
                if consent.method == ConsentMethod.VERBAL_WITNESSED:
                    consent.witness = random_name(rng)
                consent.created_at = recipient.created_at
                consents.append(consent)
    _created_as_given(Consent, consents)

    # Pairings: a lead helper from the community's members for most; the member persona for
    # four in the staff's community; a few wait for a helper.
    pairings: list[Pairing] = []
    helped_by_member = 0
    for recipient in people:
        community_id = (
            recipient.area.parent_id if recipient.area.level == Level.GRID else None
        ) or recipient.area_id
        if community_id == home.pk and helped_by_member < 4:
            helper_id: int | None = member.pk
            helped_by_member += 1
        elif rng.random() < 0.08:
            continue
        else:
            nearby = helpers.get(community_id) or in_street.get(
                "/".join(recipient.area_path.split("/")[:4]) + "/"
            )
            if not nearby:
                continue
            helper_id = rng.choice(nearby)
        started = max(recipient.created_at.astimezone(tz).date(), today - dt.timedelta(days=700))
        pairings.append(
            Pairing(
                recipient=recipient,
                helper_id=helper_id,
                lead=True,
                started_on=started,
                area_path=recipient.area_path,
            )
        )
    Pairing.objects.bulk_create(pairings, batch_size=1000)
    helper_of = {p.recipient_id: p.helper_id for p in pairings}

    # A year of contacts on the schedule's defaults: each visit near its due date (a few days
    # early or late), a call between visits for some; one household in seven fell behind weeks
    # ago and is overdue now.
    policies = Policies(rows=[])
    visits: list[Visit] = []
    for recipient in people:
        interval = policies.interval(
            path=recipient.area_path, risk=recipient.risk, categories=recipient.categories
        )
        registered = recipient.created_at.astimezone(tz).date()
        behind = rng.random() < 0.14
        stop = today - dt.timedelta(days=interval.visit_days + rng.randint(3, 25)) if behind else today
        last_visit: dt.date | None = None
        last_call: dt.date | None = None
        due = registered + dt.timedelta(days=interval.visit_days)
        floor = today - dt.timedelta(days=365)
        by = helper_of.get(recipient.pk) or staff.pk
        while True:
            day = due + dt.timedelta(days=rng.randint(-3, 4 if rng.random() < 0.2 else 0))
            if day > stop or day > today:
                break
            if day >= floor:
                kind = (
                    VisitKind.HOME if rng.random() < 0.85 else rng.choice([VisitKind.PHONE, VisitKind.VIDEO])
                )
                visits.append(_visit(recipient, kind, day, due, by, rng, tz, now))
                if kind == VisitKind.HOME:
                    last_visit = day
                else:
                    last_call = day
            else:
                last_visit = day
            due = day + dt.timedelta(days=interval.visit_days)
            if interval.call_days and rng.random() < 0.3:
                call_day = day + dt.timedelta(days=interval.call_days)
                if floor <= call_day < due and call_day <= stop:
                    visits.append(_visit(recipient, VisitKind.PHONE, call_day, None, by, rng, tz, now))
                    last_call = call_day
        recipient.last_visit_on = last_visit
        recipient.last_call_on = last_call
        recipient.next_visit_due, recipient.next_call_due = dues(
            interval=interval, registered=registered, last_visit=last_visit, last_call=last_call
        )
    Visit.objects.bulk_create(visits, batch_size=2000)
    Recipient.objects.bulk_update(
        people,
        ["created_at", "last_visit_on", "last_call_on", "next_visit_due", "next_call_due"],
        batch_size=1000,
    )

    # The ledgers: a problem for one household in four, found on one of its visits; most closed
    # with the household's confirmation, the newest fifth open (by rank, not by date, so that
    # the ledger has open problems whatever day the demo is loaded).
    visits_of: dict[int, list[Visit]] = defaultdict(list)
    for v in visits:
        visits_of[v.recipient_id].append(v)
    found_on: list[tuple[Recipient, Visit, tuple[str, str], float]] = []
    for recipient in people:
        found = [v for v in visits_of[recipient.pk] if v.kind == VisitKind.HOME]
        if not found or rng.random() > 0.25:
            continue
        found_on.append((recipient, rng.choice(found), rng.choice(PROBLEMS), rng.random()))
    found_on.sort(key=lambda f: f[1].visited_at)
    still_open = max(1, len(found_on) // 5)
    items: list[Item] = []
    assert allowed(ITEM_MOVES, "close", ItemStatus.OPEN, {STAFF})
    for rank, (recipient, visit, (what, who), roll) in enumerate(found_on):
        opened = visit.visited_at + dt.timedelta(hours=2)
        closed = rank < len(found_on) - still_open and (now - opened).days > 20 and roll < 0.8
        item = Item(
            recipient=recipient,
            visit=visit,
            what=what,
            since=visit.visited_at.astimezone(tz).date(),
            who_acts=who,
            due_on=visit.visited_at.astimezone(tz).date() + dt.timedelta(days=14),
            status=ItemStatus.CLOSED if closed else ItemStatus.OPEN,
            closed_at=opened + dt.timedelta(days=rng.randint(2, 18)) if closed else None,
            closed_by=staff if closed else None,
            confirmation="户主签字确认已解决" if closed else "",
            area_path=recipient.area_path,
        )
        item.created_at = opened
        items.append(item)
    # A few problems became residents' requests: the community's own requests, each linked to
    # an item of a household there, closed with it when the request is closed.
    taken: set[int] = set()
    by_community: dict[str, list[Recipient]] = defaultdict(list)
    for recipient in people:
        if recipient.consents:
            by_community["/".join(recipient.area_path.split("/")[:5]) + "/"].append(recipient)
    cases = Case.objects.filter(subtree_q(street_path, "area_path"), care_item__isnull=True).order_by(
        "-created_at"
    )
    for case in cases[:60]:
        household_list = by_community.get("/".join(case.area_path.split("/")[:5]) + "/")
        if not household_list or len(taken) >= 12:
            continue
        recipient = rng.choice(household_list)
        if recipient.pk in taken:
            continue
        taken.add(recipient.pk)
        closed = case.state == State.CLOSED
        assert allowed(ITEM_MOVES, "to_case", ItemStatus.OPEN, {STAFF})
        assert not closed or allowed(ITEM_MOVES, "case_closed", ItemStatus.CASE, {SYSTEM})
        opened = case.created_at - dt.timedelta(hours=rng.randint(2, 30))
        item = Item(
            recipient=recipient,
            what=(case.title or case.description[:60])[:300],
            since=opened.astimezone(tz).date(),
            who_acts="社区",
            status=ItemStatus.CLOSED if closed else ItemStatus.CASE,
            case=case,
            closed_at=case.closed_at if closed else None,
            confirmation="随诉求办结" if closed else "",
            area_path=recipient.area_path,
        )
        item.created_at = opened
        items.append(item)
    _created_as_given(Item, items)
    return {
        "households": len(people),
        "consents": len(consents),
        "pairings": len(pairings),
        "visits": len(visits),
        "items": len(items),
        "to_case": len(taken),
    }


def _created_as_given(model: type[models.Model], rows: list[Any]) -> None:
    """Write the rows in bulk with the creation times they were given: bulk_create stamps
    created_at now (auto_now_add), so each is put back after."""
    given = [row.created_at for row in rows]
    model._default_manager.bulk_create(rows, batch_size=1000)
    for row, at in zip(rows, given, strict=True):
        row.created_at = at
    model._default_manager.bulk_update(rows, ["created_at"], batch_size=1000)


def _visit(
    recipient: Recipient,
    kind: str,
    day: dt.date,
    due: dt.date | None,
    by: int,
    rng: random.Random,
    tz: Any,
    now: dt.datetime,
) -> Visit:
    at = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))), tz)
    # Today's contacts were made before now (the demo may be loaded at dawn).
    at = min(at, now - dt.timedelta(minutes=rng.randint(5, 50)))
    notes = rng.choice(VISIT_NOTES)
    checklist = {"health": {"ok": True, "note": ""}, "food": {"ok": True, "note": ""}}
    # The digest of what was written (as a device sends it), so that a repeat can be told from
    # a different visit under the same id.
    content = json.dumps(
        [recipient.pk, kind, at.isoformat(), notes, checklist], ensure_ascii=False, sort_keys=True
    )
    return Visit(
        recipient=recipient,
        kind=kind,
        visited_at=at,
        by_id=by,
        checklist=checklist,
        notes=notes,
        digest=hashlib.sha256(content.encode()).hexdigest(),
        area_path=recipient.area_path,
        due_on=due,
        on_time=None if due is None else day <= due,
    )
