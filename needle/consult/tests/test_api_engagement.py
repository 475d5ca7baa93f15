"""The engagement over /api/v1/consult/: comments and replies, follows, reports and the
moderators' queue with its decisions."""

from __future__ import annotations

from django.test import Client

from needle.consult.models import Comment, Follow, Report
from needle.consult.tests.conftest import make_suggestion

BASE = "/api/v1/consult"


def test_comments_reports_and_the_queue_over_the_api(world, topic, api_for):
    sug = make_suggestion(world, topic)
    res = api_for("resident").post(f"{BASE}/suggestions/{sug.pk}/comments", {"text": "补充：晚上十点后"})
    assert res.status_code == 201, res.content
    first = res.json()["id"]
    res = api_for("resident").post(
        f"{BASE}/suggestions/{sug.pk}/comments", {"text": "已记录", "reply_to": first}
    )
    assert res.status_code == 201, res.content
    reply = res.json()["id"]
    res = api_for("resident").post(f"{BASE}/suggestions/{sug.pk}/comments", {"text": "再", "reply_to": reply})
    assert res.status_code == 422
    assert (
        api_for("resident").post(f"{BASE}/suggestions/{sug.pk}/comments", {"text": "a\x00"}).status_code
        == 422
    )
    assert api_for("resident").post(f"{BASE}/suggestions/{sug.pk}/comments", {"text": 5}).status_code == 422
    anon = Client().post(
        f"{BASE}/suggestions/{sug.pk}/comments", {"text": "x"}, content_type="application/json"
    )
    assert anon.status_code == 401
    # Report the comment once; the second is a 409.
    assert api_for("outsider").post(f"{BASE}/comments/{first}/reports", {"reason": "无关"}).status_code == 201
    assert api_for("outsider").post(f"{BASE}/comments/{first}/reports", {"reason": "无关"}).status_code == 409
    # The queue: staff see it; a resident gets an empty one.
    queue = api_for("staff").get(f"{BASE}/reports").json()
    assert [r["comment"] for r in queue] == [first]
    assert api_for("resident").get(f"{BASE}/reports").json() == []
    report = Report.objects.get()
    assert (
        api_for("resident").post(f"{BASE}/reports/{report.pk}/decision", {"decision": "hidden"}).status_code
        == 404
    )
    res = api_for("staff").post(f"{BASE}/reports/{report.pk}/decision", {"decision": "hidden"})
    assert res.status_code == 200 and res.json()["decision"] == "hidden"
    assert Comment.objects.get(pk=first).hidden
    # Shown as hidden to others, with its text to moderators.
    public = Client().get(f"{BASE}/suggestions/{sug.pk}/comments").json()
    assert (
        public[0]["hidden"] is True
        and public[0]["text"] == ""
        and public[0]["replies"][0]["text"] == "已记录"
    )
    staff = api_for("staff").get(f"{BASE}/suggestions/{sug.pk}/comments").json()
    assert staff[0]["text"] == "补充：晚上十点后" and staff[0]["hidden_reason"] == "无关"


def test_follow_over_the_api(world, topic, api_for):
    sug = make_suggestion(world, topic)
    res = api_for("outsider").put(f"{BASE}/topics/{topic.pk}/follow", {"cadence": "weekly"})
    assert res.status_code == 200 and res.json()["cadence"] == "weekly"
    assert (
        api_for("outsider").put(f"{BASE}/topics/{topic.pk}/follow", {"cadence": "hourly"}).status_code == 422
    )
    assert api_for("outsider").put(f"{BASE}/suggestions/{sug.pk}/follow", {}).status_code == 200
    assert Follow.objects.filter(person=world.people["outsider"]).count() == 2
    assert api_for("outsider").delete(f"{BASE}/topics/{topic.pk}/follow").status_code == 204
    assert api_for("outsider").delete(f"{BASE}/topics/{topic.pk}/follow").status_code == 404
