"""Reads of the service center. Activities, convenience services (with their slots), rooms and
their opening hours are public (a community's notice board); a registration or an appointment is
seen by its registrant and by the center staff over its community, a room booking by its
requester and by that staff (others see only the times an approved booking holds the room,
without who asked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from needle.areas.models import Area, subtree_q
from needle.areas.selectors import area_get
from needle.center.models import (
    HOLDING,
    SEATED,
    STANDING,
    Activity,
    ActivityPhoto,
    Appointment,
    AppointmentStatus,
    BookingStatus,
    ClosedDay,
    OpeningHours,
    Registration,
    Room,
    RoomBooking,
    Series,
    Service,
    Status,
)
from needle.center.states import is_booker, is_registrant, is_requester
from needle.core.audit import audit_record
from needle.core.errors import NotFound, or_not_found
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import (
    area_scope_q,
    can_in_area,
    has_perm_anywhere,
    require,
    require_authenticated,
    scope_paths,
)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_current_timezone())


def activity_list(
    *,
    area: Area | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    counted: bool = True,
) -> QuerySet[Activity]:
    """Activities in an area's subtree from the local day `start` to the day `end` (both
    included), soonest first, each with its seats counted (`confirmed`, `waitlisted`, `taken`)
    unless `counted` is False (a feed shows no seats: the join over registrations is saved)."""
    qs = Activity.objects.all()
    if area is not None:
        qs = qs.filter(subtree_q(area.path, "area_path"))
    if start is not None:
        qs = qs.filter(starts_at__gte=_local_midnight(start))
    if end is not None:
        qs = qs.filter(starts_at__lt=_local_midnight(end + dt.timedelta(days=1)))
    if not counted:
        return qs.order_by("starts_at", "pk")
    return qs.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)),
        waitlisted=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
        taken=Count("registrations", filter=Q(registrations__status__in=SEATED)),
    ).order_by("starts_at", "pk")


def access_activity(*, activity_id: int, counted: bool = True) -> Activity:
    """An activity (public); `counted`: with its seats counted, as activity_list gives them —
    the writes that lock and count it themselves go without."""
    return or_not_found(activity_list(counted=counted).select_related("area").filter(pk=activity_id).first())


def access_series(*, series_id: int) -> Series:
    """A series (public, as its sessions are)."""
    return or_not_found(Series.objects.filter(pk=series_id).first())


def activity_counts(activity: Activity) -> dict[str, int]:
    """The number of registrations by status, every status named."""
    counts = dict.fromkeys(Status.values, 0)
    for status, n in (
        Registration.objects.filter(activity=activity)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[status] = n
    return counts


def access_registration(*, actor: Any, registration_id: int) -> Registration:
    """A registration its registrant or the center's staff (or those above) may see; to anyone
    else it does not exist."""
    registration = (
        Registration.objects.select_related("activity", "person", "record").filter(pk=registration_id).first()
    )
    if registration is None:
        raise NotFound()
    if is_registrant(actor, registration) or can_in_area(
        actor, "center.view", registration.activity.area_path
    ):
        return registration
    raise NotFound()


def registration_by_code(*, actor: Any, code: str) -> Registration:
    """The registration a person shows at the door, for the center's staff (its code, however
    it was typed); to anyone else no code exists."""
    code = code.strip().upper().replace(" ", "")
    # Only what a code can be is looked up (a NUL or a page of text is no code).
    if not code or len(code) > 12 or not code.isascii() or not code.isalnum():
        raise NotFound()
    registration = Registration.objects.select_related("activity").filter(code=code).first()
    if registration is None or not can_in_area(actor, "center.manage", registration.activity.area_path):
        raise NotFound()
    return registration


def my_registrations(*, actor: Any, activity_ids: list[int]) -> dict[int, Registration]:
    """The actor's own standing registrations for these activities, by activity."""
    if not getattr(actor, "is_authenticated", False):
        return {}
    rows = Registration.objects.filter(person=actor, activity_id__in=activity_ids, status__in=STANDING)
    return {r.activity_id: r for r in rows}


