"""The API contract of /api/v1/consult/ as the issue writes it, with the project's error shape,
across the personas, and the bad input it lists."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.cases.models import Case, State
from needle.consult.models import Suggestion, Topic
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.core.models import AuditEvent
from needle.volunteering.models import Project

BASE = "/api/v1/consult"


def topic_body(world, **fields):
    today = timezone.localdate()
    return {
        "area": world.areas["community_a1a"].code,
        "title": "噪音扰民怎么治",
        "question": "广场舞音响太响，大家有什么好办法？",
        "opens": today.isoformat(),
        "closes": (today + dt.timedelta(days=14)).isoformat(),
        "participants": "residents",
        **fields,
    }


def test_staff_open_a_topic_201_others_403_anonymous_401(world, api_for):
    res = api_for("staff").post(f"{BASE}/topics", topic_body(world))
    assert res.status_code == 201, res.content
    out = res.json()
    topic = Topic.objects.get(pk=out["id"])
    assert topic.unit == world.units["rc_a1a"] and out["open"] is True and out["area"] == "500103001001"
    assert AuditEvent.objects.filter(action="consult.topic.opened", object_id=str(topic.pk)).exists()
    for persona in ("resident", "member", "handler", "supervisor", "outsider"):
        res = api_for(persona).post(f"{BASE}/topics", topic_body(world))
        assert res.status_code == 403, persona
        assert res.json()["error"]["code"] == "permission_denied"
    anon = Client().post(f"{BASE}/topics", json.dumps(topic_body(world)), content_type="application/json")
    assert anon.status_code == 401
    # Street staff open topics in their street's communities; community staff not in another's.
    assert api_for("street_admin").post(f"{BASE}/topics", topic_body(world)).status_code == 201
    other = topic_body(world, area=world.areas["community_b1a"].code)
    assert api_for("staff").post(f"{BASE}/topics", other).status_code == 403


def test_the_topic_list_by_area_is_public(world, api_for):
    make_topic(world)
    make_topic(world, area="community_a1b", by="street_admin")
    res = Client().get(f"{BASE}/topics", {"area": world.areas["community_a1a"].code})
    assert res.status_code == 200 and res.json()["count"] == 1
    assert Client().get(f"{BASE}/topics", {"area": world.areas["street_a1"].code}).json()["count"] == 2
    nowhere = Client().get(f"{BASE}/topics", {"area": "nope"})
    assert nowhere.status_code == 422 and set(nowhere.json()["error"]["fields"]) == {"area"}


def test_bad_topics_get_422_naming_the_field(world, api_for):
    api = api_for("staff")
    today = timezone.localdate()
    cases = [
        ({"participants": "pets"}, "participants"),
        ({"closes": (today - dt.timedelta(days=1)).isoformat()}, "closes"),
        ({"opens": "0001-01-01"}, "opens"),
        ({"closes": "2026-02-30"}, "closes"),
        ({"area": "999999999999"}, "area"),
        ({"title": "长" * 151}, "title"),
        ({"title": "   "}, "title"),
        ({"question": "x" * 4001}, "question"),
        ({"answer_days": 0}, "answer_days"),
        ({"answer_days": True}, "answer_days"),
        ({"unit": 99999999}, "unit"),
    ]
    for fields, name in cases:
        res = api.post(f"{BASE}/topics", topic_body(world, **fields))
        assert res.status_code == 422, (fields, res.content)
        assert any(name in k for k in res.json()["error"]["fields"]), (fields, res.json())
    # A NUL byte in the body is refused before any view reads it.
    res = api.post(f"{BASE}/topics", topic_body(world, title="停车\x00难"))
    assert res.status_code == 422
    assert Topic.objects.count() == 0


def test_suggestions_by_persona_and_after_the_close(world, api_for):
    topic = make_topic(world)
    url = f"{BASE}/topics/{topic.pk}/suggestions"
    body = {"title": "错时停车", "text": "请协调周边单位夜间开放停车场。"}
    res = api_for("resident").post(url, body)
    assert res.status_code == 201, res.content
    assert Suggestion.objects.get(pk=res.json()["id"]).author == world.people["resident"]
    for persona in ("member", "handler", "supervisor", "outsider"):
        assert api_for(persona).post(url, body).status_code == 403, persona
    assert Client().post(url, json.dumps(body), content_type="application/json").status_code == 401
    # Staff on behalf of a person without an account (the contract's body as written).
    staffed = api_for("staff").post(url, {**body, "on_behalf": {"name": "王大爷", "phone": "13900001111"}})
    assert staffed.status_code == 201, staffed.content
    assert Suggestion.objects.get(pk=staffed.json()["id"]).record.name == "王大爷"
    # The resident may not enter one on behalf.
    res = api_for("resident").post(url, {**body, "on_behalf": {"name": "李"}})
    assert res.status_code == 403
    bad = [
        ("resident", {"text": "字" * 4001}, "text"),
        ("resident", {"title": ""}, "title"),
        ("resident", {"text": "  "}, "text"),
        ("staff", {"on_behalf": {"name": "王", "phone": "not-a-phone"}}, "on_behalf.phone"),
        ("staff", {"on_behalf": {"name": " ", "phone": ""}}, "on_behalf.name"),
    ]
    for persona, fields, name in bad:
        res = api_for(persona).post(url, {**body, **fields})
        assert res.status_code == 422, (fields, res.content)
        assert any(name in k for k in res.json()["error"]["fields"]), res.json()
    assert api_for("resident").post(url, {**body, "text": "a\x00b"}).status_code == 422
    assert api_for("resident").post(f"{BASE}/topics/999999/suggestions", body).status_code == 404
    # After the close date: 422 naming the topic.
    Topic.objects.filter(pk=topic.pk).update(
        opens=timezone.localdate() - dt.timedelta(days=10), closes=timezone.localdate() - dt.timedelta(days=1)
    )
    res = api_for("resident").post(url, body)
    assert res.status_code == 422 and res.json()["error"]["code"] == "topic_closed"
    assert "topic" in res.json()["error"]["fields"]


def test_list_sorted_by_supports_or_newest_paginated_without_names(world, api_for, neighbours):
    topic = make_topic(world)
    first = make_suggestion(world, topic, title="第一条")
    second = make_suggestion(world, topic, title="第二条")
    for n in neighbours[:2]:
        assert t.ApiClient(n).post(f"{BASE}/suggestions/{first.pk}/supports").status_code == 201
    url = f"{BASE}/topics/{topic.pk}/suggestions"
    res = Client().get(url)
    assert res.status_code == 200
    rows = res.json()["results"]
    assert [r["id"] for r in rows] == [first.pk, second.pk] and rows[0]["supports"] == 2
    assert "resident" not in res.content.decode().lower() and "author" not in rows[0]
    assert [r["id"] for r in Client().get(url, {"order": "newest"}).json()["results"]] == [
        second.pk,
        first.pk,
    ]
    page = Client().get(url, {"page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and [r["id"] for r in page["results"]] == [second.pk]
    assert Client().get(url, {"order": "loudest"}).status_code == 422
    mine = t.ApiClient(neighbours[0]).get(url).json()["results"]
    assert mine[0]["supported"] is True and mine[1]["supported"] is False


def test_support_once_409_and_delete_withdraws(world, api_for, neighbours):
    topic = make_topic(world)
    made = make_suggestion(world, topic)
    url = f"{BASE}/suggestions/{made.pk}/supports"
    api = t.ApiClient(neighbours[0])
    res = api.post(url)
    assert res.status_code == 201 and res.json() == {"suggestion": made.pk, "supports": 1}
    res = api.post(url)
    assert res.status_code == 409 and res.json()["error"]["code"] == "already_supported"
    for persona in ("member", "handler", "supervisor", "outsider"):
        assert api_for(persona).post(url).status_code == 403, persona
    assert Client().post(url).status_code == 401
    res = api.delete(url)
    assert res.status_code == 200 and res.json()["supports"] == 0
    assert api.delete(url).status_code == 404
    assert api.post(f"{BASE}/suggestions/999999/supports").status_code == 404


def test_answers_by_persona_and_not_adopted_needs_a_reason(world, api_for):
    topic = make_topic(world, unit=world.units["district_a_env"])
    made = make_suggestion(world, topic)
    url = f"{BASE}/suggestions/{made.pk}/answer"
    for persona in ("resident", "member", "supervisor", "outsider"):
        res = api_for(persona).post(url, {"status": "adopted", "text": "好"})
        assert res.status_code == 403, persona
    res = api_for("handler").post(url, {"status": "not_adopted"})
    assert res.status_code == 422 and "text" in res.json()["error"]["fields"]
    assert api_for("handler").post(url, {"status": "rejected", "text": "x"}).status_code == 422
    res = api_for("handler").post(url, {"status": "evaluating", "text": "正在与物业商议"})
    assert res.status_code == 200 and res.json()["status"] == "evaluating"
    res = api_for("staff").post(url, {"status": "not_adopted", "text": "场地不具备条件"})
    assert res.status_code == 200 and res.json()["status"] == "not_adopted"
    res = api_for("handler").post(url, {"status": "adopted", "text": "x"})
    assert res.status_code == 409 and res.json()["error"]["state"] == "not_adopted"


def test_moderation_hides_from_the_public_and_keeps_the_original(world, api_for):
    topic = make_topic(world)
    made = make_suggestion(world, topic)
    for persona in ("resident", "handler", "supervisor", "outsider"):
        assert api_for(persona).post(
            f"{BASE}/suggestions/{made.pk}/hide", {"reason": "广告"}
        ).status_code in (403,), persona
    assert api_for("staff").post(f"{BASE}/suggestions/{made.pk}/hide", {"reason": ""}).status_code == 422
    res = api_for("staff").post(f"{BASE}/suggestions/{made.pk}/hide", {"reason": "含有他人电话"})
    assert res.status_code == 200 and res.json()["hidden_reason"] == "含有他人电话"
    assert Client().get(f"{BASE}/suggestions/{made.pk}").status_code == 404
    assert Client().get(f"{BASE}/topics/{topic.pk}/suggestions").json()["count"] == 0
    seen = api_for("supervisor").get(f"{BASE}/suggestions/{made.pk}").json()
    assert seen["text"] == made.text and seen["hidden_reason"] == "含有他人电话"
    assert api_for("staff").post(f"{BASE}/suggestions/{made.pk}/restore").status_code == 200
    assert Client().get(f"{BASE}/suggestions/{made.pk}").json()["hidden_reason"] == ""


def adopted(world, topic, title="错时停车"):
    made = make_suggestion(world, topic, title=title)
    made.status = "adopted"
    made.answer_text = "采纳"
    made.save()
    return made


def test_results_actions_and_the_computed_progress(world, api_for, catalog):
    topic = make_topic(world)
    one = adopted(world, topic)
    body = {"area": world.areas["community_a1a"].code, "title": "错时共享停车", "suggestions": [one.pk]}
    for persona in ("resident", "member", "handler", "supervisor", "outsider"):
        assert api_for(persona).post(f"{BASE}/results", body).status_code == 403, persona
    res = api_for("staff").post(f"{BASE}/results", body)
    assert res.status_code == 201, res.content
    rid = res.json()["id"]
    assert res.json()["suggestions"] == [one.pk] and res.json()["progress"] == 0
    url = f"{BASE}/results/{rid}/actions"
    for persona in ("resident", "handler", "supervisor", "outsider"):
        assert api_for(persona).post(url, {"title": "x"}).status_code == 403, persona
    staff = api_for("staff")
    top = staff.post(url, {"title": "协调车位", "weight": 1}).json()["action"]
    staff.post(url, {"title": "签协议", "progress": 100, "weight": 1, "parent": top})
    case = t.submit(world, catalog["road"])
    res = staff.post(url, {"title": "修路", "weight": 1, "parent": top, "case": case.number})
    assert res.status_code == 201, res.content
    linked = res.json()["action"]
    got = Client().get(f"{BASE}/results/{rid}").json()
    assert got["progress"] == 50.0 and got["status"] == "in_progress"
    # The case is resolved: the action follows it, and the result's progress moves.
    Case.objects.filter(pk=case.pk).update(state=State.RESOLVED)
    got = Client().get(f"{BASE}/results/{rid}").json()
    assert got["progress"] == 100.0 and got["status"] == "done"
    row = next(a for a in got["actions"] if a["id"] == linked)
    assert row["follows_work"] is True and row["case"] == case.number and row["status"] == "done"


def test_bad_actions_get_exact_4xx(world, api_for, catalog):
    res = api_for("staff").post(f"{BASE}/results", {"area": world.areas["community_a1a"].code, "title": "r"})
    rid = res.json()["id"]
    url = f"{BASE}/results/{rid}/actions"
    staff = api_for("staff")
    for fields, name in [
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
        ({"progress": "half"}, "progress"),
        ({"weight": 0}, "weight"),
        ({"parent": 99999999}, "parent"),
        ({"case": "nope"}, "case"),
        ({"title": "x" * 151}, "title"),
        ({"starts_on": "2026-12-10", "ends_on": "2026-12-01"}, "ends_on"),
    ]:
        res = staff.post(url, {"title": "x", **fields})
        assert res.status_code == 422, (fields, res.content)
        assert any(name in k for k in res.json()["error"]["fields"]), (fields, res.json())
    a = staff.post(url, {"title": "a"}).json()["action"]
    b = staff.post(url, {"title": "b", "parent": a}).json()["action"]
    res = staff.patch(f"{url}/{a}", {"parent": b})
    assert res.status_code == 422 and "parent" in res.json()["error"]["fields"]
    res = staff.patch(f"{url}/{a}", {"parent": a})
    assert res.status_code == 422
    res = staff.patch(f"{url}/{b}", {"progress": 150})
    assert res.status_code == 422 and "progress" in res.json()["error"]["fields"]
    res = staff.patch(f"{url}/{b}", {"progress": 40})
    assert res.status_code == 200 and res.json()["progress"] == 40.0
    assert api_for("supervisor").patch(f"{url}/{b}", {"progress": 90}).status_code == 403
    assert staff.post(f"{BASE}/results/99999/actions", {"title": "x"}).status_code == 404
    assert Client().get(f"{BASE}/results/99999").status_code == 404
    # A result from a suggestion not adopted, or unknown.
    topic = make_topic(world)
    made = make_suggestion(world, topic)
    body = {"area": world.areas["community_a1a"].code, "title": "r", "suggestions": [made.pk]}
    assert staff.post(f"{BASE}/results", body).status_code == 422
    assert staff.post(f"{BASE}/results", {**body, "suggestions": [99999]}).status_code == 422


def test_an_action_follows_a_volunteering_project_and_tasks_wait_for_supervision(world, api_for, catalog):
    community = world.areas["community_a1a"]
    project = Project.objects.create(community=community, area_path=community.path, title="义务劝导停车")
    rid = api_for("staff").post(f"{BASE}/results", {"area": community.code, "title": "r"}).json()["id"]
    url = f"{BASE}/results/{rid}/actions"
    staff = api_for("staff")
    res = staff.post(url, {"title": "志愿者劝导", "progress": 30, "project": project.pk})
    assert res.status_code == 201, res.content
    row = res.json()["actions"][0]
    assert row["project"] == project.pk and row["status"] == "in_progress" and row["progress"] == 30.0
    Project.objects.filter(pk=project.pk).update(status="closed")
    got = Client().get(f"{BASE}/results/{rid}").json()
    assert got["progress"] == 100.0 and got["actions"][0]["status"] == "done"
    # A followed action has no parts; unknown projects, both links, and tasks are refused.
    res = staff.post(url, {"title": "x", "parent": row["id"]})
    assert res.status_code == 422 and "parent" in res.json()["error"]["fields"]
    for fields, name in [
        ({"project": 99999}, "project"),
        ({"task": 1}, "task"),
        ({"project": project.pk, "case": t.submit(world, catalog["road"]).number}, "project"),
    ]:
        res = staff.post(url, {"title": "x", **fields})
        assert res.status_code == 422 and name in res.json()["error"]["fields"], (fields, res.content)
    # Another district's staff cannot see the project: to them it does not exist.
    elsewhere = Project.objects.create(
        community=world.areas["community_b1a"], area_path=world.areas["community_b1a"].path, title="别处"
    )
    res = staff.post(url, {"title": "x", "project": elsewhere.pk})
    assert res.status_code == 422


def test_an_area_code_no_area_has_is_the_same_refusal_on_the_page_and_in_the_api(world, api_for, client_for):
    res = api_for("staff").post(f"{BASE}/topics", topic_body(world, area="599999999999"))
    assert res.status_code == 422
    fields = res.json()["error"]["fields"]
    assert set(fields) == {"area"}
    page = client_for("staff").post(
        "/consult/console/topics/", {**topic_body(world, area="599999999999"), "answer_days": "5"}
    )
    assert page.status_code == 302 and page["Location"] == "/consult/console/"
    assert [str(m) for m in get_messages(page.wsgi_request)] == [fields["area"]]
    assert not Topic.objects.exists()
