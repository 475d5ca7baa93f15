from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from needle.care.models import Item, ItemStatus, Pairing, Policy
from needle.care.services.schedule import reschedule
from needle.care.tests import plan_world as pw
from needle.cases.models import Case
from needle.cases.services import case_accept, case_callback, case_resolve
from needle.testing import ApiClient, build_catalog

BASE = "/api/v1/care"


@pytest.fixture
def api(world):
    clients: dict[str, ApiClient] = {}

    def client(persona: str) -> ApiClient:
        if persona not in clients:
            clients[persona] = ApiClient(world.people[persona])
        return clients[persona]

    return client


@pytest.fixture
def rec(world):
    row = pw.recipient(world, created=timezone.now() - dt.timedelta(days=20))
    reschedule(row)
    row.refresh_from_db()
    return row


def _error_fields(response) -> set[str]:
    return set(response.json()["error"]["fields"])


def test_pairing_is_created_and_ended(world, api, rec):
    body = {"recipient": rec.pk, "helper": world.people["member"].pk}
    r = api("staff").post(f"{BASE}/pairings", body)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["lead"] is True and data["helper"] == world.people["member"].pk and data["ended_on"] is None
    r = api("staff").post(f"{BASE}/pairings", body)
    assert r.status_code == 409
    li = pw.member(world, "li")
    r = api("staff").post(f"{BASE}/pairings", {"recipient": rec.pk, "helper": li.pk, "lead": True})
    assert r.status_code == 201 and r.json()["lead"] is True
    r = api("member").get(f"{BASE}/recipients/{rec.pk}/pairings")
    assert r.status_code == 200 and [p["helper"] for p in r.json()["items"]] == [
        li.pk,
        world.people["member"].pk,
    ]
    assert api("outsider").get(f"{BASE}/recipients/{rec.pk}/pairings").status_code == 404
    r = api("staff").post(f"{BASE}/pairings/{data['id']}/end", {"reason": "搬家"})
    assert r.status_code == 200 and r.json()["ended_on"] == timezone.localdate().isoformat()
    r = api("staff").post(f"{BASE}/pairings/{data['id']}/end", {"reason": "搬家"})
    assert r.status_code == 409


def test_pairing_a_unit_by_code(world, api, rec):
    r = api("staff").post(f"{BASE}/pairings", {"recipient": rec.pk, "unit": "pb-a1a"})
    assert r.status_code == 201 and r.json()["unit"] == "pb-a1a"


@pytest.mark.parametrize(
    ("persona", "status"), [("member", 403), ("supervisor", 403), ("resident", 422), ("outsider", 422)]
)
def test_pairing_permissions(world, api, rec, persona, status):
    """The paired helper and the supervisor see the recipient but may not pair; to others it
    is no recipient at all."""
    pw.pair(rec, world.people["member"])
    li = pw.member(world, "li")
    r = api(persona).post(f"{BASE}/pairings", {"recipient": rec.pk, "helper": li.pk})
    assert r.status_code == status, r.content
    assert Pairing.objects.count() == 1


def test_pairing_without_a_token_is_401(world, rec):
    from django.test import Client

    r = Client().post(f"{BASE}/pairings", {"recipient": rec.pk}, content_type="application/json")
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"recipient": 10**9, "helper": "member"}, 422, "recipient"),
        ({"recipient": "abc", "helper": "member"}, 422, "recipient"),
        ({"recipient": "REC", "helper": 10**9}, 422, "helper"),
        ({"recipient": "REC", "unit": "nope"}, 422, "unit"),
        ({"recipient": "REC", "helper": "member", "lead": "yes"}, 422, "lead"),
        ({"recipient": "REC", "helper": "far"}, 422, "reason"),
        ({"recipient": "REC"}, 422, "helper"),
    ],
)
def test_bad_pairings_name_the_field(world, api, rec, body, status, field):
    world.people["far"] = pw.member(world, "far", unit="rc_b1a")
    body = dict(body)
    if body["recipient"] == "REC":
        body["recipient"] = rec.pk
    if body.get("helper") in world.people:
        body["helper"] = world.people[body["helper"]].pk
    r = api("staff").post(f"{BASE}/pairings", body)
    assert r.status_code == status, r.content
    assert field in _error_fields(r)


def test_ending_an_unknown_pairing_is_404(world, api):
    assert api("staff").post(f"{BASE}/pairings/999999/end", {"reason": "x"}).status_code == 404
    assert api("staff").post(f"{BASE}/pairings/0/end", {"reason": "x"}).status_code == 422


