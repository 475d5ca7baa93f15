"""Likely duplicates while a resident types and on the case page; following instead of filing."""

from __future__ import annotations

import json

import pytest

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import Case, CaseEvent, EventKind
from needle.cases.services import case_follow
from needle.core.errors import Conflict
from needle.intel.selectors import similar_cases
from needle.orgs.models import Role, RoleAssignment
from needle.testing import POTHOLE, POTHOLE_AGAIN

pytestmark = pytest.mark.django_db

OTHER = "楼上邻居养的狗整夜叫，严重影响休息。"


@pytest.fixture
def pothole(world, catalog):
    return t.submit(world, catalog["road"], description=POTHOLE, lat=29.556, lng=106.571)


def test_the_same_matter_nearby_is_suggested(world, catalog, pothole):
    found = similar_cases(
        actor=None, text=POTHOLE_AGAIN, service=catalog["road"], area=world.areas["community_a1a"]
    )
    assert [s.number for s in found] == [pothole.number]
    assert found[0].text_score > 0.3


def test_a_different_matter_or_place_is_not(world, catalog, pothole):
    assert (
        similar_cases(actor=None, text=OTHER, service=catalog["road"], area=world.areas["community_a1a"])
        == []
    )
    far = similar_cases(
        actor=None, text=POTHOLE_AGAIN, service=catalog["road"], area=world.areas["community_b1a"]
    )
    assert far == []


def test_a_pin_finds_it_within_a_kilometre(world, catalog, pothole):
    near = similar_cases(actor=None, text=POTHOLE_AGAIN, lat=29.557, lng=106.572)
    assert (
        [s.number for s in near] == [pothole.number] and near[0].metres is not None and near[0].metres < 200
    )
    assert similar_cases(actor=None, text=POTHOLE_AGAIN, lat=29.7, lng=106.9) == []


def test_private_services_stay_out_of_public_suggestions(world, catalog):
    t.submit(world, catalog["private"], description="家里" + POTHOLE)
    here = world.areas["community_a1a"]
    assert similar_cases(actor=world.people["staff"], text=POTHOLE, area=here, public_only=True) == []
    assert similar_cases(actor=None, text=POTHOLE, area=here) == []
    assert len(similar_cases(actor=world.people["staff"], text=POTHOLE, area=here)) == 1


# What suggestions show of a moderated case, and to whom -------------------------------------

SECRET = "我叫李雷，身份证500103199001011234，电话13912345678。"
SECRET_POTHOLE = SECRET + POTHOLE


@pytest.fixture
def moderated(world, catalog):
    """A pothole whose reporter wrote their ID and phone; a moderator hid them."""
    case = t.submit(world, catalog["road"], description=SECRET_POTHOLE, lat=29.556, lng=106.571)
    s.case_hide_details(actor=world.people["dispatcher"], case=case, public_description=POTHOLE)
    return case


def leaks(text):
    return any(secret in text for secret in ("李雷", "500103199001011234", "13912345678"))


def test_anonymous_suggestions_show_only_the_public_facts(world, catalog, moderated, client):
    here = {"area": world.areas["community_a1a"].code}
    r = client.get("/api/v1/intel/suggest", {"text": POTHOLE_AGAIN, **here})
    assert r.status_code == 200
    [found] = r.json()["similar"]
    assert found["number"] == moderated.number and not leaks(json.dumps(found, ensure_ascii=False))
    page = client.post("/intel/suggest/", {"description": POTHOLE_AGAIN, **here}).content.decode()
    assert moderated.number in page and not leaks(page)
    # The hidden words are not even matched: typing them finds nothing.
    r = client.get("/api/v1/intel/suggest", {"text": "李雷 身份证500103199001011234 电话13912345678", **here})
    assert r.json()["similar"] == []


def test_a_case_moderated_before_titles_were_rewritten_still_shows_no_title(
    world, catalog, moderated, client
):
    Case.objects.filter(pk=moderated.pk).update(title=SECRET_POTHOLE[:60])
    here = {"area": world.areas["community_a1a"].code}
    [found] = client.get("/api/v1/intel/suggest", {"text": POTHOLE_AGAIN, **here}).json()["similar"]
    assert found["title"] == POTHOLE[:60]
    shown = client.get(f"/cases/public/{moderated.number}/").content.decode()
    assert POTHOLE in shown and not leaks(shown)


@pytest.fixture
def far_staff(world):
    """The lowest staff role that takes calls (a visitor), in another street (B1)."""
    person = t.PersonFactory.create(username="far_visitor")
    RoleAssignment.objects.create(person=person, unit=world.units["rc_b1a"], role=Role.VISITOR)
    world.people["far_visitor"] = person
    return person


