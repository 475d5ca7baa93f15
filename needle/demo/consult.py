"""The demo's think tank: in the staff persona's community and two others of its street, a topic
each on what residents write about most (parking, noise, property management, lifts for old
buildings), with suggestions whose words are real residents' messages from the Teddy Cup files
(anonymised by the organisers), made by the resident persona and by the community's residents or
entered at the counter for people without an account; supports from the community's residents;
answers (adopted, partly adopted, not adopted with the official reply as its reason, being
evaluated), one overdue; a short survey on the first topic, answered by some residents; a
member invited to give an expert opinion on it, for a skill they listed when checking in; and
a result with a tree of actions, one following an open request of the community.

Written through the services (a dozen topics' worth of rows, so every rule and audit holds), with
two corrections in bulk the services cannot make: topics and suggestions moved back in time so that
one topic has closed and one answer is overdue."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from needle.areas.models import Area, Level
from needle.cases.models import OPEN_STATES, Case
from needle.consult import services as s
from needle.consult.access import may_take_part
from needle.consult.models import Suggestion, Topic
from needle.consult.selectors.engagement import expert_candidates_for
from needle.consult.services.surveys import Given, QuestionDraft, question_add, survey_answer
from needle.consult.states import step_allowed
from needle.demo.catalog import read_csv
from needle.demo.names import random_name, random_phone
from needle.orgs.models import Person, Unit, UnitType
from needle.volunteering.models import Skill


@dataclass(frozen=True)
class Theme:
    word: str  # the messages whose title holds it
    title: str
    question: str
    participants: str


THEMES = [
    Theme(
        "停车",
        "小区停车难，怎么解决？",
        "老旧小区车位不足，夜间车辆乱停、堵塞消防通道。您有什么建议？",
        "residents",
    ),
    Theme("噪音", "夜间噪音扰民怎么治？", "施工、商铺和娱乐场所的噪音影响休息。社区该怎么协调？", "everyone"),
    Theme(
        "物业",
        "物业服务怎么改进？",
        "物业收费、维修和管理问题反映较多。请大家提出改进物业服务的建议。",
        "residents",
    ),
    Theme(
        "电梯",
        "老楼加装电梯和电梯维修，听听您的意见",
        "老旧楼栋加装电梯、电梯故障维修如何推进？",
        "residents",
    ),
]
# The official answers the demo gives, in order, to a topic's suggestions.
ANSWERS = ["adopted", "partly_adopted", "not_adopted", "evaluating", None, None]
MAX_TEXT = 600


def _messages() -> dict[str, list[dict[str, str]]]:
    rows = read_csv("teddycup_messages.csv.gz")
    return {
        t.word: [r for r in rows if t.word in r["title"] and 20 <= len(r["text"]) <= MAX_TEXT] for t in THEMES
    }


def _committee(community: Area) -> Unit | None:
    return Unit.objects.filter(
        area=community, type=UnitType.RESIDENT_COMMITTEE, dissolved_on__isnull=True
    ).first()


def demo_consult_load(
    *, staff: Person, admin: Person, resident: Person | None, rng: random.Random
) -> dict[str, int]:
    """Topics, suggestions, supports, answers and a result in the staff persona's community and
    two more of its street; returns what it made."""
    home = staff.roles.select_related("unit__area").first()
    assert home is not None
    community = home.unit.area
    others = list(
        Area.objects.filter(parent=community.parent, level=Level.COMMUNITY, retired=False)
        .exclude(pk=community.pk)
        .order_by("code")[:2]
    )
    messages = _messages()
    today = timezone.localdate()
    made = {"topics": 0, "suggestions": 0, "supports": 0, "answers": 0, "actions": 0, "decisions": 0}
    first_adopted: Suggestion | None = None
    for i, area in enumerate([community, *others]):
        unit = _committee(area)
        if unit is None:
            continue
        opener = staff if area.pk == community.pk else admin
        for theme in THEMES[i : i + 2] if area.pk == community.pk else THEMES[i + 1 : i + 2]:
            topic = s.topic_open(
                actor=opener,
                area=area,
                unit=unit,
                draft=s.TopicDraft(
                    title=theme.title,
                    question=theme.question,
                    opens=today - dt.timedelta(days=12),
                    closes=today + dt.timedelta(days=18),
                    participants=theme.participants,
                    answer_days=10,
                ),
            )
            made["topics"] += 1
            residents = list(Person.objects.filter(home_area__path__startswith=area.path).order_by("pk")[:12])
            picks = rng.sample(messages[theme.word], k=min(len(ANSWERS), len(messages[theme.word])))
            for j, msg in enumerate(picks):
                title = msg["title"][:150]
                if j == 0 and resident is not None and resident.home_area_id == area.pk:
                    sug = s.suggestion_make(actor=resident, topic=topic, title=title, text_=msg["text"])
                else:
                    sug = s.suggestion_make(
                        actor=opener,
                        topic=topic,
                        title=title,
                        text_=msg["text"],
                        on_behalf=s.OnBehalf(name=random_name(rng), phone=random_phone(rng)),
                    )
                made["suggestions"] += 1
                for person in rng.sample(residents, k=rng.randint(0, len(residents))):
                    s.support_add(actor=person, suggestion=sug)
                    made["supports"] += 1
                answer = ANSWERS[j]
                if answer is None:
                    continue
                assert step_allowed(sug.status, answer)
                reply = msg["reply"][:4000] or "感谢您的建议，社区将认真研究。"
                sug = s.suggestion_answer(actor=opener, suggestion=sug, answer=answer, text_=reply)
                made["answers"] += 1
                if answer == "adopted" and first_adopted is None and area.pk == community.pk:
                    first_adopted = sug
            if area.pk == community.pk and theme is THEMES[0]:
                # One waiting answer falls overdue: the suggestion was made two weeks ago.
                late = Suggestion.objects.filter(topic=topic, status="submitted").order_by("pk").first()
                if late is not None:
                    Suggestion.objects.filter(pk=late.pk).update(
                        created_at=timezone.now() - dt.timedelta(days=14),
                        answer_due=today - dt.timedelta(days=2),
                    )
    made.update(_engagement(staff, community, resident))
    made.update(_survey(staff, community, resident, rng))
    made.update(_expert(staff, community))
    # The second topic of the staff's community has closed.
    ours = list(Topic.objects.filter(area=community).order_by("pk").values_list("pk", flat=True))
    if len(ours) > 1:
        Topic.objects.filter(pk=ours[1]).update(
            opens=today - dt.timedelta(days=40),
            closes=today - dt.timedelta(days=5),
            updated_at=timezone.now(),
        )
    if first_adopted is not None:
        made["actions"] = _result(staff, community, first_adopted)
        made["decisions"] = _meeting(staff, community, first_adopted, rng)
    return made


def _meeting(staff: Person, community: Area, adopted: Suggestion, rng: random.Random) -> int:
    """One meeting of the community's deliberation council, held five days ago on the adopted
    suggestion, with its attendance, a decision voted on and its minutes."""
    residents = list(Person.objects.filter(home_area_id=community.pk).order_by("pk")[:4])
    seats = [s.Seat(kind="representative", person=p) for p in residents]
    seats.append(s.Seat(kind="property", newcomer=s.OnBehalf(name=random_name(rng), phone=random_phone(rng))))
    start = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0) - dt.timedelta(days=5)
    meeting = s.meeting_schedule(
        actor=staff,
        area=community,
        draft=s.MeetingDraft(
            title="居民议事会：" + adopted.topic.title,
            starts_at=start,
            place="社区党群服务中心二楼会议室",
            topics=[adopted.topic],
            suggestions=[adopted],
            seats=seats,
        ),
    )
    seat_ids = list(meeting.participants.order_by("pk").values_list("pk", flat=True))
    # One representative sent apologies.
    meeting = s.meeting_hold(actor=staff, meeting=meeting, present=seat_ids[1:])
    s.decision_record(
        actor=staff,
        meeting=meeting,
        title=f"采纳：{adopted.title}"[:150],
        text_="议事会同意按社区方案分步落实，方案公示七天后实施，进度在社区公开。",
        votes=s.Votes(votes_for=max(1, len(seat_ids) - 2), against=1 if len(seat_ids) > 2 else 0, abstain=0),
        suggestion=adopted,
    )
    s.meeting_minute(
        actor=staff,
        meeting=meeting,
        minutes=(
            "一、社区介绍了议题的由来和居民建议的情况。\n"
            "二、居民代表、物业公司逐一发言，讨论了方案的可行性和费用分担。\n"
            "三、表决通过落实方案，社区负责跟进并每周公示进度。"
        ),
    )
    return 1


def _engagement(staff: Person, community: Area, resident: Person | None) -> dict[str, int]:
    """On the first topic of the staff's community: a short thread of comments with a reply, a
    resident following the topic with a daily digest, and a reported comment waiting in the
    moderators' queue."""
    topic = Topic.objects.filter(area=community).order_by("pk").first()
    sug = Suggestion.objects.filter(topic=topic, hidden=False).order_by("-supports", "pk").first()
    if topic is None or sug is None:
        return {}
    people = [
        p
        for p in Person.objects.filter(home_area__path__startswith=community.path).order_by("pk")[:12]
        if may_take_part(p, topic)
    ][:3]
    if len(people) < 3:
        return {}
    first = s.comment_add(actor=people[0], suggestion=sug, text_="赞成，晚上回来根本找不到车位。")
    s.comment_add(
        actor=people[1], suggestion=sug, text_="周边单位的停车场晚上是空的，可以谈谈。", reply_to=first
    )
    rude = s.comment_add(actor=people[2], suggestion=sug, text_="低价出租车位，加微信详谈。")
    s.report_make(actor=people[0], comment=rude, reason="广告")
    if resident is not None and may_take_part(resident, topic):
        s.follow_set(actor=resident, topic=topic, cadence="daily")
    return {"comments": 3, "reports": 1}


