"""The demo's think tank: topics in the staff's community and others of its street drawn from real
residents' messages, suggestions and supports, answers (one overdue), and a result whose actions
follow an open request, a member invited as an expert; every answer one the lifecycle allows."""

import random

from django.utils import timezone

from needle import testing as t
from needle.consult.models import ANSWERED, ExpertInvite, Meeting, Result, Suggestion, Support, Topic
from needle.consult.selectors import result_tree
from needle.consult.survey_models import Question, Response
from needle.demo.consult import demo_consult_load
from needle.volunteering.models import CheckIn, CheckInStatus, Skill


def test_the_demo_s_think_tank(world):
    a1a, a1b = world.areas["community_a1a"], world.areas["community_a1b"]
    t.UnitFactory.create(code="rc-a1b", type="resident_committee", area=a1b)
    for i in range(6):
        t.PersonFactory.create(username=f"r{i}", home_area=a1a if i % 2 else a1b)
    # A member checked in within the staff's community, who listed a skill: the expert to invite.
    law = Skill.objects.create(code="law", name="法律", name_en="law")
    checkin = CheckIn.objects.create(
        person=world.people["member"],
        workplace=world.units["pb_a1a"],
        community=a1a,
        area_path=a1a.path,
        status=CheckInStatus.CONFIRMED,
    )
    checkin.skills.add(law)
    catalog = t.build_catalog(world)
    case = t.submit(world, catalog["road"])
    made = demo_consult_load(
        staff=world.people["staff"],
        admin=world.people["root"],
        resident=world.people["resident"],
        rng=random.Random(3),
    )
    topics = Topic.objects.all()
    assert made["topics"] == topics.count() == 3
    assert {x.area_id for x in topics} == {a1a.pk, a1b.pk}
    assert topics.filter(title__contains="停车").exists() and topics.filter(title__contains="物业").exists()
    suggestions = Suggestion.objects.all()
    assert made["suggestions"] == suggestions.count() >= 12
    assert suggestions.filter(author=world.people["resident"]).exists()
    assert suggestions.filter(record__isnull=False).count() >= 9
    assert made["supports"] == Support.objects.count() > 0
    assert suggestions.filter(status="not_adopted").exclude(answer_text="").count() >= 2
    assert suggestions.filter(status__in=ANSWERED).count() == made["answers"]
    today = timezone.localdate()
    assert suggestions.filter(status="submitted", answer_due__lt=today).count() == 1
    assert topics.filter(closes__lt=today).count() == 1
    result = Result.objects.get()
    roots, progress = result_tree(result)
    follows = [n for n in roots if n.action.case_id == case.pk]
    assert len(follows) == 1 and 0 < progress < 100
    assert result.suggestions.get().status == "adopted"
    # A survey of three questions on the first topic, answered by residents (not the persona).
    survey = Topic.objects.order_by("pk").first()
    assert made["questions"] == Question.objects.filter(topic=survey).count() == 3
    assert made["responses"] == Response.objects.filter(topic=survey).count() >= 2
    assert not Response.objects.filter(person=world.people["resident"]).exists()
    # One deliberation meeting, held, with its attendance, a decision voted on and its minutes.
    meeting = Meeting.objects.get()
    assert meeting.status == "minuted" and meeting.minutes and meeting.area == a1a
    assert made["decisions"] == meeting.decisions.count() == 1
    decision = meeting.decisions.get()
    assert decision.passed and decision.suggestion == result.suggestions.get()
    seats = meeting.participants.all()
    assert seats.filter(kind="property", record__isnull=False).count() == 1
    assert seats.filter(attended=False).count() == 1 and seats.filter(attended=True).count() >= 2
    assert decision.votes_for + decision.votes_against <= seats.filter(attended=True).count()
    # The member is invited, through the service, to give an opinion on the first topic.
    invite = ExpertInvite.objects.get()
    assert made["experts"] == 1
    assert (invite.topic, invite.person, invite.skill) == (survey, world.people["member"], "法律")
