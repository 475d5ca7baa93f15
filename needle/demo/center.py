"""The demo's service centers: two rooms each and a month around today of the activities a
Chongqing community runs (tai chi, calligraphy, the after-school class...), with registrations
of people without an account: past sessions with their attendance, coming ones filling up, a
waitlist and a seat on offer; a session today in every center. And their convenience services by
appointment (haircuts for the elderly, legal advice, blood-pressure checks, meals for those
living alone) with weekly slots: past appointments served or missed, coming ones booked within
the booking horizon. Each center has its opening hours, a closed day or two, and a dozen room
bookings by the community's groups (party branches, the dance troupe, the owners' committee):
approved, waiting for staff, one declined with its reason, at times no activity and no other
approved booking holds the room.

Written in bulk, as the rest of the demo's fixture, for the centers of the personas' district
(80 communities): the staff member runs one of them, the street supervisor sees their street's,
and the district's and the city's figures have something to add up. Not every community of the
city: its 3,300 centers would add some 60,000 activities to the two-command start, and the scale
is bench/center_scale.py's. Every status it writes is one the lifecycle's table allows from a
new registration (needle.center.states)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from needle.areas.models import Area, subtree_q
from needle.center.models import (
    SEATED,
    Activity,
    Appointment,
    AppointmentStatus,
    BookingStatus,
    ClosedDay,
    OpeningHours,
    Registration,
    Room,
    RoomBooking,
    Service,
    SlotPattern,
    Status,
)
from needle.center.services.appointments import HORIZON_DAYS
from needle.center.services.registrations import new_code
from needle.center.services.seats import offer_deadline
from needle.center.states import (
    APPOINTMENT_INITIAL,
    APPOINTMENT_MOVES,
    BOOKING_INITIAL,
    BOOKING_MOVES,
    INITIAL,
    MOVES,
)
from needle.core.states import step_allowed
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
# Held today in every center, so that the staff's home and the check-in screen have a session.
TODAY = Kind(
    "晚间手机课堂：识别电信诈骗",
    "Evening smartphone class: spotting phone scams",
    "elderly",
    0,
    dt.time(19, 0),
    90,
    25,
    0,
)
# Monday to Friday 08:30–12:00 and 14:00–18:00, Saturday 09:00–12:00.
HOURS = [
    *((d, dt.time(8, 30), dt.time(12, 0)) for d in range(5)),
    *((d, dt.time(14, 0), dt.time(18, 0)) for d in range(5)),
    (5, dt.time(9, 0), dt.time(12, 0)),
]


@dataclass(frozen=True)
class Use:
    group: str
    purpose: str
    attendees: int
    minutes: int


USES = [
    Use("华一坡小区党支部", "主题党日活动", 18, 90),
    Use("第二网格党小组", "组织生活会", 10, 120),
    Use("舞蹈队", "舞蹈队排练", 16, 90),
    Use("业主委员会", "业委会会议", 9, 120),
    Use("老年协会", "重阳节活动筹备会", 12, 60),
    Use("志愿服务队", "志愿者培训", 25, 90),
    Use("楼栋长联席会", "楼栋长例会", 14, 60),
    Use("合唱团", "合唱排练", 20, 120),
    Use("物业服务中心", "物业与居民恳谈会", 30, 90),
]
BOOKINGS_PER_CENTER = 12
DECLINE_REASON = "该时段已安排社区消防演练，请改约其他时间。"
WEEKS_BACK = 2
WEEKS_AHEAD = 2
RECORDS_PER_CENTER = 45


def _residents_own(
    resident: Person, activities: list[Activity], registrations: list[Registration], now: dt.datetime
) -> list[Registration]:
    """A resident's own places at their community's center, open to all ages: two sessions
    they came to (one rated), and the next two, seated or waiting as the seats allow."""
    own = [
        a
        for a in activities
        if a.area_id == resident.home_area_id and a.min_age is None and a.max_age is None
    ]
    past = [a for a in own if a.ends_at < now][-2:]
    coming = [a for a in own if a.starts_at > now][:2]
    out = []
    for i, activity in enumerate(past):
        out.append(
            Registration(
                activity=activity,
                person=resident,
                status=Status.ATTENDED,
                code=new_code(),
                registered_by=resident,
                attended_at=activity.starts_at,
                rating=5 if i == 0 else None,
                comment="老师讲得很清楚，希望多办几期。" if i == 0 else "",
                rated_at=activity.ends_at + dt.timedelta(hours=2) if i == 0 else None,
            )
        )
    for activity in coming:
        theirs = [r for r in registrations if r.activity is activity]
        waiting = [r.queue_number or 0 for r in theirs if r.status == Status.WAITLISTED]
        seated = not waiting and sum(r.status in SEATED for r in theirs) < activity.capacity
        out.append(
            Registration(
                activity=activity,
                person=resident,
                status=Status.CONFIRMED if seated else Status.WAITLISTED,
                queue_number=None if seated else max(waiting) + 1,
                code=new_code(),
                registered_by=resident,
            )
        )
    return out


def _ages(kind: Kind) -> tuple[int, int]:
    return (kind.min_age or 20, kind.max_age or 85)


def _session(center: Unit, kind: Kind, starts: dt.datetime, room: Room, staff: Person) -> Activity:
    """One session of `kind` at `starts`, open for registration the two weeks before."""
    return Activity(
        center=center,
        area=center.area,
        area_path=center.area_path,
        title=kind.title,
        title_en=kind.title_en,
        audience=kind.audience,
        room=room,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=kind.minutes),
        capacity=kind.capacity,
        registration_opens=starts - dt.timedelta(days=14),
        registration_closes=starts,
        min_age=kind.min_age,
        max_age=kind.max_age,
        created_by=staff,
    )


def _statuses(rng: random.Random, capacity: int, past: bool) -> list[str]:
    """The registrations of one session, in arrival order."""
    if past:
        n = rng.randint(capacity * 3 // 5, capacity)
        return [Status.ATTENDED if rng.random() < 0.86 else Status.NO_SHOW for _ in range(n)]
    n = rng.randint(capacity // 3, capacity + 4)
    return [Status.CONFIRMED if i < capacity else Status.WAITLISTED for i in range(n)]


def demo_center_load(
    *,
    area: Area,
    staff: Person,
    rng: random.Random,
    now: dt.datetime | None = None,
    resident: Person | None = None,
) -> int:
    """Rooms, opening hours, activities, registrations, services and room bookings for the
    centers in `area`'s subtree; returns the registrations written. `resident`: a persona whose own
    pages show places and room requests of their own (else the bookings are asked by `staff`)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    centers = list(
        Unit.objects.filter(
            subtree_q(area.path, "area_path"), type=UnitType.SERVICE_CENTER, dissolved_on__isnull=True
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
                activity = _session(center, kind, starts, room_of[(center.pk, kind.room)], staff)
                statuses = _statuses(rng, kind.capacity, past)[: len(eligible)]
                activities.append((activity, statuses, rng.sample(eligible, k=len(statuses))))
        # Today's session: in the evening, when no weekly activity holds the room, or a little
        # later when the demo is loaded late.
        starts = max(
            dt.datetime.combine(today, TODAY.start, tz),
            timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2),
        )
        eligible = [r for r in pool[center.area_id] if r.birth_year and today.year - r.birth_year >= 55]
        statuses = _statuses(rng, TODAY.capacity, False)[: len(eligible)]
        today_session = _session(center, TODAY, starts, room_of[(center.pk, TODAY.room)], staff)
        activities.append((today_session, statuses, rng.sample(eligible, k=len(statuses))))
    Activity.objects.bulk_create(a for a, _s, _p in activities)
    registrations: list[Registration] = []
    offered = False
    for activity, statuses, people in activities:
        queue = 0
        for status, record in zip(statuses, people, strict=True):
            # Arrival as a seat or a place in line, then (past sessions) what happened at the door.
            first = Status.CONFIRMED if status != Status.WAITLISTED else Status.WAITLISTED
            assert first in INITIAL and (status == first or step_allowed(MOVES, first, status))
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
    if resident is not None:
        registrations += _residents_own(resident, [a for a, _s, _p in activities], registrations, now)
    Registration.objects.bulk_create(registrations, batch_size=2000)
    _services_load(centers=centers, pool=pool, staff=staff, rng=rng, now=now)
    _calendar_and_bookings(
        centers=centers,
        rooms=rooms,
        activities=[a for a, _s, _p in activities],
        staff=staff,
        requester=resident or staff,
        rng=rng,
        now=now,
    )
    return len(registrations)


@dataclass(frozen=True)
class ServiceKind:
    name: str
    name_en: str
    description: str
    audience: str
    minutes: int
    provider: str
    slots: tuple[tuple[int, dt.time, int], ...]  # weekday (Monday 0), local start, places
    min_age: int | None = None
    price: str = ""
    cancel_until_hours: int = 2


SERVICE_KINDS = [
    ServiceKind(
        "老年人理发",
        "Haircuts for the elderly",
        "志愿者理发师每周上门服务，60岁以上老人免费。",
        "elderly",
        20,
        "社区志愿者理发队",
        tuple(
            (d, dt.time(h, m), 1) for d in (1, 4) for h, m in ((9, 0), (9, 20), (9, 40), (10, 0), (10, 20))
        ),
        min_age=60,
    ),
    ServiceKind(
        "法律咨询",
        "Legal advice",
        "社区法律顾问解答婚姻家庭、劳动纠纷、房屋租赁等问题。",
        "everyone",
        30,
        "社区法律顾问（律师事务所）",
        tuple((2, dt.time(h, m), 1) for h, m in ((14, 30), (15, 0), (15, 30), (16, 0))),
        cancel_until_hours=24,
    ),
    ServiceKind(
        "血压血糖测量",
        "Blood pressure and sugar checks",
        "社区卫生服务站医生坐诊，测量血压血糖并建立健康档案。",
        "elderly",
        10,
        "社区卫生服务站",
        tuple((d, dt.time(8, 30), 6) for d in (0, 3)) + tuple((d, dt.time(9, 30), 6) for d in (0, 3)),
    ),
    ServiceKind(
        "独居老人助餐",
        "Meals for elderly people living alone",
        "社区老年食堂午餐，独居、高龄老人优先，可代为送餐。",
        "elderly",
        45,
        "社区老年食堂",
        tuple((d, dt.time(11, 30), 12) for d in range(5)),
        min_age=70,
        price="每餐10元（80岁以上免费）",
        cancel_until_hours=12,
    ),
    ServiceKind(
        "家电维修",
        "Small appliance repairs",
        "党员志愿者义务维修小家电，材料费自理。",
        "everyone",
        30,
        "党员志愿服务队",
        tuple((5, dt.time(h, 0), 2) for h in (9, 10, 14, 15)),
        price="免工时费，材料费自理",
    ),
]
SERVICES_PER_CENTER = 4


def _services_load(
    *,
    centers: list[Unit],
    pool: dict[int, list[PersonRecord]],
    staff: Person,
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """Services, their weekly slots and two weeks of appointments each way for `centers`;
    returns the appointments written."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    chosen = [(c, kind) for c in centers for kind in rng.sample(SERVICE_KINDS, k=SERVICES_PER_CENTER)]
    services = Service.objects.bulk_create(
        Service(
            center=c,
            area=c.area,
            area_path=c.area_path,
            name=kind.name,
            name_en=kind.name_en,
            description=kind.description,
            audience=kind.audience,
            min_age=kind.min_age,
            minutes=kind.minutes,
            provider=kind.provider,
            price=kind.price,
            cancel_until_hours=kind.cancel_until_hours,
            created_by=staff,
        )
        for c, kind in chosen
    )
    SlotPattern.objects.bulk_create(
        SlotPattern(service=service, weekday=d, start=start, capacity=places)
        for service, (_c, kind) in zip(services, chosen, strict=True)
        for d, start, places in kind.slots
    )
    horizon = now + dt.timedelta(days=HORIZON_DAYS)
    appointments: list[Appointment] = []
    for service, (center, kind) in zip(services, chosen, strict=True):
        lo = kind.min_age or 18
        eligible = [r for r in pool[center.area_id] if r.birth_year and today.year - r.birth_year >= lo]
        for days in range(-14, HORIZON_DAYS + 1):
            day = today + dt.timedelta(days=days)
            for weekday, start, places in kind.slots:
                starts = dt.datetime.combine(day, start, tz)
                if weekday != day.weekday() or starts > horizon:
                    continue
                past = starts < now
                # Past slots were mostly full; coming ones fill up as they near.
                share = 0.8 if past else max(0.1, 0.7 - days * 0.05)
                n = min(len(eligible), sum(rng.random() < share for _ in range(places)))
                for record in rng.sample(eligible, k=n):
                    if past:
                        status = AppointmentStatus.SERVED if rng.random() < 0.9 else AppointmentStatus.NO_SHOW
                    else:
                        status = (
                            AppointmentStatus.CANCELLED if rng.random() < 0.08 else AppointmentStatus.BOOKED
                        )
                    assert status == APPOINTMENT_INITIAL or step_allowed(
                        APPOINTMENT_MOVES, APPOINTMENT_INITIAL, status
                    )
                    appointments.append(
                        Appointment(
                            service=service,
                            starts_at=starts,
                            record=record,
                            status=status,
                            code=new_code(),
                            booked_by=staff,
                            served_at=starts + dt.timedelta(minutes=rng.randint(0, 10))
                            if status == AppointmentStatus.SERVED
                            else None,
                            reminded_at=starts - dt.timedelta(hours=20) if past else None,
                        )
                    )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    return len(appointments)


def _calendar_and_bookings(
    *,
    centers: list[Unit],
    rooms: list[Room],
    activities: list[Activity],
    staff: Person,
    requester: Person,
    rng: random.Random,
    now: dt.datetime,
) -> None:
    """Each center's hours and closed days, and its bookings within those hours, clear of the
    rooms' activities and of each other's approved times."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    OpeningHours.objects.bulk_create(
        OpeningHours(center=c, weekday=d, opens=o, closes=e) for c in centers for d, o, e in HOURS
    )
    # Past the activities' weeks, so that no session falls on a day the center is closed.
    closed = [
        (monday + dt.timedelta(weeks=WEEKS_AHEAD, days=1), "消防设施年度检修"),
        (monday + dt.timedelta(weeks=WEEKS_AHEAD + 1, days=4), "活动室地面翻新"),
    ]
    ClosedDay.objects.bulk_create(ClosedDay(center=c, day=d, reason=r) for c in centers for d, r in closed)
    closed_days = {d for d, _r in closed}
    held: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for a in activities:
        assert a.room is not None
        held.setdefault(a.room.pk, []).append((a.starts_at, a.ends_at))
    bookings: list[RoomBooking] = []
    for center in centers:
        center_rooms = [r for r in rooms if r.center_id == center.pk]
        mine: list[RoomBooking] = []
        # A few tries each: a time drawn may fall on an activity or a closed day.
        for _try in range(BOOKINGS_PER_CENTER * 4):
            if len(mine) == BOOKINGS_PER_CENTER:
                break
            use = rng.choice(USES)
            room = rng.choice([r for r in center_rooms if r.capacity >= use.attendees] or center_rooms)
            day = monday + dt.timedelta(weeks=rng.randint(-1, WEEKS_AHEAD), days=rng.randint(0, 5))
            stretches = [(o, e) for d, o, e in HOURS if d == day.weekday()]
            opens, closes = rng.choice(stretches)
            latest = (closes.hour * 60 + closes.minute) - use.minutes
            first = opens.hour * 60 + opens.minute
            if day in closed_days or latest < first:
                continue
            start_minute = first + 30 * rng.randint(0, (latest - first) // 30)
            starts = dt.datetime.combine(day, dt.time(start_minute // 60, start_minute % 60), tz)
            ends = starts + dt.timedelta(minutes=use.minutes)
            if any(s < ends and starts < e for s, e in held.get(room.pk, [])):
                continue
            # Past ones were approved; of the coming ones the first is declined, about a third wait.
            if starts < now:
                status = BookingStatus.APPROVED
            elif not any(b.status == BookingStatus.DECLINED for b in mine):
                status = BookingStatus.DECLINED
            else:
                status = BookingStatus.REQUESTED if rng.random() < 0.35 else BookingStatus.APPROVED
            assert status == BOOKING_INITIAL or step_allowed(BOOKING_MOVES, BOOKING_INITIAL, status)
            asked = min(starts, now) - dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 8))
            decided = status != BookingStatus.REQUESTED
            mine.append(
                RoomBooking(
                    room=room,
                    requested_by=requester,
                    group=use.group,
                    purpose=use.purpose,
                    attendees=min(use.attendees, room.capacity),
                    starts_at=starts,
                    ends_at=ends,
                    status=status,
                    decided_by=staff if decided else None,
                    decided_at=asked + dt.timedelta(hours=rng.randint(2, 30)) if decided else None,
                    reason=DECLINE_REASON if status == BookingStatus.DECLINED else "",
                )
            )
            # Only what holds the room excludes later ones: a waiting request holds nothing yet.
            if status == BookingStatus.APPROVED:
                held.setdefault(room.pk, []).append((starts, ends))
        bookings += mine
    RoomBooking.objects.bulk_create(bookings)
