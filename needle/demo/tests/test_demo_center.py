"""The demo's service centers: rooms, a month of activities around today, registrations whose
statuses the lifecycle allows, a waitlist in order, a seat on offer and past attendance."""

import random

from django.db.models import Count
from django.utils import timezone

from needle import testing as t
from needle.center.models import HOLDING, Activity, Appointment, Registration, Room, Service, Status
from needle.center.services.seats import seats_taken
from needle.demo.center import demo_center_load
from needle.orgs.models import UnitType


def test_the_centers_of_the_street_get_a_month_of_activities(world):
    for key in ("community_a1a", "community_a1b"):
        t.UnitFactory.create(type=UnitType.SERVICE_CENTER, area=world.areas[key])
    t.UnitFactory.create(type=UnitType.SERVICE_CENTER, area=world.areas["community_b1a"])
    n = demo_center_load(area=world.areas["street_a1"], staff=world.people["staff"], rng=random.Random(1))
    assert n == Registration.objects.count() > 100
    assert Room.objects.count() == 4
    street = world.areas["street_a1"].path
    assert not Activity.objects.exclude(area_path__startswith=street).exists()
    now = timezone.now()
    past, coming = Activity.objects.filter(starts_at__lt=now), Activity.objects.filter(starts_at__gte=now)
    assert past.exists() and coming.exists()
    assert set(Registration.objects.filter(activity__in=past).values_list("status", flat=True)) == {
        Status.ATTENDED,
        Status.NO_SHOW,
    }
    assert Registration.objects.filter(status=Status.OFFERED, offered_until__gt=now).count() == 1
    for activity in Activity.objects.annotate(n=Count("registrations")).filter(n__gt=0):
        assert seats_taken(activity) <= activity.capacity
        queue = list(
            Registration.objects.filter(activity=activity, queue_number__isnull=False)
            .order_by("queue_number")
            .values_list("queue_number", flat=True)
        )
        assert queue == list(range(1, len(queue) + 1))
    assert Registration.objects.filter(status=Status.WAITLISTED).exists()
    # Everyone registered is old or young enough for the activity.
    year = timezone.localdate().year
    for reg in Registration.objects.select_related("activity", "record"):
        age = year - reg.record.birth_year
        assert reg.activity.min_age is None or age >= reg.activity.min_age
        assert reg.activity.max_age is None or age <= reg.activity.max_age


def test_the_centers_get_services_with_weekly_slots_and_appointments(world):
    from needle.center.services.appointments import places_taken, slot_capacity

    t.UnitFactory.create(type=UnitType.SERVICE_CENTER, area=world.areas["community_a1a"])
    demo_center_load(area=world.areas["street_a1"], staff=world.people["staff"], rng=random.Random(2))
    assert Service.objects.count() == 4 and all(s.patterns.exists() for s in Service.objects.all())
    now = timezone.now()
    past = Appointment.objects.filter(starts_at__lt=now)
    assert set(past.values_list("status", flat=True)) == {"served", "no_show"}
    assert set(Appointment.objects.filter(starts_at__gte=now).values_list("status", flat=True)) <= {
        "booked",
        "cancelled",
    }
    assert Appointment.objects.filter(starts_at__gte=now, status="booked").exists()
    year = timezone.localdate().year
    for a in Appointment.objects.select_related("service", "record").filter(status__in=HOLDING):
        # Every appointment is in a slot of its pattern, within its places, for someone old enough.
        capacity = slot_capacity(a.service, a.starts_at)
        assert capacity is not None and places_taken(a.service, a.starts_at) <= capacity
        assert a.service.min_age is None or year - a.record.birth_year >= a.service.min_age


def test_the_centers_get_hours_closed_days_and_bookings_clear_of_activities(world):
    from needle.center.models import BookingStatus, ClosedDay, OpeningHours, RoomBooking
    from needle.center.services.rooms import _calendar_error, room_conflict

    t.UnitFactory.create(type=UnitType.SERVICE_CENTER, area=world.areas["community_a1a"])
    t.UnitFactory.create(type=UnitType.SERVICE_CENTER, area=world.areas["community_a1b"])
    demo_center_load(
        area=world.areas["street_a1"],
        staff=world.people["staff"],
        rng=random.Random(1),
        resident=world.people["resident"],
    )
    assert OpeningHours.objects.count() == 2 * 11 and ClosedDay.objects.count() == 4
    statuses = [b.status for b in RoomBooking.objects.all()]
    assert len(statuses) >= 16
    assert statuses.count(BookingStatus.DECLINED) == 2
    assert BookingStatus.REQUESTED in statuses and BookingStatus.APPROVED in statuses
    assert not RoomBooking.objects.filter(status=BookingStatus.DECLINED, reason="").exists()
    for b in RoomBooking.objects.select_related("room__center"):
        assert _calendar_error(b.room.center, b.starts_at, b.ends_at) is None, b
        if b.status == BookingStatus.APPROVED:
            assert room_conflict(b.room, b.starts_at, b.ends_at, booking=b) is None, b
        else:
            # A waiting or declined request overlaps no activity either.
            assert not Activity.objects.filter(
                room=b.room, starts_at__lt=b.ends_at, ends_at__gt=b.starts_at
            ).exists()
    assert b.requested_by == world.people["resident"]
