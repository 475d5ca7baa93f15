"""Rooms' opening hours, closed days and bookings: each rule of a request, the decisions and who
may make them, overlaps with bookings and activities named, the API's contract, and the room use
figures equal to direct counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F, Sum
from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.cases.models import Holiday
from needle.center import selectors
from needle.center import services as s
from needle.center.models import (
    Activity,
    BookingStatus,
    OpeningHours,
    Room,
    RoomBooking,
    RoomUseFootprint,
    RoomUseNodeRollup,
    RoomUseRollup,
)
from needle.center.room_figures import SOURCE, activity_use, booking_use
from needle.center.services.rooms import closed_reason
from needle.center.states import BOOKING_MOVES
from needle.center.tests.conftest import make_activity
from needle.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.core.states import step_allowed
from needle.notify.models import Notification
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import objects_apply, rollups_refresh

TUESDAY = 1


def next_weekday(weekday: int, weeks: int = 1) -> dt.date:
    """That weekday at least `weeks` weeks from today, so every time of it is in the future."""
    day = timezone.localdate() + dt.timedelta(weeks=weeks)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def at(day: dt.date, hm: str) -> dt.datetime:
    h, m = map(int, hm.split(":"))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(h, m)), timezone.get_default_timezone())


WEEK_HOURS = [
    *(s.Stretch(d, dt.time(8, 30), dt.time(12, 0)) for d in range(5)),
    *(s.Stretch(d, dt.time(14, 0), dt.time(18, 0)) for d in range(5)),
    s.Stretch(5, dt.time(9, 0), dt.time(12, 0)),
]


@pytest.fixture
def room(world: t.World, center: Any) -> Room:
    staff = world.people["staff"]
    s.center_set_hours(actor=staff, center=center, hours=WEEK_HOURS)
    return s.room_create(actor=staff, center=center, name="多功能活动室", capacity=30, equipment="投影仪")


def ask(world: t.World, room: Room, start: str = "09:00", end: str = "10:30", **fields: Any) -> RoomBooking:
    day = fields.pop("day", next_weekday(TUESDAY))
    values = {
        "group": "华一坡小区党支部",
        "purpose": "主题党日",
        "attendees": 12,
        "starts_at": at(day, start),
        "ends_at": at(day, end),
        **fields,
    }
    actor = values.pop("actor", world.people["resident"])
    return s.booking_request(actor=actor, room=room, **values)


def fields_of(call: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as exc:
        call()
    return exc.value.fields


# The rules of a request ------------------------------------------------------------------------


def test_a_request_waits_for_staff_who_approve_it_and_the_requester_hears(world, room):
    booking = ask(world, room)
    assert booking.status == BookingStatus.REQUESTED
    assert list(selectors.bookings_to_decide(actor=world.people["staff"])) == [booking]
    approved = s.booking_approve(actor=world.people["staff"], booking=booking)
    assert approved.status == BookingStatus.APPROVED and approved.decided_by == world.people["staff"]
    assert list(selectors.bookings_to_decide(actor=world.people["staff"])) == []
    said = Notification.objects.get(recipient=world.people["resident"], verb="center.booking.approved")
    assert said.params["room"] == "多功能活动室"
    actions = list(
        AuditEvent.objects.filter(action__startswith="center.booking")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["center.booking.requested", "center.booking.approved"]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"attendees": 31}, "attendees", "holds 30"),
        ({"attendees": 0}, "attendees", "At least one"),
        ({"group": " "}, "group", ""),
        ({"purpose": ""}, "purpose", ""),
        ({"start": "11:00", "end": "10:00"}, "ends_at", "after the start"),
        ({"start": "11:00", "end": "13:00"}, "starts_at", "opening hours"),
        ({"start": "07:00", "end": "08:00"}, "starts_at", "opening hours"),
        ({"day": next_weekday(6)}, "starts_at", "not open"),
        ({"day": timezone.localdate() - dt.timedelta(days=7)}, "starts_at", "future"),
    ],
)
def test_bad_requests_get_422_naming_the_field(world, room, fields, field, words):
    fields = dict(fields)
    start, end = fields.pop("start", "09:00"), fields.pop("end", "10:30")
    errors = fields_of(lambda: ask(world, room, start, end, **fields))
    assert field in errors and words in errors[field], errors
    assert not RoomBooking.objects.exists()


def test_closed_days_and_public_holidays_refuse_requests(world, room, center):
    day = next_weekday(TUESDAY)
    s.closed_day_add(actor=world.people["staff"], center=center, day=day, reason="消防检查")
    assert "消防检查" in fields_of(lambda: ask(world, room, day=day))["starts_at"]
    holiday = next_weekday(TUESDAY, weeks=2)
    Holiday.objects.create(date=holiday, is_workday=False, name="国庆节")
    assert "国庆节" in fields_of(lambda: ask(world, room, day=holiday))["starts_at"]
    # A swapped working day is the cases' business: it opens no weekday the center keeps closed.
    Holiday.objects.create(date=next_weekday(6, weeks=2), is_workday=True, name="调休")
    assert closed_reason(center, next_weekday(6, weeks=2)) is None
    assert "not open" in fields_of(lambda: ask(world, room, day=next_weekday(6, weeks=2)))["starts_at"]
    # The same day twice is refused, naming the field.
    assert "day" in fields_of(lambda: s.closed_day_add(actor=world.people["staff"], center=center, day=day))


def test_an_overlap_with_an_approved_booking_or_an_activity_is_named(world, room):
    staff = world.people["staff"]
    first = ask(world, room, "09:00", "10:30", group="舞蹈队", purpose="排练")
    # A pending request holds nothing: a second one for the same time may be asked for.
    second = ask(world, room, "10:00", "11:00")
    s.booking_approve(actor=staff, booking=first)
    said = fields_of(lambda: ask(world, room, "10:00", "11:00"))["starts_at"]
    assert "舞蹈队" in said and "排练" in said and "09:00" in said
    # Back to back is no overlap.
    ask(world, room, "10:30", "11:00")
    # The second can no longer be approved: 409 naming the booking that holds the room.
    with pytest.raises(Conflict) as exc:
        s.booking_approve(actor=staff, booking=second)
    assert exc.value.code == "room_taken" and "舞蹈队" in exc.value.message
    assert RoomBooking.objects.get(pk=second.pk).status == BookingStatus.REQUESTED
    # An activity in the room: requests over it are refused with its title.
    day = next_weekday(TUESDAY)
    make_activity(world, room=room, starts_at=at(day, "14:30"), ends_at=at(day, "16:00"), title="老年合唱")
    said = fields_of(lambda: ask(world, room, "15:00", "16:00"))["starts_at"]
    assert "老年合唱" in said and "14:30" in said


def test_an_activity_is_refused_over_an_approved_booking_or_another_activity(world, room, center):
    staff = world.people["staff"]
    day = next_weekday(TUESDAY)
    s.booking_approve(actor=staff, booking=ask(world, room, "09:00", "10:30", group="业委会"))
    errors = fields_of(
        lambda: make_activity(world, room=room, starts_at=at(day, "10:00"), ends_at=at(day, "11:00"))
    )
    assert "业委会" in errors["room"]
    # A weekly series is checked session by session.
    errors = fields_of(
        lambda: make_activity(
            world,
            room=room,
            starts_at=at(day - dt.timedelta(weeks=1), "10:00"),
            ends_at=at(day, "11:00") - dt.timedelta(weeks=1),
            weeks=2,
        )
    )
    assert "业委会" in errors["room"]
    held = make_activity(
        world, room=room, starts_at=at(day, "14:00"), ends_at=at(day, "15:00"), title="书法班"
    )
    errors = fields_of(
        lambda: make_activity(world, room=room, starts_at=at(day, "14:30"), ends_at=at(day, "15:30"))
    )
    assert "书法班" in errors["room"]
    # Moving an activity into a room is checked the same way; into a free room it goes.
    elsewhere = make_activity(world, starts_at=at(day, "10:00"), ends_at=at(day, "11:00"), title="讲座")
    assert (
        "业委会" in fields_of(lambda: s.activity_set_room(actor=staff, activity=elsewhere, room=room))["room"]
    )
    other = s.room_create(actor=staff, center=center, name="书画室", capacity=10)
    assert s.activity_set_room(actor=staff, activity=elsewhere, room=other).room == other
    # An activity's own time does not conflict with itself.
    assert s.activity_set_room(actor=staff, activity=held, room=room).room == room
    with pytest.raises(PermissionDenied):
        s.activity_set_room(actor=world.people["resident"], activity=held, room=None)


def test_decline_needs_a_reason_that_the_requester_is_told(world, room):
    booking = ask(world, room)
    staff = world.people["staff"]
    assert "reason" in fields_of(lambda: s.booking_decline(actor=staff, booking=booking, reason="  "))
    declined = s.booking_decline(actor=staff, booking=booking, reason="当天已安排防疫培训")
    assert declined.status == BookingStatus.DECLINED and declined.reason == "当天已安排防疫培训"
    said = Notification.objects.get(recipient=world.people["resident"], verb="center.booking.declined")
    assert said.params["reason"] == "当天已安排防疫培训"
    # A declined booking moves no further: 409 with its status.
    for call in (
        lambda: s.booking_approve(actor=staff, booking=booking),
        lambda: s.booking_cancel(actor=world.people["resident"], booking=booking),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.extra["status"] == "declined"


def test_cancel_by_the_requester_or_staff_frees_the_room(world, room):
    staff = world.people["staff"]
    mine = s.booking_approve(actor=staff, booking=ask(world, room))
    s.booking_cancel(actor=world.people["resident"], booking=mine)
    assert not Notification.objects.filter(verb="center.booking.cancelled").exists()
    theirs = s.booking_approve(actor=staff, booking=ask(world, room))
    s.booking_cancel(actor=staff, booking=theirs, reason="场地维修")
    assert Notification.objects.get(verb="center.booking.cancelled").recipient == world.people["resident"]
    assert RoomBooking.objects.get(pk=theirs.pk).reason == "场地维修"
    ask(world, room)  # the room is free again


def test_the_lifecycle_table_is_the_one_the_services_read():
    assert BOOKING_MOVES["approve"].sources == {"requested"}
    assert step_allowed(BOOKING_MOVES, "requested", "declined") and step_allowed(
        BOOKING_MOVES, "approved", "cancelled"
    )
    assert not step_allowed(BOOKING_MOVES, "declined", "approved")


# Who may ---------------------------------------------------------------------------------------


def test_who_may_decide_cancel_and_see(world, room):
    booking = ask(world, room)
    people = world.people
    for persona in ("resident", "supervisor", "outsider", "member"):
        with pytest.raises((PermissionDenied, NotFound)):
            s.booking_approve(actor=people[persona], booking=booking)
        with pytest.raises((PermissionDenied, NotFound)):
            s.booking_decline(actor=people[persona], booking=booking, reason="不行")
    for persona in ("supervisor", "outsider"):
        with pytest.raises((PermissionDenied, NotFound)):
            s.booking_cancel(actor=people[persona], booking=booking)
    with pytest.raises(NotAuthenticated):
        s.booking_request(
            actor=None,
            room=room,
            group="x",
            purpose="y",
            attendees=1,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
    # The street's supervisor sees the request, and cannot decide it; an outsider does not see it.
    assert selectors.access_booking(actor=people["supervisor"], booking_id=booking.pk) == booking
    with pytest.raises(NotFound):
        selectors.access_booking(actor=people["outsider"], booking_id=booking.pk)
    assert list(selectors.bookings_to_decide(actor=people["supervisor"])) == []
    assert list(selectors.bookings_to_decide(actor=people["street_admin"])) == [booking]
    assert list(selectors.bookings_to_decide(actor=people["outsider"])) == []
    # Hours and closed days: staff only.
    for persona in ("resident", "supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            s.center_set_hours(actor=people[persona], center=room.center, hours=[])
        with pytest.raises(PermissionDenied):
            s.closed_day_add(actor=people[persona], center=room.center, day=next_weekday(0))


def test_bad_hours_get_422_naming_the_stretch(world, center):
    staff = world.people["staff"]
    errors = fields_of(
        lambda: s.center_set_hours(
            actor=staff,
            center=center,
            hours=[
                s.Stretch(0, dt.time(9), dt.time(8)),
                s.Stretch(1, dt.time(8), dt.time(12)),
                s.Stretch(1, dt.time(11), dt.time(14)),
                s.Stretch(7, dt.time(8), dt.time(9)),
            ],
        )
    )
    assert set(errors) == {"hours.0.closes", "hours.2.opens", "hours.3.weekday"}
    assert not OpeningHours.objects.exists()


def test_room_calendar_holds_activities_and_approved_bookings_per_room_and_day(world, room):
    staff = world.people["staff"]
    day = next_weekday(TUESDAY)
    approved = s.booking_approve(actor=staff, booking=ask(world, room, "09:00", "10:00", group="舞蹈队"))
    ask(world, room, "10:00", "11:00", group="合唱团")  # pending: not on the calendar
    activity = make_activity(world, room=room, starts_at=at(day, "14:00"), ends_at=at(day, "15:00"))
    with_queries = selectors.room_calendar(center=room.center, start=day - dt.timedelta(days=1), end=day)
    assert list(with_queries) == [room]
    assert with_queries[room][day - dt.timedelta(days=1)] == []
    assert [(u.kind, u.id) for u in with_queries[room][day]] == [
        ("booking", approved.pk),
        ("activity", activity.pk),
    ]


# The API ---------------------------------------------------------------------------------------


def body(day: dt.date, start: str = "09:00", end: str = "10:30", **fields: Any) -> dict[str, Any]:
    return {
        "group": "舞蹈队",
        "purpose": "排练",
        "attendees": 15,
        "starts_at": at(day, start).isoformat(),
        "ends_at": at(day, end).isoformat(),
        **fields,
    }


def test_api_rooms_are_public_with_the_opening_hours(world, room, center):
    res = Client().get("/api/v1/center/rooms", {"center": center.pk})
    assert res.status_code == 200, res.content
    out = res.json()
    assert out["center"] == center.pk and out["results"][0]["name"] == "多功能活动室"
    assert out["results"][0]["capacity"] == 30 and out["results"][0]["accessible"] is False
    assert {"weekday": 0, "opens": "08:30:00", "closes": "12:00:00"} in out["hours"]
    assert Client().get("/api/v1/center/rooms", {"center": world.units["rc_a1a"].pk}).status_code == 404
    assert Client().get("/api/v1/center/rooms").status_code == 422


def test_api_booking_request_decide_and_read(world, room, api_for):
    day = next_weekday(TUESDAY)
    url = f"/api/v1/center/rooms/{room.pk}/bookings"
    res = api_for("resident").post(url, body(day))
    assert res.status_code == 201, res.content
    booking = res.json()
    assert booking["status"] == "requested" and booking["requested_by"] == world.people["resident"].pk
    assert Client().post(url, body(day), content_type="application/json").status_code == 401
    # Others than staff: 403 (the supervisor sees it), 404 (it does not exist for an outsider).
    decide = f"/api/v1/center/bookings/{booking['id']}"
    assert api_for("resident").post(f"{decide}/approve").status_code == 403
    assert api_for("supervisor").post(f"{decide}/approve").status_code == 403
    assert api_for("outsider").post(f"{decide}/approve").status_code == 404
    assert list(api_for("staff").post(f"{decide}/decline", {"reason": ""}).json()["error"]["fields"]) == [
        "reason"
    ]
    res = api_for("staff").post(f"{decide}/approve")
    assert res.status_code == 200 and res.json()["status"] == "approved"
    assert api_for("staff").post(f"{decide}/approve").status_code == 409
    # An overlapping request: 422 naming the approved one.
    res = api_for("resident").post(url, body(day, "10:00", "11:00"))
    assert res.status_code == 422 and "舞蹈队" in res.json()["error"]["fields"]["starts_at"]
    # The room's bookings: times for anyone, everything for staff.
    window = {"start": day.isoformat(), "end": day.isoformat()}
    public = Client().get(url, window).json()
    assert public["room"] == room.pk and public["bookings"] is None
    assert [dt.datetime.fromisoformat(public["taken"][0][k]) for k in ("starts_at", "ends_at")] == [
        at(day, "09:00"),
        at(day, "10:30"),
    ]
    assert api_for("outsider").get(url, **window).json()["bookings"] is None
    staff_view = api_for("supervisor").get(url, **window).json()
    assert [b["group"] for b in staff_view["bookings"]] == ["舞蹈队"]
    assert api_for("resident").get(f"{decide}").json()["id"] == booking["id"]
    assert api_for("outsider").get(f"{decide}").status_code == 404
    res = api_for("resident").post(f"{decide}/cancel")
    assert res.status_code == 200 and res.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"attendees": 0}, "attendees"),
        ({"attendees": 31}, "attendees"),
        ({"attendees": True}, "attendees"),
        ({"group": "x" * 101}, "group"),
        ({"starts_at": "2026-12-10T09:00:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T09:00:00-10:00"}, "ends_at"),
    ],
)
def test_api_bad_bookings_get_422_naming_the_field(world, room, api_for, fields, field):
    res = api_for("resident").post(
        f"/api/v1/center/rooms/{room.pk}/bookings", body(next_weekday(TUESDAY), **fields)
    )
    assert res.status_code == 422 and field in res.json()["error"]["fields"], res.content


def test_api_hours_and_closed_days_by_staff(world, center, api_for):
    url = f"/api/v1/center/centers/{center.pk}/hours"
    hours = {"hours": [{"weekday": 0, "opens": "08:30", "closes": "12:00"}]}
    res = api_for("staff").put(url, hours)
    assert res.status_code == 200, res.content
    assert res.json() == {
        "center": center.pk,
        "hours": [{"weekday": 0, "opens": "08:30:00", "closes": "12:00:00"}],
    }
    for persona in ("resident", "supervisor", "outsider"):
        assert api_for(persona).put(url, hours).status_code == 403
    bad = api_for("staff").put(url, {"hours": [{"weekday": 7, "opens": "08:30", "closes": "08:00+08:00"}]})
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {
        "hours.0.weekday",
        "hours.0.closes",
    }
    closed = f"/api/v1/center/centers/{center.pk}/closed-days"
    day = next_weekday(0).isoformat()
    res = api_for("staff").post(closed, {"day": day, "reason": "消防检查"})
    assert res.status_code == 201 and res.json()["day"] == day
    assert api_for("staff").post(closed, {"day": day}).status_code == 422
    assert api_for("resident").post(closed, {"day": day}).status_code == 403
    assert api_for("staff").post(closed, {"day": "2026-02-30"}).json()["error"]["fields"].keys() == {"day"}
    assert api_for("resident").delete(f"{closed}/{day}").status_code == 403
    assert api_for("staff").delete(f"{closed}/{day}").json() == {"day": day, "reason": "消防检查"}
    assert api_for("staff").delete(f"{closed}/{day}").status_code == 404
    assert AuditEvent.objects.filter(action="center.closed_day.removed").count() == 1


def test_the_openapi_document_has_rooms_and_bookings():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/center/rooms",
        "/api/v1/center/rooms/{room_id}/bookings",
        "/api/v1/center/bookings/{booking_id}/approve",
        "/api/v1/center/bookings/{booking_id}/decline",
        "/api/v1/center/bookings/{booking_id}/cancel",
        "/api/v1/center/centers/{unit_id}/hours",
        "/api/v1/center/centers/{unit_id}/closed-days",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert "422" in operation["responses"]


# Figures ---------------------------------------------------------------------------------------

URL = "/api/v1/operations/indicators"


def direct(area: Any, start: dt.date, end: dt.date) -> dict[str, int]:
    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(start, dt.time(), tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
    bookings = RoomBooking.objects.filter(
        status=BookingStatus.APPROVED,
        room__center__area_path__startswith=area.path,
        starts_at__gte=lo,
        starts_at__lt=hi,
    )
    activities = Activity.objects.filter(
        room__isnull=False, area_path__startswith=area.path, starts_at__gte=lo, starts_at__lt=hi
    )
    minutes = 0
    for qs in (bookings, activities):
        span = qs.aggregate(n=Sum(F("ends_at") - F("starts_at")))["n"]
        minutes += int(span.total_seconds() // 60) if span else 0
    return {"bookings": bookings.count(), "room_minutes": minutes}


def assert_agrees(world: t.World, api: Any) -> None:
    today = timezone.localdate()
    for name in ("province", "street_a1", "community_a1a", "district_b"):
        area = world.areas[name]
        for start, end in ((today - dt.timedelta(days=30), today + dt.timedelta(days=60)), (today, today)):
            r = api.get(URL, area=area.code, source="rooms", start=start.isoformat(), end=end.isoformat())
            assert r.status_code == 200, r.content
            got = r.json()["node"]["figures"]
            assert {k: got[k] for k in ("bookings", "room_minutes")} == direct(area, start, end), (
                name,
                start,
            )


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    return rows(RoomUseRollup), rows(RoomUseNodeRollup), rows(RoomUseFootprint)


def test_room_use_figures_equal_direct_counts(world, room, api_for):
    api = api_for("city_admin")
    staff = world.people["staff"]
    day = next_weekday(TUESDAY)
    first = s.booking_approve(actor=staff, booking=ask(world, room, "09:00", "10:30"))
    second = s.booking_approve(actor=staff, booking=ask(world, room, "14:00", "15:00"))
    ask(world, room, "10:30", "11:00")  # pending: not counted
    activity = make_activity(world, room=room, starts_at=at(day, "16:00"), ends_at=at(day, "17:15"))
    make_activity(world)  # in no room: not counted
    rollups_refresh()
    assert direct(world.areas["community_a1a"], day, day) == {"bookings": 2, "room_minutes": 90 + 60 + 75}
    assert_agrees(world, api)

    s.booking_cancel(actor=staff, booking=second)
    s.activity_set_room(actor=staff, activity=activity, room=None)
    rollups_refresh()
    assert_agrees(world, api)

    # A deleted booking is taken off by the deleting code, in its transaction.
    RoomBooking.objects.filter(pk=first.pk).delete()
    objects_apply(SOURCE, [booking_use(first.pk), activity_use(activity.pk)])
    assert_agrees(world, api)

    kept = tables()
    rollups_rebuild(actor=None, source="rooms")
    assert tables() == kept


def test_room_use_figures_need_the_center_permission(world, room, api_for):
    rollups_refresh()
    street = world.areas["street_a1"].code
    assert api_for("supervisor").get(URL, area=street, source="rooms").status_code == 200
    assert api_for("resident").get(URL, area=street, source="rooms").status_code == 404


# The pages -------------------------------------------------------------------------------------


def rooms_url(world: t.World, name: str = "community_a1a") -> str:
    return f"/center/{world.areas[name].code}/rooms/"


def test_a_resident_asks_for_a_room_on_the_page_and_sees_the_decision(world, room, client_for):
    resident = client_for("resident")
    resident.cookies["django_language"] = "en"
    page = resident.get(rooms_url(world))
    text = page.content.decode()
    assert page.status_code == 200 and "多功能活动室" in text and "投影仪" in text and "08:30–12:00" in text
    day = next_weekday(TUESDAY).isoformat()
    form = {
        "room": room.pk,
        "group": "舞蹈队",
        "purpose": "排练",
        "attendees": 40,
        "day": day,
        "starts": "09:00",
        "ends": "10:00",
    }
    res = resident.post(rooms_url(world), form)
    assert res.status_code == 422 and "The room holds 30 people." in res.content.decode()
    res = resident.post(rooms_url(world), {**form, "attendees": 20, "starts": "12:30", "ends": "13:00"})
    assert res.status_code == 422 and "Outside the opening hours" in res.content.decode()
    res = resident.post(rooms_url(world), {**form, "attendees": 20}, follow=True)
    assert "Your request is sent" in res.content.decode()
    booking = RoomBooking.objects.get()
    # Staff decline it with a reason on their page; the resident reads it on theirs.
    staff = client_for("staff")
    staff.cookies["django_language"] = "en"
    requests_url = f"{rooms_url(world)}requests/"
    assert "舞蹈队" in staff.get(requests_url).content.decode()
    move = f"/center/bookings/{booking.pk}/decline/"
    res = staff.post(
        move, {"reason": "", "back": "requests", "code": world.areas["community_a1a"].code}, follow=True
    )
    assert "Say why" in res.content.decode()
    staff.post(
        move, {"reason": "当天有消防演练", "back": "requests", "code": world.areas["community_a1a"].code}
    )
    assert RoomBooking.objects.get().status == BookingStatus.DECLINED
    text = resident.get(rooms_url(world)).content.decode()
    assert "declined" in text and "当天有消防演练" in text
    resident.cookies["django_language"] = "zh-hans"
    text = resident.get(rooms_url(world)).content.decode()
    assert "申请活动室" in text and "已拒绝" in text and "开放时间" in text
    assert client_for("outsider").get(rooms_url(world)).status_code == 200
    assert Client().get(rooms_url(world)).status_code == 302


def test_the_requests_page_staff_decide_the_supervisor_watches(world, room, client_for):
    booking = ask(world, room, group="业委会")
    url = f"{rooms_url(world, 'street_a1')}requests/"
    staff = client_for("staff").get(url).content.decode()
    assert "业委会" in staff and f"/center/bookings/{booking.pk}/approve/" in staff
    watched = client_for("supervisor").get(url)
    assert watched.status_code == 200 and "业委会" in watched.content.decode()
    assert f"/center/bookings/{booking.pk}/approve/" not in watched.content.decode()
    client_for("supervisor").post(f"/center/bookings/{booking.pk}/approve/")
    assert RoomBooking.objects.get().status == BookingStatus.REQUESTED
    assert client_for("resident").get(url).status_code == 403
    assert client_for("other_supervisor").get(url).content.decode().count("业委会") == 0
    assert client_for("outsider").post(f"/center/bookings/{booking.pk}/approve/").status_code == 404
    client_for("staff").post(f"/center/bookings/{booking.pk}/approve/", {"back": "requests", "code": "nope"})
    assert RoomBooking.objects.get().status == BookingStatus.APPROVED


def test_staff_home_lists_the_room_requests_to_decide(world, room, client_for):
    ask(world, room, group="舞蹈队")
    staff = client_for("staff")
    staff.cookies["django_language"] = "en"
    body = staff.get("/").content.decode()
    assert 'id="today-rooms"' in body and "舞蹈队" in body
    assert f"/center/{world.areas['community_a1a'].code}/rooms/requests/" in body
    assert 'id="today-rooms"' not in client_for("resident").get("/").content.decode()
    assert 'id="today-rooms"' not in client_for("supervisor").get("/").content.decode()


def test_the_rooms_page_reads_the_same_queries_for_one_center_or_many(world, room, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    resident = client_for("resident")
    url = rooms_url(world, "street_a1")
    resident.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert resident.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    staff = world.people["street_admin"]
    other = t.UnitFactory.create(
        code="sc-a1b", type=room.center.type, area=world.areas["community_a1b"], parent=world.units["rc_a1a"]
    )
    s.center_set_hours(actor=staff, center=other, hours=WEEK_HOURS)
    s.closed_day_add(actor=staff, center=other, day=next_weekday(0), reason="检修")
    s.room_create(actor=staff, center=other, name="会议室", capacity=20)
    ask(world, room)
    assert queries() == few
    text = resident.get(url).content.decode()
    assert "会议室" in text and "检修" in text and "主题党日" in text
