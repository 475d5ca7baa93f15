"""/api/v1/consult/: topics (opened by staff, listed by area for everyone), suggestions on them
(by those the topic lets take part, or by staff on behalf), supports (once per person; DELETE
withdraws), official answers, moderation, and results with their tree of actions and the
progress computed from it; deliberation meetings under /meetings (`meeting_api`). Comments,
follows, reports, experts and topics from hot topics are `engagement_api`'s."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_named, area_named_or_none
from needle.cases.models import Case
from needle.consult import selectors, services
from needle.consult.access import may_view_hidden
from needle.consult.meeting_api import router as meetings_router
from needle.consult.models import Action, Result, Suggestion, Topic
from needle.consult.presenters import result_out
from needle.consult.schemas import (
    ActionChangeIn,
    ActionIn,
    AnswerIn,
    HideIn,
    ResultIn,
    ResultOut,
    SuggestionIn,
    SuggestionOut,
    SuggestionPageOut,
    SupportOut,
    TopicIn,
    TopicOut,
    TopicPageOut,
)
from needle.core.errors import ValidationFailed, or_invalid
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Code, Id, Page, PageSize
from needle.orgs.auth import optional_actor
from needle.orgs.models import Unit

router = Router(tags=["consult"])


def topic_out(topic: Topic) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": topic.pk,
        "area": topic.area.code,
        "title": topic.title,
        "question": topic.question,
        "background": topic.background,
        "opens": topic.opens,
        "closes": topic.closes,
        "participants": topic.participants,
        "unit": topic.unit_id,
        "answer_days": topic.answer_days,
        "answer_by": topic.answer_by,
        "open": topic.opens <= today <= topic.closes,
    }


def suggestion_out(s: Suggestion, *, moderator: bool = False, supported: bool = False) -> dict[str, Any]:
    return {
        "id": s.pk,
        "topic": s.topic_id,
        "title": s.title,
        "text": s.text,
        "supports": s.supports,
        "status": s.status,
        "answer_text": s.answer_text,
        "answer_due": s.answer_due,
        "answered_at": s.answered_at,
        "overdue": s.answered_at is None and s.answer_due < timezone.localdate(),
        "hidden": s.hidden,
        "hidden_reason": s.hidden_reason if moderator else "",
        "supported": supported,
    }


@router.get("/topics", response={200: TopicPageOut, **ERRORS}, auth=None, summary="Topics in an area")
def list_topics(
    request: HttpRequest,
    area: Code | None = None,
    open: bool = False,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    """Open to everyone: the topics in the area's subtree, newest first; `open`: open today."""
    qs = selectors.topic_list(area=area_named_or_none(area), open_only=open)
    result = paginate(qs, page=page, page_size=page_size)
    return page_out(result, [topic_out(t) for t in result.items])


@router.post("/topics", response={201: TopicOut, **ERRORS}, summary="Open a topic")
def open_topic(request: HttpRequest, payload: TopicIn) -> Any:
    """Staff of the area (consult.manage)."""
    area = area_named(payload.area)
    unit = None
    if payload.unit is not None:
        unit = or_invalid(Unit.objects.filter(pk=payload.unit).first(), "unit", _("No such unit."))
    draft = services.TopicDraft(
        title=payload.title,
        question=payload.question,
        background=payload.background,
        opens=payload.opens,
        closes=payload.closes,
        participants=payload.participants,
        answer_days=payload.answer_days,
        answer_by=payload.answer_by,
    )
    topic = services.topic_open(actor=request.user, area=area, draft=draft, unit=unit)
    return Status(201, topic_out(topic))


@router.get("/topics/{topic_id}", response={200: TopicOut, **ERRORS}, auth=None, summary="One topic")
def get_topic(request: HttpRequest, topic_id: Id) -> Any:
    return topic_out(selectors.access_topic(topic_id=topic_id))


