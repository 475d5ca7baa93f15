"""The engagement's newer operations over /api/v1/consult/: stopping following a suggestion, what I
follow, the experts (candidates, invitations, opinions) and a topic opened from a hot topic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from needle.consult.models import ExpertInvite, Follow, Topic
from needle.consult.tests.conftest import make_suggestion
from needle.intel.models import HotTopic
from needle.volunteering.models import CheckIn, CheckInStatus, Skill

BASE = "/api/v1/consult"


def test_stop_following_a_suggestion_and_list_what_i_follow(world, topic, api_for):
    sug = make_suggestion(world, topic)
    resident = api_for("resident")
    assert resident.put(f"{BASE}/topics/{topic.pk}/follow", {"cadence": "daily"}).status_code == 200
    got = resident.get(f"{BASE}/follows").json()
    assert {(f["topic"], f["suggestion"], f["title"], f["cadence"]) for f in got} == {
        (topic.pk, None, "小区停车难怎么办", "daily"),
        (None, sug.pk, "错时停车", "immediately"),
    }
    assert api_for("outsider").get(f"{BASE}/follows").json() == []
    assert Client().get(f"{BASE}/follows").status_code == 401
    assert api_for("outsider").delete(f"{BASE}/suggestions/{sug.pk}/follow").status_code == 404
    assert resident.delete(f"{BASE}/suggestions/{sug.pk}/follow").status_code == 204
    assert resident.delete(f"{BASE}/suggestions/{sug.pk}/follow").status_code == 404
    assert not Follow.objects.filter(suggestion=sug).exists()
    assert resident.delete(f"{BASE}/suggestions/99999/follow").status_code == 404


def _member_with(world: Any, skill: Skill) -> Any:
    ci = CheckIn.objects.create(
        person=world.people["member"],
        workplace=world.units["pb_a1a"],
        community=world.areas["community_a1a"],
        area_path=world.areas["community_a1a"].path,
        status=CheckInStatus.CONFIRMED,
    )
    ci.skills.add(skill)
    return world.people["member"]


def test_experts_over_the_api(world, topic, api_for):
    law = Skill.objects.create(code="law", name="法律", name_en="law")
    member = _member_with(world, law)
    staff = api_for("staff")
    res = staff.get(f"{BASE}/topics/{topic.pk}/experts/candidates", skill="law")
    assert res.status_code == 200 and [c["id"] for c in res.json()] == [member.pk]
    assert res.json()[0]["invited"] is False
    assert staff.get(f"{BASE}/topics/{topic.pk}/experts/candidates", skill="nope").status_code == 422
    assert staff.get(f"{BASE}/topics/{topic.pk}/experts/candidates").status_code == 422
    assert (
        api_for("resident").get(f"{BASE}/topics/{topic.pk}/experts/candidates", skill="law").status_code
        == 403
    )
    assert Client().get(f"{BASE}/topics/{topic.pk}/experts/candidates", {"skill": "law"}).status_code == 401
    # Invite.
    url = f"{BASE}/topics/{topic.pk}/experts"
    assert api_for("resident").post(url, {"person": member.pk, "skill": "law"}).status_code == 403
    assert api_for("other_supervisor").post(url, {"person": member.pk, "skill": "law"}).status_code == 403
    res = staff.post(url, {"person": world.people["resident"].pk, "skill": "law"})
    assert res.status_code == 422 and "person" in res.json()["error"]["fields"]
    res = staff.post(url, {"person": member.pk, "skill": "cooking"})
    assert res.status_code == 422 and "skill" in res.json()["error"]["fields"]
    assert staff.post(url, {"person": "x", "skill": "law"}).status_code == 422
    res = staff.post(url, {"person": member.pk, "skill": "law"})
    assert res.status_code == 201, res.content
    invite = res.json()
    assert invite["person"] == member.pk and invite["skill"] == "法律" and invite["given_at"] is None
    assert staff.post(url, {"person": member.pk, "skill": "law"}).status_code == 409
    assert staff.get(f"{BASE}/topics/{topic.pk}/experts/candidates", skill="law").json()[0]["invited"] is True
    assert (
        staff.post(f"{BASE}/topics/99999/experts", {"person": member.pk, "skill": "law"}).status_code == 404
    )
    # The member's invitations and opinion; nobody else's.
    mine = api_for("member").get(f"{BASE}/experts/invitations").json()
    assert [i["id"] for i in mine] == [invite["id"]]
    assert api_for("resident").get(f"{BASE}/experts/invitations").json() == []
    opinion = f"{BASE}/experts/invitations/{invite['id']}/opinion"
    assert api_for("resident").post(opinion, {"text": "冒充"}).status_code == 404
    assert api_for("staff").post(opinion, {"text": "代写"}).status_code == 404
    assert api_for("member").post(opinion, {"text": ""}).status_code == 422
    assert api_for("member").post(opinion, {}).status_code == 422
    res = api_for("member").post(opinion, {"text": "建议签订共享停车协议。"})
    assert res.status_code == 200 and res.json()["opinion"] == "建议签订共享停车协议。"
    # Shown apart, to everyone.
    public = Client().get(f"{BASE}/topics/{topic.pk}/experts")
    assert public.status_code == 200 and [o["opinion"] for o in public.json()] == ["建议签订共享停车协议。"]
    # After the topic closes, no more opinions.
    Topic.objects.filter(pk=topic.pk).update(closes=timezone.localdate() - dt.timedelta(days=1))
    assert api_for("member").post(opinion, {"text": "再改"}).status_code == 422
    assert ExpertInvite.objects.get().opinion == "建议签订共享停车协议。"


def _hot(world: Any) -> HotTopic:
    now = timezone.now()
    return HotTopic.objects.create(
        title="华一坡夜间噪音",
        heat=9.5,
        size=12,
        reporters=9,
        keywords=["噪音", "夜间"],
        start=now - dt.timedelta(days=3),
        end=now,
        area=world.areas["community_a1a"],
        area_path=world.areas["community_a1a"].path,
        detected_at=now,
    )


def test_a_topic_from_a_hot_topic_over_the_api(world, api_for):
    hot = _hot(world)
    url = f"{BASE}/topics/from-hot-topic"
    assert api_for("resident").post(url, {"hot_topic": hot.pk}).status_code == 404
    assert api_for("other_supervisor").post(url, {"hot_topic": hot.pk}).status_code == 404
    # A supervisor sees the hot topic but does not manage the area's think tank.
    assert api_for("supervisor").post(url, {"hot_topic": hot.pk}).status_code == 403
    assert Client().post(url, {"hot_topic": hot.pk}, content_type="application/json").status_code == 401
    assert api_for("staff").post(url, {}).status_code == 422
    assert api_for("staff").post(url, {"hot_topic": hot.pk, "days": 0}).status_code == 422
    assert api_for("staff").post(url, {"hot_topic": hot.pk, "participants": "aliens"}).status_code == 422
    assert api_for("staff").post(url, {"hot_topic": 99999}).status_code == 404
    res = api_for("staff").post(url, {"hot_topic": hot.pk, "question": "夜间施工噪音怎么管？", "days": 7})
    assert res.status_code == 201, res.content
    out = res.json()
    assert out["title"] == "华一坡夜间噪音" and out["question"] == "夜间施工噪音怎么管？"
    assert out["area"] == world.areas["community_a1a"].code and out["participants"] == "residents"
    assert "噪音" in out["background"]
    assert Topic.objects.get(pk=out["id"]).hot_topic_id == hot.pk
    assert api_for("staff").post(url, {"hot_topic": hot.pk}).status_code == 409
    # The topic's own page answers as any other.
    assert Client().get(f"{BASE}/topics/{out['id']}").json()["title"] == "华一坡夜间噪音"
