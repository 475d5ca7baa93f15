"""Likely duplicates while a resident types and on the case page; following instead of filing."""

from __future__ import annotations

import pytest

from needle import testing as t
from needle.cases.models import CaseEvent, EventKind
from needle.cases.services import case_follow
from needle.core.errors import Conflict
from needle.intel.selectors import similar_cases
from needle.testing import POTHOLE, POTHOLE_AGAIN

pytestmark = pytest.mark.django_db

OTHER = "楼上邻居养的狗整夜叫，严重影响休息。"


@pytest.fixture
def pothole(world, catalog):
    return t.submit(world, catalog["road"], description=POTHOLE, lat=29.556, lng=106.571)


def test_the_same_matter_nearby_is_suggested(world, catalog, pothole):
    found = similar_cases(text=POTHOLE_AGAIN, service=catalog["road"], area=world.areas["community_a1a"])
    assert [s.number for s in found] == [pothole.number]
    assert found[0].text_score > 0.3


def test_a_different_matter_or_place_is_not(world, catalog, pothole):
    assert similar_cases(text=OTHER, service=catalog["road"], area=world.areas["community_a1a"]) == []
    far = similar_cases(text=POTHOLE_AGAIN, service=catalog["road"], area=world.areas["community_b1a"])
    assert far == []


def test_a_pin_finds_it_within_a_kilometre(world, catalog, pothole):
    near = similar_cases(text=POTHOLE_AGAIN, lat=29.557, lng=106.572)
    assert (
        [s.number for s in near] == [pothole.number] and near[0].metres is not None and near[0].metres < 200
    )
    assert similar_cases(text=POTHOLE_AGAIN, lat=29.7, lng=106.9) == []


def test_private_services_stay_out_of_public_suggestions(world, catalog):
    t.submit(world, catalog["private"], description="家里" + POTHOLE)
    assert similar_cases(text=POTHOLE, area=world.areas["community_a1a"], public_only=True) == []
    assert len(similar_cases(text=POTHOLE, area=world.areas["community_a1a"])) == 1


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
