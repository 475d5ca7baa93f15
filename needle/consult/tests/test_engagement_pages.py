"""The engagement on the pages: comments and replies under each suggestion, reports, moderation of
comments, follows with their cadence and "what I follow", the experts' invitations and opinions,
and a hot topic made a topic from the console. Each write by the right and the wrong persona."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from needle.consult import services as s
from needle.consult.models import Comment, ExpertInvite, Follow, Report, Topic
from needle.consult.tests.conftest import make_suggestion
from needle.core.models import AuditEvent
from needle.intel.models import HotTopic
from needle.notify.models import Notification
from needle.volunteering.models import CheckIn, CheckInStatus, Skill

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def said(res: Any) -> str:
    """The last message the page put for its reader (earlier ones wait, unread, in the session)."""
    return [str(m) for m in get_messages(res.wsgi_request)][-1]


def page(client: Client, topic: Topic) -> str:
    return client.get(f"/consult/topics/{topic.pk}/", **EN).content.decode()


def test_a_resident_comments_and_replies_from_the_topic_page(world, topic, client_for, neighbours):
    sug = make_suggestion(world, topic)
    resident = client_for("resident")
    res = resident.post(f"/consult/suggestions/{sug.pk}/comment/", {"text": "晚上十点以后车位最紧"}, **EN)
    assert res.status_code == 302 and res["Location"].endswith(f"/consult/topics/{topic.pk}/#s{sug.pk}")
    first = Comment.objects.get()
    res = resident.post(
        f"/consult/suggestions/{sug.pk}/comment/", {"text": "补充：周末也是", "reply_to": first.pk}, **EN
    )
    assert res.status_code == 302
    reply = Comment.objects.get(parent=first)
    body = page(resident, topic)
    assert "晚上十点以后车位最紧" in body and "补充：周末也是" in body
    assert f'id="c{reply.pk}"' in body and 'name="reply_to"' in body
    # A reply to a reply, an empty comment and a missing comment are refused, saying why.
    res = resident.post(f"/consult/suggestions/{sug.pk}/comment/", {"text": "再", "reply_to": reply.pk}, **EN)
    assert (
        res.status_code == 302
        and said(res) == "Reply to the comment itself: replies are not answered in turn."
    )
    res = resident.post(f"/consult/suggestions/{sug.pk}/comment/", {"text": ""}, **EN)
    assert res.status_code == 302 and said(res).startswith("your comment:")
    res = resident.post(f"/consult/suggestions/{sug.pk}/comment/", {"text": "x", "reply_to": "abc"}, **EN)
    assert res.status_code == 302 and said(res).startswith("reply_to:")
    res = resident.post(f"/consult/suggestions/{sug.pk}/comment/", {"text": "x", "reply_to": 99999}, **EN)
    assert res.status_code == 302 and said(res) == "That comment is no longer there."
    assert Comment.objects.count() == 2
    # The wrong persona: outside the area the topic is limited to (403); not signed in (login).
    assert (
        client_for("outsider").post(f"/consult/suggestions/{sug.pk}/comment/", {"text": "x"}).status_code
        == 403
    )
    anon = Client().post(f"/consult/suggestions/{sug.pk}/comment/", {"text": "x"})
    assert anon.status_code == 302 and "login" in anon["Location"]
    assert client_for("resident").get(f"/consult/suggestions/{sug.pk}/comment/").status_code == 405
    assert Comment.objects.count() == 2


def test_anonymous_visitors_read_comments_without_names_or_forms(world, topic, neighbours):
    sug = make_suggestion(world, topic)
    s.comment_add(actor=neighbours[0], suggestion=sug, text_="同意这个办法")
    body = page(Client(), topic)
    assert "同意这个办法" in body
    assert neighbours[0].display_name not in body
    assert f"/consult/suggestions/{sug.pk}/comment/" not in body and "/consult/comments/" not in body
    assert f"/consult/suggestions/{sug.pk}/report/" not in body and "/follow/follow/" not in body
    assert 'name="cadence"' not in body


def test_reports_of_a_suggestion_and_a_comment_from_the_page(world, topic, client_for, neighbours):
    sug = make_suggestion(world, topic)
    c = s.comment_add(actor=neighbours[0], suggestion=sug, text_="加微信买车位")
    outsider = client_for("outsider")
    res = outsider.post(f"/consult/comments/{c.pk}/report/", {"reason": "广告"}, **EN)
    assert res.status_code == 302 and said(res) == "Thank you: the moderators will look at it."
    res = outsider.post(f"/consult/comments/{c.pk}/report/", {"reason": "广告"}, **EN)
    assert said(res) == "You have reported this already."
    res = outsider.post(f"/consult/suggestions/{sug.pk}/report/", {"reason": ""}, **EN)
    assert res.status_code == 302 and said(res).startswith("why it should not be here:")
    res = outsider.post(f"/consult/suggestions/{sug.pk}/report/", {"reason": "与议题无关"}, **EN)
    assert res.status_code == 302
    assert sorted(Report.objects.values_list("reason", flat=True)) == ["与议题无关", "广告"]
    anon = Client().post(f"/consult/comments/{c.pk}/report/", {"reason": "x"})
    assert anon.status_code == 302 and "login" in anon["Location"]
    assert Client().post(f"/consult/suggestions/{sug.pk}/report/", {"reason": "x"}).status_code == 302
    assert Report.objects.count() == 2


def test_a_moderator_hides_a_comment_and_others_see_it_hidden(world, topic, client_for, neighbours):
    sug = make_suggestion(world, topic)
    c = s.comment_add(actor=neighbours[0], suggestion=sug, text_="辱骂邻居的话")
    url = f"/consult/comments/{c.pk}/hide/"
    assert client_for("resident").post(url, {"reason": "辱骂"}).status_code == 403
    res = client_for("staff").post(url, {"reason": ""}, **EN)
    assert res.status_code == 302 and said(res) == "This field is required."
    assert not Comment.objects.get(pk=c.pk).hidden
    assert client_for("staff").post(url, {"reason": "辱骂"}).status_code == 302
    assert Comment.objects.get(pk=c.pk).hidden
    assert AuditEvent.objects.filter(action="consult.comment.hidden").count() == 1
    public = page(Client(), topic)
    assert "Hidden by a moderator." in public and "辱骂邻居的话" not in public
    resident = page(client_for("resident"), topic)
    assert "Hidden by a moderator." in resident and "辱骂邻居的话" not in resident
    staff = page(client_for("staff"), topic)
    assert "辱骂邻居的话" in staff and "Hidden: 辱骂" in staff
    # Auditors read it too; the hidden comment cannot be reported or replied to.
    assert "辱骂邻居的话" in page(client_for("district_auditor"), topic)
    assert (
        client_for("outsider").post(f"/consult/comments/{c.pk}/report/", {"reason": "x"}).status_code == 404
    )
    assert client_for("staff").post(f"/consult/comments/{c.pk}/restore/").status_code == 302
    assert not Comment.objects.get(pk=c.pk).hidden
    assert client_for("staff").post(f"/consult/comments/{c.pk}/delete/").status_code == 404


def test_follow_a_topic_and_a_suggestion_with_a_cadence(world, topic, client_for):
    sug = make_suggestion(world, topic)
    resident = client_for("resident")
    # The author follows their suggestion already; they choose a weekly digest for it.
    res = resident.post(f"/consult/suggestions/{sug.pk}/follow/follow/", {"cadence": "weekly"}, **EN)
    assert res.status_code == 302 and Follow.objects.get(suggestion=sug).cadence == "weekly"
    res = resident.post(f"/consult/topics/{topic.pk}/follow/follow/", {"cadence": "hourly"}, **EN)
    assert res.status_code == 302 and said(res).startswith("tell me:")
    assert not Follow.objects.filter(topic=topic).exists()
    res = resident.post(f"/consult/topics/{topic.pk}/follow/follow/", {"cadence": "daily"}, **EN)
    assert said(res) == "You follow this topic."
    assert Follow.objects.get(topic=topic, person=world.people["resident"]).cadence == "daily"
    body = page(resident, topic)
    assert "You follow this topic (a daily digest)." in body
    assert resident.post(f"/consult/topics/{topic.pk}/follow/unfollow/").status_code == 302
    assert not Follow.objects.filter(topic=topic).exists()
    res = resident.post(f"/consult/topics/{topic.pk}/follow/unfollow/", **EN)
    assert res.status_code == 404
    assert resident.post(f"/consult/suggestions/{sug.pk}/follow/unfollow/").status_code == 302
    assert not Follow.objects.filter(suggestion=sug).exists()
    assert resident.post(f"/consult/suggestions/{sug.pk}/follow/maybe/").status_code == 404
    anon = Client().post(f"/consult/topics/{topic.pk}/follow/follow/", {"cadence": "daily"})
    assert anon.status_code == 302 and "login" in anon["Location"] and not Follow.objects.exists()


def test_what_i_follow_changes_the_cadence_and_stops(world, topic, client_for, neighbours):
    sug = make_suggestion(world, topic)
    mine = Follow.objects.get(person=world.people["resident"], suggestion=sug)
    s.follow_set(actor=world.people["resident"], topic=topic, cadence="weekly")
    theirs = s.follow_set(actor=neighbours[0], topic=topic)
    resident = client_for("resident")
    body = resident.get("/consult/follows/", **EN).content.decode()
    assert "错时停车" in body and "小区停车难怎么办" in body and 'value="weekly" selected' in body
    assert "/consult/follows/" in resident.get("/consult/mine/", **EN).content.decode()
    res = resident.post(f"/consult/follows/{mine.pk}/cadence/", {"cadence": "daily"}, **EN)
    assert res.status_code == 302 and res["Location"] == "/consult/follows/"
    assert Follow.objects.get(pk=mine.pk).cadence == "daily"
    res = resident.post(f"/consult/follows/{mine.pk}/cadence/", {"cadence": ""}, **EN)
    assert said(res).startswith("tell me:") and Follow.objects.get(pk=mine.pk).cadence == "daily"
    # Another person's follow is not found, to change or to stop.
    assert resident.post(f"/consult/follows/{theirs.pk}/cadence/", {"cadence": "weekly"}).status_code == 404
    assert resident.post(f"/consult/follows/{theirs.pk}/stop/").status_code == 404
    assert Follow.objects.get(pk=theirs.pk).cadence == "immediately"
    assert resident.post(f"/consult/follows/{mine.pk}/stop/").status_code == 302
    assert not Follow.objects.filter(pk=mine.pk).exists()
    anon = Client().get("/consult/follows/")
    assert anon.status_code == 302 and "login" in anon["Location"]
    assert "小区停车难怎么办" not in client_for("outsider").get("/consult/follows/", **EN).content.decode()


def _checked_in(world: Any, person: Any, skill: Skill) -> None:
    ci = CheckIn.objects.create(
        person=person,
        workplace=world.units["pb_a1a"],
        community=world.areas["community_a1a"],
        area_path=world.areas["community_a1a"].path,
        status=CheckInStatus.CONFIRMED,
    )
    ci.skills.add(skill)


def test_staff_find_experts_by_skill_and_the_member_gives_an_opinion(
    world, topic, client_for, django_capture_on_commit_callbacks
):
    law = Skill.objects.create(code="law", name="法律", name_en="law")
    Skill.objects.create(code="traffic", name="交通", name_en="traffic")
    member = world.people["member"]
    member.display_name = "李律师"
    member.save(update_fields=["display_name"])
    _checked_in(world, member, law)
    staff = client_for("staff")
    url = f"/consult/console/topics/{topic.pk}/experts/"
    assert "李律师" in staff.get(url, {"skill": "law"}, **EN).content.decode()
    assert "李律师" not in staff.get(url, {"skill": "traffic"}, **EN).content.decode()
    assert staff.get(url, {"skill": "nope"}, **EN).status_code == 200
    assert client_for("resident").get(url, {"skill": "law"}).status_code == 403
    assert f"/consult/console/topics/{topic.pk}/experts/" in page(staff, topic)
    # Invite: the wrong persona, a skill not listed, then the staff.
    invite = f"/consult/console/topics/{topic.pk}/experts/invite/"
    assert client_for("resident").post(invite, {"skill": "law", "person": member.pk}).status_code == 403
    res = staff.post(invite, {"skill": "traffic", "person": member.pk}, **EN)
    assert (
        res.status_code == 302 and said(res) == "This member has not listed that skill when checking in here."
    )
    res = staff.post(invite, {"skill": "law", "person": "x"}, **EN)
    assert res.status_code == 302 and said(res).startswith("member:")
    with django_capture_on_commit_callbacks(execute=True):
        res = staff.post(invite, {"skill": "law", "person": member.pk}, **EN)
    assert res.status_code == 302 and said(res) == "Invited: they are told of it."
    inv = ExpertInvite.objects.get()
    assert Notification.objects.filter(recipient=member, verb="consult.expert").count() == 1
    assert (
        said(staff.post(invite, {"skill": "law", "person": member.pk}, **EN))
        == "This member has been invited already."
    )
    # The member sees the invitation on "my suggestions" and gives the opinion on the topic page.
    expert = client_for("member")
    assert f"/consult/topics/{topic.pk}/#experts" in expert.get("/consult/mine/", **EN).content.decode()
    assert f"/consult/experts/{inv.pk}/opinion/" in page(expert, topic)
    assert f"/consult/experts/{inv.pk}/opinion/" not in page(client_for("resident"), topic)
    opinion = f"/consult/experts/{inv.pk}/opinion/"
    assert client_for("resident").post(opinion, {"text": "冒充"}).status_code == 404
    res = expert.post(opinion, {"text": ""}, **EN)
    assert res.status_code == 302 and said(res).startswith("your opinion:")
    assert expert.post(opinion, {"text": "建议签订共享停车协议。"}).status_code == 302
    assert ExpertInvite.objects.get().opinion == "建议签订共享停车协议。"
    body = page(Client(), topic)
    assert "建议签订共享停车协议。" in body and opinion not in body


def _hot(world: Any, area: str = "community_a1a") -> HotTopic:
    now = timezone.now()
    return HotTopic.objects.create(
        title="华一坡夜间噪音",
        heat=9.5,
        size=12,
        reporters=9,
        keywords=["噪音", "夜间"],
        start=now - dt.timedelta(days=3),
        end=now,
        area=world.areas[area],
        area_path=world.areas[area].path,
        detected_at=now,
    )


def test_a_hot_topic_is_made_a_topic_from_the_console(world, client_for):
    hot = _hot(world)
    elsewhere = _hot(world, "community_b1a")
    staff = client_for("staff")
    body = staff.get("/consult/console/hot-topics/", **EN).content.decode()
    assert "华一坡夜间噪音" in body and f"/consult/console/hot-topics/{elsewhere.pk}/topic/" not in body
    assert "/consult/console/hot-topics/" in staff.get("/consult/console/", **EN).content.decode()
    assert client_for("resident").get("/consult/console/hot-topics/").status_code == 403
    url = f"/consult/console/hot-topics/{hot.pk}/topic/"
    form = {"title": "", "question": "", "days": "10", "participants": "residents"}
    assert client_for("resident").post(url, form).status_code == 404
    assert client_for("other_supervisor").post(url, form).status_code == 404
    res = staff.post(url, {**form, "days": "999"}, **EN)
    assert res.status_code == 302 and said(res).startswith("open for (days):")
    assert not Topic.objects.exists()
    res = staff.post(url, form, **EN)
    topic = Topic.objects.get()
    assert res.status_code == 302 and res["Location"] == f"/consult/topics/{topic.pk}/"
    assert topic.hot_topic_id == hot.pk and topic.title == "华一坡夜间噪音"
    assert topic.closes - topic.opens == dt.timedelta(days=10)
    assert "华一坡夜间噪音" not in staff.get("/consult/console/hot-topics/", **EN).content.decode()
    res = staff.post(url, form, **EN)
    assert said(res) == "A topic has been opened from this hot topic already." and Topic.objects.count() == 1


def test_the_topic_page_reads_comments_and_follows_in_a_fixed_number_of_queries(
    world, topic, client_for, neighbours
):
    def queries() -> int:
        client = client_for("resident")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/consult/topics/{topic.pk}/").status_code == 200
        return len(ctx.captured_queries)

    def suggestion_with_comments(title: str) -> None:
        sug = make_suggestion(world, topic, title=title)
        first = s.comment_add(actor=neighbours[0], suggestion=sug, text_="同意")
        s.comment_add(actor=neighbours[1], suggestion=sug, text_="补充", reply_to=first)
        s.follow_set(actor=world.people["resident"], suggestion=sug, cadence="daily")

    suggestion_with_comments("一")
    few = queries()
    for title in ("二", "三", "四", "五"):
        suggestion_with_comments(title)
    assert queries() == few
