"""The demo's service centers: two rooms each and a month around today of the activities a
Chongqing community runs (tai chi, calligraphy, the after-school class...), with registrations
of people without an account: past sessions with their attendance, coming ones filling up, a
waitlist and a seat on offer.

Written in bulk, as the rest of the demo's fixture (a few thousand rows in well under a
second), for the centers of the personas' street: the staff member runs one of them, the street
supervisor sees them all. Every status it writes is one the lifecycle's table allows from a
new registration (needle.center.states)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from needle.areas.models import Area, subtree_q
from needle.center.models import Activity, Registration, Room, Status
from needle.center.services.registrations import new_code
from needle.center.services.seats import offer_deadline
from needle.center.states import INITIAL, step_allowed
from needle.demo.names import random_name, random_phone
from needle.orgs.models import ConsentMethod, Person, PersonRecord, Unit, UnitType

ROOMS = [("多功能活动室", 40, "音响、投影仪、折叠桌椅", True), ("书画室", 16, "书画桌、笔墨纸砚", False)]


@dataclass(frozen=True)
class Kind:
    title: str
    title_en: str
    audience: str
    weekday: int  # Monday 0
    start: dt.time
    minutes: int
    capacity: int
    room: int  # which of ROOMS
    min_age: int | None = None
    max_age: int | None = None


KINDS = [
    Kind("太极拳", "Tai chi", "elderly", 0, dt.time(8, 30), 60, 20, 0, 55),
    Kind("书法班", "Calligraphy class", "elderly", 1, dt.time(9, 30), 90, 12, 1, 50),
    Kind("四点半课堂", "After-school class", "children", 2, dt.time(16, 30), 90, 15, 0, 6, 12),
    Kind("老年大学合唱", "Seniors' choir", "elderly", 3, dt.time(14, 30), 120, 30, 0, 55),
    Kind(
        "健康讲座：冬季防跌倒",
        "Health talk: avoiding falls in winter",
        "everyone",
        4,
        dt.time(10, 0),
        60,
        35,
        0,
    ),
    Kind("亲子手工坊", "Parent and child crafts", "families", 5, dt.time(15, 0), 90, 10, 1),
    Kind("青少年编程体验课", "Coding for teenagers", "teenagers", 5, dt.time(9, 30), 120, 12, 1, 12, 17),
]
WEEKS_BACK = 2
WEEKS_AHEAD = 2
RECORDS_PER_CENTER = 45


def _ages(kind: Kind) -> tuple[int, int]:
    return (kind.min_age or 20, kind.max_age or 85)


def _statuses(rng: random.Random, capacity: int, past: bool) -> list[str]:
    """The registrations of one session, in arrival order."""
    if past:
        n = rng.randint(capacity * 3 // 5, capacity)
        return [Status.ATTENDED if rng.random() < 0.86 else Status.NO_SHOW for _ in range(n)]
    n = rng.randint(capacity // 3, capacity + 4)
    return [Status.CONFIRMED if i < capacity else Status.WAITLISTED for i in range(n)]


def demo_center_load(
    *, street: Area, staff: Person, rng: random.Random, now: dt.datetime | None = None
) -> int:
    """Rooms, activities and registrations for the centers of `street`; returns the
    registrations written."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    centers = list(
        Unit.objects.filter(
            subtree_q(street.path, "area_path"), type=UnitType.SERVICE_CENTER, dissolved_on__isnull=True
        ).select_related("area")
    )
    rooms = Room.objects.bulk_create(
        Room(center=c, name=name, capacity=cap, equipment=eq, accessible=acc)
        for c in centers
        for name, cap, eq, acc in ROOMS
    )
    room_of = {(r.center_id, i % len(ROOMS)): r for i, r in enumerate(rooms)}
    records = PersonRecord.objects.bulk_create(
        PersonRecord(
            name=random_name(rng),
            phone=random_phone(rng) if rng.random() < 0.8 else "",
            birth_year=today.year
            - rng.choice((rng.randint(60, 88), rng.randint(7, 16), rng.randint(30, 59))),
            area=c.area,
            area_path=c.area_path,
            consent_method=rng.choice(ConsentMethod.values),
            consent_noted_by=staff,
            consent_noted_at=now - dt.timedelta(days=rng.randint(30, 400)),
        )
        for c in centers
        for _ in range(RECORDS_PER_CENTER)
    )
    pool: dict[int, list[PersonRecord]] = {}
    for r in records:
        pool.setdefault(r.area_id, []).append(r)
    activities: list[tuple[Activity, list[str], list[PersonRecord]]] = []
    for center in centers:
        for kind in rng.sample(KINDS, k=5):
            lo, hi = _ages(kind)
            eligible = [
                r for r in pool[center.area_id] if r.birth_year and lo <= today.year - r.birth_year <= hi
            ]
            for week in range(-WEEKS_BACK, WEEKS_AHEAD):
                day = monday + dt.timedelta(weeks=week, days=kind.weekday)
                starts = dt.datetime.combine(day, kind.start, tz)
                past = starts < now
                activity = Activity(
                    center=center,
                    area=center.area,
                    area_path=center.area_path,
                    title=kind.title,
                    title_en=kind.title_en,
                    audience=kind.audience,
                    room=room_of[(center.pk, kind.room)],
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=kind.minutes),
                    capacity=kind.capacity,
                    registration_opens=starts - dt.timedelta(days=14),
                    registration_closes=starts,
                    min_age=kind.min_age,
                    max_age=kind.max_age,
                    created_by=staff,
                )
                statuses = _statuses(rng, kind.capacity, past)[: len(eligible)]
                activities.append((activity, statuses, rng.sample(eligible, k=len(statuses))))
    Activity.objects.bulk_create(a for a, _s, _p in activities)
    registrations: list[Registration] = []
    offered = False
    for activity, statuses, people in activities:
        queue = 0
        for status, record in zip(statuses, people, strict=True):
            # Arrival as a seat or a place in line, then (past sessions) what happened at the door.
            first = Status.CONFIRMED if status != Status.WAITLISTED else Status.WAITLISTED
            assert first in INITIAL and (status == first or step_allowed(first, status))
            reg = Registration(
                activity=activity,
                record=record,
                status=status,
                code=new_code(),
                registered_by=staff,
                attended_at=activity.starts_at + dt.timedelta(minutes=rng.randint(-10, 5))
                if status == Status.ATTENDED
                else None,
            )
            if status == Status.WAITLISTED:
                queue += 1
                reg.queue_number = queue
            registrations.append(reg)
        # One coming session shows a freed seat on offer to the first in line.
        if not offered and queue >= 2 and activity.starts_at > now + dt.timedelta(days=2):
            first_waiting = next(r for r in registrations if r.activity is activity and r.queue_number == 1)
            seated = next(r for r in registrations if r.activity is activity and r.status == Status.CONFIRMED)
            seated.status = Status.CANCELLED
            first_waiting.status = Status.OFFERED
            first_waiting.offered_until = offer_deadline(now, activity.starts_at)
            offered = True
    Registration.objects.bulk_create(registrations, batch_size=2000)
    return len(registrations)
