"""The lists' API contract: exact status codes, ids in the answers, 422 naming the field."""

from __future__ import annotations

import pytest
from django.test import Client

from needle import testing as t
from needle.volunteering.models import Claim, Shift
from needle.volunteering.tests.lists_helpers import at, checked_in, draft, first_shift, make_project

pytestmark = pytest.mark.django_db
API = "/api/v1/volunteering"


@pytest.fixture
def w(vworld: t.World) -> t.World:
    return checked_in(vworld)


def api(w: t.World, who: str) -> t.ApiClient:
    return t.ApiClient(w.people[who])


def _project_body(**kw):
    body = {
        "community": "500103001001",
        "title": "周末敬老",
        "shifts": [
            {"starts_at": at(2).isoformat(), "ends_at": at(2, 11).isoformat(), "slots": 1, "place": "敬老院"},
            {"starts_at": at(3).isoformat(), "ends_at": at(3, 11).isoformat(), "slots": 2, "place": "敬老院"},
        ],
    }
    body.update(kw)
    return body


def test_needs_round_trip(w):
    r = api(w, "grid_worker").post(
        f"{API}/needs",
        {"community": "500103001001", "title": "楼道清理", "category": "environment", "skills": ["repairs"]},
    )
    assert r.status_code == 201, r.content
    need = r.json()
    assert need["id"] and need["status"] == "open" and need["skills"] == ["repairs"]
    listed = api(w, "staff").get(f"{API}/needs", community="500103001001").json()["items"]
    assert [n["id"] for n in listed] == [need["id"]]
    assert api(w, "member").get(f"{API}/needs", community="500103001001").status_code == 403
    bad = api(w, "staff").get(f"{API}/needs", community="500103001001", status="op\x00en")
    assert bad.status_code == 422 and "status" in bad.json()["error"]["fields"]
    assert api(w, "staff").get(f"{API}/needs", community="5001\x00").status_code == 422
    assert (
        len(api(w, "staff").get(f"{API}/needs", community="500103001001", status="all").json()["items"]) == 1
    )
    r = api(w, "staff").post(f"{API}/needs/{need['id']}/meet", {"note": "已清理"})
    assert r.status_code == 200 and r.json()["status"] == "met" and r.json()["case_resolved"] is False
    assert api(w, "staff").post(f"{API}/needs/{need['id']}/meet").status_code == 409
    assert api(w, "staff").post(f"{API}/needs/{need['id']}/reopen").json()["status"] == "open"
    assert api(w, "staff").post(f"{API}/needs/{need['id']}/withdraw").json()["status"] == "withdrawn"
    assert api(w, "outsider").post(f"{API}/needs/{need['id']}/reopen").status_code == 404


def test_a_need_from_a_request_by_its_number(w, catalog):
    case = t.submit(w, catalog["road"])
    r = api(w, "staff").post(f"{API}/needs", {"case": case.number, "category": "repairs"})
    assert r.status_code == 201 and r.json()["case"] == case.number
    assert api(w, "staff").post(f"{API}/needs", {"case": "NOPE"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x"}, "community"),
        ({"community": "nowhere", "title": "x"}, "community"),
        ({"community": "500103001001", "title": ""}, "title"),
        ({"community": "500103001001", "title": "x", "people_needed": 0}, "people_needed"),
        ({"community": "500103001001", "title": "x", "starts_on": "2026-02-30"}, "starts_on"),
        ({"community": "500103001001", "title": "x", "category": "cooking"}, "category"),
        ({"community": "500103001001", "title": "x\u0000"}, "title"),
    ],
)
def test_bad_needs_422_name_the_field(w, body, field):
    r = api(w, "staff").post(f"{API}/needs", body)
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]


def test_projects_are_created_with_their_shifts_ids(w):
    r = api(w, "staff").post(f"{API}/projects", _project_body())
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id"] and [s["slots"] for s in body["shifts"]] == [1, 2]
    assert all(Shift.objects.filter(pk=s["id"], project_id=body["id"]).exists() for s in body["shifts"])
    anonymous = Client().get(f"{API}/projects", {"community": "500103001001"})
    assert anonymous.status_code == 200 and anonymous.json()["items"][0]["id"] == body["id"]
    assert Client().get(f"{API}/projects/{body['id']}").json()["shifts"][0]["free"] == 1
    assert api(w, "grid_worker").post(f"{API}/projects", _project_body()).status_code == 403
    assert (
        Client().post(f"{API}/projects", _project_body(), content_type="application/json").status_code == 401
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slots": 0}, "shifts.0.slots"),
        ({"slots": 100000}, "shifts.0.slots"),
        ({"ends_at": at(2, 8).isoformat()}, "shifts.0.ends_at"),
        ({"starts_at": "2026-12-10T09:00:00"}, "shifts.0.starts_at"),
        ({"starts_at": "9999-12-10T09:00:00+08:00"}, "shifts.0.starts_at"),
        ({"place": "\u0000"}, "shifts.0.place"),
    ],
)
def test_bad_shifts_422_name_the_field(w, change, field):
    body = _project_body()
    body["shifts"][0].update(change)
    r = api(w, "staff").post(f"{API}/projects", body)
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]


