from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from needle.supervision.models import Entry, EntryStatus, Target
from needle.testing import World

TODAY = timezone.localdate()
LATER = (TODAY + dt.timedelta(days=20)).isoformat()
API = "/api/v1/supervision"


def body(w: World, **kw: Any) -> dict[str, Any]:
    return {
        "issuer": w.units["district_a_go"].pk,
        "title": "Check fire exits",
        "body": "Every building",
        "deadline": LATER,
        "task_type": "survey",
        "targets": [{"area": "500103000000", "unit_type": "street_office"}],
        **kw,
    }


def admit(w: World, api_for: Any) -> int:
    r = api_for("handler").post(
        f"{API}/admission",
        {
            "issuer": w.units["district_a_env"].pk,
            "district": "500103000000",
            "task_type": "survey",
            "asks": "Count the households",
            "basis": "Regulation 7",
            "hours": "2.5",
            "valid_from": TODAY.isoformat(),
            "valid_until": (TODAY + dt.timedelta(days=365)).isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    entry = r.json()["id"]
    r = api_for("office").post(f"{API}/admission/{entry}/decide", {"decision": "admitted"})
    assert r.status_code == 200 and r.json()["status"] == "admitted"
    return int(entry)


def test_issue_contract(world: World, api_for: Any) -> None:
    r = api_for("office").post(f"{API}/tasks", body(world))
    assert r.status_code == 201, r.content
    assert r.json()["targets_count"] == 2 and isinstance(r.json()["id"], int)


def test_unlisted_type_to_communities_is_422_naming_it(world: World, api_for: Any) -> None:
    r = api_for("office").post(
        f"{API}/tasks",
        body(
            world,
            task_type="photo_wall",
            targets=[{"area": "500103000000", "unit_type": "resident_committee"}],
        ),
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "task_type_not_admitted" and error["task_type"] == "photo_wall"
    assert "photo_wall" in error["message"]
    admit(world, api_for)
    r = api_for("handler").post(
        f"{API}/tasks",
        body(
            world,
            issuer=world.units["district_a_env"].pk,
            targets=[{"area": "500103000000", "unit_type": "resident_committee"}],
        ),
    )
    assert r.status_code == 201 and r.json()["targets_count"] == 3


@pytest.mark.parametrize("persona", ["handler", "supervisor", "staff", "analyst", "outsider"])
def test_issue_refused_to_others(world: World, api_for: Any, persona: str) -> None:
    assert api_for(persona).post(f"{API}/tasks", body(world)).status_code == 403


def test_issue_anonymous(world: World) -> None:
    r = Client().post(f"{API}/tasks", body(world), content_type="application/json")
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"deadline": (TODAY - dt.timedelta(days=1)).isoformat()}, "deadline", "date_in_past"),
        ({"deadline": "2026-13-45"}, "deadline", "validation_failed"),
        (
            {"targets": [{"area": "500106000000", "unit_type": "street_office"}]},
            "targets",
            "target_outside_area",
        ),
        ({"targets": [999999]}, "targets", "unknown_target"),
        ({"targets": [2**70]}, "targets", "unknown_target"),
        ({"targets": [-1]}, "targets", "unknown_target"),
        ({"targets": ["12"]}, "targets", "validation_failed"),
        ({"targets": [{"area": "500103000000"}]}, "targets", "validation_failed"),
        ({"targets": [True]}, "targets", "validation_failed"),
        ({"targets": [{"area": "500103000000", "unit_type": "castle"}]}, "targets", "validation_failed"),
        ({"targets": []}, "targets", "validation_failed"),
        ({"title": "x" * 201}, "title", "validation_failed"),
        ({"body": "x" * 5001}, "body", "validation_failed"),
        ({"title": "a\u0000b"}, "title", "validation_failed"),
        ({"issuer": True}, "issuer", "validation_failed"),
        ({"priority": "asap"}, "priority", "validation_failed"),
    ],
)
def test_bad_tasks(world: World, api_for: Any, change: dict[str, Any], field: str, code: str) -> None:
    r = api_for("office").post(f"{API}/tasks", body(world, **change))
    assert r.status_code == 422, r.content
    assert r.json()["error"]["code"] == code
    assert field in r.json()["error"]["fields"]


def street_target(w: World, api_for: Any) -> int:
    task = api_for("office").post(f"{API}/tasks", body(w)).json()["id"]
    return Target.objects.get(task_id=task, unit=w.units["street_a1"]).pk


