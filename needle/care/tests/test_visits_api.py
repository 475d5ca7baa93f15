"""The visits API as written in the issue: 201 new, 200 repeat, 409 conflict with both values;
the sync's per-visit answers; choosing in a conflict; photos with consent; my households."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from typing import Any

from django.test import Client
from django.utils import timezone
from PIL import Image

from needle.care.models import Purpose, Visit
from needle.care.tests.visit_rows import recipient
from needle.core.models import AuditEvent
from needle.testing import ApiClient, World

URL = "/api/v1/care/visits"


def body(r: Any, **kw: Any) -> dict[str, Any]:
    moment = (timezone.now() - dt.timedelta(hours=3)).replace(microsecond=0)
    out = {
        "id": str(uuid.uuid4()),
        "recipient": r.pk,
        "kind": "home",
        "visited_at": moment.isoformat(),
        "notes": "精神好",
        "checklist": {"health": {"ok": True, "note": ""}},
    }
    out.update(kw)
    return out


def test_new_repeat_and_conflict(world: World, api_for: Any) -> None:
    r = recipient(world)
    api: ApiClient = api_for("member")
    visit = body(r)
    created = api.post(URL, visit)
    assert created.status_code == 201, created.content
    assert created.json()["id"] == visit["id"] and created.json()["on_time"] is False
    repeat = api.post(URL, visit)
    assert repeat.status_code == 200 and repeat.json()["digest"] == created.json()["digest"]
    conflict = api.post(URL, {**visit, "notes": "精神差"})
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["code"] == "conflict"
    assert error["conflicts"] == {"notes": {"server": "精神好", "device": "精神差"}}
    assert Visit.objects.count() == 1


def test_bad_input_is_422_naming_the_field(world: World, api_for: Any) -> None:
    r = recipient(world)
    api = api_for("member")
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"id": "123"}, "id"),
        ({"visited_at": future}, "visited_at"),
        ({"visited_at": "2026-12-01T10:00:00"}, "visited_at"),
        ({"recipient": 10**9}, "recipient"),
        ({"kind": "letter"}, "kind"),
        ({"checklist": {"work": {"ok": True}}}, "checklist.work"),
    ]
    for change, field in cases:
        answer = api.post(URL, body(r, **change))
        assert answer.status_code == 422, (change, answer.content)
        assert field in answer.json()["error"]["fields"], (change, answer.json())
    assert Visit.objects.count() == 0


def test_who_may_log(world: World, api_for: Any) -> None:
    r = recipient(world)
    assert api_for("staff").post(URL, body(r)).status_code == 201
    assert api_for("supervisor").post(URL, body(r)).status_code == 403
    assert api_for("outsider").post(URL, body(r)).status_code == 422
    assert Client().post(URL, json.dumps(body(r)), content_type="application/json").status_code == 401
    assert Visit.objects.count() == 1


def test_the_page_s_session_must_carry_the_csrf_token(world: World) -> None:
    r = recipient(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["member"])
    refused = client.post(f"{URL}/sync", json.dumps({"visits": [body(r)]}), content_type="application/json")
    assert refused.status_code == 403
    client.get("/care/helper/")
    token = client.cookies["csrftoken"].value
    sent = client.post(
        f"{URL}/sync",
        json.dumps({"visits": [body(r)]}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert sent.status_code == 200 and sent.json()["results"][0]["status"] == "stored"


def test_sync_answers_each_visit(world: World, api_for: Any) -> None:
    r = recipient(world)
    api = api_for("member")
    stored = body(r)
    api.post(URL, stored)
    answer = api.post(
        f"{URL}/sync",
        {"visits": [stored, {**stored, "notes": "改过"}, body(r, id="bad"), body(r), "x"]},
    )
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [x["status"] for x in results] == ["repeat", "conflict", "error", "stored", "error"]
    assert results[1]["conflicts"] == {"notes": {"server": "精神好", "device": "改过"}}
    assert results[2]["fields"].keys() == {"id"}
    assert Visit.objects.count() == 2
    too_many = api.post(f"{URL}/sync", {"visits": [body(r) for _ in range(501)]})
    assert too_many.status_code == 422 and "visits" in too_many.json()["error"]["fields"]
    assert api.post(f"{URL}/sync", {"visits": "nope"}).status_code == 422


def test_resolve(world: World, api_for: Any) -> None:
    r = recipient(world)
    server = body(r, notes="服务器")
    api_for("staff").post(URL, server)
    api = api_for("member")
    conflict = api.post(f"{URL}/sync", {"visits": [{**server, "notes": "手机"}]}).json()["results"][0]
    url = f"{URL}/{server['id']}/resolve"
    chosen = api.post(url, {"choices": {"notes": "手机"}, "seen": conflict["digest"]})
    assert chosen.status_code == 200 and chosen.json()["notes"] == "手机"
    assert api.post(url, {"choices": {"notes": "又改"}, "seen": conflict["digest"]}).status_code == 409
    assert api.post(url, {"choices": {"nope": 1}}).status_code == 422
    assert api_for("supervisor").post(url, {"choices": {"notes": "x"}}).status_code == 403
    assert api_for("outsider").post(url, {"choices": {"notes": "x"}}).status_code == 404
    assert api.post(f"{URL}/{uuid.uuid4()}/resolve", {"choices": {"notes": "x"}}).status_code == 404
    assert api.post(f"{URL}/not-a-uuid/resolve", {"choices": {"notes": "x"}}).status_code == 422
    assert AuditEvent.objects.filter(action="care.visit.resolved").count() == 1


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    return out.getvalue()


def test_photos(world: World, api_for: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    with_consent = recipient(world)
    without = recipient(world, consents=(Purpose.REGISTRATION, Purpose.SHARING))
    api = api_for("member")
    ok, no = body(with_consent), body(without)
    api.post(URL, ok)
    api.post(URL, no)

    def send(visit_id: str, data: bytes, who: ApiClient = api) -> Any:
        upload = io.BytesIO(data)
        upload.name = "p.png"
        return who.client.post(f"{URL}/{visit_id}/photos", {"photo": upload})

    added = send(ok["id"], png())
    assert added.status_code == 201, added.content
    with Image.open(tmp_path / added.json()["url"].removeprefix("/media/")) as stored:
        assert stored.format == "JPEG"
    refused = send(no["id"], png())
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_photo_consent"
    assert send(ok["id"], b"GIF89a not really").status_code == 422
    assert send(ok["id"], png(), api_for("supervisor")).status_code == 403
    assert send(ok["id"], png(), api_for("outsider")).status_code == 404


def test_my_households(world: World, api_for: Any) -> None:
    r = recipient(world, name="李大爷", categories=("unemployed",))
    answer = api_for("member").get("/api/v1/care/me/households")
    assert answer.status_code == 200
    [card] = answer.json()["items"]
    assert card["id"] == r.pk and card["state"] == "overdue" and card["days_overdue"] == 3
    assert card["topics"] == ["health", "food", "safety", "housing", "work"]
    assert card["sensitive"] == {"health": "高血压"}
    assert api_for("outsider").get("/api/v1/care/me/households").json() == {"items": []}
    assert Client().get("/api/v1/care/me/households").status_code == 401
    assert AuditEvent.objects.filter(action="care.recipient.sensitive_read", object_id=str(r.pk)).count() == 1


def test_the_operations_are_in_the_openapi_document(world: World) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/care/visits",
        "/api/v1/care/visits/sync",
        "/api/v1/care/visits/{visit_id}/resolve",
        "/api/v1/care/visits/{visit_id}/photos",
        "/api/v1/care/me/households",
    ):
        assert path in paths, path


def test_a_recipient_s_visits(world: World, api_for: Any) -> None:
    r = recipient(world)
    api_for("member").post(URL, body(r))
    answer = api_for("supervisor").get(URL, recipient=r.pk, why="street review")
    assert answer.status_code == 200 and len(answer.json()["items"]) == 1
    event = AuditEvent.objects.get(action="care.visits.read")
    assert event.actor == world.people["supervisor"] and event.changes["new"]["why"] == "street review"
    assert api_for("outsider").get(URL, recipient=r.pk).status_code == 404
    assert api_for("member").get(URL, recipient=10**9).status_code == 404
    assert api_for("member").get(URL, recipient="x").status_code == 422


def test_a_supervisor_sees_that_visits_were_made_not_what_they_found(world: World, api_for: Any) -> None:
    r = recipient(world)
    sent = body(r, notes="SECRET-NOTE 抑郁", needs="欠房租", companions="李四")
    assert api_for("member").post(URL, sent).status_code == 201
    answer = api_for("supervisor").get(URL, recipient=r.pk)
    assert answer.status_code == 200
    [row] = answer.json()["items"]
    assert row["id"] == sent["id"] and row["kind"] == "home"
    assert (row["notes"], row["needs"], row["companions"], row["checklist"]) == ("", "", "", {})
    for secret in ("SECRET-NOTE", "欠房租", "李四"):
        assert secret not in answer.content.decode()
    # The helper who logged it reads it all.
    [own] = api_for("member").get(URL, recipient=r.pk).json()["items"]
    assert own["notes"] == "SECRET-NOTE 抑郁" and own["companions"] == "李四"


def test_a_supervisor_sees_a_ledger_s_items_not_their_text(world: World, api_for: Any) -> None:
    r = recipient(world)
    staff = api_for("staff")
    added = staff.post(
        "/api/v1/care/items", {"recipient": r.pk, "what": "SECRET-ITEM 欠债", "who_acts": "王主任"}
    )
    assert added.status_code == 201
    answer = api_for("supervisor").get(f"/api/v1/care/recipients/{r.pk}/items")
    assert answer.status_code == 200
    [row] = answer.json()["items"]
    assert row["id"] == added.json()["id"] and row["status"] == "open"
    assert (row["what"], row["who_acts"], row["confirmation"]) == ("", "", "")
    assert "SECRET-ITEM" not in answer.content.decode() and "王主任" not in answer.content.decode()
    assert staff.get(f"/api/v1/care/recipients/{r.pk}/items").json()["items"][0]["what"] == "SECRET-ITEM 欠债"
