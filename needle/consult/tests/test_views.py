"""The think tank's pages: public and without names for a visitor, forms for those who may take
part, the staff's console with overdue answers in colour, and the result's tree."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from needle import testing as t
from needle.cases.models import Case
from needle.consult import services as s
from needle.consult.models import Result, Suggestion, Support, Topic
from needle.consult.tests.conftest import make_suggestion, make_topic


def test_the_public_pages_show_no_names(world, neighbours):
    topic = make_topic(world)
    made = make_suggestion(world, topic)
    s.suggestion_make(
        actor=world.people["staff"],
        topic=topic,
        title="加装电梯",
        text_="老楼",
        on_behalf=s.OnBehalf(name="王大爷", phone="13900001111"),
    )
    page = Client().get(f"/consult/{world.areas['community_a1a'].code}/")
    assert page.status_code == 200 and topic.title in page.content.decode()
    body = Client().get(f"/consult/topics/{topic.pk}/").content.decode()
    assert made.title in body and "加装电梯" in body
    for private in ("王大爷", "13900001111", "139****1111", "Resident", world.people["resident"].phone):
        assert private not in body, private
    assert "Sign in to suggest" in body or "登录" in body
    assert Client().get("/consult/topics/999999/").status_code == 404
    assert Client().get("/consult/nope/").status_code == 404


def test_a_resident_suggests_and_supports_from_the_page(world, client_for, neighbours):
    topic = make_topic(world)
    resident = client_for("resident")
    page = resident.get(f"/consult/topics/{topic.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="text"' in page.content.decode()
    res = resident.post(
        f"/consult/topics/{topic.pk}/suggest/", {"title": "错时停车", "text": "夜间开放单位停车场"}
    )
    assert res.status_code == 302
    made = Suggestion.objects.get(topic=topic)
    assert made.author == world.people["resident"]
    res = resident.post(f"/consult/suggestions/{made.pk}/support/add/")
    assert res.status_code == 302 and Support.objects.filter(suggestion=made).count() == 1
    resident.post(f"/consult/suggestions/{made.pk}/support/add/")  # twice: refused, told
    assert Support.objects.filter(suggestion=made).count() == 1
    resident.post(f"/consult/suggestions/{made.pk}/support/withdraw/")
    assert Support.objects.filter(suggestion=made).count() == 0
    # A NUL byte or an over-long text: a message, no suggestion, never a 500.
    res = resident.post(f"/consult/topics/{topic.pk}/suggest/", {"title": "x", "text": "a\x00b"}, follow=True)
    assert res.status_code in (200, 400)
    res = resident.post(
        f"/consult/topics/{topic.pk}/suggest/", {"title": "x", "text": "长" * 4001}, follow=True
    )
    assert res.status_code == 200
    assert Suggestion.objects.filter(topic=topic).count() == 1
    # The outsider reads the page but has no form; a closed topic has none for anyone.
    assert 'name="text"' not in client_for("outsider").get(f"/consult/topics/{topic.pk}/").content.decode()
    res = client_for("outsider").post(
        f"/consult/topics/{topic.pk}/suggest/", {"title": "x", "text": "y"}, follow=True
    )
    assert Suggestion.objects.filter(topic=topic).count() == 1


def test_suggestions_by_supports_or_newest(world, neighbours):
    topic = make_topic(world)
    old = make_suggestion(world, topic, title="早的建议")
    new = make_suggestion(world, topic, title="新的建议")
    s.support_add(actor=neighbours[0], suggestion=old)
    by_supports = Client().get(f"/consult/topics/{topic.pk}/").content.decode()
    assert by_supports.index(old.title) < by_supports.index(new.title)
    newest = Client().get(f"/consult/topics/{topic.pk}/?order=newest").content.decode()
    assert newest.index(new.title) < newest.index(old.title)


def test_the_console_shows_answers_due_in_colour_and_answers(world, client_for):
    topic = make_topic(world)
    late = make_suggestion(world, topic, title="逾期的建议")
    Suggestion.objects.filter(pk=late.pk).update(answer_due=timezone.localdate() - dt.timedelta(days=2))
    page = client_for("staff").get("/consult/console/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "逾期的建议" in body and "colour-yellow" in body
    for persona in ("resident", "member", "outsider"):
        assert client_for(persona).get("/consult/console/").status_code == 403, persona
    assert client_for("supervisor").get("/consult/console/").status_code == 200
    assert client_for("handler").get("/consult/console/").status_code == 200
    assert Client().get("/consult/console/").status_code == 302
    res = client_for("staff").post(
        f"/consult/suggestions/{late.pk}/answer/", {"status": "not_adopted", "text": ""}
    )
    late.refresh_from_db()
    assert res.status_code == 302 and late.status == "submitted"
    client_for("staff").post(f"/consult/suggestions/{late.pk}/answer/", {"status": "adopted", "text": "采纳"})
    late.refresh_from_db()
    assert late.status == "adopted"
    assert client_for("resident").post(
        f"/consult/suggestions/{late.pk}/answer/", {"status": "adopted"}
    ).status_code in (
        302,
        403,
    )


def test_moderators_hide_from_the_page(world, client_for):
    topic = make_topic(world)
    made = make_suggestion(world, topic, title="带电话的建议")
    client_for("resident").post(f"/consult/suggestions/{made.pk}/hide/", {"reason": "x"})
    made.refresh_from_db()
    assert not made.hidden
    client_for("staff").post(f"/consult/suggestions/{made.pk}/hide/", {"reason": "含有电话号码"})
    made.refresh_from_db()
    assert made.hidden
    assert "带电话的建议" not in Client().get(f"/consult/topics/{topic.pk}/").content.decode()
    staff = client_for("staff").get(f"/consult/topics/{topic.pk}/").content.decode()
    assert "带电话的建议" in staff and "含有电话号码" in staff
    assert "含有电话号码" in client_for("staff").get("/consult/console/").content.decode()


def test_the_result_page_shows_the_tree_and_progress(world):
    staff = world.people["staff"]
    result = s.result_create(
        actor=staff, area=world.areas["community_a1a"], title="错时共享停车", suggestions=[]
    )
    top = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="协调车位"))
    s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="签协议", progress=100, parent=top))
    s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="划线", progress=0, parent=top))
    body = Client().get(f"/consult/results/{result.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "签协议" in body and "50.0% done" in body
    assert (
        Client().get(f"/consult/{world.areas['community_a1a'].code}/").content.decode().count("错时共享停车")
        == 1
    )
    zh = Client().get(f"/consult/results/{result.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").status_code
    assert zh == 200


def test_the_homes_show_the_answers_due(world, client_for):
    env = make_topic(world, unit=world.units["district_a_env"])
    late = make_suggestion(world, env, title="逾期未答复")
    Suggestion.objects.filter(pk=late.pk).update(answer_due=timezone.localdate() - dt.timedelta(days=1))
    for persona in ("staff", "handler"):
        body = client_for(persona).get("/").content.decode()
        assert 'id="today-consult"' in body and "逾期未答复" in body and "colour-yellow" in body, persona
    for persona in ("resident", "supervisor", "outsider"):
        assert 'id="today-consult"' not in client_for(persona).get("/").content.decode(), persona


def test_the_topic_page_reads_a_bounded_number_of_queries(world, client_for, neighbours):
    topic = make_topic(world)
    client = client_for("resident")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/consult/topics/{topic.pk}/").status_code == 200
        return len(ctx.captured_queries)

    make_suggestion(world, topic)
    few = queries()
    for i in range(5):
        made = make_suggestion(world, topic, title=f"建议{i}")
        s.support_add(actor=neighbours[i % 3], suggestion=made)
    assert queries() == few


def test_the_community_page_reads_its_results_in_a_bounded_number_of_queries(world):
    staff, area = world.people["staff"], world.areas["community_a1a"]
    client = Client()

    def add_result(title: str) -> None:
        result = s.result_create(actor=staff, area=area, title=title, suggestions=[])
        top = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="协调", progress=40))
        s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="划线", parent=top))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/consult/{area.code}/").status_code == 200
        return len(ctx.captured_queries)

    add_result("第一项成果")
    few = queries()
    for i in range(4):
        add_result(f"成果{i}")
    assert queries() == few


def test_staff_open_a_topic_make_a_result_and_add_actions_from_the_pages(world, client_for, catalog):
    staff = client_for("staff")
    today = timezone.localdate()
    form = {
        "area": world.areas["community_a1a"].code,
        "title": "电梯加装",
        "question": "老楼加装电梯，大家怎么看？",
        "opens": today.isoformat(),
        "closes": (today + dt.timedelta(days=10)).isoformat(),
        "participants": "residents",
        "answer_days": "5",
    }
    assert 'name="question"' in staff.get("/consult/console/").content.decode()
    res = staff.post("/consult/console/topics/", form)
    assert res.status_code == 302
    topic = Topic.objects.get(title="电梯加装")
    assert client_for("supervisor").post("/consult/console/topics/", form).status_code == 302
    assert Topic.objects.count() == 1
    staff.post("/consult/console/topics/", {**form, "area": world.areas["community_b1a"].code})
    assert Topic.objects.count() == 1
    made = make_suggestion(world, topic)
    s.suggestion_answer(actor=world.people["staff"], suggestion=made, answer="adopted", text_="采纳")
    assert (
        "Follow it through"
        in staff.get(f"/consult/topics/{topic.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    res = staff.post(f"/consult/suggestions/{made.pk}/result/")
    result = Result.objects.get()
    assert res.status_code == 302 and res["Location"] == f"/consult/results/{result.pk}/"
    assert 'name="case"' in staff.get(f"/consult/results/{result.pk}/").content.decode()
    assert (
        'name="case"' not in client_for("supervisor").get(f"/consult/results/{result.pk}/").content.decode()
    )
    case = t.submit(world, catalog["road"])
    staff.post(
        f"/consult/results/{result.pk}/actions/",
        {"title": "修路", "progress": "0", "weight": "1", "case": case.number},
    )
    staff.post(f"/consult/results/{result.pk}/actions/", {"title": "公示", "progress": "20", "weight": "1"})
    staff.post(f"/consult/results/{result.pk}/actions/", {"title": "坏的", "progress": "120", "weight": "1"})
    assert result.actions.count() == 2
    shown = result.actions.get(title="公示")
    staff.post(f"/consult/results/{result.pk}/actions/{shown.pk}/progress/", {"progress": "60"})
    shown.refresh_from_db()
    assert shown.progress == 60
    client_for("resident").post(
        f"/consult/results/{result.pk}/actions/{shown.pk}/progress/", {"progress": "0"}
    )
    shown.refresh_from_db()
    assert shown.progress == 60
    Case.objects.filter(pk=case.pk).update(state="closed")
    body = Client().get(f"/consult/results/{result.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "80.0% done" in body and 'name="progress"' not in body


def test_my_suggestions_with_their_answers(world, client_for):
    topic = make_topic(world)
    made = make_suggestion(world, topic, title="我的建议")
    s.suggestion_answer(actor=world.people["staff"], suggestion=made, answer="not_adopted", text_="场地不足")
    make_suggestion(world, make_topic(world, participants="everyone"), "outsider", title="别人的建议")
    body = client_for("resident").get("/consult/mine/").content.decode()
    assert "我的建议" in body and "场地不足" in body and "别人的建议" not in body
    assert Client().get("/consult/mine/").status_code == 302