def test_the_schedule_and_the_dashboard(world, api, rec):
    pw.pair(rec, world.people["member"])
    r = api("staff").get(f"{BASE}/schedule", area="500103001001", due="overdue")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["count"] == 1 and data["items"][0]["id"] == rec.pk
    assert data["items"][0]["days_overdue"] == 13 and data["items"][0]["area"] == "500103001001"
    assert api("staff").get(f"{BASE}/schedule", area="500103001001", due="week").json()["count"] == 0
    r = api("member").get(f"{BASE}/schedule", helper="me", due="never")
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [rec.pk]
    assert "name" in r.json()["items"][0]
    r = api("staff").get(f"{BASE}/dashboard", area="500103001001")
    assert r.status_code == 200
    board = r.json()
    assert (board["total"], board["overdue"], board["week"], board["never"], board["needs_helper"]) == (
        1,
        1,
        0,
        1,
        0,
    )
    assert board["by_helper"][0]["helper"] == world.people["member"].pk
    assert api("supervisor").get(f"{BASE}/dashboard", area="500103001000").status_code == 200


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"area": "500103001001", "due": "soon"}, 422, "due"),
        ({"area": "nope"}, 422, "area"),
        ({}, 422, "area"),
        ({"helper": "someone"}, 422, "helper"),
        ({"area": "500103001001", "limit": "x"}, 422, "limit"),
        ({"area": "500103001001", "limit": 0}, 422, "limit"),
        ({"area": "500103001001", "offset": 10**19}, 422, "offset"),
        ({"area": "500103001001", "offset": 2**63}, 422, "offset"),
        ({"area": "500103001001", "offset": -1}, 422, "offset"),
        ({"area": "500103001001", "limit": 10**19}, 422, "limit"),
        ({"helper": "\u00b2"}, 422, "helper"),
        ({"helper": "\u0663"}, 422, "helper"),
    ],
)
def test_bad_schedule_queries_name_the_field(world, api, params, status, field):
    r = api("staff").get(f"{BASE}/schedule", **params)
    assert r.status_code == status and field in _error_fields(r)


@pytest.mark.parametrize("persona", ["member", "resident", "outsider", "other_supervisor"])
def test_the_schedule_and_dashboard_of_a_place_are_refused_to_others(world, api, rec, persona):
    assert api(persona).get(f"{BASE}/schedule", area="500103001001").status_code == 403
    assert api(persona).get(f"{BASE}/dashboard", area="500103001001").status_code == 403


def test_the_ledger_through_the_api(world, api, rec):
    catalog = build_catalog(world)
    pw.pair(rec, world.people["member"])
    r = api("member").post(f"{BASE}/items", {"recipient": rec.pk, "what": "水管漏水", "who_acts": "物业"})
    assert r.status_code == 201, r.content
    item = r.json()
    assert item["status"] == "open" and item["since"] == timezone.localdate().isoformat()
    r = api("member").get(f"{BASE}/recipients/{rec.pk}/items")
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [item["id"]]
    # Closing: the staff alone, with the confirmation.
    assert api("member").post(f"{BASE}/items/{item['id']}/close", {"confirmation": "签字"}).status_code == 403
    r = api("staff").post(f"{BASE}/items/{item['id']}/close", {})
    assert r.status_code == 422 and _error_fields(r) == {"confirmation"}
    r = api("staff").post(f"{BASE}/items/{item['id']}/close", {"confirmation": "  "})
    assert r.status_code == 422 and _error_fields(r) == {"confirmation"}
    r = api("staff").post(f"{BASE}/items/{item['id']}/close", {"confirmation": "老人签字确认"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert api("staff").post(f"{BASE}/items/{item['id']}/close", {"confirmation": "again"}).status_code == 409
    # Another item becomes a request; closing the request closes it.
    second = api("member").post(f"{BASE}/items", {"recipient": rec.pk, "what": "路灯坏了"}).json()
    r = api("member").post(f"{BASE}/items/{second['id']}/to-case", {"service": "nope"})
    assert r.status_code == 422 and _error_fields(r) == {"service"}
    r = api("member").post(f"{BASE}/items/{second['id']}/to-case", {"service": "road"})
    assert r.status_code == 201, r.content
    number = r.json()["case"]
    assert r.json()["item"]["status"] == "case" and r.json()["item"]["case"] == number
    assert api("member").post(f"{BASE}/items/{second['id']}/to-case", {"service": "road"}).status_code == 409
    case = Case.objects.get(number=number)
    assert Item.objects.get(pk=second["id"]).case == case
    handler = world.people["handler"]
    case = case_resolve(actor=handler, case=case_accept(actor=handler, case=case), note="修好了")
    case_callback(actor=world.people["staff"], case=case, solved=True)
    shown = {i["id"]: i for i in api("staff").get(f"{BASE}/recipients/{rec.pk}/items").json()["items"]}
    assert shown[second["id"]]["status"] == "closed" and shown[second["id"]]["case_state"] == "closed"
    assert catalog["road"].code == "road"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/items/999999/close", {"confirmation": "x"}, 404),
        ("/items/999999/to-case", {"service": "road"}, 404),
        ("/items/abc/close", {"confirmation": "x"}, 422),
    ],
)
def test_unknown_items_are_404(world, api, path, body, status):
    assert api("staff").post(f"{BASE}{path}", body).status_code == status


