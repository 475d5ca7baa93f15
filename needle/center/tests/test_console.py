"""The staff console: the calendar, an activity's page, registering on behalf, the attendance
sheet, the check-in screen with walk-ins; a resident's own page and calendar feeds; the
center's to-dos on the staff's home."""

import datetime as dt

import icalendar
from django.test import Client
from django.utils import timezone

from needle.center import presenters
from needle.center.models import Activity, Registration, RoomBooking, Status
from needle.center.services import OnBehalf, registration_check_in, registration_create, room_create
from needle.center.tests.conftest import make_activity
from needle.core.models import AuditEvent
from needle.orgs.models import PersonRecord


def start_now(activity: Activity, minutes_ago: int = 10) -> Activity:
    """The activity began `minutes_ago` (its window closed before)."""
    starts = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        registration_opens=starts - dt.timedelta(days=7),
        registration_closes=starts,
    )
    activity.refresh_from_db()
    return activity


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_the_calendar_is_for_the_centers_staff_and_those_above(world, center, client_for):
    activity = make_activity(world, capacity=3, title_en="Tai chi")
    code = world.areas["community_a1a"].code
    day = timezone.localtime(activity.starts_at).date().isoformat()
    # A room a group booked shows beside the activities.
    room = room_create(actor=world.people["staff"], center=center, name="书画室", capacity=16)
    RoomBooking.objects.create(
        room=room,
        requested_by=world.people["resident"],
        group="舞蹈队",
        purpose="排练",
        attendees=10,
        starts_at=activity.starts_at + dt.timedelta(hours=2),
        ends_at=activity.starts_at + dt.timedelta(hours=3),
        status="approved",
    )
    for persona in ("staff", "supervisor"):
        res = english(client_for(persona)).get(f"/center/{code}/staff/?day={day}")
        assert res.status_code == 200
        body = res.content.decode()
        assert "Tai chi" in body and f"/center/activities/{activity.pk}/staff/" in body
        assert "书画室" in body and "舞蹈队" in body
        res = client_for(persona).get(f"/center/{code}/staff/?view=month&day={day}")
        assert res.status_code == 200 and f"/center/activities/{activity.pk}/staff/" in res.content.decode()
    assert client_for("resident").get(f"/center/{code}/staff/").status_code == 403
    assert client_for("other_supervisor").get(f"/center/{code}/staff/").status_code == 403
    assert Client().get(f"/center/{code}/staff/").status_code == 302
    # A day that is not a date shows this week rather than failing.
    for day in ("2026-13-45", "0001-01-01", "9999-12-31"):
        assert client_for("staff").get(f"/center/{code}/staff/?day={day}&view=month").status_code == 200
        assert client_for("staff").get(f"/center/{code}/staff/?day={day}").status_code == 200


def test_staff_register_on_behalf_see_the_list_and_the_read_is_audited(world, center, client_for):
    activity = make_activity(world, capacity=1, title_en="Tai chi")
    staff = english(client_for("staff"))
    form = {"name": "王秀英", "phone": "13800001111", "age": "78", "consent": "on"}
    res = staff.post(f"/center/activities/{activity.pk}/staff/register/", form, follow=True)
    assert "王秀英: confirmed" in res.content.decode()
    record = PersonRecord.objects.get(name="王秀英")
    assert Registration.objects.get(activity=activity, record=record).status == Status.CONFIRMED
    # The next one waits; consent is required and named.
    res = staff.post(
        f"/center/activities/{activity.pk}/staff/register/",
        {**form, "name": "李大爷", "consent": ""},
        follow=True,
    )
    assert "agree to their details being kept" in res.content.decode()
    staff.post(
        f"/center/activities/{activity.pk}/staff/register/",
        {**form, "name": "李大爷", "phone": "13800002222"},
    )
    page = staff.get(f"/center/activities/{activity.pk}/staff/").content.decode()
    assert "王秀英" in page and "李大爷" in page and "number 1" in page
    # Phones are masked on the page.
    assert "13800001111" not in page and "138****1111" in page
    assert AuditEvent.objects.filter(
        action="center.activity.registrants_viewed", actor=world.people["staff"]
    ).exists()
    # The street supervisor sees the page but not the forms; a resident and an outsider nothing.
    sup = client_for("supervisor").get(f"/center/activities/{activity.pk}/staff/").content.decode()
    assert "王秀英" in sup and "staff/register/" not in sup
    assert client_for("resident").get(f"/center/activities/{activity.pk}/staff/").status_code == 403
    res = client_for("supervisor").post(f"/center/activities/{activity.pk}/staff/register/", form)
    assert res.status_code == 302 and PersonRecord.objects.count() == 2