def _survey(staff: Person, community: Area, resident: Person | None, rng: random.Random) -> dict[str, int]:
    """Three survey questions on the first topic of the staff's community (one choice, a scale,
    free text) answered by up to eight of its residents; the resident persona is left to answer
    on the page."""
    topic = Topic.objects.filter(area=community).order_by("pk").first()
    if topic is None:
        return {}
    drafts = [
        QuestionDraft(kind="single", text="您家有几辆车？", choices=["没有", "一辆", "两辆及以上"]),
        QuestionDraft(
            kind="scale", text="您觉得小区停车难的程度（1 不难，5 很难）", scale_min=1, scale_max=5
        ),
        QuestionDraft(kind="text", text="对停车管理还有什么建议？", required=False),
    ]
    cars, scale, words = (question_add(actor=staff, topic=topic, draft=d) for d in drafts)
    people = [
        p
        for p in Person.objects.filter(home_area__path__startswith=community.path).order_by("pk")[:16]
        if p != resident and may_take_part(p, topic)
    ][:8]
    said = ["晚上能不能开放附近单位的停车场？", "希望划定临时停车位。", ""]
    for person in people:
        answers = {cars.pk: Given(choices=[rng.randrange(3)]), scale.pk: Given(value=rng.randint(2, 5))}
        text = rng.choice(said)
        if text:
            answers[words.pk] = Given(text=text)
        survey_answer(actor=person, topic=topic, answers=answers)
    return {"questions": len(drafts), "responses": len(people)}


