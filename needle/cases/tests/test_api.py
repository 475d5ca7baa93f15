import base64
import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from needle.cases.models import Callback, Case, State
from needle.core import pagination
from needle.core.models import AuditEvent
from needle.testing import submit


def err(response):
    return response.json()["error"]


def new_case(api, **extra):
    body = {"service_code": "road", "area_code": "500103001001", "description": "路面塌陷，有个大坑", **extra}
    return api.post("/api/v1/cases", body)


def test_create_read_and_idempotency(world, catalog, api_for):
    api = api_for("resident")
    response = api.client.post(
        "/api/v1/cases",
        json.dumps({"service_code": "road", "area_code": "500103001001", "description": "路面塌陷"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "dispatched" and body["lead_unit_name"] == "渝中区生态环境局"
    assert body["tracking_url"].startswith("/track/")
    again = api.client.post(
        "/api/v1/cases",
        json.dumps({"service_code": "road", "area_code": "500103001001", "description": "路面塌陷"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    assert Case.objects.count() == 1
    assert api.get(f"/api/v1/cases/{body['number']}").json()["number"] == body["number"]


@pytest.mark.parametrize(
    "body, status, field",
    [
        # A code that names nothing is a missing object, as everywhere in the API (and Open311).
        ({"service_code": "nope", "description": "x", "area_code": "500103001001"}, 404, None),
        ({"service_code": "noise", "description": "吵", "area_code": "500103001001"}, 422, "attribute[when]"),
        (
            {"service_code": "road", "description": "x" * 4001, "area_code": "500103001001"},
            422,
            "description",
        ),
        ({"service_code": "road", "description": "x"}, 422, "area"),
        ({"service_code": "road", "description": "x", "lat": 10.0, "lng": 10.0}, 422, "lat"),
        (
            {"service_code": "road", "description": "x", "area_code": "500103001001", "photos": ["%%%"]},
            422,
            "photos",
        ),
        ({"description": "x"}, 422, "service_code"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(world, catalog, api_for, body, status, field):
    response = api_for("resident").post("/api/v1/cases", body)
    assert response.status_code == status, response.content
    if field:
        assert field in err(response)["fields"]
    assert not Case.objects.exists()


def test_photos_as_base64(world, catalog, api_for, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, format="PNG")
    response = new_case(api_for("resident"), photos=[base64.b64encode(buf.getvalue()).decode()])
    assert response.status_code == 201
    assert Case.objects.get().photos.count() == 1


def test_list_is_scoped(world, catalog, api_for):
    submit(world, catalog["road"], area="community_a1a")
    submit(world, catalog["road"], area="community_b1a", reporter="member")
    assert api_for("supervisor").get("/api/v1/cases").json()["count"] == 1
    assert api_for("other_supervisor").get("/api/v1/cases").json()["count"] == 1
    assert api_for("dispatcher").get("/api/v1/cases").json()["count"] == 2
    assert api_for("handler").get("/api/v1/cases").json()["count"] == 1  # district A's department
    assert api_for("member").get("/api/v1/cases", mine=True).json()["count"] == 1
    assert api_for("outsider").get("/api/v1/cases").json()["count"] == 0
    assert api_for("dispatcher").get("/api/v1/cases", state="flying").status_code == 422


def test_list_pages_by_position_and_caps_its_count(world, catalog, api_for, monkeypatch):
    numbers = [submit(world, catalog["road"], area="community_a1a").number for _ in range(5)]
    api = api_for("dispatcher")
    first = api.get("/api/v1/cases", page_size=2).json()
    assert (first["count"], first["count_exact"], first["page"]) == (5, True, 1)
    seen, body = [], first
    while True:
        seen += [c["number"] for c in body["results"]]
        if not body["next_after"]:
            break
        body = api.get("/api/v1/cases", page_size=2, page=body["page"] + 1, after=body["next_after"]).json()
    assert seen == sorted(numbers, reverse=True) and body["page"] == 3  # newest first, each once
    assert [c["number"] for c in api.get("/api/v1/cases", page_size=2, page=3).json()["results"]] == seen[4:]

    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    capped = api.get("/api/v1/cases", page_size=2).json()
    assert (capped["count"], capped["count_exact"]) == (3, False)  # "more than 3"
    uncounted = api.get("/api/v1/cases", page_size=2, count="false").json()
    assert (uncounted["count"], uncounted["count_exact"], len(uncounted["results"])) == (None, False, 2)
    assert uncounted["next_after"] == capped["next_after"]
    bad = api.get("/api/v1/cases", after="yesterday")
    assert bad.status_code == 422 and "after" in err(bad)["fields"]


def test_other_street_cannot_read_or_act(world, catalog, api_for):
    case = submit(world, catalog["road"], area="community_b1a", reporter="member")
    api = api_for("supervisor")
    assert api.get(f"/api/v1/cases/{case.number}").status_code == 404
    assert api.get(f"/api/v1/cases/{case.number}/timeline").status_code == 404
    for action, body in [
        ("urge", {}),
        ("accept", {}),
        ("reject", {"reason": "x"}),
        ("whistle", {"unit_ids": [1]}),
    ]:
        assert api.post(f"/api/v1/cases/{case.number}/{action}", body).status_code == 404
    assert api.get("/api/v1/cases/rates", area="500106001000").status_code == 404


def test_the_loop_through_the_api(world, catalog, api_for):
    resident = api_for("resident")
    number = new_case(resident, service_code="noise", attributes={"when": "night"}).json()["number"]
    dispatcher, staff = api_for("dispatcher"), api_for("staff")
    assert dispatcher.get("/api/v1/cases", queue=True).json()["count"] == 1
    r = dispatcher.post(f"/api/v1/cases/{number}/dispatch", {"unit_id": world.units["rc_a1a"].pk})
    assert r.status_code == 200 and r.json()["state"] == "dispatched"
    assert staff.post(f"/api/v1/cases/{number}/accept", {}).json()["state"] == "accepted"
    assert staff.post(f"/api/v1/cases/{number}/start", {"note": "出发"}).json()["state"] == "in_progress"
    r = staff.post(f"/api/v1/cases/{number}/resolve", {"note": ""})
    assert r.status_code == 422 and "note" in err(r)["fields"]
    assert staff.post(f"/api/v1/cases/{number}/resolve", {"note": "已劝导"}).json()["state"] == "resolved"
    r = resident.post(f"/api/v1/cases/{number}/callback", {"solved": True, "rating": 5})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    kinds = [e["kind"] for e in staff.get(f"/api/v1/cases/{number}/timeline").json()]
    assert kinds == ["submitted", "dispatched", "accepted", "started", "resolved", "callback", "closed"]
    public = resident.get(f"/api/v1/cases/{number}/timeline").json()
    assert all(e["actor"] is None for e in public)


def test_the_api_timeline_follows_the_pages_rule(world, catalog, api_for):
    from needle.cases import services as s

    case = submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=case)
    s.case_note(actor=world.people["handler"], case=case, note="内部备注")
    s.case_urge(actor=world.people["supervisor"], case=case, note="请尽快")
    url = f"/api/v1/cases/{case.number}/timeline"
    mine = api_for("resident").get(url).json()
    assert [e["kind"] for e in mine] == ["submitted", "routed", "accepted"]
    assert all(e["public"] and e["actor"] is None for e in mine)
    # A supervisor who may open the case page reads the same internal entries there and here.
    staff = api_for("supervisor").get(url).json()
    assert [e["kind"] for e in staff] == ["submitted", "routed", "accepted", "note", "urged"]
    assert {e["actor"] for e in staff if e["kind"] in ("note", "urged")} == {"handler", "supervisor"}
    assert api_for("other_supervisor").get(url).status_code == 404


def test_callback_with_the_tracking_token_needs_no_login(world, catalog):
    case = submit(world, catalog["road"])
    from needle.cases import services as s

    s.case_accept(actor=world.people["handler"], case=case)
    s.case_resolve(actor=world.people["handler"], case=case, note="ok")
    anon = Client()
    r = anon.post(
        f"/api/v1/cases/{case.number}/callback",
        json.dumps({"solved": False, "rating": 2, "tracking_token": "bad"}),
        content_type="application/json",
    )
    assert r.status_code == 404
    r = anon.post(
        f"/api/v1/cases/{case.number}/callback",
        json.dumps({"solved": False, "rating": 2, "tracking_token": case.tracking_token}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "reopened"
    r = anon.post(
        f"/api/v1/cases/{case.number}/callback", json.dumps({"solved": True}), content_type="application/json"
    )
    assert r.status_code == 404


def test_illegal_move_is_409_with_the_current_state(world, catalog, api_for):
    case = submit(world, catalog["road"])
    r = api_for("handler").post(f"/api/v1/cases/{case.number}/resolve", {"note": "x"})
    assert r.status_code == 409 and err(r)["state"] == "dispatched"
    r = api_for("handler").post(f"/api/v1/cases/{case.number}/accept", {"version": case.version + 1})
    assert r.status_code == 409 and err(r)["version"] == case.version


@pytest.mark.parametrize(
    "persona, status",
    [("handler", 200), ("staff", 403), ("supervisor", 403), ("dispatcher", 403), ("resident", 403)],
)
def test_accept_permission(world, catalog, api_for, persona, status):
    case = submit(world, catalog["road"])
    assert api_for(persona).post(f"/api/v1/cases/{case.number}/accept", {}).status_code == status


def test_return_merge_reject_urge_whistle_hide(world, catalog, api_for):
    a = submit(world, catalog["road"])
    b = submit(world, catalog["road"], reporter="member")
    handler, dispatcher, supervisor = api_for("handler"), api_for("dispatcher"), api_for("supervisor")
    assert (
        handler.post(f"/api/v1/cases/{a.number}/return", {"reason": "非本单位职责"}).json()["state"]
        == "returned"
    )
    assert (
        dispatcher.post(f"/api/v1/cases/{b.number}/merge", {"parent": a.number}).json()["merged_into"]
        == a.number
    )
    assert dispatcher.post(f"/api/v1/cases/{a.number}/reject", {"reason": ""}).status_code == 422
    c = submit(world, catalog["road"], reporter="outsider")
    assert (
        supervisor.post(f"/api/v1/cases/{c.number}/urge", {"note": "加快", "supervise": True}).status_code
        == 200
    )
    r = supervisor.post(
        f"/api/v1/cases/{c.number}/whistle", {"unit_ids": [world.units["district_a_go"].pk], "hours": 6}
    )
    assert r.status_code == 200
    assert (
        dispatcher.post(f"/api/v1/cases/{c.number}/hide", {"public_description": "路面问题"}).status_code
        == 200
    )
    assert AuditEvent.objects.filter(action="cases.case.whistled").exists()


def test_rates_agree_with_a_count_by_hand(world, catalog, api_for):
    """Five cases this month, counted by hand:
    response: 4 accept deadlines in the period, 3 accepted in time  -> 0.75
    resolution: 3 callbacks, 2 solved                                -> 0.6667
    satisfaction: 3 rated, 2 rated 4-5                               -> 0.6667
    on-time: 2 currently resolved/closed in period, 1 by the deadline -> 0.5"""
    now = timezone.now()
    cases = [submit(world, catalog["road"], reporter=None, contact_phone=f"1380000000{i}") for i in range(5)]
    late = now + dt.timedelta(days=30)
    Case.objects.filter(pk=cases[0].pk).update(
        accepted_at=now, state=State.CLOSED, resolved_at=now, closed_at=now
    )
    Case.objects.filter(pk=cases[1].pk).update(
        accepted_at=now, state=State.CLOSED, resolved_at=late, resolve_due_at=late - dt.timedelta(days=1)
    )
    Case.objects.filter(pk=cases[2].pk).update(accepted_at=now, state=State.REOPENED)
    Case.objects.filter(pk=cases[3].pk).update(accepted_at=now + dt.timedelta(days=2))
    Case.objects.filter(pk=cases[4].pk).update(accept_due_at=now + dt.timedelta(days=90))
    unit = world.units["district_a_env"]
    Callback.objects.create(case=cases[0], at=now, solved=True, rating=5, lead_unit=unit)
    Callback.objects.create(case=cases[1], at=now, solved=True, rating=4, lead_unit=unit)
    Callback.objects.create(case=cases[2], at=now, solved=False, rating=1, lead_unit=unit)
    start, end = timezone.localdate() - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=31)
    for params in ({"area": "500103000000"}, {"unit": unit.pk}):
        body = (
            api_for("city_admin")
            .get("/api/v1/cases/rates", start=start.isoformat(), end=end.isoformat(), **params)
            .json()
        )
        assert (body["response_due"], body["responded_on_time"], body["response_rate"]) == (4, 3, 0.75)
        assert (body["callbacks"], body["solved"], body["resolution_rate"]) == (3, 2, 0.6667)
        assert (body["rated"], body["satisfied"], body["satisfaction_rate"]) == (3, 2, 0.6667)
        assert (body["resolved"], body["resolved_on_time"], body["on_time_rate"]) == (2, 1, 0.5)
        assert body["received"] == 5
    r = api_for("city_admin").get(
        "/api/v1/cases/rates", area="500103000000", start="2026-05-01", end="2026-01-01"
    )
    assert r.status_code == 422


def test_catalog_is_public(world, catalog):
    body = Client().get("/api/v1/catalog").json()
    services = {s["code"]: s for c in body for s in c["services"]}
    assert {a["code"]: a["required"] for a in services["noise"]["attributes"]} == {
        "floor": False,
        "when": True,
    }


def test_a_called_in_unit_responds(world, catalog, api_for):
    case = submit(world, catalog["road"])
    supervisor = api_for("supervisor")
    assert (
        supervisor.post(
            f"/api/v1/cases/{case.number}/whistle", {"unit_ids": [world.units["district_a_go"].pk]}
        ).status_code
        == 200
    )
    from needle.orgs.models import RoleAssignment

    RoleAssignment.objects.create(
        person=world.people["member"], unit=world.units["district_a_go"], role="handler"
    )
    member = api_for("member")
    assert member.post(f"/api/v1/cases/{case.number}/respond", {"note": "明早到场"}).status_code == 200
    assert member.post(f"/api/v1/cases/{case.number}/respond", {"note": "again"}).status_code == 404
    assert api_for("staff").post(f"/api/v1/cases/{case.number}/respond", {"note": "x"}).status_code == 404


def test_idempotency_keys_are_scoped_to_the_caller(world, catalog, api_for):
    body = json.dumps({"service_code": "road", "area_code": "500103001001", "description": "路面塌陷"})
    first = api_for("resident").client.post(
        "/api/v1/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
    )
    other = api_for("member").client.post(
        "/api/v1/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert first.status_code == other.status_code == 201
    assert (
        first.json()["number"] != other.json()["number"]
        and other.json()["tracking_url"] != first.json()["tracking_url"]
    )


def test_true_and_false_are_not_numbers_nor_numbers_true_or_false(world, catalog, api_for):
    resident = api_for("resident")
    number = new_case(resident, service_code="noise", attributes={"when": "night"}).json()["number"]
    dispatcher = api_for("dispatcher")
    for body in ({"unit_id": True}, {"unit_id": world.units["rc_a1a"].pk, "version": True}):
        r = dispatcher.post(f"/api/v1/cases/{number}/dispatch", body)
        assert r.status_code == 422, body
        assert "whole number" in json.dumps(err(r)["fields"]), err(r)
    r = dispatcher.post(
        f"/api/v1/cases/{number}/whistle", {"unit_ids": [world.units["rc_a1a"].pk], "hours": True}
    )
    assert r.status_code == 422 and "hours" in err(r)["fields"]
    r = dispatcher.post(f"/api/v1/cases/{number}/public", {"public": 0})
    assert r.status_code == 422 and "true or false" in err(r)["fields"]["public"]
    case = Case.objects.get(number=number)
    assert (case.state, case.public) == (State.SUBMITTED, True)