def test_bad_items_name_the_field(world, api, rec):
    for body, field in (
        ({"recipient": rec.pk}, "what"),
        ({"recipient": rec.pk, "what": ""}, "what"),
        ({"recipient": rec.pk, "what": "x", "since": "yesterday"}, "since"),
        ({"recipient": rec.pk, "what": "x", "visit": "not-a-uuid"}, "visit"),
        ({"recipient": rec.pk, "what": "x", "visit": "6f1c8c2e-4a43-4a0e-9a44-1a2b3c4d5e6f"}, "visit"),
        ({"recipient": 10**9, "what": "x"}, "recipient"),
    ):
        r = api("staff").post(f"{BASE}/items", body)
        assert r.status_code == 422 and field in _error_fields(r), (body, r.content)
    assert not Item.objects.exists()


def test_items_of_a_hidden_recipient_are_404(world, api, rec):
    assert api("outsider").get(f"{BASE}/recipients/{rec.pk}/items").status_code == 404
    assert api("staff").get(f"{BASE}/recipients/999999/items").status_code == 404
    assert api("outsider").post(f"{BASE}/items", {"recipient": rec.pk, "what": "x"}).status_code == 422


def test_policies(world, api, rec):
    r = api("city_admin").post(
        f"{BASE}/policies", {"area": "500103000000", "risk": "high", "visit_days": 3, "call_days": 1}
    )
    assert r.status_code == 200, r.content
    assert r.json() == {
        "district": "500103000000",
        "risk": "high",
        "category": "",
        "visit_days": 3,
        "call_days": 1,
        "default": False,
    }
    rec.refresh_from_db()
    assert rec.next_visit_due == timezone.localdate(rec.created_at) + dt.timedelta(days=3)
    r = api("staff").get(f"{BASE}/policies", area="500103001001")
    assert r.status_code == 200
    assert {(p["district"], p["visit_days"]) for p in r.json()["items"] if not p["default"]} == {
        ("500103000000", 3)
    }
    assert (
        api("staff")
        .post(f"{BASE}/policies", {"area": "500103000000", "risk": "high", "visit_days": 3})
        .status_code
        == 403
    )
    assert api("city_admin").post(f"{BASE}/policies", {"risk": "high", "visit_days": 3}).status_code == 403
    assert api("outsider").get(f"{BASE}/policies").status_code == 403
    for body, field in (
        ({"area": "500103000000", "risk": "x", "visit_days": 3}, "risk"),
        ({"area": "500103000000", "risk": "high", "visit_days": 0}, "visit_days"),
        ({"area": "500103000000", "risk": "high", "visit_days": "often"}, "visit_days"),
        ({"area": "500103001000", "risk": "high", "visit_days": 3}, "area"),
        ({"area": "nope", "risk": "high", "visit_days": 3}, "area"),
    ):
        r = api("city_admin").post(f"{BASE}/policies", body)
        assert r.status_code == 422 and field in _error_fields(r), (body, r.content)
    assert Policy.objects.count() == 1


def test_the_ledger_item_status_is_one_of_the_lifecycle(world):
    assert set(ItemStatus.values) == {"open", "case", "closed"}


def test_the_schedule_reads_a_fixed_number_of_queries(world, api, django_assert_max_num_queries):
    for i in range(3):
        pw.pair(pw.recipient(world, name=f"r{i}"), world.people["member"])
    client = api("staff")
    client.get(f"{BASE}/schedule", area="500103001001")
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"{BASE}/schedule", area="500103001001").json()["count"] == 3
    for i in range(10):
        pw.pair(pw.recipient(world, name=f"s{i}"), world.people["member"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"{BASE}/schedule", area="500103001001").json()["count"] == 13
    with django_assert_max_num_queries(len(few.captured_queries) + 3):
        assert client.get(f"{BASE}/dashboard", area="500103001001").json()["total"] == 13


def test_open_items_of_a_place(world, api, rec):
    pw.pair(rec, world.people["member"])
    first = api("member").post(f"{BASE}/items", {"recipient": rec.pk, "what": "漏水"}).json()
    r = api("staff").get(f"{BASE}/items", area="500103001001")
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [first["id"]]
    assert api("member").get(f"{BASE}/items", area="500103001001").status_code == 403
    assert api("staff").get(f"{BASE}/items").status_code == 422


def test_the_openapi_document_lists_the_plan(world):
    from django.test import Client

    doc = Client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/care/pairings",
        "/api/v1/care/pairings/{pairing_id}/end",
        "/api/v1/care/schedule",
        "/api/v1/care/dashboard",
        "/api/v1/care/items",
        "/api/v1/care/items/{item_id}/close",
        "/api/v1/care/items/{item_id}/to-case",
        "/api/v1/care/recipients/{recipient_id}/items",
        "/api/v1/care/policies",
    ):
        assert path in doc["paths"], path
    assert "409" in doc["paths"]["/api/v1/care/items/{item_id}/close"]["post"]["responses"]
