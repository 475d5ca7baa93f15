"""Convenience services and appointments: the rules of booking (each bad input a 422 naming its
field), the cancel deadline, who may do what, the API contract, the reminder job and the
figures, which equal direct counts."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.center import services as s
from needle.center.models import Appointment, AppointmentStatus
from needle.center.selectors import access_appointment, slots
from needle.center.states import APPOINTMENT_MOVES
from needle.center.tests.conftest import make_service, slot_at
from needle.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.core.states import step_allowed
from needle.notify.models import Notification
from needle.orgs.models import PersonRecord


def resident(name, **fields):
    return t.PersonFactory.create(username=name, **fields)


def shift(appointment, starts_at):
    """Move an appointment's time (the clock cannot be turned in a test)."""
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=starts_at)
    appointment.refresh_from_db()
    return appointment


def fields_of(call):
    with pytest.raises(ValidationFailed) as err:
        call()
    return err.value.fields


# Services ------------------------------------------------------------------------------------


def test_staff_of_the_community_and_above_create_services(world, center):
    service = make_service(world, provider="王师傅（志愿者）")
    assert service.area_path == world.areas["community_a1a"].path and service.price == ""
    assert service.patterns.count() == 14
    assert AuditEvent.objects.filter(action="center.service.created").count() == 1
    draft = s.ServiceDraft(
        name="法律咨询", audience="everyone", minutes=45, slots=[s.Slot(2, dt.time(14), 3)]
    )
    s.service_create(actor=world.people["street_admin"], center=center, draft=draft)
    for persona in ("resident", "supervisor", "outsider", "other_supervisor", "handler"):
        with pytest.raises(PermissionDenied):
            s.service_create(actor=world.people[persona], center=center, draft=draft)
    with pytest.raises(NotAuthenticated):
        s.service_create(actor=None, center=center, draft=draft)


def test_bad_services_are_refused_naming_the_fields(world, center):
    got = fields_of(
        lambda: make_service(
            world,
            name="",
            audience="pets",
            minutes=0,
            min_age=70,
            max_age=60,
            cancel_until_hours=999,
            slots=[s.Slot(7, dt.time(9), 1), s.Slot(1, dt.time(9), 0), s.Slot(1, dt.time(9), 2)],
        )
    )
    assert set(got) == {
        "name",
        "audience",
        "minutes",
        "max_age",
        "cancel_until_hours",
        "slots.0.weekday",
        "slots.1.capacity",
        "slots.2.start",
    }


def test_staff_update_a_service_and_its_slots(world, center):
    service = make_service(world)
    draft = s.ServiceDraft(
        name="老年人理发", audience="elderly", minutes=20, slots=[s.Slot(0, dt.time(10), 5)]
    )
    s.service_update(actor=world.people["staff"], service=service, draft=draft)
    assert [(p.weekday, p.start, p.capacity) for p in service.patterns.all()] == [(0, dt.time(10), 5)]
    event = AuditEvent.objects.get(action="center.service.updated")
    assert event.changes["old"]["minutes"] == 30 and event.changes["new"]["minutes"] == 20
    with pytest.raises(PermissionDenied):
        s.service_update(actor=world.people["supervisor"], service=service, draft=draft)


def test_slots_are_computed_from_the_weekly_pattern(world, center):
    service = make_service(world, capacity=2)
    s.appointment_book(actor=world.people["resident"], service=service, starts_at=slot_at(1))
    today = timezone.localdate()
    got = slots(service, today + dt.timedelta(days=1), today + dt.timedelta(days=2))
    assert [x.starts_at for x in got] == [slot_at(1), slot_at(1, 15), slot_at(2), slot_at(2, 15)]
    assert [(x.capacity, x.booked, x.left) for x in got] == [(2, 1, 1), (2, 0, 2), (2, 0, 2), (2, 0, 2)]


# Booking -------------------------------------------------------------------------------------