# The staff console -----------------------------------------------------------------------------


def console_area(*, actor: Any, code: str) -> Area:
    """The area whose centers a member of staff runs or oversees (center.view over it)."""
    require_authenticated(actor)
    area = area_get(code=code)
    require(can_in_area(actor, "center.view", area.path))
    return area


# The order of an activity's registrations on its page and its attendance sheet: who holds a
# seat, then who is offered one, then the waitlist in its order, then the rest.
_SHOWN_ORDER = [
    Status.ATTENDED,
    Status.CONFIRMED,
    Status.NO_SHOW,
    Status.OFFERED,
    Status.WAITLISTED,
    Status.CANCELLED,
]


def activity_registrants(*, actor: Any, activity: Activity, query: str = "") -> list[Registration]:
    """An activity's registrations with who they are, for its staff; the read is audited, as
    names and phones are shown. `query`: part of a name or a code (the check-in's search)."""
    require(can_in_area(actor, "center.view", activity.area_path))
    rows = Registration.objects.filter(activity=activity).select_related("person", "record", "registered_by")
    query = query.strip()[:50]
    if query:
        rows = rows.filter(
            Q(person__display_name__icontains=query)
            | Q(record__name__icontains=query)
            | Q(code=query.upper().replace(" ", ""))
        )
    rank = {s: i for i, s in enumerate(_SHOWN_ORDER)}
    found = sorted(rows, key=lambda r: (rank[Status(r.status)], r.queue_number or 0, r.pk))
    audit_record(
        actor=actor,
        action="center.activity.registrants_viewed",
        obj=activity,
        new={"shown": len(found), "query": query},
    )
    return found


@dataclass(frozen=True)
class CenterToday:
    """A center's to-dos for its staff's home: today's sessions (to check people in), offers
    that lapse within a day, and how many wait for a seat in the coming week."""

    today: list[Activity]
    offers_expiring: int
    waiting: int
    area: Area | None


def center_today(*, actor: Any) -> CenterToday | None:
    """None for anyone who does not run a center."""
    if not getattr(actor, "is_authenticated", False) or not has_perm_anywhere(actor, "center.manage"):
        return None
    scope = area_scope_q(actor, "center.manage", "area_path") or Q()
    now = timezone.now()
    day = timezone.localdate()
    today = list(
        activity_list(start=day, end=day).filter(scope).select_related("room").order_by("starts_at", "pk")
    )
    soon = Registration.objects.filter(
        status=Status.OFFERED,
        offered_until__lte=now + dt.timedelta(days=1),
        activity__in=Activity.objects.filter(scope),
    ).count()
    waiting = Registration.objects.filter(
        status=Status.WAITLISTED,
        activity__in=Activity.objects.filter(
            scope, starts_at__gte=now, starts_at__lt=now + dt.timedelta(days=7)
        ),
    ).count()
    paths = scope_paths(actor, "center.manage")
    area = Area.objects.filter(path=paths[0]).first() if len(paths) == 1 else None
    return CenterToday(today=today, offers_expiring=soon, waiting=waiting, area=area)


def my_registration_list(*, actor: Any, since: dt.datetime) -> QuerySet[Registration]:
    """The actor's own registrations, and those of the family members they look after, for
    sessions starting from `since`, soonest first."""
    require_authenticated(actor)
    return (
        Registration.objects.filter(
            Q(person=actor) | Q(record__family_of=actor), activity__starts_at__gte=since
        )
        .select_related("activity", "activity__room", "activity__area", "activity__center", "record")
        .order_by("activity__starts_at", "pk")
    )


# Convenience services and appointments ------------------------------------------------------