@router.get(
    "/topics/{topic_id}/suggestions",
    response={200: SuggestionPageOut, **ERRORS},
    auth=None,
    summary="A topic's suggestions",
)
def list_suggestions(
    request: HttpRequest, topic_id: Id, order: str = "supports", page: Page = 1, page_size: PageSize = 50
) -> Any:
    """Open to everyone, without names: by supports (most first) or `order=newest`. Hidden ones
    are left out, except for moderators and auditors."""
    actor = optional_actor(request) or request.user
    if order not in ("supports", "newest"):
        raise ValidationFailed(fields={"order": _("Choose supports or newest.")})
    topic = selectors.access_topic(topic_id=topic_id)
    result = paginate(
        selectors.suggestion_list(actor=actor, topic=topic, order=order),
        page=page,
        page_size=page_size,
    )
    mine = selectors.my_supports(actor=actor, suggestion_ids=[s.pk for s in result.items])
    moderator = may_view_hidden(actor, topic.area_path)
    return page_out(
        result, [suggestion_out(s, moderator=moderator, supported=s.pk in mine) for s in result.items]
    )


@router.post(
    "/topics/{topic_id}/suggestions", response={201: SuggestionOut, **ERRORS}, summary="Make a suggestion"
)
def make_suggestion(request: HttpRequest, topic_id: Id, payload: SuggestionIn) -> Any:
    """Those the topic lets take part, while it is open; staff add `on_behalf` for a person
    without an account (their consent to being kept is noted by the staff member)."""
    topic = selectors.access_topic(topic_id=topic_id)
    on_behalf = None
    if payload.on_behalf is not None:
        on_behalf = services.OnBehalf(name=payload.on_behalf.name, phone=payload.on_behalf.phone)
    s = services.suggestion_make(
        actor=request.user, topic=topic, title=payload.title, text_=payload.text, on_behalf=on_behalf
    )
    return Status(201, suggestion_out(s))


@router.get(
    "/suggestions/{suggestion_id}",
    response={200: SuggestionOut, **ERRORS},
    auth=None,
    summary="One suggestion",
)
def get_suggestion(request: HttpRequest, suggestion_id: Id) -> Any:
    actor = optional_actor(request) or request.user
    s = selectors.access_suggestion(actor=actor, suggestion_id=suggestion_id)
    mine = selectors.my_supports(actor=actor, suggestion_ids=[s.pk])
    return suggestion_out(s, moderator=may_view_hidden(actor, s.area_path), supported=s.pk in mine)


@router.post(
    "/suggestions/{suggestion_id}/supports",
    response={201: SupportOut, **ERRORS},
    summary="Support a suggestion",
)
def support(request: HttpRequest, suggestion_id: Id) -> Any:
    """Once per person (a second is a 409)."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    services.support_add(actor=request.user, suggestion=s)
    s.refresh_from_db(fields=["supports"])
    return Status(201, {"suggestion": s.pk, "supports": s.supports})


@router.delete(
    "/suggestions/{suggestion_id}/supports",
    response={200: SupportOut, **ERRORS},
    summary="Withdraw a support",
)
def withdraw(request: HttpRequest, suggestion_id: Id) -> Any:
    """404 when the caller does not support it."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    services.support_withdraw(actor=request.user, suggestion=s)
    s.refresh_from_db(fields=["supports"])
    return {"suggestion": s.pk, "supports": s.supports}


@router.post(
    "/suggestions/{suggestion_id}/answer",
    response={200: SuggestionOut, **ERRORS},
    summary="Answer a suggestion",
)
def answer(request: HttpRequest, suggestion_id: Id, payload: AnswerIn) -> Any:
    """The answering unit or the area's staff; not adopted needs the reason in `text`; a final
    answer stands (409)."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    s = services.suggestion_answer(
        actor=request.user, suggestion=s, answer=payload.status, text_=payload.text
    )
    return suggestion_out(s, moderator=may_view_hidden(request.user, s.area_path))


@router.post(
    "/suggestions/{suggestion_id}/hide", response={200: SuggestionOut, **ERRORS}, summary="Hide a suggestion"
)
def hide(request: HttpRequest, suggestion_id: Id, payload: HideIn) -> Any:
    """Moderators (consult.manage): hidden from the public with a reason, kept for them."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    s = services.suggestion_moderate(
        actor=request.user, suggestion=s, move_name="hide", reason=payload.reason
    )
    return suggestion_out(s, moderator=True)


