"""The demo's residents' cases.

The real residents' messages of the Teddy Cup data, spread over Chongqing's communities and the
past twelve months and taken through the lifecycle up to today (lifecycle.py), in every state,
with timelines, deadlines and callbacks consistent with the services' rules. The catalogs and
routing rules they use come first (catalog.py). Like the units (see loader.py), this is a seeded
fixture written in bulk and recorded as one audit event.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import random
import re
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone, translation

from needle.areas.models import Area, Level, subtree_q
from needle.cases.models import (
    Assist,
    Callback,
    Case,
    CaseEvent,
    Channel,
    Extension,
    RoutingRule,
    Service,
    State,
)
from needle.core.audit import audit_record
from needle.demo.catalog import catalog_load, pollution_kind, read_csv, rules_load
from needle.demo.lifecycle import Event, Message, Place, Plan, Simulation
from needle.demo.names import random_name, random_phone
from needle.demo.places import invent_pin, invented
from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType

SEED = 2026
DAYS = 365

# Where the cases happen: the personas' community, street and district get a share of their
# own so that every persona page has content; the rest spread over the whole city.
HOME_SHARES = (("community", 0.05), ("street", 0.10), ("district", 0.14))
RESIDENT_CASES = 24

# (state the case stops at, weight) for cases that are still open today.
STALLS = [
    (State.SUBMITTED, 18),
    (State.DISPATCHED, 18),
    (State.RETURNED, 12),
    (State.ACCEPTED, 12),
    (State.IN_PROGRESS, 22),
    (State.RESOLVED, 14),
    (State.REOPENED, 8),
    (State.SUSPENDED, 6),
]
HELD, HELD_WITHIN = 4, dt.timedelta(days=40)
HOURS_OF_DAY = [0, 0, 0, 0, 0, 1, 2, 4, 8, 10, 10, 9, 6, 7, 9, 9, 8, 7, 6, 6, 6, 5, 3, 1]


def _stall_chance(age_days: float) -> float:
    for limit, chance in ((3, 0.55), (10, 0.35), (30, 0.15), (90, 0.04)):
        if age_days < limit:
            return chance
    return 0.008


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


def _messages() -> list[Message]:
    return [
        Message(
            source=r["source"],
            title=(r["title"] or _title(r["text"]))[:200],
            text=r["text"][:4000],
            l1=r["label_l1"],
            time_of_day=r["created_at"][11:19],
            reply=r["reply"],
        )
        for r in read_csv("teddycup_messages.csv.gz")
    ]


def _places(
    city: Area, home: Area | None, rng: random.Random
) -> tuple[list[Place], list[float], dict[str, list[int]]]:
    areas = list(
        Area.objects.filter(
            subtree_q(city.path), level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY], retired=False
        )
        .order_by("path")
        .values_list("pk", "code", "name", "level", "parent_id", "path")
    )
    by_pk = {a[0]: a for a in areas}
    places: list[Place] = []
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
        places.append(Place(pk, path, code, street[1], district[1], f"{district[2]}{street[2]}{short}"))
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


def _numbers(plans: list[Plan]) -> list[str]:
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
    points, grids = invented(city)
    # Pins from a generator of their own: the rest of the demo draws what it always drew.
    pins = random.Random(f"{SEED}-pins")
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    tz = timezone.get_current_timezone()
    local_now = timezone.localtime(now)

    plans: list[Plan] = []
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
        place = community = places[min(place_index, len(places) - 1)]
        pin = invent_pin(pins, points.get(place.area_id), grids.get(place.area_id))
        if pin is not None and pin[2] is not None:
            # The pin lies in a grid's outline: the case is the grid's, as intake would place it.
            grid = pin[2]
            place = Place(grid.pk, grid.path, grid.code, place.street, place.district, place.address)
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
        if resident is not None and home is not None and community.area_id == home.pk and resident_left > 0:
            reporter, channel = resident.pk, Channel.WEB
            resident_left -= 1
        plans.append(
            Plan(
                message=message,
                entry=catalog.pick(message.l1, message.text),
                place=place,
                pin=(pin[0], pin[1]) if pin is not None else None,
                submitted_at=at,
                channel=channel,
                reporter=reporter,
            )
        )
    plans.sort(key=lambda p: p.submitted_at)
    for plan, number in zip(plans, _numbers(plans), strict=True):
        service = plan.entry.service
        plan.case = Case(
            number=number,
            service=service,
            area_id=plan.place.area_id,
            area_path=plan.place.path,
            lat=plan.pin[0] if plan.pin else None,
            lng=plan.pin[1] if plan.pin else None,
            address=plan.place.address,
            title=plan.message.title,
            description=plan.message.text,
            attributes={"kind": pollution_kind(plan.message.text)} if service.code == "tc-pollution" else {},
            channel=plan.channel,
            reporter_id=plan.reporter,
            contact_name=resident.display_name if plan.reporter and resident else random_name(rng),
            contact_phone=resident.phone if plan.reporter and resident else random_phone(rng),
            # Residents' requests, public as intake makes them; every reporter keeps the
            # form's default and shows no name.
            public=True,
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

    sim = Simulation(rng, now, city, units, routes, {k: p.pk for k, p in people.items()}, acting)
    done: list[Plan] = []
    # Few services may be put on hold, so a draw alone could leave the demo without a case on
    # hold on the day it is loaded: a few recent requests for such services stay on hold.
    holdable = [p for p in plans if p.entry.service.suspendable and now - p.submitted_at < HELD_WITHIN]
    held = {id(p) for p in holdable[:: max(1, len(holdable) // HELD)][:HELD]}
    for plan in plans:
        assert plan.case is not None
        age = (now - plan.submitted_at).total_seconds() / 86400
        stall = (
            rng.choices([s for s, _ in STALLS], weights=[w for _, w in STALLS])[0]
            if rng.random() < _stall_chance(age)
            else None
        )
        if id(plan) in held:
            stall = State.SUSPENDED
        elif stall == State.SUSPENDED and not plan.entry.service.suspendable:
            stall = State.IN_PROGRESS
        roll = rng.random()
        fate = "reject" if roll < 0.025 else "merge" if roll < 0.045 else "withdraw" if roll < 0.055 else ""
        if not fate and plan.channel in (Channel.PHONE, Channel.STAFF) and roll < 0.075:
            fate = "answer"  # a question answered on the call
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
    extensions: list[Extension] = []
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
        for x in p.extensions:
            x.case_id = case.pk
            extensions.append(x)
    events.sort(key=lambda e: (e[1], e[0]))  # by time: ids follow the timeline
    _insert(
        CaseEvent,
        ["case", "at", "kind", "from_state", "to_state", "actor", "unit", "note", "public", "code", "params"],
        events,
    )
    _insert(
        Callback, ["case", "at", "actor", "by_staff", "solved", "rating", "comment", "lead_unit"], callbacks
    )
    Assist.objects.bulk_create(assists, batch_size=500)
    for a in assists:
        a.created_at = a.updated_at = whistled[id(a)]
    Assist.objects.bulk_update(assists, ["created_at", "updated_at"])
    Extension.objects.bulk_create(extensions, batch_size=500)

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


def _row(case_id: int, e: Event) -> tuple[Any, ...]:
    return (
        case_id,
        e.at,
        e.kind,
        e.from_state,
        e.to_state,
        e.actor,
        e.unit,
        e.note,
        e.public,
        e.code,
        e.params,
    )


def _insert_cases(plans: list[Plan]) -> None:
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