def test_an_age_that_is_not_a_number_is_named(world, center, client_for):
    activity = make_activity(world, capacity=3)
    staff = english(client_for("staff"))
    form = {"name": "王秀英", "age": "七十", "consent": "on"}
    res = staff.post(f"/center/activities/{activity.pk}/staff/register/", form, follow=True)
    assert res.status_code == 200 and "Give an age from 0 to 120." in res.content.decode()
    res = staff.post(
        f"/center/activities/{activity.pk}/staff/register/", {**form, "age": "999999"}, follow=True
    )
    assert "Give an age from 0 to 120." in res.content.decode()
    assert not Registration.objects.exists()


def test_seats_changed_from_the_page_offer_the_waitlist(world, center, client_for):
    activity = make_activity(world, capacity=1)
    registration_create(actor=world.people["resident"], activity=activity)
    waiting = registration_create(actor=world.people["member"], activity=activity)
    staff = english(client_for("staff"))
    res = staff.post(f"/center/activities/{activity.pk}/staff/seats/", {"capacity": "0"}, follow=True)
    assert Activity.objects.get(pk=activity.pk).capacity == 1 and res.status_code == 200
    res = staff.post(f"/center/activities/{activity.pk}/staff/seats/", {"capacity": "x"}, follow=True)
    assert "whole number" in res.content.decode()
    staff.post(f"/center/activities/{activity.pk}/staff/seats/", {"capacity": "2"})
    assert Registration.objects.get(pk=waiting.pk).status == Status.OFFERED


def test_check_in_by_code_by_name_and_walk_ins(world, center, client_for):
    activity = make_activity(world, capacity=2, title_en="Tai chi")
    mine = registration_create(actor=world.people["resident"], activity=activity)
    record = registration_create(
        actor=world.people["staff"],
        activity=activity,
        on_behalf=OnBehalf(name="王秀英", age=70, consent=True),
    )
    staff = english(client_for("staff"))
    screen = f"/center/activities/{activity.pk}/check-in/"
    assert staff.get(screen).status_code == 200
    # The code as said at the door: lower case, with a space.
    said = f"{mine.code[:4].lower()} {mine.code[4:]}"
    res = staff.post(f"{screen}code/", {"code": said}, follow=True)
    assert f"{mine.code} is checked in." in res.content.decode()
    assert Registration.objects.get(pk=mine.pk).status == Status.ATTENDED
    res = staff.post(f"{screen}code/", {"code": "ZZZZ9999"}, follow=True)
    assert "No registration has the code ZZZZ9999." in res.content.decode()
    # A code of another activity is named as such.
    other = make_activity(world, capacity=2)
    elsewhere = registration_create(actor=world.people["member"], activity=other)
    res = staff.post(f"{screen}code/", {"code": elsewhere.code}, follow=True)
    assert "another activity" in res.content.decode()
    # A name search finds the person without an account.
    found = staff.get(f"{screen}?q=秀英").content.decode()
    assert "王秀英" in found and f"/center/registrations/{record.pk}/staff/check_in/" in found
    # Before the start a walk-in takes no seat while the seats are held.
    start_now(activity, minutes_ago=-30)
    walk_in = {"name": "张阿姨", "age": "66", "consent": "on", "walk_in": "1", "next": screen}
    res = staff.post(f"/center/activities/{activity.pk}/staff/register/", walk_in, follow=True)
    assert "No seat is free for a walk-in." in res.content.decode()
    # From the start the seat of one who has not come is free for a walk-in.
    start_now(activity)
    res = staff.post(f"/center/activities/{activity.pk}/staff/register/", walk_in, follow=True)
    assert res.redirect_chain[-1][0] == screen and "张阿姨: attended" in res.content.decode()
    # Two have come for two seats: the next walk-in is turned away.
    res = staff.post(
        f"/center/activities/{activity.pk}/staff/register/", {**walk_in, "name": "赵叔叔"}, follow=True
    )
    assert "No seat is free for a walk-in." in res.content.decode()
    # The rest are marked absent in one go; one who comes late can still be checked in.
    res = staff.post(f"/center/activities/{activity.pk}/staff/absentees/", {"next": screen}, follow=True)
    assert "1 marked absent." in res.content.decode()
    assert Registration.objects.get(pk=record.pk).status == Status.NO_SHOW
    staff.post(f"/center/registrations/{record.pk}/staff/check_in/")
    assert Registration.objects.get(pk=record.pk).status == Status.ATTENDED
    # Nobody but the center's staff checks in.
    assert client_for("supervisor").post(f"{screen}code/", {"code": mine.code}).status_code == 302
    assert client_for("resident").get(screen).status_code == 403