def service_list(*, area: Area | None = None, active_only: bool = True) -> QuerySet[Service]:
    """The services in an area's subtree, by name, with their weekly slots."""
    qs = Service.objects.select_related("area").prefetch_related("patterns")
    if area is not None:
        qs = qs.filter(subtree_q(area.path, "area_path"))
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("name", "pk")


def access_service(*, service_id: int) -> Service:
    return or_not_found(Service.objects.select_related("area").filter(pk=service_id).first())


@dataclass(frozen=True)
class SlotView:
    starts_at: dt.datetime
    capacity: int
    booked: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.booked)


def slots(service: Service, start: dt.date, end: dt.date) -> list[SlotView]:
    """Every slot of the service's weekly pattern from the local day `start` to the day `end`
    (both included), soonest first, with its places and the places booked."""
    return slots_of([service], start, end)[service.pk]


def slots_of(services: list[Service], start: dt.date, end: dt.date) -> dict[int, list[SlotView]]:
    """`slots` for several services at once, by service: one query for the places booked (the
    patterns come prefetched by service_list, or in one query more)."""
    tz = timezone.get_current_timezone()
    times: dict[int, list[tuple[dt.datetime, int]]] = {}
    for service in services:
        mine = times.setdefault(service.pk, [])
        day = start
        while day <= end:
            for p in service.patterns.all():
                if p.weekday == day.weekday():
                    mine.append((dt.datetime.combine(day, p.start, tz), p.capacity))
            day += dt.timedelta(days=1)
        mine.sort()
    booked: dict[tuple[int, dt.datetime], int] = {}
    if any(times.values()):
        first = min(t[0][0] for t in times.values() if t)
        last = max(t[-1][0] for t in times.values() if t)
        rows = (
            Appointment.objects.filter(
                service_id__in=[s.pk for s in services],
                starts_at__gte=first,
                starts_at__lte=last,
                status__in=HOLDING,
            )
            .values_list("service_id", "starts_at")
            .annotate(n=Count("pk"))
            .order_by()
        )
        booked = {(pk, at): n for pk, at, n in rows}
    return {
        pk: [SlotView(at, capacity, booked.get((pk, at), 0)) for at, capacity in slot_times]
        for pk, slot_times in times.items()
    }


