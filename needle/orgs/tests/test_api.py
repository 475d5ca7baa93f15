import json

import pytest
from django.test import Client

from needle.areas.models import Area
from needle.core.models import AuditEvent
from needle.orgs.models import Membership
from needle.rollups.refresh import rollups_refresh


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def test_requests_without_credentials_get_401_in_the_error_shape(world):
    response = Client().get("/api/v1/units")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert Client(HTTP_AUTHORIZATION="Bearer ndl_nope_x").get("/api/v1/me").status_code == 401


def test_bearer_token_and_session_both_authenticate(world, api_for, client_for):
    assert api_for("resident").get("/api/v1/me").json()["username"] == "resident"
    assert client_for("resident").get("/api/v1/me").json()["username"] == "resident"


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["resident"])
    response = client.post("/api/v1/tokens", json.dumps({"name": "x"}), content_type="application/json")
    # Signed in, so not 401: the write may be forged from another site and is refused.
    assert response.status_code == 403
    client.get("/me/")
    response = client.post(
        "/api/v1/tokens",
        json.dumps({"name": "x"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201


def test_me_and_profile_update(world, api_for):
    api = api_for("staff")
    me = api.get("/api/v1/me").json()
    assert me["roles"] == [
        {
            "unit_id": world.units["rc_a1a"].pk,
            "unit_name": "华一坡社区居委会",
            "area_code": "500103001001",
            "role": "coordinator",
        }
    ]
    response = api.patch("/api/v1/me", {"phone": "not a phone"})
    assert response.status_code == 422 and "phone" in error_of(response)["fields"]
    assert api.patch("/api/v1/me", {"language": "en"}).json()["language"] == "en"


def test_unit_list_is_scoped_and_paginated(world, api_for):
    body = api_for("supervisor").get("/api/v1/units", page_size=2).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    codes = {u["code"] for u in api_for("city_admin").get("/api/v1/units", page_size=100).json()["results"]}
    assert "rc-b1a" in codes
    assert api_for("outsider").get("/api/v1/units").json()["count"] == 0
    response = api_for("city_admin").get("/api/v1/units", page_size=0)
    assert response.status_code == 422 and "page_size" in error_of(response)["fields"]
    response = api_for("city_admin").get("/api/v1/units", type="castle")
    assert response.status_code == 422 and "type" in error_of(response)["fields"]


def test_unit_members_mask_phones_unless_allowed(world, api_for):
    unit = world.units["pb_a1a"]
    masked = api_for("supervisor").get(f"/api/v1/units/{unit.pk}/members").json()
    assert masked[0]["username"] == "member" and "****" in masked[0]["phone"]
    full = api_for("city_admin").get(f"/api/v1/units/{unit.pk}/members").json()
    assert full[0]["phone"] == world.people["member"].phone
    assert api_for("resident").get(f"/api/v1/units/{unit.pk}/members").status_code == 404


def test_unit_create_and_add_member_through_the_api(world, api_for):
    api = api_for("street_admin")
    response = api.post(
        "/api/v1/units",
        {
            "code": "sc-a1a",
            "name": "华一坡社区党群服务中心",
            "type": "service_center",
            "area_code": "500103001001",
            "parent_id": world.units["street_a1"].pk,
        },
    )
    assert response.status_code == 201, response.content
    unit_id = response.json()["id"]
    response = api.post(f"/api/v1/units/{unit_id}/members", {"username": "member", "kind": "volunteer"})
    assert response.status_code == 201
    assert Membership.objects.filter(unit_id=unit_id, person__username="member").exists()
    response = api.post(
        "/api/v1/units", {"code": "", "name": "x", "type": "service_center", "area_code": "nope"}
    )
    assert response.status_code == 404
    response = api.post("/api/v1/units", {"name": "x"})
    assert response.status_code == 422 and {"code", "type", "area_code"} <= set(error_of(response)["fields"])


OTHER_STREET_OPERATIONS = [
    ("get", "/api/v1/units/{rc_b1a}", None, 404),
    ("get", "/api/v1/units/{rc_b1a}/members", None, 404),
    ("post", "/api/v1/units/{rc_b1a}/members", {"username": "member", "kind": "member"}, 404),
    (
        "post",
        "/api/v1/units",
        {"code": "z", "name": "z", "type": "resident_committee", "area_code": "500106001001"},
        403,
    ),
    ("get", "/api/v1/orgs/stats?area=500106001000", None, 404),
    ("get", "/api/v1/areas/500106001001/workers", None, 403),
    ("post", "/api/v1/areas/500106001001/grids", {"name": "越界网格"}, 403),
    ("post", "/api/v1/areas/{grid_b}/workers", {"username": "other_supervisor"}, 404),
    ("get", "/api/v1/audit", None, 403),
]


@pytest.mark.parametrize("method, path, body, status", OTHER_STREET_OPERATIONS)
def test_street_supervisor_token_cannot_reach_another_street(world, api_for, method, path, body, status):
    grid_b = Area.objects.create(
        code="500106001001-001",
        name="平街1",
        level=6,
        parent=world.areas["community_b1a"],
        path=world.areas["community_b1a"].path + "500106001001-001/",
        depth=6,
    )
    path = path.format(rc_b1a=world.units["rc_b1a"].pk, grid_b=grid_b.code)
    api = api_for("supervisor")
    events = AuditEvent.objects.count()
    response = api.get(path) if method == "get" else api.post(path, body)
    assert response.status_code == status, response.content
    error_of(response)
    assert AuditEvent.objects.count() == events  # nothing was written


def test_unit_list_filtered_to_another_street_is_empty_for_the_supervisor(world, api_for):
    assert api_for("supervisor").get("/api/v1/units", area="500106001000").json()["count"] == 0
    assert api_for("other_supervisor").get("/api/v1/units", area="500106001000").json()["count"] == 2


def test_org_stats_count_units_members_and_net_change(world, api_for):
    from needle.orgs.models import Unit

    Unit.objects.filter(code="rc-a2a").update(founded_on="2026-02-01")
    Unit.objects.filter(code="rc-a1a").update(dissolved_on="2026-03-01")
    rollups_refresh()
    body = (
        api_for("city_admin")
        .get("/api/v1/orgs/stats", area="500103000000", start="2026-01-01", end="2026-06-30")
        .json()
    )
    # district A: go-a, env-a, so-a1, rc-a1a (dissolved), pb-a1a, rc-a2a (founded this year)
    assert body["units_total"] == 5
    assert (body["units_founded"], body["units_dissolved"], body["units_net_change"]) == (1, 1, 0)
    assert body["members_total"] == 1
    by_type = {r["key"]: r["count"] for r in body["units_by_type"]}
    assert by_type == {
        "general_office": 1,
        "department": 1,
        "street_office": 1,
        "resident_committee": 1,
        "party_committee": 1,
    }
    response = api_for("city_admin").get(
        "/api/v1/orgs/stats", area="500103000000", start="2026-07-01", end="2026-01-01"
    )
    assert response.status_code == 422 and "start" in error_of(response)["fields"]
    assert api_for("city_admin").get("/api/v1/orgs/stats", start="not-a-date").status_code == 422


def test_audit_search_is_for_admins_and_auditors_within_their_area(world, api_for):
    api_for("street_admin").post("/api/v1/areas/500103001001/grids", {"name": "新网格"})
    api_for("other_supervisor")  # issuing its token is an event outside the tree
    events = api_for("district_auditor").get("/api/v1/audit", action="areas.grid").json()
    assert events["count"] == 1 and events["results"][0]["actor"] == "street_admin"
    assert events["results"][0]["request_id"]
    assert api_for("resident").get("/api/v1/audit").status_code == 403
    assert api_for("other_supervisor").get("/api/v1/audit").status_code == 403


def test_tokens_api(world, api_for):
    api = api_for("resident")
    issued = api.post("/api/v1/tokens", {"name": "laptop"}).json()
    assert issued["secret"].startswith("ndl_")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {issued['secret']}").get("/api/v1/me").status_code == 200
    assert api_for("outsider").delete(f"/api/v1/tokens/{issued['id']}").status_code == 404
    assert api.delete(f"/api/v1/tokens/{issued['id']}").json()["revoked_at"]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {issued['secret']}").get("/api/v1/me").status_code == 401
    assert api.delete(f"/api/v1/tokens/{issued['id']}").status_code == 409


def test_openapi_document_is_served(world):
    doc = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/areas/{code}" in doc["paths"]
    assert "409" in doc["paths"]["/api/v1/tokens/{token_id}"]["delete"]["responses"]


def test_admins_create_staff_accounts(world, api_for):
    unit = world.units["rc_a1a"]
    body = {"username": "newstaff", "password": "a-long-pass-987", "role": "coordinator"}
    assert api_for("supervisor").post(f"/api/v1/units/{unit.pk}/staff", body).status_code == 403
    response = api_for("street_admin").post(f"/api/v1/units/{unit.pk}/staff", body)
    assert response.status_code == 201 and response.json()["role"] == "coordinator"
    again = api_for("street_admin").post(f"/api/v1/units/{unit.pk}/staff", {**body, "password": "1"})
    assert again.status_code == 422 and {"username", "password"} <= set(again.json()["error"]["fields"])
