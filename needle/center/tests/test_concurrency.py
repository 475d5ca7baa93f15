"""The last seats go to exactly one person each, whatever the concurrency: many residents
register at once for an activity with few seats left; exactly the seats are confirmed and the
rest wait in the order they were served, 1, 2, 3… On PostgreSQL the activity's row lock
serializes them; on SQLite its IMMEDIATE transactions do, on a database file as in production
(a copy of the test database, written by a second process)."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from needle import testing as t
from needle.center import services as s
from needle.center.models import Appointment, Registration, Status
from needle.center.services.seats import waitlist_position
from needle.center.tests.conftest import make_activity, make_service, slot_at
from needle.center.tests.rush import rush, rush_book

PEOPLE = 12
SEATS = 3


def _on_a_file(tmp_path: Path, *args: object) -> tuple[list[str], sqlite3.Connection]:
    path = tmp_path / "rush.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "NEEDLE_TESTING": "true"}
    env["DJANGO_SETTINGS_MODULE"] = "needle.settings"
    run = subprocess.run(
        [sys.executable, "-m", "needle.center.tests.rush", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    return run.stdout.splitlines(), sqlite3.connect(path)


@pytest.mark.django_db(transaction=True)
def test_many_registrations_at_once_for_the_last_seats(world_tx, center_tx, tmp_path):
    world = world_tx
    activity = make_activity(world, capacity=SEATS + 1)
    s.registration_create(actor=world.people["resident"], activity=activity)
    people = [t.PersonFactory.create(username=f"rush{i}").pk for i in range(PEOPLE)]
    if connection.vendor == "sqlite":
        errors, db = _on_a_file(tmp_path, activity.pk, *people)
        rows = db.execute(
            "SELECT id, status, queue_number FROM center_registration WHERE activity_id = ? AND person_id != ?",
            (activity.pk, world.people["resident"].pk),
        ).fetchall()
        db.close()
    else:
        errors = rush(activity.pk, people)
        rows = list(
            Registration.objects.filter(activity=activity)
            .exclude(person=world.people["resident"])
            .values_list("id", "status", "queue_number")
        )
    assert errors == []
    assert len(rows) == PEOPLE
    confirmed = [pk for pk, status, _n in rows if status == Status.CONFIRMED]
    waiting = sorted((pk, n) for pk, status, n in rows if status == Status.WAITLISTED)
    assert len(confirmed) == SEATS
    # In the order the rows were written: 1, 2, 3… with no gap or repeat, all after the seats.
    assert [n for _pk, n in waiting] == sorted(n for _pk, n in waiting)
    assert all(pk > max(confirmed) for pk, _n in waiting)
    if connection.vendor != "sqlite":
        positions = [waitlist_position(Registration.objects.get(pk=pk)) for pk, _n in waiting]
        assert positions == list(range(1, PEOPLE - SEATS + 1))
    else:
        numbers = [n for _pk, n in waiting]
        assert numbers == list(range(numbers[0], numbers[0] + PEOPLE - SEATS))


@pytest.mark.django_db(transaction=True)
def test_many_bookings_at_once_for_the_last_places_of_a_slot(world_tx, center_tx, tmp_path):
    world = world_tx
    service = make_service(world, capacity=SEATS)
    starts_at = slot_at(2)
    people = [t.PersonFactory.create(username=f"book{i}").pk for i in range(PEOPLE)]
    if connection.vendor == "sqlite":
        errors, db = _on_a_file(tmp_path, "book", service.pk, starts_at.isoformat(), *people)
        rows = db.execute(
            "SELECT status FROM center_appointment WHERE service_id = ? AND starts_at = ?",
            (service.pk, starts_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ).fetchall()
        db.close()
        statuses = [status for (status,) in rows]
    else:
        errors = rush_book(service.pk, starts_at.isoformat(), people)
        statuses = list(Appointment.objects.filter(service=service).values_list("status", flat=True))
    # Exactly the places are booked; everyone else was told the slot is full, nothing else.
    assert statuses == ["booked"] * SEATS
    assert len(errors) == PEOPLE - SEATS and all(e.startswith("slot_full ") for e in errors), errors


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_bookings_approved_at_once_one_wins(world_tx, center_tx):
    """Two staff approve two overlapping requests at the same moment: the room's row lock lets
    one through, the other gets a 409 naming it; the same for an activity put in the room."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the sequential refusal is in test_rooms.py")

    from needle.center.models import BookingStatus, RoomBooking
    from needle.center.tests.test_rooms import TUESDAY, WEEK_HOURS, at, next_weekday
    from needle.core.errors import Conflict, ValidationFailed

    world = world_tx
    staff = world.people["staff"]
    s.center_set_hours(actor=staff, center=center_tx, hours=WEEK_HOURS)
    room = s.room_create(actor=staff, center=center_tx, name="多功能活动室", capacity=30)
    day = next_weekday(TUESDAY)

    def ask(start: str, end: str, group: str) -> RoomBooking:
        return s.booking_request(
            actor=world.people["resident"],
            room=room,
            group=group,
            purpose="会议",
            attendees=5,
            starts_at=at(day, start),
            ends_at=at(day, end),
        )

    first, second = ask("09:00", "10:30", "舞蹈队"), ask("10:00", "11:00", "业委会")
    outcomes = t.at_once(
        lambda: s.booking_approve(actor=staff, booking=first),
        lambda: s.booking_approve(actor=staff, booking=second),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "RoomBooking"]
    assert RoomBooking.objects.filter(status=BookingStatus.APPROVED).count() == 1
    loser = next(o for o in outcomes if isinstance(o, Conflict))
    assert "舞蹈队" in loser.message or "业委会" in loser.message

    third = ask("14:00", "15:00", "合唱团")
    outcomes = t.at_once(
        lambda: s.booking_approve(actor=staff, booking=third),
        lambda: make_activity(world, room=room, starts_at=at(day, "14:30"), ends_at=at(day, "15:30")),
    )
    assert sum(isinstance(o, (Conflict, ValidationFailed)) for o in outcomes) == 1