def test_the_attendance_sheet_lists_the_seats_with_blank_rows(world, center, client_for):
    activity = make_activity(world, capacity=4, title_en="Tai chi")
    registration_create(
        actor=world.people["staff"],
        activity=activity,
        on_behalf=OnBehalf(name="王秀英", phone="13800001111", age=70, consent=True),
    )
    registration_create(actor=world.people["resident"], activity=activity)
    sheet = english(client_for("staff")).get(f"/center/activities/{activity.pk}/sheet/").content.decode()
    assert "王秀英" in sheet and "138****1111" in sheet and "2 registered of 4 seats" in sheet
    assert sheet.count('class="sign"') == 4
    assert client_for("outsider").get(f"/center/activities/{activity.pk}/sheet/").status_code == 403


def test_my_page_shows_codes_and_qr_and_my_feed_lists_my_sessions(world, center, client_for):
    activity = make_activity(world, capacity=1, title_en="Tai chi")
    other = make_activity(world, capacity=1, title="书法班")
    mine = registration_create(actor=world.people["resident"], activity=activity)
    registration_create(actor=world.people["member"], activity=other)
    resident = english(client_for("resident"))
    page = resident.get("/center/mine/").content.decode()
    assert mine.code in page and "<svg" in page and "书法班" not in page
    token = presenters.person_feed_token(world.people["resident"].pk)
    res = Client().get(f"/center/mine/{token}/calendar.ics")
    assert res.status_code == 200 and res["Content-Type"].startswith("text/calendar")
    feed = icalendar.Calendar.from_ical(res.content)
    events = list(feed.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["太极拳"] and str(events[0]["status"]) == "CONFIRMED"
    assert Client().get(f"/center/mine/{token}x/calendar.ics").status_code == 404
    # Cancelling from my page comes back to it.
    res = resident.post(f"/center/registrations/{mine.pk}/cancel/", {"next": "/center/mine/"})
    assert res["Location"] == "/center/mine/"


def test_the_public_feed_lists_the_centers_activities(world, center):
    make_activity(world, capacity=1, title_en="Tai chi")
    res = Client().get(f"/center/{world.areas['street_a1'].code}/calendar.ics")
    feed = icalendar.Calendar.from_ical(res.content)
    assert [str(e["summary"]) for e in feed.walk("VEVENT")] == ["太极拳"]
    assert b"13800" not in res.content


def test_the_staffs_home_shows_todays_sessions_and_offers_lapsing(world, center, client_for):
    activity = make_activity(world, capacity=1, title_en="Tai chi")
    registration_create(actor=world.people["resident"], activity=activity)
    waiting = registration_create(actor=world.people["member"], activity=activity)
    start_now(activity, minutes_ago=-120)
    Registration.objects.filter(pk=waiting.pk).update(
        status=Status.OFFERED, offered_until=timezone.now() + dt.timedelta(hours=1)
    )
    home = english(client_for("staff")).get("/").content.decode()
    assert 'id="today-center"' in home and f"/center/activities/{activity.pk}/check-in/" in home
    assert "<b>1</b><span>seat offers lapsing within a day" in home
    assert 'id="today-center"' not in client_for("resident").get("/").content.decode()
    assert 'id="today-center"' not in client_for("supervisor").get("/").content.decode()


def test_feedback_from_those_who_came_once(world, center, client_for, api_for):
    activity = make_activity(world, capacity=3, title_en="Tai chi")
    mine = registration_create(actor=world.people["resident"], activity=activity)
    theirs = registration_create(actor=world.people["member"], activity=activity)
    api = api_for("resident")
    url = f"/api/v1/center/registrations/{mine.pk}/feedback"
    # Not before one came.
    res = api.post(url, {"rating": 5})
    assert res.status_code == 409 and res.json()["error"]["code"] == "wrong_status"
    start_now(activity, minutes_ago=90)
    registration_check_in(actor=world.people["staff"], registration=mine)
    registration_check_in(actor=world.people["staff"], registration=theirs)
    for bad in (0, 6, True, "five"):
        res = api.post(url, {"rating": bad})
        assert res.status_code == 422, bad
    assert api.post(url, {"rating": 4, "comment": "x" * 1001}).status_code == 422
    # Nobody rates another's place.
    assert api_for("member").post(url, {"rating": 1}).status_code == 404
    res = api.post(url, {"rating": 4, "comment": "老师很耐心\x00"})
    assert res.status_code == 422 and "comment" in str(res.json()["error"]["fields"])
    res = api.post(url, {"rating": 4, "comment": "老师很耐心"})
    assert res.status_code == 200 and res.json()["rating"] == 4
    assert Registration.objects.get(pk=mine.pk).comment == "老师很耐心"
    assert api.post(url, {"rating": 5}).status_code == 409
    assert AuditEvent.objects.filter(action="center.registration.rated").count() == 1
    # From the page: my activities offers the form for the other, who rates there.
    member = english(client_for("member"))
    assert f"/center/registrations/{theirs.pk}/feedback/" in member.get("/center/mine/").content.decode()
    res = member.post(f"/center/registrations/{theirs.pk}/feedback/", {"rating": "9"}, follow=True)
    assert "Give a rating from 1 to 5." in res.content.decode()
    res = member.post(
        f"/center/registrations/{theirs.pk}/feedback/", {"rating": "2", "comment": "太挤"}, follow=True
    )
    assert "Thank you for your feedback." in res.content.decode()
    # Staff read the average and the comments on the activity's page.
    page = english(client_for("staff")).get(f"/center/activities/{activity.pk}/staff/").content.decode()
    assert "3.0 out of 5 from 2 ratings" in page and "老师很耐心" in page and "太挤" in page
    # After thirty days no more feedback is taken.
    late = make_activity(world, capacity=1)
    gone = registration_create(actor=world.people["resident"], activity=late)
    start_now(late, minutes_ago=60 * 24 * 31)
    registration_check_in(actor=world.people["staff"], registration=gone)
    res = api.post(f"/api/v1/center/registrations/{gone.pk}/feedback", {"rating": 3})
    assert res.status_code == 409 and res.json()["error"]["code"] == "too_late"


def test_the_street_supervisor_sees_the_door_screen_without_its_forms(world, center, client_for):
    activity = make_activity(world, capacity=2)
    registration_create(actor=world.people["resident"], activity=activity)
    screen = f"/center/activities/{activity.pk}/check-in/"
    sup = client_for("supervisor").get(f"{screen}?q=Resident").content.decode()
    assert "check-in/code/" not in sup and "walk_in" not in sup and "/staff/check_in/" not in sup
    staff = client_for("staff").get(f"{screen}?q=Resident").content.decode()
    assert "check-in/code/" in staff and "walk_in" in staff and "/staff/check_in/" in staff


def test_a_code_or_an_area_with_a_nul_is_no_code(world, center, client_for):
    activity = make_activity(world, capacity=2)
    staff = english(client_for("staff"))
    res = staff.post(f"/center/activities/{activity.pk}/check-in/code/", {"code": "AB\x00CD"}, follow=True)
    assert res.status_code == 200 and "No registration has the code" in res.content.decode()
    res = staff.post(f"/center/activities/{activity.pk}/check-in/code/", {"code": "x" * 5000}, follow=True)
    assert res.status_code == 200 and "No registration has the code" in res.content.decode()


def test_a_family_member_offered_a_seat_is_told_through_their_carer(world, center):
    from needle.notify.models import Notification
    from needle.orgs.services import family_member_add

    resident = world.people["resident"]
    mother = family_member_add(actor=resident, name="王秀英", birth_year=1948)
    activity = make_activity(world, capacity=1)
    first = registration_create(actor=world.people["member"], activity=activity)
    registration_create(actor=resident, activity=activity, family_member=mother)
    Notification.objects.all().delete()
    from needle.center.services import registration_cancel

    registration_cancel(actor=world.people["member"], registration=first)
    told = Notification.objects.get(recipient=resident, verb="center.registration.offered")
    assert told.link == "/center/mine/"


def test_the_booking_page_names_odd_years_and_far_times(world, center, client_for):
    from needle.center.models import Appointment
    from needle.center.tests.conftest import make_service

    service = make_service(world, capacity=2)
    resident = english(client_for("resident"))
    url = f"/center/services/{service.pk}/book/"
    res = resident.post(url, {"starts_at": "9999-12-31T23:00:00-12:00", "birth_year": "²"}, follow=True)
    assert res.status_code == 200 and "Give a year of birth as four digits." in res.content.decode()
    res = resident.post(url, {"starts_at": "9999-12-31T23:00:00-12:00"}, follow=True)
    assert res.status_code == 200 and "No slot of this service starts at that time." in res.content.decode()
    assert not Appointment.objects.exists()