def access_appointment(*, actor: Any, appointment_id: int) -> Appointment:
    """An appointment its booker or the center's staff (or those above) may see; to anyone else
    it does not exist."""
    appointment = (
        Appointment.objects.select_related("service", "service__area", "person", "record")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound()
    if is_booker(actor, appointment) or can_in_area(actor, "center.view", appointment.service.area_path):
        return appointment
    raise NotFound()


def my_appointments(*, actor: Any, service_ids: list[int]) -> dict[int, list[Appointment]]:
    """The actor's own booked appointments still to come for these services, by service."""
    if not getattr(actor, "is_authenticated", False):
        return {}
    rows = Appointment.objects.filter(
        person=actor,
        service_id__in=service_ids,
        status=AppointmentStatus.BOOKED,
        starts_at__gt=timezone.now(),
    ).order_by("starts_at")
    out: dict[int, list[Appointment]] = {}
    for a in rows:
        out.setdefault(a.service_id, []).append(a)
    return out


# Rooms and their bookings ----------------------------------------------------------------------


def access_center(*, unit_id: int) -> Unit:
    """A service center, open or not; any other unit is not found (public: centers are listed)."""
    return or_not_found(Unit.objects.filter(pk=unit_id, type=UnitType.SERVICE_CENTER).first())


def centers_in(area: Area) -> list[Unit]:
    """The open service centers in the area's subtree, by name."""
    return list(
        Unit.objects.filter(
            subtree_q(area.path, "area_path"), type=UnitType.SERVICE_CENTER, dissolved_on__isnull=True
        ).order_by("name", "pk")
    )


def room_list(*, center: Unit) -> list[Room]:
    return list(Room.objects.filter(center=center).order_by("name", "pk"))


def rooms_of(*, center_ids: list[int]) -> list[Room]:
    """The rooms of these centers, by center and name."""
    return list(Room.objects.filter(center_id__in=center_ids).order_by("center_id", "name", "pk"))


def access_room(*, room_id: int) -> Room:
    return or_not_found(Room.objects.select_related("center").filter(pk=room_id).first())


def opening_hours(*, center: Unit) -> list[OpeningHours]:
    """The center's weekly hours, Monday first, each day's stretches in order."""
    return list(OpeningHours.objects.filter(center=center).order_by("weekday", "opens"))


def opening_hours_of(*, center_ids: list[int]) -> list[OpeningHours]:
    return list(
        OpeningHours.objects.filter(center_id__in=center_ids).order_by("center_id", "weekday", "opens")
    )


def closed_days_of(*, center_ids: list[int], start: dt.date) -> list[ClosedDay]:
    return list(
        ClosedDay.objects.filter(center_id__in=center_ids, day__gte=start).order_by("center_id", "day")
    )


def closed_days(*, center: Unit, start: dt.date) -> list[ClosedDay]:
    """The center's own closed days from `start` on (public holidays are the cases' calendar)."""
    return list(ClosedDay.objects.filter(center=center, day__gte=start).order_by("day"))


def is_room_staff(actor: Any, room: Room) -> bool:
    """Whether the actor sees every booking of the room, with who asked."""
    return can_in_area(actor, "center.view", room.center.area_path)


def room_bookings(*, actor: Any, room: Room, start: dt.date, end: dt.date) -> list[RoomBooking]:
    """The room's bookings starting from the local day `start` to the day `end` (both
    included): every one for the center's staff, the approved ones for anyone else."""
    qs = RoomBooking.objects.filter(
        room=room,
        starts_at__gte=_local_midnight(start),
        starts_at__lt=_local_midnight(end + dt.timedelta(days=1)),
    )
    if not is_room_staff(actor, room):
        qs = qs.filter(status=BookingStatus.APPROVED)
    return list(qs.order_by("starts_at", "pk"))


def access_booking(*, actor: Any, booking_id: int) -> RoomBooking:
    """A booking its requester or the center's staff (or those above) may see; to anyone else it
    does not exist."""
    booking = or_not_found(RoomBooking.objects.select_related("room__center").filter(pk=booking_id).first())
    if is_requester(actor, booking) or can_in_area(actor, "center.view", booking.room.center.area_path):
        return booking
    raise NotFound()


def my_bookings(*, actor: Any, center_ids: list[int]) -> list[RoomBooking]:
    """The actor's own bookings of these centers' rooms, latest first."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        RoomBooking.objects.filter(requested_by=actor, room__center_id__in=center_ids)
        .select_related("room")
        .order_by("-starts_at", "-pk")
    )


def bookings_to_decide(*, actor: Any, center: Unit | None = None) -> QuerySet[RoomBooking]:
    """The requests waiting for a decision over the actor's center.manage scope (optionally of
    one center), oldest first: the staff's day."""
    qs = RoomBooking.objects.filter(status=BookingStatus.REQUESTED).select_related(
        "room__center", "requested_by"
    )
    scope = area_scope_q(actor, "center.manage", "room__center__area_path")
    if scope is not None:
        qs = qs.filter(scope)
    if center is not None:
        qs = qs.filter(room__center=center)
    return qs.order_by("created_at", "pk")


def bookings_waiting(*, actor: Any, area: Area) -> list[RoomBooking]:
    """The requests waiting for a decision in the area's subtree that the actor may see (staff
    decide them, supervisors watch them), oldest first."""
    qs = RoomBooking.objects.filter(
        subtree_q(area.path, "room__center__area_path"), status=BookingStatus.REQUESTED
    ).select_related("room__center", "requested_by")
    scope = area_scope_q(actor, "center.view", "room__center__area_path")
    if scope is not None:
        qs = qs.filter(scope)
    return list(qs.order_by("created_at", "pk"))


