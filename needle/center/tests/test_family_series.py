"""Registering a family member one looks after, residents of the community first, and courses
taken whole (a seat in every session, or none)."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.center.models import Registration, Status
from needle.center.services import ActivityDraft, activity_create, registration_create, series_register
from needle.center.tests.conftest import make_activity
from needle.core.errors import Conflict, NotFound, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import ConsentMethod, PersonRecord
from needle.orgs.services import family_member_add


def raises(exc_type, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except exc_type as exc:
        return exc
    raise AssertionError(f"{call.__name__} did not raise {exc_type.__name__}")


def course(world, center, weeks=3, capacity=2, **fields):
    starts = timezone.now() + dt.timedelta(days=2)
    draft = ActivityDraft(
        title="四点半课堂",
        audience="children",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        capacity=capacity,
        weeks=weeks,
        whole=True,
        **fields,
    )
    return activity_create(actor=world.people["staff"], center=center, draft=draft)


def test_a_resident_registers_the_parent_they_look_after(world, center, api_for):
    resident = world.people["resident"]
    mother = family_member_add(actor=resident, name="王秀英", birth_year=1948, phone="13800001111")
    assert (mother.family_of, mother.consent_method, mother.area) == (
        resident,
        ConsentMethod.FAMILY,
        resident.home_area,
    )
    assert AuditEvent.objects.filter(action="orgs.person_record.created", object_id=str(mother.pk)).exists()
    activity = make_activity(world, capacity=1, min_age=60)
    # Her year of birth is what the age range reads, not the resident's.
    reg = registration_create(actor=resident, activity=activity, family_member=mother)
    assert (reg.record, reg.person, reg.registered_by, reg.status) == (
        mother,
        None,
        resident,
        Status.CONFIRMED,
    )
    # The same person twice is refused; the resident may still register themself (the age range
    # needs their year of birth).
    raises(Conflict, registration_create, actor=resident, activity=activity, family_member=mother)
    exc = raises(ValidationFailed, registration_create, actor=resident, activity=activity)
    assert "birth_year" in exc.fields
    # Nobody else registers her: to them she does not exist.
    raises(
        NotFound, registration_create, actor=world.people["member"], activity=activity, family_member=mother
    )
    # Over the API: the family list, and registering by its id.
    api = api_for("resident")
    assert api.get("/api/v1/center/family").json() == [
        {"id": mother.pk, "name": "王秀英", "birth_year": 1948}
    ]
    res = api.post("/api/v1/center/family", {"name": "李小明", "birth_year": 2016})
    assert res.status_code == 201
    child = res.json()["id"]
    other = make_activity(world, capacity=5, audience="children", max_age=12)
    res = api.post(f"/api/v1/center/activities/{other.pk}/registrations", {"family_member": child})
    assert res.status_code == 201 and res.json()["status"] == "confirmed"
    assert (
        api_for("member")
        .post(f"/api/v1/center/activities/{other.pk}/registrations", {"family_member": child})
        .status_code
        == 404
    )
    both = {"family_member": child, "on_behalf": {"name": "x", "consent": True}}
    assert api.post(f"/api/v1/center/activities/{other.pk}/registrations", both).status_code == 422
    # The resident cancels for the child they registered.
    mine = Registration.objects.get(activity=other, record_id=child)
    assert api.post(f"/api/v1/center/registrations/{mine.pk}/cancel").json()["status"] == "cancelled"


def test_family_records_are_checked_and_bounded(world, center, client_for):
    outsider = world.people["outsider"]  # no home community
    exc = raises(ValidationFailed, family_member_add, actor=outsider, name="王秀英", birth_year=1948)
    assert "home_area" in exc.fields
    resident = world.people["resident"]
    for name in ("", "王\x00秀英", "王" * 101):
        exc = raises(ValidationFailed, family_member_add, actor=resident, name=name, birth_year=1948)
        assert "name" in exc.fields
    exc = raises(ValidationFailed, family_member_add, actor=resident, name="王秀英", birth_year=1700)
    assert "birth_year" in exc.fields
    family_member_add(actor=resident, name="王秀英", birth_year=1948)
    raises(Conflict, family_member_add, actor=resident, name="王秀英", birth_year=1948)
    for i in range(9):
        family_member_add(actor=resident, name=f"家人{i}", birth_year=2000)
    exc = raises(Conflict, family_member_add, actor=resident, name="再一位", birth_year=2000)
    assert exc.code == "too_many"
    # From the page: a year that is not four digits is named; a good one is added.
    neighbour = t.PersonFactory.create(username="neighbour", home_area=world.areas["community_a1b"])
    page = Client()
    page.force_login(neighbour)
    page.cookies["django_language"] = "en"
    res = page.post("/center/family/add/", {"name": "张爷爷", "birth_year": "四八"}, follow=True)
    assert "Give a year of birth as four digits." in res.content.decode()
    res = page.post("/center/family/add/", {"name": "张爷爷", "birth_year": "1946"}, follow=True)
    assert "张爷爷 is in your family list." in res.content.decode()
    assert PersonRecord.objects.filter(family_of=neighbour).count() == 1


def test_residents_of_the_community_first_then_anyone(world, center, api_for):
    until = timezone.now() + dt.timedelta(days=1)
    activity = make_activity(world, capacity=5, residents_first_until=until)
    assert activity.residents_first_until == until
    # The resident lives in the community; the outsider does not, and waits for the day.
    assert registration_create(actor=world.people["resident"], activity=activity).status == Status.CONFIRMED
    res = api_for("outsider").post(f"/api/v1/center/activities/{activity.pk}/registrations", {})
    assert res.status_code == 422 and res.json()["error"]["code"] == "residents_first"
    type(activity).objects.filter(pk=activity.pk).update(residents_first_until=timezone.now())
    res = api_for("outsider").post(f"/api/v1/center/activities/{activity.pk}/registrations", {})
    assert res.status_code == 201
    # A priority outside the registration window is refused, the field named.
    res = api_for("staff").post(
        "/api/v1/center/activities",
        {
            "center": center.pk,
            "title": "太极拳",
            "audience": "elderly",
            "starts_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
            "ends_at": (timezone.now() + dt.timedelta(days=3, hours=1)).isoformat(),
            "capacity": 5,
            "residents_first_until": (timezone.now() + dt.timedelta(days=4)).isoformat(),
        },
    )
    assert res.status_code == 422 and "residents_first_until" in res.json()["error"]["fields"]


def test_a_course_is_taken_whole_or_not_at_all(world, center, api_for):
    sessions = course(world, center, weeks=3, capacity=2)
    series = sessions[0].series
    assert series.whole
    # A session of it alone is refused.
    exc = raises(ValidationFailed, registration_create, actor=world.people["resident"], activity=sessions[1])
    assert exc.code == "whole_series"
    made = series_register(actor=world.people["resident"], series=series)
    assert [r.activity for r in made] == sessions and {r.status for r in made} == {Status.CONFIRMED}
    raises(Conflict, series_register, actor=world.people["resident"], series=series)
    # Staff register someone without an account for the last seats, over the API.
    res = api_for("staff").post(
        f"/api/v1/center/series/{series.pk}/registrations",
        {"on_behalf": {"name": "李小明", "age": 9, "consent": True}},
    )
    assert res.status_code == 201 and len(res.json()) == 3
    # Full now: a third person is refused, the full session named; nothing was written for them.
    res = api_for("member").post(f"/api/v1/center/series/{series.pk}/registrations", {})
    assert res.status_code == 422 and res.json()["error"]["code"] == "series_full"
    assert not Registration.objects.filter(person=world.people["member"]).exists()
    # One seat freed in the second session only: still no place in the course.
    second = Registration.objects.get(activity=sessions[1], person=world.people["resident"])
    api_for("resident").post(f"/api/v1/center/registrations/{second.pk}/cancel")
    res = api_for("member").post(f"/api/v1/center/series/{series.pk}/registrations", {})
    assert res.status_code == 422
    assert api_for("member").post("/api/v1/center/series/999999/registrations", {}).status_code == 404
    # A course of one week cannot be taken whole.
    starts = timezone.now() + dt.timedelta(days=2)
    draft = ActivityDraft(
        title="x",
        audience="children",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        capacity=2,
        whole=True,
    )
    exc = raises(ValidationFailed, activity_create, actor=world.people["staff"], center=center, draft=draft)
    assert "recurrence" in exc.fields


def test_the_page_registers_a_family_member_and_a_whole_course(world, center, client_for):
    resident = world.people["resident"]
    mother = family_member_add(actor=resident, name="王秀英", birth_year=1948)
    activity = make_activity(world, capacity=3, title_en="Tai chi")
    sessions = course(world, center, weeks=2, capacity=3)
    page = client_for("resident")
    page.cookies["django_language"] = "en"
    body = page.get(f"/center/{world.areas['community_a1a'].code}/").content.decode()
    assert f'<option value="{mother.pk}">王秀英 (1948)</option>' in body
    assert (
        f"/center/series/{sessions[0].series_id}/register/" in body
        and "Register for the course (2 sessions)" in body
    )
    res = page.post(f"/center/activities/{activity.pk}/register/", {"for": str(mother.pk)}, follow=True)
    assert "王秀英: You have a seat" in res.content.decode()
    res = page.post(f"/center/series/{sessions[0].series_id}/register/", {}, follow=True)
    assert "Registered for 2 sessions" in res.content.decode()
    mine = page.get("/center/mine/").content.decode()
    assert "王秀英" in mine and mine.count('class="qr"') == 3
    # Another's family member is no choice at all.
    neighbour = t.PersonFactory.create(username="neighbour", home_area=world.areas["community_a1b"])
    other = family_member_add(actor=neighbour, name="张爷爷", birth_year=1946)
    assert page.post(f"/center/activities/{activity.pk}/register/", {"for": str(other.pk)}).status_code == 302
    assert not Registration.objects.filter(record=other).exists()