@router.post(
    "/suggestions/{suggestion_id}/restore",
    response={200: SuggestionOut, **ERRORS},
    summary="Show a suggestion again",
)
def restore(request: HttpRequest, suggestion_id: Id) -> Any:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    s = services.suggestion_moderate(actor=request.user, suggestion=s, move_name="restore")
    return suggestion_out(s, moderator=True)


@router.post("/results", response={201: ResultOut, **ERRORS}, summary="Create a result")
def create_result(request: HttpRequest, payload: ResultIn) -> Any:
    """Staff of the area, from adopted suggestions of the area."""
    area = area_named(payload.area)
    found = {s.pk: s for s in Suggestion.objects.filter(pk__in=payload.suggestions)}
    missing = [i for i in payload.suggestions if i not in found]
    if missing:
        raise ValidationFailed(fields={"suggestions": _("No suggestion %(id)s.") % {"id": missing[0]}})
    result = services.result_create(
        actor=request.user,
        area=area,
        title=payload.title,
        description=payload.description,
        suggestions=list(found.values()),
    )
    return Status(201, result_out(result))


@router.get(
    "/results/{result_id}",
    response={200: ResultOut, **ERRORS},
    auth=None,
    summary="A result and its progress",
)
def get_result(request: HttpRequest, result_id: Id) -> Any:
    """Open to everyone: the tree of actions, each with its computed progress and status."""
    return result_out(selectors.access_result(result_id=result_id))


def _case(request: HttpRequest, number: str | None) -> Case | None:
    return None if number is None else selectors.linkable_case(actor=request.user, number=number)


def _parent(result: Result, parent_id: int | None) -> Action | None:
    if parent_id is None:
        return None
    parent = Action.objects.filter(pk=parent_id).first()
    if parent is None or parent.result_id != result.pk:
        raise ValidationFailed(fields={"parent": _("The parent must be an action of the same result.")})
    return parent


@router.post("/results/{result_id}/actions", response={201: ResultOut, **ERRORS}, summary="Add an action")
def add_action(request: HttpRequest, result_id: Id, payload: ActionIn) -> Any:
    """Staff of the result's area; `case`: a request's number, which the action then follows."""
    result = selectors.access_result(result_id=result_id)
    if payload.task is not None:
        raise ValidationFailed(fields={"task": _("Links to supervised tasks come with the supervision app.")})
    if payload.case is not None and payload.project is not None:
        raise ValidationFailed(fields={"project": _("An action follows a request or a project, not both.")})
    project = None
    if payload.project is not None:
        project = selectors.linkable_project(actor=request.user, project_id=payload.project)
    draft = services.ActionDraft(
        title=payload.title,
        progress=payload.progress,
        weight=payload.weight,
        parent=_parent(result, payload.parent),
        case=_case(request, payload.case),
        project=project,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    action = services.action_add(actor=request.user, result=result, draft=draft)
    out = result_out(result)
    out["action"] = action.pk
    return Status(201, out)


@router.patch(
    "/results/{result_id}/actions/{action_id}",
    response={200: ResultOut, **ERRORS},
    summary="Change an action",
)
def change_action(request: HttpRequest, result_id: Id, action_id: Id, payload: ActionChangeIn) -> Any:
    """Progress, weight, title, dates, or its place in the tree (never under itself: 422)."""
    result = selectors.access_result(result_id=result_id)
    action = selectors.access_action(result=result, action_id=action_id)
    change = services.ActionChange(
        title=payload.title,
        progress=payload.progress,
        weight=payload.weight,
        parent=_parent(result, payload.parent),
        parent_set=payload.top or payload.parent is not None,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    services.action_update(actor=request.user, action=action, change=change)
    return result_out(result)


# Deliberation meetings, under /api/v1/consult/meetings.
router.add_router("/meetings", meetings_router)