def test_a_resident_books_a_slot_and_hears_of_it(world, center):
    service = make_service(world)
    me = world.people["resident"]
    appointment = s.appointment_book(actor=me, service=service, starts_at=slot_at(2))
    assert appointment.status == AppointmentStatus.BOOKED and len(appointment.code) == 8
    assert appointment.person == me and appointment.booked_by == me
    assert Notification.objects.filter(recipient=me, verb="center.appointment.booked").exists()
    assert AuditEvent.objects.filter(
        action="center.appointment.booked", object_id=str(appointment.pk)
    ).exists()


def test_bad_bookings_get_a_422_naming_the_field(world, center):
    service = make_service(world, capacity=1)
    me = world.people["resident"]

    def book(starts_at, actor=me, svc=service, **kw):
        return fields_of(lambda: s.appointment_book(actor=actor, service=svc, starts_at=starts_at, **kw))

    assert set(book(slot_at(1) + dt.timedelta(minutes=30))) == {"starts_at"}  # not in the pattern
    assert set(book(slot_at(-1))) == {"starts_at"}  # past
    assert set(book(slot_at(15))) == {"starts_at"}  # beyond the horizon
    s.appointment_book(actor=me, service=service, starts_at=slot_at(1))
    assert set(book(slot_at(1))) == {"starts_at"}  # double booking
    assert set(book(slot_at(1), actor=resident("neighbour"))) == {"starts_at"}  # full
    with pytest.raises(ValidationFailed) as err:
        s.appointment_book(actor=resident("n2"), service=service, starts_at=slot_at(1))
    assert err.value.code == "slot_full"
    elderly = make_service(world, name="血压测量", min_age=60)
    assert set(book(slot_at(1), svc=elderly)) == {"birth_year"}  # no year of birth
    young = timezone.localdate().year - 30
    assert set(book(slot_at(1), svc=elderly, birth_year=young)) == {"birth_year"}
    staff = world.people["staff"]
    on_behalf = s.OnBehalf(name="李大爷", phone="13800001111", age=40, consent=True)
    assert set(book(slot_at(1), actor=staff, svc=elderly, on_behalf=on_behalf)) == {"on_behalf.age"}
    closed = make_service(world, name="助餐", active=False)
    assert set(book(slot_at(1), svc=closed)) == {"service"}
    assert Appointment.objects.count() == 1
    # The year given is kept and the old enough book.
    old = s.appointment_book(actor=me, service=elderly, starts_at=slot_at(2), birth_year=young - 40)
    assert old.status == AppointmentStatus.BOOKED
    me.refresh_from_db()
    assert me.birth_year == young - 40


def test_a_cancelled_place_is_free_again_and_may_be_booked_anew(world, center):
    service = make_service(world, capacity=1)
    me = world.people["resident"]
    first = s.appointment_book(actor=me, service=service, starts_at=slot_at(3))
    s.appointment_cancel(actor=me, appointment=first)
    again = s.appointment_book(actor=me, service=service, starts_at=slot_at(3))
    assert again.pk != first.pk and again.status == AppointmentStatus.BOOKED


def test_staff_book_on_behalf_of_a_person_without_an_account(world, center):
    service = make_service(world, min_age=60)
    staff = world.people["staff"]
    on_behalf = s.OnBehalf(name="张婆婆", phone="13900002222", age=78, consent=True)
    appointment = s.appointment_book(actor=staff, service=service, starts_at=slot_at(1), on_behalf=on_behalf)
    assert appointment.person is None and appointment.record.name == "张婆婆"
    assert PersonRecord.objects.count() == 1
    # The same person again: found, not copied, and not booked twice into one slot.
    assert set(
        fields_of(
            lambda: s.appointment_book(
                actor=staff, service=service, starts_at=slot_at(1), on_behalf=on_behalf
            )
        )
    ) == {"starts_at"}
    assert PersonRecord.objects.count() == 1
    assert set(
        fields_of(
            lambda: s.appointment_book(
                actor=staff, service=service, starts_at=slot_at(2), on_behalf=s.OnBehalf(name="x", age=70)
            )
        )
    ) == {"on_behalf.consent"}
    for persona in ("resident", "supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            s.appointment_book(
                actor=world.people[persona], service=service, starts_at=slot_at(2), on_behalf=on_behalf
            )
    # Whoever booked them may cancel for them.
    s.appointment_cancel(actor=staff, appointment=appointment)


