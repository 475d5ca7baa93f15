"""The public center page and a resident's register, cancel and confirm buttons."""

from django.test import Client

from needle import testing as t
from needle.center.models import Registration, Status
from needle.center.tests.conftest import make_activity


def page(client, world, language="en"):
    client.cookies["django_language"] = language
    return client.get(f"/center/{world.areas['community_a1a'].code}/")


def test_everyone_sees_the_weeks_activities_with_the_seats_left(world, center):
    make_activity(world, capacity=3, title_en="Tai chi")
    en = page(Client(), world).content.decode()
    assert "Tai chi" in en and "3 seats left" in en and "Sign in to register" in en
    zh = page(Client(), world, "zh-hans").content.decode()
    assert "太极拳" in zh and "Tai chi" not in zh
    # The street's page lists its communities' activities; another street's does not.
    assert "太极拳" in Client().get(f"/center/{world.areas['street_a1'].code}/").content.decode()
    assert "太极拳" not in Client().get(f"/center/{world.areas['street_b1'].code}/").content.decode()
    assert Client().get("/center/nope/").status_code == 404


def test_a_resident_registers_the_next_waits_and_takes_the_freed_seat(world, center, client_for):
    activity = make_activity(world, capacity=1, title_en="Tai chi")
    resident = client_for("resident")
    resident.cookies["django_language"] = "en"
    res = resident.post(f"/center/activities/{activity.pk}/register/", follow=True)
    assert "You have a seat" in res.content.decode()
    assert "Cancel my registration" in page(resident, world).content.decode()
    neighbour = Client()
    neighbour.force_login(t.PersonFactory.create(username="neighbour"))
    neighbour.cookies["django_language"] = "en"
    assert "Join the waitlist" in page(neighbour, world).content.decode()
    res = neighbour.post(f"/center/activities/{activity.pk}/register/", follow=True)
    assert "number 1 on the waitlist" in res.content.decode()
    res = neighbour.post(f"/center/activities/{activity.pk}/register/", follow=True)
    assert "Already registered" in res.content.decode()
    mine = Registration.objects.get(person=world.people["resident"])
    waiting = Registration.objects.get(person__username="neighbour")
    assert client_for("outsider").post(f"/center/registrations/{mine.pk}/cancel/").status_code == 404
    assert resident.post(f"/center/registrations/{mine.pk}/cancel/").status_code == 302
    assert "Take the seat" in page(neighbour, world).content.decode()
    neighbour.post(f"/center/registrations/{waiting.pk}/confirm/")
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED
    assert resident.post(f"/center/registrations/{mine.pk}/dance/").status_code == 404


def test_signing_in_comes_first(world, center):
    activity = make_activity(world)
    res = Client().post(f"/center/activities/{activity.pk}/register/")
    assert res.status_code == 302 and "/login/" in res["Location"]
    assert not Registration.objects.exists()


def test_an_activity_with_an_age_range_asks_the_page_for_a_year_of_birth(world, center, client_for):
    activity = make_activity(world, capacity=5, min_age=60, title_en="Tai chi")
    resident = client_for("resident")
    resident.cookies["django_language"] = "en"
    assert world.people["resident"].birth_year is None
    assert 'name="birth_year"' in page(resident, world).content.decode()
    url = f"/center/activities/{activity.pk}/register/"
    said = resident.post(url, {"birth_year": "19x0"}, follow=True).content.decode()
    assert "Give a year of birth as four digits." in said
    said = resident.post(url, {"birth_year": "2000"}, follow=True).content.decode()
    assert "This activity is for ages 60 and over." in said
    assert not Registration.objects.filter(activity=activity).exists()
    said = resident.post(url, {"birth_year": "1950"}, follow=True).content.decode()
    assert "You have a seat" in said
    world.people["resident"].refresh_from_db()
    assert world.people["resident"].birth_year == 1950
    # Known now: the page no longer asks.
    assert 'name="birth_year"' not in page(resident, world).content.decode()


def test_a_wide_areas_page_lists_the_soonest_and_says_so(world, center, monkeypatch):
    from needle.center import views

    monkeypatch.setattr(views, "PAGE_MAX", 2)
    for title in ("太极拳", "书法班", "合唱"):
        make_activity(world, capacity=3, title=title)
    body = page(Client(), world).content.decode()
    assert body.count('<article class="card">') == 2
    assert "The soonest 2 activities of this area are shown" in body
