"""The API's contract with its callers: who is anonymous, what bad input gets, and that every
error, whatever raised it, has the one JSON shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpResponseServerError
from django.test import Client

from needle import testing as t
from needle.cases import services as case_services
from needle.core.middleware import BadRequestMiddleware


@pytest.fixture
def catalog(world: t.World) -> dict[str, Any]:
    return t.build_catalog(world)


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def resolved_case(world: t.World, catalog: dict[str, Any]) -> Any:
    case = t.submit(world, catalog["road"])
    case_services.case_accept(actor=world.people["handler"], case=case)
    return case_services.case_resolve(actor=world.people["handler"], case=case, note="filled")


# Who is anonymous ----------------------------------------------------------------------------


def test_an_app_without_a_cookie_answers_the_callback_by_tracking_token(world, catalog):
    case = resolved_case(world, catalog)
    app = Client(enforce_csrf_checks=True)
    r = post(
        app,
        f"/api/v1/cases/{case.number}/callback",
        {"solved": True, "rating": 5, "tracking_token": case.tracking_token},
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "closed"


def test_a_signed_in_browser_without_the_csrf_token_is_refused(world, catalog):
    case = resolved_case(world, catalog)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.people["resident"])
    r = post(browser, f"/api/v1/cases/{case.number}/callback", {"solved": True, "rating": 5})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
    r = post(browser, "/api/v1/cases", {"service_code": "road", "description": "x"})
    assert r.status_code == 403
    case.refresh_from_db()
    assert case.state == "resolved"


def test_a_signed_in_browser_with_the_csrf_token_is_served(world, catalog):
    case = resolved_case(world, catalog)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.people["resident"])
    browser.get("/me/")  # a page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    r = browser.post(
        f"/api/v1/cases/{case.number}/callback",
        json.dumps({"solved": True, "rating": 5}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert r.status_code == 200, r.content


def test_an_anonymous_caller_of_an_operation_that_needs_a_login_gets_401(world, catalog):
    app = Client(enforce_csrf_checks=True)
    r = post(app, "/api/v1/cases", {"service_code": "road", "description": "x"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"
    assert app.get("/api/v1/me").status_code == 401


# Bad input -----------------------------------------------------------------------------------
# PostgreSQL refuses text with NUL, and text longer than its column, with a DataError (a 500);
# SQLite stored both silently. Every input is refused before it reaches the database.


def test_nul_in_an_api_path_query_or_body_is_a_422_naming_the_field(world, catalog, api_for):
    api = api_for("city_admin")
    r = api.get("/api/v1/cases/%00")
    assert r.status_code == 422
    assert list(r.json()["error"]["fields"]) == ["number"]
    assert "NUL" in r.json()["error"]["fields"]["number"]
    r = api.get("/api/v1/areas", search="a\x00")
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["search"]
    r = api.post("/api/v1/cases", {"service_code": "road", "description": "hole", "address": "No.\x001"})
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["address"]
    r = api.post(
        "/api/v1/cases", {"service_code": "road", "description": "hole", "attributes": {"depth": ["\x00"]}}
    )
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["attributes.depth.0"]
    anon = Client()
    r = anon.get("/api/v1/intel/suggest", {"text": "\x00"})
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["text"]


def test_nul_in_a_page_path_or_query_is_a_400_page_naming_it(world, catalog):
    anon = Client()
    r = anon.get("/track/%00/")
    assert r.status_code == 400
    assert b"token" in r.content and b"NUL" in r.content
    r = anon.get("/report/areas/", {"q": "\x00"})
    assert r.status_code == 400 and b"q" in r.content
    staff = Client()
    staff.force_login(world.people["city_admin"])
    assert staff.get("/units/", {"area": "\x00"}).status_code == 400
    assert staff.get("/cases/%00/").status_code == 400


def test_nul_in_a_page_form_is_the_form_error(world, catalog):
    resident = Client()
    resident.force_login(world.people["resident"])
    r = resident.post("/me/", {"display_name": "Li\x00", "phone": ""})
    assert r.status_code == 400
    assert "display_name" in r.context["form"].errors
    world.people["resident"].refresh_from_db()
    assert "\x00" not in world.people["resident"].display_name


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/cases", {"service_code": "road", "description": "x", "address": "x" * 301}, "address"),
        (
            "/api/v1/cases",
            {"service_code": "road", "description": "x", "contact_phone": "1" * 21},
            "contact_phone",
        ),
        ("/api/v1/cases", {"service_code": "road", "description": "x", "title": "x" * 201}, "title"),
        ("/api/v1/tokens", {"name": "x" * 101}, "name"),
        ("/api/v1/units", {"code": "c" * 41, "name": "n", "type": "department", "area_code": "1"}, "code"),
    ],
)
def test_an_over_long_string_is_a_422_naming_the_field(world, catalog, api_for, path, body, field):
    r = api_for("city_admin").post(path, body)
    assert r.status_code == 422, r.content
    assert list(r.json()["error"]["fields"]) == [field]


def test_a_profile_over_long_is_a_422(world, api_for):
    r = api_for("resident").patch("/api/v1/me", {"display_name": "x" * 101})
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["display_name"]


def test_staff_notes_are_bounded_like_case_notes(world, catalog, api_for):
    case = t.submit(world, catalog["road"])
    supervisor = api_for("city_admin")
    r = supervisor.post(f"/api/v1/cases/{case.number}/urge", {"note": "x" * 2001, "supervise": True})
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["note"]
    unit = world.units["district_a_env"].pk
    r = supervisor.post(f"/api/v1/cases/{case.number}/whistle", {"unit_ids": [unit], "note": "x" * 501})
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["note"]
    assert not case.events.filter(kind__in=["urged", "supervised", "whistled"]).exists()


def test_an_id_beyond_a_bigint_is_a_422_not_an_overflow(world, catalog, api_for):
    case = t.submit(world, catalog["road"])
    api = api_for("city_admin")
    r = api.post(f"/api/v1/cases/{case.number}/whistle", {"unit_ids": [2**63]})
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["unit_ids.0"]
    assert api.get(f"/api/v1/units/{2**63}").status_code == 422
    assert api.get("/api/v1/cases", unit=str(2**64)).status_code == 422


def test_a_bigint_unit_id_on_the_whistle_page_is_refused_by_the_form(world, catalog, client_for):
    case = t.submit(world, catalog["road"])
    r = client_for("city_admin").post(
        f"/cases/{case.number}/whistle/", {"whistle-units": [str(2**63)], "whistle-hours": "24"}
    )
    assert r.status_code == 400
    form = next(p["form"] for p in r.context["panels"] if p["name"] == "whistle")
    assert list(form.errors) == ["units"]
    assert not case.assists.exists()


# Dates -----------------------------------------------------------------------------------------


def test_api_dates_are_days_within_range_not_numbers(world, api_for):
    api = api_for("city_admin")
    r = api.get("/api/v1/orgs/stats", start="0", area="500000000000")
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["start"]
    r = api.get("/api/v1/cases/rates", area="500000000000", end="9999-12-31")
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["end"]
    r = api.get("/api/v1/cases/rates", area="500000000000", start="2026-02-01", end="2026-01-01")
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["start"]
    r = api.get("/api/v1/operations/indicators", start="0001-01-01")
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["start"]


@pytest.mark.parametrize(
    "url",
    [
        "/operations/?start=9999-12-31",
        "/operations/?end=9999-12-31",
        "/operations/?end=0001-01-01",
        "/operations/export.csv?end=0001-01-01",
        "/cases/rates/?start=0001-01-01",
        "/cases/rates/?end=9999-12-31",
        "/cases/rates/?area=500000000000&start=0001-01-01",
    ],
)
def test_extreme_dates_on_pages_are_refused_not_a_500(world, client_for, url):
    r = client_for("city_admin").get(url)
    assert r.status_code in (200, 400, 422), r.status_code  # the export answers in JSON
    assert "1901-01-01" in r.content.decode() or "YYYY-MM-DD" in r.content.decode()


def test_a_bad_page_number_on_a_page_is_a_400_page(world, client_for):
    r = client_for("resident").get("/notifications/", {"page": "x"})
    assert r.status_code == 400
    assert b"page" in r.content


# One error shape -------------------------------------------------------------------------------


def test_an_unknown_api_path_is_a_json_404(world, api_for):
    r = api_for("city_admin").get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert Client().get("/api/nothing/here").json()["error"]["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(world, api_for):
    r = api_for("city_admin").client.put("/api/v1/me")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in r["Allow"]


def test_a_json_array_for_an_object_is_refused(world, api_for):
    r = api_for("resident").client.patch("/api/v1/me", "[null, null]", content_type="application/json")
    assert r.status_code in (400, 422)
    assert "error" in r.json()


def test_a_server_error_in_the_api_is_json(rf):
    """Django's own 500 (what its handler renders for any crash) leaves under /api/ as JSON."""

    def crash(request: Any) -> HttpResponseServerError:
        return HttpResponseServerError("<h1>Server Error (500)</h1>")

    response = BadRequestMiddleware(crash)(rf.get("/api/v1/me"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"
    page = BadRequestMiddleware(crash)(rf.get("/me/"))
    assert page.status_code == 500 and page.content.startswith(b"<h1>")


def test_the_document_states_the_bounds_the_server_enforces(world):
    doc = Client().get("/api/v1/openapi.json").json()

    def param(path: str, name: str) -> dict[str, Any]:
        found = next(p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name)
        return found["schema"]

    assert param("/api/v1/cases", "page_size")["maximum"] == 500
    assert param("/api/v1/cases", "page")["minimum"] == 1
    assert param("/api/v1/units", "page_size")["maximum"] == 500
    search = param("/api/v1/areas", "search")
    assert 1 in [s.get("minLength") for s in search.get("anyOf", [search])]
    start = param("/api/v1/cases/rates", "start")
    assert "date" in json.dumps(start)
    assert "start on or before end" in doc["paths"]["/api/v1/cases/rates"]["get"]["description"]
    urge = doc["components"]["schemas"]["UrgeIn"]["properties"]["note"]
    assert urge["maxLength"] == 2000
    for operation in (op for ops in doc["paths"].values() for op in ops.values()):
        assert {"404", "422", "500"} <= set(operation["responses"]), operation["operationId"]


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{not json", "null"])
def test_a_body_that_is_not_one_json_object_is_a_400_that_says_so(world, catalog, body):
    client = Client()
    client.force_login(world.people["resident"])
    r = client.post("/api/v1/cases", data=body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": "bad_request",
        "message": "The body must be one JSON object.",
        "fields": {},
    }