def test_claims_201_then_409_full_and_overlapping(w):
    project = api(w, "staff").post(f"{API}/projects", _project_body()).json()
    one = project["shifts"][0]["id"]
    r = api(w, "member").post(f"{API}/shifts/{one}/claims")
    assert r.status_code == 201 and r.json()["status"] == "claimed" and r.json()["shift"] == one
    full = api(w, "member2").post(f"{API}/shifts/{one}/claims")
    assert full.status_code == 409 and full.json()["error"]["code"] == "full"
    overlap = first_shift(make_project(w, draft(2, 10, 2), title="重叠"))
    r = api(w, "member").post(f"{API}/shifts/{overlap.pk}/claims")
    assert r.status_code == 409 and r.json()["error"]["code"] == "overlapping"
    assert r.json()["error"]["shift"] == one
    assert api(w, "outsider").post(f"{API}/shifts/{one}/claims").status_code == 403
    assert api(w, "member").post(f"{API}/shifts/999999/claims").status_code == 404


def test_claim_moves_through_the_api(w):
    project = api(w, "staff").post(f"{API}/projects", _project_body()).json()
    shift = project["shifts"][1]["id"]
    claim = api(w, "member").post(f"{API}/shifts/{shift}/claims").json()
    assert api(w, "member2").post(f"{API}/claims/{claim['id']}/cancel").status_code == 404
    assert api(w, "member").post(f"{API}/claims/{claim['id']}/accept").status_code == 409
    assert api(w, "member").post(f"{API}/claims/{claim['id']}/done").status_code == 403
    assert api(w, "staff").post(f"{API}/claims/{claim['id']}/done").json()["status"] == "done"
    task = api(w, "staff").post(f"{API}/shifts/{shift}/dispatch", {"person": w.people["member2"].pk})
    assert task.status_code == 201 and task.json()["status"] == "dispatched"
    r = api(w, "member2").post(f"{API}/claims/{task.json()['id']}/decline", {"reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = api(w, "member2").post(f"{API}/claims/{task.json()['id']}/decline", {"reason": "出差"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    unit = api(w, "staff").post(f"{API}/shifts/{shift}/dispatch", {"unit": "dept-work"})
    assert unit.status_code == 201 and unit.json()["unit"] == "dept-work"
    assert (
        api(w, "unit_coord").post(f"{API}/claims/{unit.json()['id']}/accept").json()["status"] == "accepted"
    )
    assert (
        api(w, "unit_coord").post(f"{API}/claims/{unit.json()['id']}/cancel").json()["status"] == "cancelled"
    )
    assert Claim.objects.get(pk=claim["id"]).status == "done"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"person": 0}, "person"), ({"person": 99999999}, "person"), ({"unit": "nope"}, "unit"), ({}, "person")],
)
def test_bad_dispatch(w, body, field):
    shift = first_shift(make_project(w))
    r = api(w, "staff").post(f"{API}/shifts/{shift.pk}/dispatch", body)
    assert r.status_code == 422 and field in r.json()["error"]["fields"]


def test_ratings(w):
    project = make_project(w)
    r = api(w, "resident").post(f"{API}/projects/{project.pk}/ratings", {"rating": 4, "comment": "好"})
    assert r.status_code == 201 and r.json()["rating_count"] == 1
    r = api(w, "resident").post(f"{API}/projects/{project.pk}/ratings", {"rating": 2})
    assert r.status_code == 200 and r.json()["rating_average"] == 2
    assert api(w, "outsider").post(f"{API}/projects/{project.pk}/ratings", {"rating": 4}).status_code == 403
    r = api(w, "resident").post(f"{API}/projects/{project.pk}/ratings", {"rating": 9})
    assert r.status_code == 422 and "rating" in r.json()["error"]["fields"]
    assert Client().get(f"{API}/projects/{project.pk}").json()["rating_count"] == 1


def test_closed_projects_are_hidden_from_the_public(w):
    project = make_project(w)
    assert api(w, "staff").post(f"{API}/projects/{project.pk}/close").status_code == 200
    assert Client().get(f"{API}/projects/{project.pk}").status_code == 404
    assert api(w, "staff").get(f"{API}/projects/{project.pk}").status_code == 200
