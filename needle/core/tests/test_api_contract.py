"""The API's contract with its callers: who is anonymous, what bad input gets, and that every
error, whatever raised it, has the one JSON shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from needle import testing as t
from needle.cases import services as case_services


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
