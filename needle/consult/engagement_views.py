"""The engagement's pages: on a topic's page, each suggestion's comments with the comment, reply
and report forms and the follow buttons (with the cadence), the topic's follow button and the
invited expert's opinion form; "what I follow" (the digest preferences); and on the staff's
console, the experts of a topic (candidates by skill, invitations) and the area's hot topics,
each made a topic in one step. Thin, over the same selectors and services as the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.consult import selectors, services
from needle.consult.access import may_manage, may_take_part, may_view_hidden
from needle.consult.engagement_forms import (
    CandidatesForm,
    CommentForm,
    FollowForm,
    FromHotTopicForm,
    InviteForm,
    OpinionForm,
    ReportForm,
)
from needle.consult.models import Cadence, Follow, Suggestion, Topic
from needle.consult.pages import form_refusal, go_back
from needle.consult.selectors import engagement as seen
from needle.core.errors import DomainError, NotFound
from needle.core.views import refusal_message
from needle.orgs.permissions import require, require_anywhere


@dataclass
class SuggestionEngagement:
    """What the topic's page shows under one suggestion."""

    threads: list[dict[str, Any]] = field(default_factory=list)
    follow: Follow | None = None


def topic_engagement(request: HttpRequest, topic: Topic, suggestions: list[Suggestion]) -> dict[str, Any]:
    """The topic page's context for the engagement includes."""
    actor = request.user
    ids = [s.pk for s in suggestions]
    threads = seen.comment_threads(actor=actor, area_path=topic.area_path, suggestion_ids=ids)
    follows = seen.my_suggestion_follows(actor=actor, suggestion_ids=ids)
    invites = seen.my_invites(actor=actor, topic=topic)
    return {
        "engagement": {
            pk: SuggestionEngagement(threads=threads.get(pk, []), follow=follows.get(pk)) for pk in ids
        },
        "topic_follow": seen.my_follow_of(actor=actor, topic=topic),
        "cadences": Cadence.choices,
        "may_comment": may_take_part(actor, topic),
        "may_moderate": may_manage(actor, topic.area_path),
        "reads_hidden": may_view_hidden(actor, topic.area_path),
        "my_invite": invites[0] if invites else None,
        "opinion_form": OpinionForm(initial={"text": invites[0].opinion}) if invites else None,
    }


def _to_topic(request: HttpRequest, topic_id: int, anchor: str = "") -> HttpResponse:
    return go_back(request, reverse("consult-topic", args=[topic_id]) + anchor)


def _run(request: HttpRequest, done: str, call: Any) -> Any:
    """Call a service; a refusal of what was asked (bad input, a conflict) becomes the page's
    message, while one of who asks (401, 403, 404) is the refusal page with its status."""
    try:
        out = call()
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages.error(request, refusal_message(exc))
        return None
    if done:
        messages.success(request, done)
    return out


# Comments and reports --------------------------------------------------------------------------