def test_target_moves_across_personas(world: World, api_for: Any) -> None:
    target = street_target(world, api_for)
    url = f"{API}/targets/{target}"
    # Who cannot see it gets 404; who sees it but may not act, 403.
    assert api_for("staff").post(f"{url}/accept").status_code == 404
    assert api_for("outsider").post(f"{url}/accept").status_code == 404
    assert api_for("analyst").post(f"{url}/accept").status_code == 403
    assert api_for("office").post(f"{url}/accept").status_code == 403
    assert api_for("supervisor").post(f"{url}/accept").status_code == 200
    assert api_for("supervisor").post(f"{url}/accept").status_code == 409
    r = api_for("supervisor").post(f"{url}/progress", {"progress": 101})
    assert r.status_code == 422 and "progress" in r.json()["error"]["fields"]
    assert api_for("supervisor").post(f"{url}/progress", {"progress": "lots"}).status_code == 422
    assert (
        api_for("supervisor").post(f"{url}/progress", {"progress": 30, "text": "x" * 2001}).status_code == 422
    )
    assert api_for("analyst").post(f"{url}/progress", {"progress": 30}).status_code == 403
    r = api_for("supervisor").post(f"{url}/progress", {"progress": 30, "text": "begun"})
    assert r.status_code == 200 and r.json()["progress"] == 30 and r.json()["status"] == "reporting"
    assert api_for("analyst").get(url).json()["progress"] == 30
    assert api_for("supervisor").post(f"{url}/done", {"text": "all done"}).status_code == 200
    # The wrong level: the street itself, the analyst above.
    assert api_for("supervisor").post(f"{url}/sign-off").status_code == 403
    assert api_for("analyst").post(f"{url}/sign-off").status_code == 403
    r = api_for("office").post(f"{url}/return", {"reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    assert api_for("office").post(f"{url}/return", {"reason": "no photos"}).status_code == 200
    assert api_for("supervisor").post(f"{url}/done").status_code == 200
    r = api_for("office").post(f"{url}/sign-off")
    assert r.status_code == 200 and r.json()["status"] == "signed_off" and r.json()["colour"] == "green"


def test_extension_api(world: World, api_for: Any) -> None:
    url = f"{API}/targets/{street_target(world, api_for)}"
    until = (TODAY + dt.timedelta(days=40)).isoformat()
    assert api_for("office").post(f"{url}/extension", {"until": until, "reason": "rain"}).status_code == 403
    assert (
        api_for("supervisor").post(f"{url}/extension", {"until": until, "reason": "rain"}).status_code == 200
    )
    assert api_for("supervisor").post(f"{url}/extension/decide", {"grant": True}).status_code == 403
    assert api_for("office").post(f"{url}/extension/decide", {"grant": "yes"}).status_code == 422
    r = api_for("office").post(f"{url}/extension/decide", {"grant": True})
    assert r.status_code == 200 and r.json()["deadline"] == until


def test_split_api(world: World, api_for: Any) -> None:
    admit(world, api_for)
    url = f"{API}/targets/{street_target(world, api_for)}"
    assert api_for("staff").post(f"{url}/split", {}).status_code == 404
    r = api_for("supervisor").post(f"{url}/split", {})
    assert r.status_code == 201 and r.json()["targets_count"] == 2
    assert api_for("supervisor").post(f"{url}/split", {}).status_code == 409


def test_decline_api(world: World, api_for: Any) -> None:
    admit(world, api_for)
    r = api_for("office").post(f"{API}/tasks", body(world, targets=[world.units["rc_a1a"].pk]))
    target = Target.objects.get(task_id=r.json()["id"]).pk
    r = api_for("staff").post(f"{API}/targets/{target}/decline", {"reason": "not ours"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "task_type_admitted"
    assert api_for("outsider").post(f"{API}/targets/{target}/decline", {}).status_code == 404


def test_board(world: World, api_for: Any) -> None:
    target = street_target(world, api_for)
    task = Target.objects.get(pk=target).task_id
    api_for("supervisor").post(f"{API}/targets/{target}/done")
    r = api_for("office").get(f"{API}/tasks/{task}/board", page_size=1)
    assert r.status_code == 200
    data = r.json()
    assert data["by_status"]["done"] == 1 and data["by_status"]["issued"] == 1
    assert sum(data["by_colour"].values()) == 2
    assert data["count"] == 2 and len(data["results"]) == 1
    r = api_for("office").get(f"{API}/tasks/{task}/board", status="done")
    assert [t["id"] for t in r.json()["results"]] == [target]
    assert api_for("analyst").get(f"{API}/tasks/{task}/board").status_code == 200
    assert api_for("outsider").get(f"{API}/tasks/{task}/board").status_code == 404
    assert api_for("office").get(f"{API}/tasks/{task}/board", colour="purple").status_code == 422
    assert api_for("office").get(f"{API}/tasks/{task}/board", page=0).status_code == 422


def application(w: World, **kw: Any) -> dict[str, Any]:
    """An application for the admission list as the API and the page take it."""
    return {
        "issuer": w.units["district_a_env"].pk,
        "district": "500103000000",
        "task_type": "survey",
        "asks": "Count",
        "basis": "Rule",
        "hours": 2,
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
        **kw,
    }


def test_admission_api_permissions_and_bad_input(world: World, api_for: Any) -> None:
    good = application(world)
    for persona in ("staff", "analyst", "outsider", "supervisor"):
        assert api_for(persona).post(f"{API}/admission", good).status_code == 403
    assert api_for("handler").post(f"{API}/admission", {**good, "hours": -1}).status_code == 422
    assert api_for("handler").post(f"{API}/admission", {**good, "asks": "a\u0000"}).status_code == 422
    assert api_for("handler").post(f"{API}/admission", {**good, "basis": "b" * 2001}).status_code == 422
    assert (
        api_for("handler").post(f"{API}/admission", {**good, "district": "500103001000"}).status_code == 422
    )
    assert (
        api_for("handler").post(f"{API}/admission", {**good, "district": "500106000000"}).status_code == 422
    )
    entry = api_for("handler").post(f"{API}/admission", good).json()["id"]
    for persona in ("handler", "supervisor", "staff", "analyst", "outsider"):
        assert (
            api_for(persona).post(f"{API}/admission/{entry}/decide", {"decision": "admitted"}).status_code
            == 403
        )
    assert api_for("office").post(f"{API}/admission/{entry}/decide", {"decision": "maybe"}).status_code == 422
    assert (
        api_for("office").post(f"{API}/admission/{entry}/decide", {"decision": "admitted"}).status_code == 200
    )
    assert Entry.objects.get(pk=entry).status == EntryStatus.ADMITTED
    public = Client().get(f"{API}/admission", {"district": "500103000000"})
    assert public.status_code == 200 and [e["task_type"] for e in public.json()["results"]] == ["survey"]
    assert Client().get(f"{API}/admission", {"district": "nowhere"}).status_code == 404


def test_burden_api(world: World, api_for: Any) -> None:
    admit(world, api_for)
    api_for("office").post(
        f"{API}/tasks", body(world, targets=[{"area": "500103000000", "unit_type": "resident_committee"}])
    )
    api_for("office").post(
        f"{API}/tasks", body(world, task_type="photo_wall", targets=[world.units["rc_a1a"].pk])
    )
    params = {
        "area": "500103000000",
        "start": (TODAY - dt.timedelta(days=5)).isoformat(),
        "end": TODAY.isoformat(),
    }
    r = api_for("analyst").get(f"{API}/burden", **params)
    assert r.status_code == 200, r.content
    period = r.json()["period"]
    assert period["received"] == 3 and float(period["hours"]) == 7.5 and period["refused"] == 1
    assert r.json()["year_before"]["received"] == 0
    assert api_for("outsider").get(f"{API}/burden", **params).status_code == 403
    assert api_for("handler").get(f"{API}/burden", **params).status_code == 403
    assert api_for("analyst").get(f"{API}/burden", **{**params, "start": "1000-01-01"}).status_code == 422
    r = api_for("analyst").get(f"{API}/burden", **{**params, "area": "x"})
    assert r.status_code == 422 and set(r.json()["error"]["fields"]) == {"area"}


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/tasks", lambda w: body(w, issuer=999999)),
        ("/consultations", lambda w: {**body(w, issuer=999999), "body": "Article 1."}),
        ("/report-templates", lambda w: {"owner": 999999, "name": "Count", "fields": []}),
    ],
)
def test_a_unit_no_one_has_in_the_body_is_422_on_its_field(
    world: World, api_for: Any, path: str, make: Any
) -> None:
    payload = make(world)
    field = "owner" if "owner" in payload else "issuer"
    r = api_for("office").post(f"{API}{path}", payload)
    assert r.status_code == 422, r.content
    assert set(r.json()["error"]["fields"]) == {field}


def test_a_district_no_area_has_is_422_on_the_page_and_in_the_api(
    world: World, api_for: Any, client_for: Any
) -> None:
    form = application(world, district="599999000000")
    r = api_for("handler").post(f"{API}/admission", form)
    assert r.status_code == 422 and set(r.json()["error"]["fields"]) == {"district"}
    page = client_for("handler").post("/supervision/admission/", form)
    assert page.status_code == 422 and page.context["errors"] == r.json()["error"]["fields"]
    assert not Entry.objects.exists()
