"""The think tank's rules as the services apply them: who may take part, the window, one support
per person, the answers' table, moderation, and the result tree's computed progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from needle import testing as t
from needle.cases.models import State
from needle.consult import selectors
from needle.consult import services as s
from needle.consult.models import Action, Status, Suggestion, Support
from needle.consult.states import ANSWER_MOVES, step_allowed
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import PersonRecord
from needle.volunteering.models import CheckIn, CheckInStatus


def test_a_resident_suggests_and_the_answer_falls_due_in_working_days(world, topic):
    made = make_suggestion(world, topic)
    assert made.author == world.people["resident"] and made.status == Status.SUBMITTED
    assert made.answer_due > timezone.localdate()
    assert AuditEvent.objects.filter(action="consult.suggestion.made", object_id=str(made.pk)).exists()


def test_who_may_take_part_follows_the_topic(world, topic):
    # Residents only: the outsider (no home) and the resident of another community are refused.
    with pytest.raises(PermissionDenied):
        make_suggestion(world, topic, "outsider")
    elsewhere = t.PersonFactory.create(username="far", home_area=world.areas["community_b1a"])
    with pytest.raises(PermissionDenied):
        s.suggestion_make(actor=elsewhere, topic=topic, title="x", text_="y")
    with pytest.raises(NotAuthenticated):
        s.suggestion_make(actor=None, topic=topic, title="x", text_="y")
    # Members: only those whose check-in with the community is confirmed.
    members = make_topic(world, participants="members")
    with pytest.raises(PermissionDenied):
        make_suggestion(world, members, "member")
    CheckIn.objects.create(
        person=world.people["member"],
        workplace=world.units["pb_a1a"],
        community=world.areas["community_a1a"],
        area_path=world.areas["community_a1a"].path,
        status=CheckInStatus.CONFIRMED,
    )
    assert make_suggestion(world, members, "member").pk
    with pytest.raises(PermissionDenied):
        make_suggestion(world, members, "resident")
    # Everyone: any signed-in person.
    everyone = make_topic(world, participants="everyone")
    assert make_suggestion(world, everyone, "outsider").pk


def test_no_suggestion_outside_the_topic_s_dates(world):
    today = timezone.localdate()
    closed = make_topic(world, opens=today - dt.timedelta(days=9), closes=today - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed) as exc:
        make_suggestion(world, closed)
    assert exc.value.code == "topic_closed" and "topic" in exc.value.fields
    later = make_topic(world, opens=today + dt.timedelta(days=1), closes=today + dt.timedelta(days=9))
    with pytest.raises(ValidationFailed):
        make_suggestion(world, later)


def test_staff_enter_a_suggestion_for_a_person_without_an_account(world, topic):
    made = s.suggestion_make(
        actor=world.people["staff"],
        topic=topic,
        title="加装电梯",
        text_="老楼没有电梯，老人上下楼困难。",
        on_behalf=s.OnBehalf(name="王大爷", phone="13900001111"),
    )
    assert made.author is None and made.entered_by == world.people["staff"]
    record = PersonRecord.objects.get(pk=made.record_id)
    assert record.name == "王大爷" and record.consent_method == "verbal_witnessed"
    # Once more for the same person: the same shared record.
    again = s.suggestion_make(
        actor=world.people["staff"],
        topic=topic,
        title="b",
        text_="c",
        on_behalf=s.OnBehalf(name="王大爷", phone="13900001111"),
    )
    assert again.record_id == record.pk
    with pytest.raises(PermissionDenied):
        s.suggestion_make(
            actor=world.people["resident"], topic=topic, title="b", text_="c", on_behalf=s.OnBehalf(name="李")
        )


def test_one_support_per_person_and_withdrawing(world, topic, neighbours):
    made = make_suggestion(world, topic)
    for n in neighbours:
        s.support_add(actor=n, suggestion=made)
    with pytest.raises(Conflict) as exc:
        s.support_add(actor=neighbours[0], suggestion=made)
    assert exc.value.code == "already_supported"
    made.refresh_from_db()
    assert made.supports == 3 == Support.objects.filter(suggestion=made).count()
    s.support_withdraw(actor=neighbours[0], suggestion=made)
    made.refresh_from_db()
    assert made.supports == 2
    with pytest.raises(PermissionDenied):
        s.support_add(actor=world.people["outsider"], suggestion=made)


def test_the_answers_follow_the_table(world, topic):
    made = make_suggestion(world, topic)
    staff = world.people["staff"]
    with pytest.raises(ValidationFailed) as exc:
        s.suggestion_answer(actor=staff, suggestion=made, answer="not_adopted", text_="  ")
    assert "text" in exc.value.fields
    s.suggestion_answer(actor=staff, suggestion=made, answer="evaluating")
    s.suggestion_answer(actor=staff, suggestion=made, answer="adopted", text_="将协调周边单位错时开放车位。")
    made.refresh_from_db()
    assert made.status == Status.ADOPTED and made.answered_by == staff
    with pytest.raises(Conflict):
        s.suggestion_answer(actor=staff, suggestion=made, answer="not_adopted", text_="改主意了")
    # The table itself: evaluating leads on, a final answer ends.
    assert step_allowed("evaluating", "adopted") and not step_allowed("adopted", "evaluating")
    assert ANSWER_MOVES["not_adopted"].requires == "reason"


def test_the_answering_unit_s_handler_answers_its_topics_only(world):
    env = make_topic(world, unit=world.units["district_a_env"])
    own = make_topic(world)
    a, b = make_suggestion(world, env), make_suggestion(world, own, title="另一条")
    s.suggestion_answer(
        actor=world.people["handler"], suggestion=a, answer="partly_adopted", text_="部分采纳"
    )
    with pytest.raises(PermissionDenied):
        s.suggestion_answer(actor=world.people["handler"], suggestion=b, answer="adopted")
    with pytest.raises(PermissionDenied):
        s.suggestion_answer(actor=world.people["supervisor"], suggestion=b, answer="adopted")
    due = selectors.answers_due(actor=world.people["handler"])
    assert [x.pk for x in due] == []
    assert [x.pk for x in selectors.answers_due(actor=world.people["staff"])] == [b.pk]


def test_hiding_keeps_the_original_for_moderators(world, topic):
    made = make_suggestion(world, topic)
    staff = world.people["staff"]
    with pytest.raises(ValidationFailed):
        s.suggestion_moderate(actor=staff, suggestion=made, move_name="hide", reason="")
    with pytest.raises(PermissionDenied):
        s.suggestion_moderate(
            actor=world.people["resident"], suggestion=made, move_name="hide", reason="广告"
        )
    s.suggestion_moderate(actor=staff, suggestion=made, move_name="hide", reason="含有他人电话号码")
    made.refresh_from_db()
    assert made.hidden and made.text.startswith("请与")
    assert list(selectors.suggestion_list(actor=None, topic=topic)) == []
    assert list(selectors.suggestion_list(actor=world.people["supervisor"], topic=topic)) == [made]
    assert list(selectors.moderation_queue(actor=staff)) == [made]
    with pytest.raises(Conflict):
        s.support_add(actor=world.people["resident"], suggestion=made)
    s.suggestion_moderate(actor=staff, suggestion=made, move_name="restore")
    assert list(selectors.suggestion_list(actor=None, topic=topic)) == [made]


def adopted(world, topic) -> Suggestion:
    made = make_suggestion(world, topic)
    return s.suggestion_answer(actor=world.people["staff"], suggestion=made, answer="adopted", text_="采纳")


def test_progress_of_a_parent_is_the_weighted_mean_of_its_children(world, topic):
    staff = world.people["staff"]
    result = s.result_create(
        actor=staff,
        area=world.areas["community_a1a"],
        title="错时共享停车",
        suggestions=[adopted(world, topic)],
    )
    top = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="协调车位", weight=3))
    s.action_add(
        actor=staff, result=result, draft=s.ActionDraft(title="签协议", progress=100, weight=1, parent=top)
    )
    s.action_add(
        actor=staff, result=result, draft=s.ActionDraft(title="划线", progress=50, weight=3, parent=top)
    )
    signs = s.action_add(
        actor=staff, result=result, draft=s.ActionDraft(title="指示牌", progress=0, weight=1)
    )
    roots, progress = selectors.result_tree(result)
    assert [r.action.pk for r in roots] == [top.pk, signs.pk]
    assert roots[0].progress == 62.5 and roots[0].status == "in_progress"  # (100*1 + 50*3) / 4
    assert progress == round((62.5 * 3 + 0 * 1) / 4, 1)


def test_an_action_follows_its_case_and_cases_know_nothing_of_it(world, topic, catalog):
    staff = world.people["staff"]
    result = s.result_create(actor=staff, area=world.areas["community_a1a"], title="r", suggestions=[])
    case = t.submit(world, catalog["road"])
    linked = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="修路", case=case))
    s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="宣传", progress=50))
    assert selectors.result_tree(result)[1] == 25.0
    type(case).objects.filter(pk=case.pk).update(state=State.RESOLVED)
    roots, progress = selectors.result_tree(result)
    assert roots[0].action.pk == linked.pk and roots[0].status == "done" and roots[0].follows_work
    assert progress == 75.0


def test_bad_actions_are_refused_and_no_cycle_is_made(world):
    staff = world.people["staff"]
    result = s.result_create(actor=staff, area=world.areas["community_a1a"], title="r", suggestions=[])
    with pytest.raises(ValidationFailed) as exc:
        s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="x", progress=101))
    assert "progress" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="x", weight=0))
    assert "weight" in exc.value.fields
    a = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="a"))
    b = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="b", parent=a))
    c = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="c", parent=b))
    for parent in (a, c):
        with pytest.raises(ValidationFailed) as exc:
            s.action_update(actor=staff, action=a, change=s.ActionChange(parent=parent, parent_set=True))
        assert "parent" in exc.value.fields
    s.action_update(actor=staff, action=c, change=s.ActionChange(parent=None, parent_set=True, progress=40))
    c.refresh_from_db()
    assert c.parent_id is None and c.status == "in_progress"
    with pytest.raises(PermissionDenied):
        s.action_add(actor=world.people["supervisor"], result=result, draft=s.ActionDraft(title="x"))
    other = s.result_create(actor=staff, area=world.areas["community_a1a"], title="o", suggestions=[])
    with pytest.raises(ValidationFailed):
        s.action_add(actor=staff, result=other, draft=s.ActionDraft(title="x", parent=a))
    assert Action.objects.filter(result=other).count() == 0


def test_a_result_needs_adopted_suggestions_of_its_area(world, topic):
    made = make_suggestion(world, topic)
    with pytest.raises(ValidationFailed):
        s.result_create(
            actor=world.people["staff"], area=world.areas["community_a1a"], title="r", suggestions=[made]
        )


def test_a_number_typed_in_does_not_finish_an_action_that_follows_a_case(world, catalog):
    staff = world.people["staff"]
    result = s.result_create(actor=staff, area=world.areas["community_a1a"], title="r", suggestions=[])
    case = t.submit(world, catalog["road"])
    linked = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="修路", case=case))
    assert selectors.result_tree(result)[0][0].status == "planned"
    s.action_update(actor=staff, action=linked, change=s.ActionChange(progress=100))
    node = selectors.result_tree(result)[0][0]
    assert (node.status, node.progress) == ("in_progress", 99.0)
    type(case).objects.filter(pk=case.pk).update(state=State.CLOSED)
    node = selectors.result_tree(result)[0][0]
    assert (node.status, node.progress) == ("done", 100.0)