@login_required
@require_POST
def comment(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """A comment on a suggestion, or a reply to one of its comments."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return _to_topic(request, s.topic_id, f"#s{s.pk}")
    reply_to = form.cleaned_data["reply_to"]
    try:
        parent = seen.access_comment(actor=request.user, comment_id=reply_to) if reply_to else None
    except NotFound:
        messages.error(request, _("That comment is no longer there."))
        return _to_topic(request, s.topic_id, f"#s{s.pk}")
    _run(
        request,
        _("Your comment is published."),
        lambda: services.comment_add(
            actor=request.user, suggestion=s, text_=form.cleaned_data["text"], reply_to=parent
        ),
    )
    return _to_topic(request, s.topic_id, f"#s{s.pk}")


def _report(request: HttpRequest, **reported: Any) -> None:
    """Report a suggestion or a comment to the moderators with the form's reason."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return
    _run(
        request,
        _("Thank you: the moderators will look at it."),
        lambda: services.report_make(actor=request.user, reason=form.cleaned_data["reason"], **reported),
    )


@login_required
@require_POST
def report_suggestion(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    _report(request, suggestion=s)
    return _to_topic(request, s.topic_id, f"#s{s.pk}")


@login_required
@require_POST
def report_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    c = seen.access_comment(actor=request.user, comment_id=comment_id)
    _report(request, comment=c)
    return _to_topic(request, c.suggestion.topic_id, f"#s{c.suggestion_id}")


@login_required
@require_POST
def moderate_comment(request: HttpRequest, comment_id: int, move: str) -> HttpResponse:
    """A moderator hides a comment with a reason, or shows it again."""
    c = seen.access_comment(actor=request.user, comment_id=comment_id)
    if move not in ("hide", "restore"):
        raise NotFound()
    reason = request.POST.get("reason", "") if move == "hide" else ""
    _run(
        request,
        "",
        lambda: services.comment_moderate(actor=request.user, comment=c, move_name=move, reason=reason),
    )
    return _to_topic(request, c.suggestion.topic_id, f"#s{c.suggestion_id}")


# Follows ---------------------------------------------------------------------------------------


def _cadence(request: HttpRequest) -> str | None:
    form = FollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return None
    return str(form.cleaned_data["cadence"])


def _follow_move(request: HttpRequest, move: str, said: tuple[str, str], **followed: Any) -> None:
    """Follow (again: change the cadence) or stop following a topic or a suggestion."""
    if move == "follow":
        cadence = _cadence(request)
        if cadence is not None:
            _run(
                request, said[0], lambda: services.follow_set(actor=request.user, cadence=cadence, **followed)
            )
    elif move == "unfollow":
        _run(request, said[1], lambda: services.unfollow(actor=request.user, **followed))
    else:
        raise NotFound()


@login_required
@require_POST
def follow_topic(request: HttpRequest, topic_id: int, move: str) -> HttpResponse:
    topic = selectors.access_topic(topic_id=topic_id)
    said = (_("You follow this topic."), _("You no longer follow this topic."))
    _follow_move(request, move, said, topic=topic)
    return _to_topic(request, topic.pk)


@login_required
@require_POST
def follow_suggestion(request: HttpRequest, suggestion_id: int, move: str) -> HttpResponse:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    said = (_("You follow this suggestion."), _("You no longer follow this suggestion."))
    _follow_move(request, move, said, suggestion=s)
    return _to_topic(request, s.topic_id, f"#s{s.pk}")


@login_required
@require_GET
def my_follows(request: HttpRequest) -> HttpResponse:
    """What I follow, each with when I hear of it (at once, daily, weekly): my digest choices."""
    context = {"follows": seen.my_follows(actor=request.user), "cadences": Cadence.choices}
    return render(request, "consult/follows.html", context)


@login_required
@require_POST
def follow_change(request: HttpRequest, follow_id: int, move: str) -> HttpResponse:
    """Change one of my follows' cadence, or stop it."""
    f = seen.access_follow(actor=request.user, follow_id=follow_id)
    key: dict[str, Any] = {"topic": f.topic} if f.topic_id else {"suggestion": f.suggestion}
    if move == "cadence":
        cadence = _cadence(request)
        if cadence is not None:
            _run(
                request, _("Saved."), lambda: services.follow_set(actor=request.user, cadence=cadence, **key)
            )
    elif move == "stop":
        _run(request, _("You no longer follow it."), lambda: services.unfollow(actor=request.user, **key))
    else:
        raise NotFound()
    return redirect("consult-follows")


# Experts ---------------------------------------------------------------------------------------


@login_required
@require_GET
def experts_page(request: HttpRequest, topic_id: int) -> HttpResponse:
    """The topic's staff: members who listed a skill (chosen here) when checking in within its
    area, to invite for an opinion; the invitations made and the opinions given."""
    topic = selectors.access_topic(topic_id=topic_id)
    require(may_manage(request.user, topic.area_path))
    form = CandidatesForm(request.GET or None)
    skill, candidates = None, []
    if form.is_bound and form.is_valid():
        try:
            skill = seen.skill_by_code(form.cleaned_data["skill"])
        except DomainError as exc:
            messages.error(request, refusal_message(exc))
        else:
            candidates = seen.expert_candidates_for(actor=request.user, topic=topic, skill=skill)
    elif form.is_bound:
        messages.error(request, form_refusal(form))
    invites = seen.topic_invites(actor=request.user, topic=topic)
    context = {
        "topic": topic,
        "skills": seen.skill_choices(),
        "skill": skill,
        "candidates": candidates,
        "invited": {i.person_id for i in invites},
        "invites": invites,
    }
    return render(request, "consult/experts.html", context)


@login_required
@require_POST
def invite(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = selectors.access_topic(topic_id=topic_id)
    back = reverse("consult-experts", args=[topic.pk])
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect(back)
    data = form.cleaned_data

    def call() -> Any:
        skill = seen.skill_by_code(data["skill"])
        person = seen.expert_candidate(actor=request.user, topic=topic, skill=skill, person_id=data["person"])
        return services.expert_invite(actor=request.user, topic=topic, person=person, skill=skill)

    _run(request, _("Invited: they are told of it."), call)
    return redirect(f"{back}?skill={data['skill']}")


@login_required
@require_POST
def opinion(request: HttpRequest, invite_id: int) -> HttpResponse:
    """The invited member gives (or revises) their opinion."""
    inv = seen.access_invite(actor=request.user, invite_id=invite_id)
    form = OpinionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
    else:
        _run(
            request,
            _("Thank you: your opinion is published."),
            lambda: services.expert_opinion(actor=request.user, invite=inv, text_=form.cleaned_data["text"]),
        )
    return _to_topic(request, inv.topic_id, "#experts")


# Hot topics ------------------------------------------------------------------------------------


@login_required
@require_GET
@require_anywhere("consult.manage")
def hot_topics(request: HttpRequest) -> HttpResponse:
    """The open hot topics in the staff's areas that have no topic yet, hottest first."""
    context = {"hot_topics": seen.hot_topics_to_open(actor=request.user), "form": FromHotTopicForm()}
    return render(request, "consult/hot_topics.html", context)


@login_required
@require_POST
def hot_topic_open(request: HttpRequest, hot_topic_id: int) -> HttpResponse:
    form = FromHotTopicForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-hot-topics")
    data = form.cleaned_data
    topic = _run(
        request,
        _("The topic is open."),
        lambda: services.topic_from_hot_topic(
            actor=request.user,
            hot_topic_id=hot_topic_id,
            title=data["title"],
            question=data["question"],
            days=data["days"],
            participants=data["participants"],
        ),
    )
    if topic is None:
        return redirect("consult-hot-topics")
    return redirect("consult-topic", topic.pk)