def _expert(staff: Person, community: Area) -> dict[str, int]:
    """One member checked in within the staff's community, invited for the first skill (by code)
    any of them listed to give an opinion on its first topic; the opinion is left for them."""
    topic = Topic.objects.filter(area=community).order_by("pk").first()
    if topic is None:
        return {}
    for skill in Skill.objects.order_by("code"):
        candidates = expert_candidates_for(actor=staff, topic=topic, skill=skill)
        if candidates:
            s.expert_invite(actor=staff, topic=topic, person=candidates[0], skill=skill)
            return {"experts": 1}
    return {}


def _result(staff: Person, community: Area, adopted: Suggestion) -> int:
    result = s.result_create(
        actor=staff,
        area=community,
        title=f"落实：{adopted.title}"[:150],
        suggestions=[adopted],
        description="社区协商后采纳的建议，分步落实，进度公开。",
    )
    today = timezone.localdate()
    plan = s.action_add(
        actor=staff,
        result=result,
        draft=s.ActionDraft(
            title="制定方案并征求居民意见", weight=2, starts_on=today - dt.timedelta(days=10)
        ),
    )
    s.action_add(
        actor=staff,
        result=result,
        draft=s.ActionDraft(
            title="召开居民议事会", progress=100, parent=plan, ends_on=today - dt.timedelta(days=3)
        ),
    )
    s.action_add(
        actor=staff,
        result=result,
        draft=s.ActionDraft(title="公示方案", progress=40, parent=plan, ends_on=today + dt.timedelta(days=7)),
    )
    case: Any = (
        Case.objects.filter(area_path__startswith=community.path, state__in=OPEN_STATES)
        .order_by("pk")
        .first()
    )
    s.action_add(
        actor=staff,
        result=result,
        draft=s.ActionDraft(
            title="整改落实（跟随诉求办理）", weight=3, case=case, ends_on=today + dt.timedelta(days=30)
        ),
    )
    return 4
