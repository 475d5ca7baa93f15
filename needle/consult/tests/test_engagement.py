"""Comments one level deep, follows, reports and the moderators' decisions, what followers hear
(at once, or in digests built in batches), experts, and a hot topic opened as a topic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from needle.consult import services as s
from needle.consult.models import (
    Cadence,
    Comment,
    DigestBatch,
    Event,
    EventBatch,
    ExpertInvite,
    Follow,
    Report,
    Topic,
)
from needle.consult.services import followers
from needle.consult.tests.conftest import make_suggestion
from needle.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.notify.models import Notification
from needle.orgs.models import Person
from needle.volunteering.models import CheckIn, CheckInStatus, Skill


def test_comments_are_one_level_deep_and_the_commenter_follows(world, topic, neighbours):
    sug = make_suggestion(world, topic)
    first = s.comment_add(actor=neighbours[0], suggestion=sug, text_="同意，夜间车位很紧张")
    reply = s.comment_add(actor=neighbours[1], suggestion=sug, text_="周边单位愿意吗？", reply_to=first)
    assert reply.parent == first
    with pytest.raises(ValidationFailed) as exc:
        s.comment_add(actor=neighbours[2], suggestion=sug, text_="再回复", reply_to=reply)
    assert exc.value.code == "too_deep"
    with pytest.raises(ValidationFailed):
        s.comment_add(actor=neighbours[2], suggestion=sug, text_="a\x00b")
    with pytest.raises(ValidationFailed):
        s.comment_add(actor=neighbours[2], suggestion=sug, text_="x" * 2001)
    with pytest.raises(NotAuthenticated):
        s.comment_add(actor=None, suggestion=sug, text_="x")
    with pytest.raises(PermissionDenied):
        s.comment_add(actor=world.people["outsider"], suggestion=sug, text_="x")
    assert Comment.objects.filter(suggestion=sug).count() == 2
    assert Follow.objects.filter(suggestion=sug).count() == 3  # the author and the two commenters
    assert AuditEvent.objects.filter(action="consult.comment.added").count() == 2


def test_the_author_follows_and_hears_of_comments_and_the_answer(
    world, topic, neighbours, django_capture_on_commit_callbacks
):
    sug = make_suggestion(world, topic)
    assert Follow.objects.filter(person=world.people["resident"], suggestion=sug).exists()
    with django_capture_on_commit_callbacks(execute=True):
        s.comment_add(actor=neighbours[0], suggestion=sug, text_="好主意")
    with django_capture_on_commit_callbacks(execute=True):
        s.suggestion_answer(actor=world.people["staff"], suggestion=sug, answer="adopted", text_="将协调")
    got = list(Notification.objects.filter(recipient=world.people["resident"]).order_by("pk"))
    assert [n.verb for n in got] == ["consult.comment", "consult.answer"]
    # The commenter follows too and hears of the answer, not of their own comment.
    assert list(Notification.objects.filter(recipient=neighbours[0]).values_list("verb", flat=True)) == [
        "consult.answer"
    ]
    # Stored as a code, put into words in the reader's language when read.
    assert got[1].message == "“%(title)s” was adopted." and got[1].params == {"title": "错时停车"}


def test_follow_a_topic_with_a_digest_and_unfollow(world, topic, neighbours):
    follow = s.follow_set(actor=neighbours[0], topic=topic, cadence=Cadence.DAILY)
    assert follow.cadence == "daily"
    assert s.follow_set(actor=neighbours[0], topic=topic, cadence=Cadence.WEEKLY).pk == follow.pk
    with pytest.raises(ValidationFailed):
        s.follow_set(actor=neighbours[0], topic=topic, cadence="hourly")
    with pytest.raises(ValidationFailed):
        s.follow_set(actor=neighbours[0])
    make_suggestion(world, topic)
    sug = make_suggestion(world, topic, title="第二条")
    s.comment_add(actor=neighbours[1], suggestion=sug, text_="同意")
    # A digest follower hears nothing at once.
    assert not Notification.objects.filter(recipient=neighbours[0]).exists()
    s.unfollow(actor=neighbours[0], topic=topic)
    with pytest.raises(NotFound):
        s.unfollow(actor=neighbours[0], topic=topic)


def test_daily_digest_is_one_message_per_person_built_in_batches(
    world, topic, neighbours, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(followers, "DIGEST_BATCH", 2)
    sug = make_suggestion(world, topic)
    for n in neighbours:
        s.follow_set(actor=n, suggestion=sug, cadence=Cadence.DAILY)
    s.follow_set(actor=world.people["staff"], topic=topic, cadence=Cadence.WEEKLY)
    s.comment_add(actor=world.people["resident"], suggestion=sug, text_="补充一点")
    s.suggestion_answer(actor=world.people["staff"], suggestion=sug, answer="evaluating")
    until = timezone.now() + dt.timedelta(seconds=1)
    # Three daily followers in batches of two: two jobs (after the commit; they run at once in tests).
    with django_capture_on_commit_callbacks(execute=True):
        assert s.digests_queue(Cadence.DAILY, until=until) == 2
    for n in neighbours:
        got = Notification.objects.get(recipient=n, verb="consult.digest.daily")
        assert got.params == {"n": 2}
    # Queued again: nothing new is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        s.digests_queue(Cadence.DAILY, until=until)
    assert Notification.objects.filter(verb="consult.digest.daily").count() == 3
    # The weekly follower of the topic is in the weekly digest only.
    with django_capture_on_commit_callbacks(execute=True):
        assert s.digests_queue(Cadence.WEEKLY, until=until) == 1
    assert Notification.objects.get(recipient=world.people["staff"], verb="consult.digest.weekly").params == {
        "n": 2
    }
    assert Event.objects.count() == 2


def test_result_changes_reach_the_followers(world, topic, django_capture_on_commit_callbacks):
    sug = make_suggestion(world, topic)
    sug = s.suggestion_answer(actor=world.people["staff"], suggestion=sug, answer="adopted", text_="采纳")
    result = s.result_create(
        actor=world.people["staff"],
        area=world.areas["community_a1a"],
        title="夜间共享停车",
        suggestions=[sug],
    )
    action = s.action_add(actor=world.people["staff"], result=result, draft=s.ActionDraft(title="签协议"))
    with django_capture_on_commit_callbacks(execute=True):
        s.action_update(actor=world.people["staff"], action=action, change=s.ActionChange(progress=50))
    got = Notification.objects.filter(recipient=world.people["resident"], verb="consult.result")
    assert got.count() == 1 and got.get().params["progress"] == 50


def test_hiding_a_comment_keeps_it_for_moderators(world, topic, neighbours):
    sug = make_suggestion(world, topic)
    c = s.comment_add(actor=neighbours[0], suggestion=sug, text_="广告：低价车位出租")
    with pytest.raises(PermissionDenied):
        s.comment_moderate(actor=neighbours[1], comment=c, move_name="hide", reason="广告")
    with pytest.raises(ValidationFailed):
        s.comment_moderate(actor=world.people["staff"], comment=c, move_name="hide", reason="")
    hidden = s.comment_moderate(actor=world.people["staff"], comment=c, move_name="hide", reason="广告")
    assert hidden.hidden and hidden.text == "广告：低价车位出租" and hidden.hidden_reason == "广告"
    with pytest.raises(Conflict):
        s.comment_moderate(actor=world.people["staff"], comment=c, move_name="hide", reason="again")
    with pytest.raises(NotFound):
        s.comment_add(actor=neighbours[1], suggestion=sug, text_="回复", reply_to=c)
    assert not s.comment_moderate(actor=world.people["staff"], comment=c, move_name="restore").hidden


def test_reports_once_per_person_and_the_decision_hides_the_item(world, topic, neighbours):
    sug = make_suggestion(world, topic)
    c = s.comment_add(actor=neighbours[0], suggestion=sug, text_="骂人的话")
    first = s.report_make(actor=neighbours[1], comment=c, reason="辱骂")
    with pytest.raises(Conflict):
        s.report_make(actor=neighbours[1], comment=c, reason="again")
    s.report_make(actor=neighbours[2], comment=c, reason="不文明")
    with pytest.raises(NotAuthenticated):
        s.report_make(actor=None, comment=c, reason="x")
    with pytest.raises(ValidationFailed):
        s.report_make(actor=neighbours[2], reason="x")
    with pytest.raises(PermissionDenied):
        s.report_decide(actor=neighbours[0], report=first, decision="hidden")
    with pytest.raises(ValidationFailed):
        s.report_decide(actor=world.people["staff"], report=first, decision="delete")
    done = s.report_decide(actor=world.people["staff"], report=first, decision="hidden")
    assert done.decision == "hidden"
    assert Report.objects.filter(decision="hidden").count() == 2  # both reports of the comment
    c.refresh_from_db()
    assert c.hidden and c.hidden_reason == "辱骂"
    with pytest.raises(Conflict):
        s.report_decide(actor=world.people["staff"], report=first, decision="kept")
    # A suggestion reported and kept stays shown.
    r = s.report_make(actor=neighbours[0], suggestion=sug, reason="不相关")
    assert s.report_decide(actor=world.people["staff"], report=r, decision="kept").decision == "kept"
    sug.refresh_from_db()
    assert not sug.hidden
    # Another street's staff cannot decide.
    r2 = s.report_make(actor=neighbours[1], suggestion=sug, reason="重复")
    with pytest.raises(PermissionDenied):
        s.report_decide(actor=world.people["other_supervisor"], report=r2, decision="hidden")


def _checked_in(world, person, skill):
    ci = CheckIn.objects.create(
        person=person,
        workplace=world.units["pb_a1a"],
        community=world.areas["community_a1a"],
        area_path=world.areas["community_a1a"].path,
        status=CheckInStatus.CONFIRMED,
    )
    ci.skills.add(skill)


def test_experts_are_invited_by_a_listed_skill_and_give_an_opinion(world, topic):
    law = Skill.objects.create(code="law", name="法律", name_en="law")
    traffic = Skill.objects.create(code="traffic", name="交通", name_en="traffic")
    _checked_in(world, world.people["member"], law)
    assert s.expert_candidates(topic=topic, skill=law) == [world.people["member"]]
    assert s.expert_candidates(topic=topic, skill=traffic) == []
    with pytest.raises(ValidationFailed):
        s.expert_invite(
            actor=world.people["staff"], topic=topic, person=world.people["member"], skill=traffic
        )
    with pytest.raises(PermissionDenied):
        s.expert_invite(actor=world.people["resident"], topic=topic, person=world.people["member"], skill=law)
    invite = s.expert_invite(
        actor=world.people["staff"], topic=topic, person=world.people["member"], skill=law
    )
    assert Notification.objects.filter(recipient=world.people["member"], verb="consult.expert").count() == 1
    with pytest.raises(Conflict):
        s.expert_invite(actor=world.people["staff"], topic=topic, person=world.people["member"], skill=law)
    with pytest.raises(NotFound):
        s.expert_opinion(actor=world.people["resident"], invite=invite, text_="x")
    given = s.expert_opinion(
        actor=world.people["member"], invite=invite, text_="建议签订共享停车协议，明确责任。"
    )
    assert given.opinion.startswith("建议") and given.given_at is not None
    assert ExpertInvite.objects.get().skill == "法律"


def test_a_hot_topic_becomes_a_topic_in_one_step(world):
    from needle.intel.models import HotTopic

    now = timezone.now()
    hot = HotTopic.objects.create(
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
    with pytest.raises(NotFound):
        s.topic_from_hot_topic(actor=world.people["resident"], hot_topic_id=hot.pk)
    topic = s.topic_from_hot_topic(actor=world.people["street_admin"], hot_topic_id=hot.pk)
    assert topic.title == "华一坡夜间噪音" and topic.hot_topic_id == hot.pk
    assert topic.area == world.areas["community_a1a"] and "噪音" in topic.background
    with pytest.raises(Conflict):
        s.topic_from_hot_topic(actor=world.people["street_admin"], hot_topic_id=hot.pk)
    assert Topic.objects.count() == 1


def test_at_once_notices_are_queued_one_job_per_batch_and_sent_once(
    world, topic, django_capture_on_commit_callbacks
):
    sug = make_suggestion(world, topic)
    people = Person.objects.bulk_create(
        Person(username=f"follower{i}", display_name=f"F{i}") for i in range(2500)
    )
    Follow.objects.bulk_create(Follow(person=p, topic=topic) for p in people[:1500])
    Follow.objects.bulk_create(Follow(person=p, suggestion=sug) for p in people[1000:])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        s.comment_add(actor=world.people["resident"], suggestion=sug, text_="同意")
    # Nothing is told inside the request: three jobs wait for the commit (2,500 followers of the
    # topic or the suggestion or both, the commenter left out, in batches of 1,000).
    assert Notification.objects.filter(verb="consult.comment").count() == 0
    batches = list(EventBatch.objects.order_by("pk"))
    assert [len(b.people) for b in batches] == [1000, 1000, 500] and len(queued) == 3
    for callback in queued:
        callback()
    told = Notification.objects.filter(verb="consult.comment")
    assert told.count() == 2500
    assert told.values("recipient").distinct().count() == 2500
    assert not told.filter(recipient=world.people["resident"]).exists()
    # A job run again (or a second worker on the same batch) tells nobody twice.
    assert all(followers.tell_batch(b.pk) == 0 for b in batches)
    assert told.count() == 2500


def test_a_digest_is_queued_as_one_job_per_batch_row_given_only_its_id_and_sent_once(
    world, topic, monkeypatch, django_capture_on_commit_callbacks
):
    sug = make_suggestion(world, topic)
    people = Person.objects.bulk_create(
        Person(username=f"digest{i}", display_name=f"D{i}") for i in range(2500)
    )
    Follow.objects.bulk_create(Follow(person=p, suggestion=sug, cadence=Cadence.DAILY) for p in people)
    s.comment_add(actor=world.people["resident"], suggestion=sug, text_="补充一点")
    until = timezone.now() + dt.timedelta(seconds=1)
    enqueued = []
    enqueue = HUEY.enqueue
    monkeypatch.setattr(HUEY, "enqueue", lambda task: enqueued.append(task) or enqueue(task))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert s.digests_queue(Cadence.DAILY, until=until) == 3
    # Nothing is queued before the commit; the recipients wait in rows, 1,000 to a row.
    assert not enqueued and len(queued) == 3
    batches = list(DigestBatch.objects.order_by("pk"))
    assert [len(b.people) for b in batches] == [1000, 1000, 500]
    for callback in queued:
        callback()
    jobs = [task for task in enqueued if task.name == "digest_batch"]
    assert [task.args for task in jobs] == [(b.pk,) for b in batches]
    told = Notification.objects.filter(verb="consult.digest.daily")
    assert told.count() == told.values("recipient").distinct().count() == 2500
    # A job run again (or a second worker on the same batch) tells nobody, even were the follows
    # not yet marked as digested: the batch is claimed.
    Follow.objects.update(digested_at=None)
    assert all(followers.digest_batch(b.pk) == 0 for b in batches)
    assert told.count() == 2500


def test_a_digest_counts_an_event_once_for_who_follows_the_suggestion_and_its_topic(
    world, topic, neighbours, django_capture_on_commit_callbacks
):
    sug = make_suggestion(world, topic)
    other = make_suggestion(world, topic, title="第二条")
    both, topic_only, sugg_only = neighbours
    for person in (both, topic_only):
        s.follow_set(actor=person, topic=topic, cadence=Cadence.DAILY)
    for person in (both, sugg_only):
        s.follow_set(actor=person, suggestion=sug, cadence=Cadence.DAILY)
    s.comment_add(actor=world.people["resident"], suggestion=sug, text_="补充一点")
    s.comment_add(actor=world.people["resident"], suggestion=other, text_="也补充")
    until = timezone.now() + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert s.digests_queue(Cadence.DAILY, until=until) == 1

    def told(person):
        return Notification.objects.get(recipient=person, verb="consult.digest.daily").params["n"]

    # Two events on the topic, one of them on the followed suggestion: two each, never three.
    assert (told(both), told(topic_only), told(sugg_only)) == (2, 2, 1)
