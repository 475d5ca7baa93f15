"""/api/v1/consult/ (mounted beside `api`'s router, same paths): a suggestion's comments and
replies, follows (with the cadence) and the list of one's own, reports of content and the
moderators' queue with its decisions, the experts (candidates by skill, invitations, opinions),
and a topic opened from a hot topic in one step."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from needle.consult import selectors, services
from needle.consult.api import topic_out
from needle.consult.engagement_schemas import (
    CandidateOut,
    ExpertInviteIn,
    ExpertInviteOut,
    FromHotTopicIn,
    MyFollowOut,
    OpinionIn,
    OpinionOut,
)
from needle.consult.schemas import (
    CommentIn,
    CommentOut,
    DecideIn,
    FollowIn,
    FollowOut,
    ReportIn,
    ReportOut,
    TopicOut,
)
from needle.consult.selectors import engagement as seen
from needle.consult.selectors.engagement import access_comment, access_report, comment_thread, report_queue
from needle.core.schemas import ERRORS, Code, Id
from needle.orgs.auth import optional_actor

router = Router(tags=["consult"])


# Comments ---------------------------------------------------------------------------------------


@router.get(
    "/suggestions/{suggestion_id}/comments",
    response={200: list[CommentOut], **ERRORS},
    auth=None,
    summary="A suggestion's comments",
)
def comments(request: HttpRequest, suggestion_id: Id) -> Any:
    """Each comment with its replies; a hidden one is shown as hidden (its text to moderators)."""
    actor = optional_actor(request) or request.user
    s = selectors.access_suggestion(actor=actor, suggestion_id=suggestion_id)
    return comment_thread(actor=actor, suggestion=s)


@router.post("/suggestions/{suggestion_id}/comments", response={201: CommentOut, **ERRORS}, summary="Comment")
def comment(request: HttpRequest, suggestion_id: Id, payload: CommentIn) -> Any:
    """By those the topic lets take part; a reply to a reply is a 422."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    parent = access_comment(actor=request.user, comment_id=payload.reply_to) if payload.reply_to else None
    c = services.comment_add(actor=request.user, suggestion=s, text_=payload.text, reply_to=parent)
    return Status(
        201,
        {
            "id": c.pk,
            "author": c.author.display_name,
            "text": c.text,
            "hidden": False,
            "hidden_reason": "",
            "created_at": c.created_at,
            "replies": [],
        },
    )


# Follows ----------------------------------------------------------------------------------------


def _follow_out(f: Any) -> dict[str, Any]:
    return {"id": f.pk, "topic": f.topic_id, "suggestion": f.suggestion_id, "cadence": f.cadence}


@router.put("/topics/{topic_id}/follow", response={200: FollowOut, **ERRORS}, summary="Follow a topic")
def follow_topic(request: HttpRequest, topic_id: Id, payload: FollowIn) -> Any:
    topic = selectors.access_topic(topic_id=topic_id)
    return _follow_out(services.follow_set(actor=request.user, topic=topic, cadence=payload.cadence))


@router.put(
    "/suggestions/{suggestion_id}/follow", response={200: FollowOut, **ERRORS}, summary="Follow a suggestion"
)
def follow_suggestion(request: HttpRequest, suggestion_id: Id, payload: FollowIn) -> Any:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    return _follow_out(services.follow_set(actor=request.user, suggestion=s, cadence=payload.cadence))


@router.delete("/topics/{topic_id}/follow", response={204: None, **ERRORS}, summary="Stop following a topic")
def unfollow_topic(request: HttpRequest, topic_id: Id) -> Any:
    services.unfollow(actor=request.user, topic=selectors.access_topic(topic_id=topic_id))
    return Status(204, None)


@router.delete(
    "/suggestions/{suggestion_id}/follow",
    response={204: None, **ERRORS},
    summary="Stop following a suggestion",
)
def unfollow_suggestion(request: HttpRequest, suggestion_id: Id) -> Any:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    services.unfollow(actor=request.user, suggestion=s)
    return Status(204, None)


@router.get("/follows", response={200: list[MyFollowOut], **ERRORS}, summary="What I follow")
def my_follows(request: HttpRequest) -> Any:
    """The caller's follows, each with its cadence (change it with PUT on the topic or the
    suggestion)."""
    return [
        {
            "id": f.pk,
            "topic": f.topic_id,
            "suggestion": f.suggestion_id,
            "title": f.topic.title if f.topic is not None else f.suggestion.title,  # type: ignore[union-attr]
            "cadence": f.cadence,
        }
        for f in seen.my_follows(actor=request.user)
    ]


# Reports ----------------------------------------------------------------------------------------


def _report_out(r: Any) -> dict[str, Any]:
    item = r.suggestion if r.suggestion_id else r.comment
    return {
        "id": r.pk,
        "suggestion": r.suggestion_id,
        "comment": r.comment_id,
        "reason": r.reason,
        "decision": r.decision,
        "text": item.text if item is not None else "",
    }


