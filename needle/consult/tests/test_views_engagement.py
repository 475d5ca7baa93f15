"""The engagement on the pages: the reported-content queue on the staff console with its
decisions, and the expert opinions shown apart on the topic page."""

from __future__ import annotations

from django.test import Client

from needle.consult import services as s
from needle.consult.models import Comment, ExpertInvite, Report
from needle.consult.tests.conftest import make_suggestion


def test_the_console_lists_reports_and_decides(world, topic, client_for, neighbours):
    sug = make_suggestion(world, topic)
    c = s.comment_add(actor=neighbours[0], suggestion=sug, text_="低价出租车位，加微信")
    report = s.report_make(actor=neighbours[1], comment=c, reason="广告")
    page = client_for("staff").get("/consult/console/").content.decode()
    assert "低价出租车位" in page and "广告" in page
    assert client_for("resident").post(f"/consult/reports/{report.pk}/hidden/").status_code == 404
    assert client_for("staff").get(f"/consult/reports/{report.pk}/hidden/").status_code == 405
    res = client_for("staff").post(f"/consult/reports/{report.pk}/hidden/")
    assert res.status_code == 302
    assert Comment.objects.get(pk=c.pk).hidden and Report.objects.get().decision == "hidden"
    assert "低价出租车位" not in client_for("staff").get("/consult/console/").content.decode()


def test_the_topic_page_shows_expert_opinions_apart(world, topic):
    make_suggestion(world, topic)
    ExpertInvite.objects.create(
        topic=topic,
        person=world.people["member"],
        skill="交通",
        invited_by=world.people["staff"],
        opinion="建议设置夜间限时停车位。",
        given_at=topic.created_at,
    )
    body = Client().get(f"/consult/topics/{topic.pk}/").content.decode()
    assert "建议设置夜间限时停车位。" in body
    # Apart from (before) the suggestions.
    assert body.index("建议设置夜间限时停车位。") < body.index("错时停车")