def test_staff_suggestions_obey_the_staffs_scope_and_the_moderation(
    world, catalog, moderated, far_staff, client_for
):
    private = t.submit(world, catalog["private"], description="家里" + POTHOLE, reporter="member")
    data = {"description": POTHOLE_AGAIN, "area": world.areas["community_a1a"].code}
    far = client_for("far_visitor").post("/intel/suggest/?staff=1", data).content.decode()
    # Outside their scope: the public facts of the public case, nothing of the private one.
    assert moderated.number in far and not leaks(far)
    assert private.number not in far and "家里" not in far
    assert f"/cases/public/{moderated.number}/" in far and f"/cases/{moderated.number}/" not in far
    # The community's own staff may open both cases, and see them as on the case page.
    near = client_for("staff").post("/intel/suggest/?staff=1", data).content.decode()
    assert private.number in near and f"/cases/{private.number}/" in near
    found = similar_cases(actor=world.people["staff"], text=POTHOLE_AGAIN, area=world.areas["community_a1a"])
    assert {s.number: s.full for s in found} == {moderated.number: True, private.number: True}
    assert [s.text for s in found if s.number == moderated.number] == [SECRET_POTHOLE[:300]]


def test_the_case_panel_shows_its_reader_only_what_they_may_see(world, catalog, moderated, client_for):
    private = t.submit(world, catalog["private"], description="家里" + POTHOLE, reporter="member")
    mine = t.submit(world, catalog["road"], description=POTHOLE_AGAIN, reporter="outsider")
    panel = client_for("outsider").get(f"/intel/cases/{mine.number}/").content.decode()
    assert moderated.number in panel and not leaks(panel)
    assert private.number not in panel and "家里" not in panel


def test_following_counts_and_notifies(world, catalog, pothole):
    other = world.people["member"]
    case_follow(actor=other, case=pothole)
    pothole.refresh_from_db()
    assert pothole.repeat_count == 1 and other in pothole.followers.all()
    assert CaseEvent.objects.filter(case=pothole, kind=EventKind.FOLLOWED).exists()
    with pytest.raises(Conflict):
        case_follow(actor=other, case=pothole)
    with pytest.raises(Conflict):
        case_follow(actor=world.people["resident"], case=pothole)  # the reporter already hears
    from needle.cases.services import case_dispatch

    case_dispatch(actor=world.people["dispatcher"], case=pothole, unit=world.units["street_a1"])
    from needle.notify.models import Notification

    assert not Notification.objects.filter(recipient=other).exists()  # dispatch tells the unit only
    from needle.cases.services import case_reject

    case_reject(actor=world.people["dispatcher"], case=pothole, reason="重复")
    assert Notification.objects.filter(recipient=other, verb="case.rejected").exists()


def test_suggest_fragment_shows_services_and_the_existing_case(client, world, catalog, pothole):
    response = client.post(
        "/intel/suggest/", {"description": POTHOLE_AGAIN, "area": world.areas["community_a1a"].code}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert pothole.number in body and "/login/?next=/report/" in body


def test_follow_page_and_api(client_for, api_for, world, catalog, pothole):
    member = client_for("member")
    response = member.post(f"/intel/cases/{pothole.number}/follow/")
    assert response.status_code == 302
    assert pothole.followers.filter(pk=world.people["member"].pk).exists()
    api = api_for("outsider")
    r = api.post(f"/api/v1/intel/cases/{pothole.number}/follow")
    assert r.status_code == 200 and r.json()["followers"] == 2
    assert api.post(f"/api/v1/intel/cases/{pothole.number}/follow").status_code == 409
    assert api.post("/api/v1/intel/cases/20000101999999/follow").status_code == 404


def test_suggest_api_validates(world, catalog, pothole, client):
    r = client.get(
        "/api/v1/intel/suggest", {"text": POTHOLE_AGAIN, "area": world.areas["community_a1a"].code}
    )
    assert r.status_code == 200 and r.json()["similar"][0]["number"] == pothole.number
    bad = client.get("/api/v1/intel/suggest", {"text": "x", "lat": 95, "long": 1})
    assert bad.status_code == 422 and "lat" in bad.json()["error"]["fields"]
    assert client.get("/api/v1/intel/suggest", {"text": "x", "area": "nope"}).status_code == 404
    long = client.get("/api/v1/intel/suggest", {"text": "x" * 4001})
    assert long.status_code == 422 and "text" in long.json()["error"]["fields"]