@router.post(
    "/suggestions/{suggestion_id}/reports", response={201: None, **ERRORS}, summary="Report a suggestion"
)
def report_suggestion(request: HttpRequest, suggestion_id: Id, payload: ReportIn) -> Any:
    """Anyone signed in, once per suggestion (409)."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    services.report_make(actor=request.user, suggestion=s, reason=payload.reason)
    return Status(201, None)


@router.post("/comments/{comment_id}/reports", response={201: None, **ERRORS}, summary="Report a comment")
def report_comment(request: HttpRequest, comment_id: Id, payload: ReportIn) -> Any:
    c = access_comment(actor=request.user, comment_id=comment_id)
    services.report_make(actor=request.user, comment=c, reason=payload.reason)
    return Status(201, None)


@router.get("/reports", response={200: list[ReportOut], **ERRORS}, summary="Reported content waiting")
def reports(request: HttpRequest) -> Any:
    """The moderators' queue over their areas, oldest first (the first 200)."""
    return [_report_out(r) for r in report_queue(actor=request.user)[:200]]


@router.post("/reports/{report_id}/decision", response={200: ReportOut, **ERRORS}, summary="Decide a report")
def decide(request: HttpRequest, report_id: Id, payload: DecideIn) -> Any:
    """Hide the item (with the reason given, else the report's) or keep it."""
    r = access_report(actor=request.user, report_id=report_id)
    r = services.report_decide(actor=request.user, report=r, decision=payload.decision, reason=payload.reason)
    return _report_out(r)


# Experts ----------------------------------------------------------------------------------------


def _invite_out(i: Any) -> dict[str, Any]:
    return {
        "id": i.pk,
        "topic": i.topic_id,
        "person": i.person_id,
        "name": i.person.display_name,
        "skill": i.skill,
        "opinion": i.opinion,
        "given_at": i.given_at,
    }


@router.get(
    "/topics/{topic_id}/experts/candidates",
    response={200: list[CandidateOut], **ERRORS},
    summary="Members who could give an expert opinion",
)
def expert_candidates(request: HttpRequest, topic_id: Id, skill: Code) -> Any:
    """The topic's staff: members checked in within its area who listed the skill (its code)."""
    topic = selectors.access_topic(topic_id=topic_id)
    found = seen.skill_by_code(skill)
    invited = {i.person_id for i in seen.topic_invites(actor=request.user, topic=topic)}
    people = seen.expert_candidates_for(actor=request.user, topic=topic, skill=found)
    return [{"id": p.pk, "name": p.display_name, "invited": p.pk in invited} for p in people]


@router.post(
    "/topics/{topic_id}/experts", response={201: ExpertInviteOut, **ERRORS}, summary="Invite an expert"
)
def invite_expert(request: HttpRequest, topic_id: Id, payload: ExpertInviteIn) -> Any:
    """The topic's staff invite one of the candidates for the skill; they are notified. A second
    invitation of the same member is a 409."""
    topic = selectors.access_topic(topic_id=topic_id)
    skill = seen.skill_by_code(payload.skill)
    person = seen.expert_candidate(actor=request.user, topic=topic, skill=skill, person_id=payload.person)
    invite = services.expert_invite(actor=request.user, topic=topic, person=person, skill=skill)
    return Status(201, _invite_out(invite))


@router.get(
    "/topics/{topic_id}/experts",
    response={200: list[OpinionOut], **ERRORS},
    auth=None,
    summary="A topic's expert opinions",
)
def expert_opinions(request: HttpRequest, topic_id: Id) -> Any:
    """Open to everyone: the opinions given, apart from the suggestions."""
    topic = selectors.access_topic(topic_id=topic_id)
    return [
        {
            "id": e.pk,
            "name": e.person.display_name,
            "skill": e.skill,
            "opinion": e.opinion,
            "given_at": e.given_at,
        }
        for e in seen.expert_opinions(topic=topic)
    ]


@router.get("/experts/invitations", response={200: list[ExpertInviteOut], **ERRORS}, summary="My invitations")
def my_invitations(request: HttpRequest) -> Any:
    return [_invite_out(i) for i in seen.my_invites(actor=request.user)]


@router.post(
    "/experts/invitations/{invite_id}/opinion",
    response={200: ExpertInviteOut, **ERRORS},
    summary="Give an expert opinion",
)
def give_opinion(request: HttpRequest, invite_id: Id, payload: OpinionIn) -> Any:
    """The invited member only (anyone else: 404), while the topic is open; again to revise it."""
    invite = seen.access_invite(actor=request.user, invite_id=invite_id)
    return _invite_out(services.expert_opinion(actor=request.user, invite=invite, text_=payload.text))


# A hot topic made a topic ------------------------------------------------------------------------


@router.post(
    "/topics/from-hot-topic", response={201: TopicOut, **ERRORS}, summary="Open a topic from a hot topic"
)
def from_hot_topic(request: HttpRequest, payload: FromHotTopicIn) -> Any:
    """Staff who see the hot topic and manage its area; its title, size and keywords are the
    defaults. One topic per hot topic (409)."""
    topic = services.topic_from_hot_topic(
        actor=request.user,
        hot_topic_id=payload.hot_topic,
        title=payload.title,
        question=payload.question,
        background=payload.background,
        days=payload.days,
        participants=payload.participants,
    )
    return Status(201, topic_out(topic))