# Cancelling and marking -----------------------------------------------------------------------


def test_residents_cancel_until_the_deadline_staff_until_the_start(world, center):
    service = make_service(world, cancel_until_hours=2)
    me = world.people["resident"]
    early = s.appointment_book(actor=me, service=service, starts_at=slot_at(1))
    shift(early, timezone.now() + dt.timedelta(hours=3))
    assert s.appointment_cancel(actor=me, appointment=early).status == AppointmentStatus.CANCELLED
    late = s.appointment_book(actor=me, service=service, starts_at=slot_at(2))
    shift(late, timezone.now() + dt.timedelta(hours=1))
    with pytest.raises(Conflict) as err:
        s.appointment_cancel(actor=me, appointment=late)
    assert err.value.code == "too_late"
    assert s.appointment_cancel(actor=world.people["staff"], appointment=late).status == "cancelled"
    started = s.appointment_book(actor=me, service=service, starts_at=slot_at(3))
    shift(started, timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict) as err:
        s.appointment_cancel(actor=world.people["staff"], appointment=started)
    assert err.value.code == "started"
    with pytest.raises(Conflict) as err:
        s.appointment_cancel(actor=me, appointment=late)
    assert err.value.code == "wrong_status"
    for persona in ("supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            s.appointment_cancel(actor=world.people[persona], appointment=started)
    assert AuditEvent.objects.filter(action="center.appointment.cancelled").count() == 2


def test_staff_mark_served_on_the_day_and_no_shows_once_started(world, center):
    service = make_service(world, capacity=3)
    staff = world.people["staff"]
    a = s.appointment_book(actor=world.people["resident"], service=service, starts_at=slot_at(1))
    b = s.appointment_book(actor=resident("b"), service=service, starts_at=slot_at(1))
    with pytest.raises(Conflict) as err:
        s.appointment_mark(actor=staff, appointment=a, served=True)
    assert err.value.code == "not_started"
    shift(a, timezone.now() + dt.timedelta(minutes=30))
    with pytest.raises(Conflict):
        s.appointment_mark(actor=staff, appointment=a, served=False)  # absent before the start?
    served = s.appointment_mark(actor=staff, appointment=a, served=True)
    assert served.status == AppointmentStatus.SERVED and served.served_at is not None
    shift(b, timezone.now() - dt.timedelta(minutes=10))
    for persona in ("resident", "supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            s.appointment_mark(actor=world.people[persona], appointment=b, served=False)
    assert s.appointment_mark(actor=staff, appointment=b, served=False).status == AppointmentStatus.NO_SHOW
    with pytest.raises(Conflict):
        s.appointment_mark(actor=staff, appointment=b, served=False)
    # A person marked absent by mistake who came is served after all.
    assert s.appointment_mark(actor=staff, appointment=b, served=True).status == AppointmentStatus.SERVED
    with pytest.raises(Conflict):
        s.appointment_cancel(actor=staff, appointment=b)


def test_who_sees_an_appointment(world, center):
    service = make_service(world)
    a = s.appointment_book(actor=world.people["resident"], service=service, starts_at=slot_at(1))
    for persona in ("resident", "staff", "supervisor", "street_admin"):
        assert access_appointment(actor=world.people[persona], appointment_id=a.pk) == a
    for persona in ("outsider", "other_supervisor", "handler"):
        with pytest.raises(NotFound):
            access_appointment(actor=world.people[persona], appointment_id=a.pk)


def test_the_lifecycle_table(world):
    assert step_allowed(APPOINTMENT_MOVES, "booked", "served") and step_allowed(
        APPOINTMENT_MOVES, "no_show", "served"
    )
    assert not step_allowed(APPOINTMENT_MOVES, "cancelled", "booked")
    assert not step_allowed(APPOINTMENT_MOVES, "served", "cancelled")
    assert set(APPOINTMENT_MOVES) == {"cancel", "serve", "no_show"}


# The reminder ----------------------------------------------------------------------------------


def test_the_reminder_goes_out_the_day_before_once(world, center):
    from needle.center.tasks import remind_appointments

    service = make_service(world, capacity=3)
    me = world.people["resident"]
    tomorrow = s.appointment_book(actor=me, service=service, starts_at=slot_at(1))
    s.appointment_book(actor=me, service=service, starts_at=slot_at(2))
    cancelled = s.appointment_book(actor=resident("c"), service=service, starts_at=slot_at(1, 15))
    s.appointment_cancel(actor=cancelled.person, appointment=cancelled)
    on_behalf = s.OnBehalf(name="赵爷爷", phone="13700003333", age=80, consent=True)
    s.appointment_book(
        actor=world.people["staff"], service=service, starts_at=slot_at(1), on_behalf=on_behalf
    )
    assert remind_appointments.call_local() == 2
    assert remind_appointments.call_local() == 0
    assert s.appointments_remind() == 0
    assert Notification.objects.filter(recipient=me, verb="center.appointment.reminder").count() == 1
    tomorrow.refresh_from_db()
    assert tomorrow.reminded_at is not None
    assert Appointment.objects.filter(reminded_at__isnull=False).count() == 2


# The API ------------------------------------------------------------------------------------------


def service_body(world, **fields):
    return {
        "center": world.units["center_a1a"].pk,
        "name": "法律咨询",
        "name_en": "Legal advice",
        "audience": "everyone",
        "minutes": 45,
        "provider": "社区法律顾问",
        "slots": [{"weekday": d, "start": "09:00", "capacity": 2} for d in range(7)],
        **fields,
    }


def test_api_staff_create_a_service_201_others_403_401(world, center, api_for):
    res = api_for("staff").post("/api/v1/center/services", service_body(world))
    assert res.status_code == 201, res.content
    out = res.json()
    assert out["name_en"] == "Legal advice" and out["price"] == "" and out["cancel_until_hours"] == 2
    assert out["area"] == world.areas["community_a1a"].code and len(out["slots"]) == 7
    assert out["slots"][0] == {"weekday": 0, "start": "09:00:00", "capacity": 2}
    for persona in ("resident", "supervisor", "outsider"):
        res = api_for(persona).post("/api/v1/center/services", service_body(world))
        assert res.status_code == 403 and res.json()["error"]["code"] == "permission_denied"
    anonymous = Client().post("/api/v1/center/services", service_body(world), content_type="application/json")
    assert anonymous.status_code == 401


def test_api_bad_services_get_422_naming_the_field(world, center, api_for):
    api = api_for("staff")
    for fields, name in [
        ({"minutes": 0}, "minutes"),
        ({"audience": "pets"}, "audience"),
        ({"min_age": 70, "max_age": 60}, "max_age"),
        ({"center": 999999}, "center"),
        ({"center": world.units["rc_a1a"].pk}, "center"),
        ({"slots": [{"weekday": 7, "start": "09:00", "capacity": 1}]}, "slots.0.weekday"),
        ({"slots": [{"weekday": 1, "start": "09:00", "capacity": 0}]}, "slots.0.capacity"),
    ]:
        res = api.post("/api/v1/center/services", service_body(world, **fields))
        assert res.status_code == 422, (fields, res.content)
        assert name in res.json()["error"]["fields"], (fields, res.json())


def test_api_staff_change_a_service_200_others_403(world, center, api_for):
    service = make_service(world)
    body = service_body(world, name="老年人理发", minutes=25, active=False)
    del body["center"]
    url = f"/api/v1/center/services/{service.pk}"
    for persona in ("resident", "supervisor", "outsider"):
        assert api_for(persona).put(url, body).status_code == 403
    res = api_for("staff").put(url, {**body, "slots": [{"weekday": 9, "start": "09:00", "capacity": 1}]})
    assert res.status_code == 422 and "slots.0.weekday" in res.json()["error"]["fields"]
    res = api_for("staff").put(url, body)
    assert res.status_code == 200, res.content
    assert res.json()["minutes"] == 25 and res.json()["active"] is False and len(res.json()["slots"]) == 7
    # Closed: off the public list, and no more bookings.
    assert Client().get("/api/v1/center/services").json()["count"] == 0
    res = api_for("resident").post(f"{url}/appointments", {"starts_at": slot_at(1).isoformat()})
    assert res.status_code == 422 and "service" in res.json()["error"]["fields"]
    assert api_for("staff").put("/api/v1/center/services/999999", body).status_code == 404


def test_api_public_services_and_slots(world, center, api_for):
    service = make_service(world, capacity=2, name_en="Haircuts for the elderly")
    make_service(world, name="已停办", active=False)
    s.appointment_book(actor=world.people["resident"], service=service, starts_at=slot_at(1))
    res = Client().get(f"/api/v1/center/services?area={world.areas['street_a1'].code}")
    assert res.status_code == 200
    assert [x["name"] for x in res.json()["results"]] == ["老年人理发"]
    assert Client().get(f"/api/v1/center/services?area={world.areas['street_b1'].code}").json()["count"] == 0
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    res = Client().get(f"/api/v1/center/services/{service.pk}/slots?start={day}&end={day}")
    assert res.status_code == 200, res.content
    got = res.json()["slots"]
    assert [(x["capacity"], x["booked"], x["left"]) for x in got] == [(2, 1, 1), (2, 0, 2)]
    assert dt.datetime.fromisoformat(got[0]["starts_at"]) == slot_at(1)
    res = Client().get(f"/api/v1/center/services/{service.pk}/slots?start={day}&end=2000-01-01")
    assert res.status_code == 422 and "end" in res.json()["error"]["fields"]
    assert Client().get("/api/v1/center/services/999999/slots").status_code == 404


def test_api_book_read_cancel_and_mark(world, center, api_for):
    service = make_service(world, capacity=1, cancel_until_hours=2)
    resident_api = api_for("resident")
    url = f"/api/v1/center/services/{service.pk}/appointments"
    res = resident_api.post(url, {"starts_at": slot_at(2).isoformat()})
    assert res.status_code == 201, res.content
    out = res.json()
    assert out["status"] == "booked" and out["service"] == service.pk
    assert dt.datetime.fromisoformat(out["cancel_until"]) == slot_at(2) - dt.timedelta(hours=2)
    pk = out["id"]
    assert resident_api.get(f"/api/v1/center/appointments/{pk}").json()["code"] == out["code"]
    assert api_for("supervisor").get(f"/api/v1/center/appointments/{pk}").status_code == 200
    assert api_for("outsider").get(f"/api/v1/center/appointments/{pk}").status_code == 404
    # Each bad booking: 422 naming the field, in the project's error shape.
    for body, code in [
        ({"starts_at": slot_at(2).isoformat()}, "already_booked"),
        ({"starts_at": slot_at(1, 10).isoformat()}, "no_such_slot"),
        ({"starts_at": slot_at(-1).isoformat()}, "no_such_slot"),
    ]:
        res = resident_api.post(url, body)
        assert res.status_code == 422, res.content
        assert res.json()["error"]["code"] == code and "starts_at" in res.json()["error"]["fields"]
    res = api_for("outsider").post(url, {"starts_at": slot_at(2).isoformat()})
    assert res.status_code == 422 and res.json()["error"]["code"] == "slot_full"
    res = resident_api.post(url, {"starts_at": "2026-12-10T09:00:00"})  # no offset
    assert res.status_code == 422 and "starts_at" in res.json()["error"]["fields"]
    res = resident_api.post(
        url, {"starts_at": slot_at(3).isoformat(), "on_behalf": {"name": "x", "consent": True}}
    )
    assert res.status_code == 403
    res = api_for("staff").post(
        url,
        {"starts_at": slot_at(3).isoformat(), "on_behalf": {"name": "钱奶奶", "age": 75, "consent": True}},
    )
    assert res.status_code == 201, res.content
    anonymous = Client().post(url, {"starts_at": slot_at(4).isoformat()}, content_type="application/json")
    assert anonymous.status_code == 401

    res = api_for("staff").post(f"/api/v1/center/appointments/{pk}/serve")
    assert res.status_code == 409 and res.json()["error"]["code"] == "not_started"
    assert api_for("supervisor").post(f"/api/v1/center/appointments/{pk}/cancel").status_code == 403
    res = resident_api.post(f"/api/v1/center/appointments/{pk}/cancel")
    assert res.status_code == 200 and res.json()["status"] == "cancelled"
    res = resident_api.post(f"/api/v1/center/appointments/{pk}/cancel")
    assert res.status_code == 409 and res.json()["error"]["status"] == "cancelled"

    other = s.appointment_book(actor=world.people["resident"], service=service, starts_at=slot_at(4))
    shift(other, timezone.now() - dt.timedelta(minutes=5))
    assert resident_api.post(f"/api/v1/center/appointments/{other.pk}/no-show").status_code == 403
    res = api_for("staff").post(f"/api/v1/center/appointments/{other.pk}/no-show")
    assert res.status_code == 200 and res.json()["status"] == "no_show"
    res = api_for("staff").post(f"/api/v1/center/appointments/{other.pk}/serve")
    assert res.status_code == 200 and res.json()["served_at"] is not None


def test_the_openapi_document_has_the_operations(world):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/center/services",
        "/api/v1/center/services/{service_id}",
        "/api/v1/center/services/{service_id}/slots",
        "/api/v1/center/services/{service_id}/appointments",
        "/api/v1/center/appointments/{appointment_id}",
        "/api/v1/center/appointments/{appointment_id}/cancel",
        "/api/v1/center/appointments/{appointment_id}/serve",
        "/api/v1/center/appointments/{appointment_id}/no-show",
    ):
        assert path in paths, path
    book = paths["/api/v1/center/services/{service_id}/appointments"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(book["responses"])


# Figures -------------------------------------------------------------------------------------

INDICATORS = "/api/v1/operations/indicators"
FIGURE_AREAS = ("province", "district_a", "street_a1", "community_a1a", "district_b")


def direct(area, start, end):
    tz = timezone.get_current_timezone()
    rows = Appointment.objects.filter(
        service__area_path__startswith=area.path,
        starts_at__gte=dt.datetime.combine(start, dt.time(), tz),
        starts_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz),
    )
    served = rows.filter(status="served").count()
    no_shows = rows.filter(status="no_show").count()
    return {
        "appointments": rows.exclude(status="cancelled").count(),
        "appointments_served": served,
        "appointment_no_show_rate": round(no_shows / (served + no_shows), 4) if served + no_shows else None,
    }


def assert_figures_agree(world, api):
    today = timezone.localdate()
    for name in FIGURE_AREAS:
        area = world.areas[name]
        for start, end in ((today - dt.timedelta(days=30), today + dt.timedelta(days=30)), (today, today)):
            r = api.get(
                INDICATORS,
                area=area.code,
                source="appointments",
                start=start.isoformat(),
                end=end.isoformat(),
            )
            assert r.status_code == 200, r.content
            got = r.json()["node"]["figures"]
            want = direct(area, start, end)
            assert {k: got[k] for k in want} == want, (name, start, end, got)


def test_appointment_figures_equal_direct_counts(world, center, api_for):
    from needle.center.models import AppointmentFootprint, AppointmentNodeRollup, AppointmentRollup
    from needle.rollups.rebuild import rollups_rebuild
    from needle.rollups.refresh import rollups_refresh

    api = api_for("city_admin")
    staff = world.people["staff"]
    service = make_service(world, capacity=5)
    people = [resident(f"f{i}") for i in range(4)]
    booked = [s.appointment_book(actor=p, service=service, starts_at=slot_at(1)) for p in people]
    later = s.appointment_book(actor=people[0], service=service, starts_at=slot_at(3, 15))
    rollups_refresh()
    assert_figures_agree(world, api)

    # Today's slot came: two were served, one missed it, one cancelled the day before.
    s.appointment_cancel(actor=people[3], appointment=booked[3])
    for a in booked[:3]:
        shift(a, timezone.now() - dt.timedelta(minutes=5))
    s.appointment_mark(actor=staff, appointment=booked[0], served=True)
    s.appointment_mark(actor=staff, appointment=booked[1], served=True)
    s.appointment_mark(actor=staff, appointment=booked[2], served=False)
    s.appointment_cancel(actor=people[0], appointment=later)
    rollups_refresh()
    assert_figures_agree(world, api)
    got = api.get(INDICATORS, area=world.areas["community_a1a"].code, source="appointments").json()
    figures = got["node"]["figures"]
    assert (figures["appointments_served"], figures["appointment_no_show_rate"]) == (2, round(1 / 3, 4))

    def rows(model):
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    kept = [rows(m) for m in (AppointmentRollup, AppointmentNodeRollup, AppointmentFootprint)]
    rollups_rebuild(actor=None, source="appointments")
    assert [rows(m) for m in (AppointmentRollup, AppointmentNodeRollup, AppointmentFootprint)] == kept


def test_appointment_figures_need_the_center_permission(world, center, api_for):
    street = world.areas["street_a1"].code
    assert api_for("supervisor").get(INDICATORS, area=street, source="appointments").status_code == 200
    assert api_for("resident").get(INDICATORS, area=street, source="appointments").status_code == 404


# The page --------------------------------------------------------------------------------------


def center_page(client, world, language="en"):
    client.cookies["django_language"] = language
    return client.get(f"/center/{world.areas['community_a1a'].code}/").content.decode()


def test_the_page_lists_services_with_open_slots_and_a_resident_books_and_cancels(world, center, client_for):
    service = make_service(world, capacity=1, name_en="Haircuts for the elderly", cancel_until_hours=2)
    make_service(world, name="已停办", active=False)
    en = center_page(Client(), world)
    assert "Haircuts for the elderly" in en and "1 place left" in en and "Sign in to book" in en
    assert "已停办" not in en and "free" in en
    zh = center_page(Client(), world, "zh-hans")
    assert "老年人理发" in zh and "Haircuts for the elderly" not in zh
    assert "便民服务" in zh and "剩余1个名额" in zh and "登录后预约" in zh

    me = client_for("resident")
    assert 'name="starts_at"' in center_page(me, world)
    res = me.post(f"/center/services/{service.pk}/book/", {"starts_at": slot_at(2).isoformat()}, follow=True)
    assert "Your appointment is booked" in res.content.decode()
    appointment = Appointment.objects.get(person=world.people["resident"])
    assert appointment.starts_at == slot_at(2)
    assert "Cancel my appointment" in center_page(me, world)
    res = me.post(f"/center/services/{service.pk}/book/", {"starts_at": slot_at(2).isoformat()}, follow=True)
    assert "Already booked for this slot." in res.content.decode()
    res = me.post(f"/center/services/{service.pk}/book/", {"starts_at": "tomorrow"}, follow=True)
    assert "Choose a time from the list." in res.content.decode()
    url = f"/center/appointments/{appointment.pk}/cancel/"
    assert client_for("outsider").post(url).status_code == 404
    res = me.post(url, follow=True)
    assert "Your appointment is cancelled." in res.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
    assert Client().post(f"/center/services/{service.pk}/book/").status_code == 302
    assert Appointment.objects.count() == 1


def test_the_page_reads_the_services_in_a_fixed_number_of_queries(world, center, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    me = client_for("resident")
    s.appointment_book(actor=world.people["resident"], service=make_service(world), starts_at=slot_at(1))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            center_page(me, world)
        return len(ctx.captured_queries)

    one = count()
    for name in ("法律咨询", "血压测量", "独居老人助餐"):
        service = make_service(world, name=name)
        s.appointment_book(actor=world.people["resident"], service=service, starts_at=slot_at(1))
    assert count() == one
