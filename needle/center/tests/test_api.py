"""The API contract of /api/v1/center/ as the issue writes it, with the project's error shape."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.center.models import Registration
from needle.center.tests.conftest import make_activity
from needle.core.models import AuditEvent


def when(days: float, hours: float = 0) -> str:
    return (timezone.localtime() + dt.timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


def body(world, **fields):
    return {
        "center": world.units["center_a1a"].pk,
        "title": "四点半课堂",
        "audience": "children",
        "starts_at": when(2),
        "ends_at": when(2, 2),
        "capacity": 20,
        **fields,
    }


def test_staff_create_an_activity_201_others_403(world, center, api_for):
    res = api_for("staff").post("/api/v1/center/activities", body(world, min_age=6, max_age=12))
    assert res.status_code == 201, res.content
    out = res.json()
    assert out["center"] == center.pk and out["seats_left"] == 20 and out["confirmed"] == 0
    assert out["area"] == world.areas["community_a1a"].code and out["sessions"] == [out["id"]]
    for persona in ("resident", "supervisor", "outsider"):
        res = api_for(persona).post("/api/v1/center/activities", body(world))
        assert res.status_code == 403 and res.json()["error"]["code"] == "permission_denied"
    assert (
        Client().post("/api/v1/center/activities", body(world), content_type="application/json").status_code
        == 401
    )


def test_bad_activities_get_422_naming_the_field(world, center, api_for):
    api = api_for("staff")
    cases = [
        ({"capacity": 0}, "capacity"),
        ({"audience": "pets"}, "audience"),
        ({"starts_at": "2026-12-10T09:00:00"}, "starts_at"),  # no offset
        ({"ends_at": when(1)}, "ends_at"),
        ({"min_age": 70, "max_age": 60}, "max_age"),
        ({"registration_closes": when(3)}, "registration_closes"),
        ({"center": 999999}, "center"),
        ({"center": world.units["rc_a1a"].pk}, "center"),
        ({"recurrence": {"weeks": 0}}, "recurrence.weeks"),
        ({"capacity": True}, "capacity"),
        # Far dates are refused, never converted into an overflow.
        ({"registration_opens": "0001-01-01T00:00:00+08:00"}, "registration_opens"),
        ({"starts_at": "9999-12-31T09:00:00-10:00"}, "starts_at"),
        (
            {
                "starts_at": "2999-12-20T09:00:00+08:00",
                "ends_at": "2999-12-20T10:00:00+08:00",
                "recurrence": {"weeks": 3},
            },
            "starts_at",
        ),
    ]
    for fields, name in cases:
        res = api.post("/api/v1/center/activities", body(world, **fields))
        assert res.status_code == 422, (fields, res.content)
        assert name in res.json()["error"]["fields"], (fields, res.json())


def test_the_list_by_area_and_days_and_the_detail_with_counts(world, center, api_for):
    soon = make_activity(world, capacity=1)
    later = timezone.now() + dt.timedelta(days=20)
    make_activity(world, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    api_for("resident").post(f"/api/v1/center/activities/{soon.pk}/registrations")
    api_for("member").post(f"/api/v1/center/activities/{soon.pk}/registrations")
    today = timezone.localdate()
    res = Client().get(
        "/api/v1/center/activities",
        {"area": "500103001000", "start": str(today), "end": str(today + dt.timedelta(days=7))},
    )
    assert res.status_code == 200
    data = res.json()
    assert data["count"] == 1
    row = data["results"][0]
    assert {k: row[k] for k in ("id", "center", "title", "audience", "capacity")} == {
        "id": soon.pk,
        "center": center.pk,
        "title": "太极拳",
        "audience": "elderly",
        "capacity": 1,
    }
    assert (row["confirmed"], row["waitlisted"], row["seats_left"]) == (1, 1, 0)
    assert Client().get("/api/v1/center/activities", {"area": "500106000000"}).json()["count"] == 0
    assert Client().get("/api/v1/center/activities", {"area": "nope"}).status_code == 404
    assert Client().get("/api/v1/center/activities", {"start": "2026-13-01"}).status_code == 422
    detail = Client().get(f"/api/v1/center/activities/{soon.pk}").json()
    assert detail["counts"] == {
        "confirmed": 1,
        "waitlisted": 1,
        "offered": 0,
        "cancelled": 0,
        "attended": 0,
        "no_show": 0,
    }
    assert Client().get("/api/v1/center/activities/999999").status_code == 404


def test_register_cancel_offer_confirm_check_in(world, center, api_for):
    activity = make_activity(world, capacity=1)
    url = f"/api/v1/center/activities/{activity.pk}/registrations"
    first = api_for("resident").post(url)
    assert first.status_code == 201
    assert {k: first.json()[k] for k in ("status", "position")} == {"status": "confirmed", "position": None}
    assert len(first.json()["code"]) == 8
    other = t.PersonFactory.create(username="neighbour")
    second = t.ApiClient(other).post(url)
    assert (
        second.status_code == 201
        and second.json()["status"] == "waitlisted"
        and second.json()["position"] == 1
    )
    again = api_for("resident").post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_registered"
    first_id, second_id = first.json()["id"], second.json()["id"]
    # Nobody else sees, cancels or confirms them.
    assert api_for("outsider").post(f"/api/v1/center/registrations/{first_id}/cancel").status_code == 404
    assert api_for("supervisor").get(f"/api/v1/center/registrations/{first_id}").status_code == 200
    assert api_for("supervisor").post(f"/api/v1/center/registrations/{first_id}/cancel").status_code == 403
    res = api_for("resident").post(f"/api/v1/center/registrations/{first_id}/cancel")
    assert res.status_code == 200 and res.json()["status"] == "cancelled"
    offered = t.ApiClient(other).get(f"/api/v1/center/registrations/{second_id}").json()
    assert offered["status"] == "offered" and offered["offered_until"]
    res = t.ApiClient(other).post(f"/api/v1/center/registrations/{second_id}/confirm")
    assert res.status_code == 200 and res.json()["status"] == "confirmed"
    res = t.ApiClient(other).post(f"/api/v1/center/registrations/{second_id}/confirm")
    assert res.status_code == 409 and res.json()["error"]["code"] == "wrong_status"
    assert t.ApiClient(other).post(f"/api/v1/center/registrations/{second_id}/check-in").status_code == 403
    res = api_for("staff").post(f"/api/v1/center/registrations/{second_id}/check-in")
    assert res.status_code == 200 and res.json()["status"] == "attended"


def test_staff_register_on_behalf_and_residents_cannot(world, center, api_for):
    activity = make_activity(world, capacity=5, min_age=60)
    url = f"/api/v1/center/activities/{activity.pk}/registrations"
    grandma = {"on_behalf": {"name": "王秀英", "phone": "13800001111", "age": 78, "consent": True}}
    res = api_for("staff").post(url, grandma)
    assert res.status_code == 201 and res.json()["status"] == "confirmed"
    assert Registration.objects.get(pk=res.json()["id"]).record.name == "王秀英"
    assert api_for("staff").post(url, grandma).status_code == 409
    for persona in ("resident", "supervisor", "outsider"):
        assert api_for(persona).post(url, grandma).status_code == 403
    res = api_for("staff").post(url, {"on_behalf": {**grandma["on_behalf"], "consent": False, "phone": ""}})
    assert res.status_code == 422 and "on_behalf.consent" in res.json()["error"]["fields"]
    res = api_for("staff").post(url, {"on_behalf": {"name": "小明", "age": 8, "consent": True}})
    assert res.status_code == 422 and res.json()["error"]["code"] == "not_eligible"
    assert "on_behalf.age" in res.json()["error"]["fields"]
    res = api_for("resident").post(url)
    assert res.status_code == 422 and "birth_year" in res.json()["error"]["fields"]
    assert api_for("resident").post(url, {"birth_year": timezone.localdate().year - 65}).status_code == 201
    assert AuditEvent.objects.filter(action="center.registration.created").count() == 2


def test_staff_raise_the_seats_and_the_waitlist_is_offered_them(world, center, api_for):
    activity = make_activity(world, capacity=1)
    url = f"/api/v1/center/activities/{activity.pk}/registrations"
    api_for("resident").post(url)
    waiting = api_for("member").post(url).json()
    assert (
        api_for("resident").patch(f"/api/v1/center/activities/{activity.pk}", {"capacity": 2}).status_code
        == 403
    )
    res = api_for("staff").patch(f"/api/v1/center/activities/{activity.pk}", {"capacity": 2})
    assert res.status_code == 200 and res.json()["counts"]["offered"] == 1
    assert (
        api_for("member").get(f"/api/v1/center/registrations/{waiting['id']}").json()["status"] == "offered"
    )
    res = api_for("staff").patch(f"/api/v1/center/activities/{activity.pk}", {"capacity": 1})
    assert res.status_code == 422 and "capacity" in res.json()["error"]["fields"]


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/center/activities",
        "/api/v1/center/activities/{activity_id}",
        "/api/v1/center/activities/{activity_id}/registrations",
        "/api/v1/center/registrations/{registration_id}/cancel",
        "/api/v1/center/registrations/{registration_id}/confirm",
        "/api/v1/center/registrations/{registration_id}/check-in",
        "/api/v1/center/check-in",
    ):
        assert path in paths
    assert "409" in paths["/api/v1/center/activities/{activity_id}/registrations"]["post"]["responses"]


def test_staff_check_in_by_the_code_shown_at_the_door(world, center, api_for):
    activity = make_activity(world)
    code = api_for("resident").post(f"/api/v1/center/activities/{activity.pk}/registrations").json()["code"]
    for persona in ("resident", "supervisor", "outsider"):
        assert api_for(persona).post("/api/v1/center/check-in", {"code": code}).status_code == 404
    res = api_for("staff").post("/api/v1/center/check-in", {"code": f" {code.lower()} "})
    assert res.status_code == 200 and res.json()["status"] == "attended"
    assert api_for("staff").post("/api/v1/center/check-in", {"code": code}).status_code == 409
    assert api_for("staff").post("/api/v1/center/check-in", {"code": "NOPE2345"}).status_code == 404
    assert api_for("staff").post("/api/v1/center/check-in", {}).status_code == 422