# How many room requests a staff member's home lists.
ROOMS_TODAY = 5


@dataclass(frozen=True)
class RoomsToday:
    first: list[RoomBooking]  # the oldest requests waiting
    more: bool  # whether more wait than are listed


def rooms_today(*, actor: Any) -> RoomsToday | None:
    """The room requests the actor has to decide, oldest first, for their home (one query);
    None for someone who decides none."""
    if not has_perm_anywhere(actor, "center.manage"):
        return None
    rows = list(bookings_to_decide(actor=actor).select_related("room__center__area")[: ROOMS_TODAY + 1])
    return RoomsToday(first=rows[:ROOMS_TODAY], more=len(rows) > ROOMS_TODAY)


@dataclass(frozen=True)
class RoomUse:
    """An activity or an approved booking holding a room for a while."""

    kind: str  # "activity" or "booking"
    id: int
    title: str  # the activity's title, or the booking's group
    starts_at: dt.datetime
    ends_at: dt.datetime


def room_calendar(*, center: Unit, start: dt.date, end: dt.date) -> dict[Room, dict[dt.date, list[RoomUse]]]:
    """Per room of the center and per local day from `start` to `end` (both included, every day
    present), the activities and approved bookings starting that day, in order. Three queries."""
    rooms = room_list(center=center)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    out: dict[Room, dict[dt.date, list[RoomUse]]] = {r: {d: [] for d in days} for r in rooms}
    by_id = {r.pk: r for r in rooms}
    lo, hi = _local_midnight(start), _local_midnight(end + dt.timedelta(days=1))
    uses: list[tuple[int, RoomUse]] = []
    for pk, room_id, title, starts_at, ends_at in Activity.objects.filter(
        room__center=center, starts_at__gte=lo, starts_at__lt=hi
    ).values_list("pk", "room_id", "title", "starts_at", "ends_at"):
        uses.append((room_id, RoomUse("activity", pk, title, starts_at, ends_at)))
    for pk, room_id, group, starts_at, ends_at in RoomBooking.objects.filter(
        room__center=center, status=BookingStatus.APPROVED, starts_at__gte=lo, starts_at__lt=hi
    ).values_list("pk", "room_id", "group", "starts_at", "ends_at"):
        uses.append((room_id, RoomUse("booking", pk, group, starts_at, ends_at)))
    for room_id, use in sorted(uses, key=lambda u: (u[1].starts_at, u[1].kind, u[1].id)):
        day = timezone.localtime(use.starts_at).date()
        out[by_id[room_id]][day].append(use)
    return out


def rooms_in(*, area: Area) -> list[Room]:
    """The rooms of the centers in an area's subtree, center by center."""
    return list(Room.objects.filter(subtree_q(area.path, "center__area_path")).order_by("center_id", "name"))


def approved_bookings(*, rooms: list[Room], start: dt.date, end: dt.date) -> list[RoomBooking]:
    """The approved bookings of these rooms starting from the local day `start` to `end`."""
    return list(
        RoomBooking.objects.filter(
            room__in=rooms,
            status=BookingStatus.APPROVED,
            starts_at__gte=_local_midnight(start),
            starts_at__lt=_local_midnight(end + dt.timedelta(days=1)),
        ).order_by("starts_at")
    )


def access_photo(*, photo_id: int) -> ActivityPhoto:
    """An activity's photo: public, as the activity is."""
    return or_not_found(ActivityPhoto.objects.select_related("activity").filter(pk=photo_id).first())


def photos_of(activity_ids: list[int]) -> dict[int, list[ActivityPhoto]]:
    """The photos of these activities, by activity, in the order they were added."""
    out: dict[int, list[ActivityPhoto]] = {}
    for photo in ActivityPhoto.objects.filter(activity_id__in=activity_ids).order_by("pk"):
        out.setdefault(photo.activity_id, []).append(photo)
    return out
