"""The think tank's pages: a community's topics (public, no names), a topic's page with its
suggestions and, for those who may take part, the suggest and support forms; a result's page
with its tree and computed progress; and the staff's console (topics, answers due in colour,
moderation). Thin, over the same selectors and services as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.areas.models import Area
from needle.areas.selectors import area_get, area_named
from needle.consult import presenters, selectors, services, survey_views
from needle.consult.access import may_manage, may_take_part, may_view_hidden
from needle.consult.engagement_views import topic_engagement
from needle.consult.forms import (
    ActionForm,
    AnswerForm,
    HideForm,
    OnBehalfForm,
    ProgressForm,
    SuggestionForm,
    TopicForm,
)
from needle.consult.models import Suggestion
from needle.consult.pages import attempt, form_refusal, go_back
from needle.consult.selectors.engagement import access_report, expert_opinions, my_invites, report_queue
from needle.core.errors import DomainError, NotFound
from needle.core.pagination import paginate
from needle.core.views import refusal_message
from needle.orgs.permissions import has_perm_anywhere, require_anywhere, scope_paths

PAGE_SIZE = 20


@require_GET
def topics_page(request: HttpRequest, code: str) -> HttpResponse:
    """Open to everyone: the topics open today in the area's subtree, and its results."""
    area = area_get(code=code)
    topics = list(selectors.topic_list(area=area, open_only=True)[:50])
    results = selectors.results_in(area=area)
    return render(request, "consult/topics.html", {"area": area, "topics": topics, "results": results})


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """My suggestions: where each stands, its answer, and why it was hidden if it was."""
    page = paginate(
        selectors.my_suggestions(actor=request.user), page=request.GET.get("page"), page_size=PAGE_SIZE
    )
    invites = my_invites(actor=request.user)
    return render(request, "consult/mine.html", {"page": page, "extra": "", "invites": invites})


@require_GET
def topic_page(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = selectors.access_topic(topic_id=topic_id)
    order = request.GET.get("order", "supports")
    if order not in ("supports", "newest"):
        order = "supports"
    page = paginate(
        selectors.suggestion_list(actor=request.user, topic=topic, order=order),
        page=request.GET.get("page"),
        page_size=PAGE_SIZE,
    )
    moderator = may_view_hidden(request.user, topic.area_path)
    supported = selectors.my_supports(actor=request.user, suggestion_ids=[s.pk for s in page.items])
    today = timezone.localdate()
    context: dict[str, Any] = {
        "topic": topic,
        "page": page,
        "order": order,
        "extra": f"order={order}&",
        "cards": presenters.suggestion_cards(page.items, supported=supported, moderator=moderator),
        "is_open": topic.opens <= today <= topic.closes,
        "may_take_part": may_take_part(request.user, topic),
        "may_manage": may_manage(request.user, topic.area_path),
        "form": SuggestionForm(),
        "behalf_form": OnBehalfForm(),
        "experts": expert_opinions(topic=topic),
    }
    context.update(topic_engagement(request, topic, list(page.items)))
    context.update(survey_views.survey_context(request, topic))
    return render(request, "consult/topic.html", context)


@login_required
@require_POST
def suggest(request: HttpRequest, topic_id: int) -> HttpResponse:
    """A suggestion from the topic page: the caller's own, or (staff) on behalf."""
    topic = selectors.access_topic(topic_id=topic_id)
    back = reverse("consult-topic", args=[topic.pk])
    behalf = request.POST.get("on_behalf") == "1"
    form: SuggestionForm = OnBehalfForm(request.POST) if behalf else SuggestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect(back)
    on_behalf = None
    if behalf:
        on_behalf = services.OnBehalf(name=form.cleaned_data["name"], phone=form.cleaned_data["phone"])
    attempt(
        request,
        lambda: services.suggestion_make(
            actor=request.user,
            topic=topic,
            title=form.cleaned_data["title"],
            text_=form.cleaned_data["text"],
            on_behalf=on_behalf,
        ),
        _("Thank you: your suggestion is published."),
    )
    return redirect(f"{back}?order=newest")


@login_required
@require_POST
def support(request: HttpRequest, suggestion_id: int, action: str) -> HttpResponse:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    if action not in ("add", "withdraw"):
        raise NotFound()
    try:
        if action == "add":
            services.support_add(actor=request.user, suggestion=s)
        else:
            services.support_withdraw(actor=request.user, suggestion=s)
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    return go_back(request, reverse("consult-topic", args=[s.topic_id]))


@login_required
@require_GET
@require_anywhere("consult.view", "consult.manage", "consult.answer")
def console(request: HttpRequest) -> HttpResponse:
    """The staff's console: topics of their areas, answers due (overdue in colour), moderation."""
    due = selectors.answers_due(actor=request.user)
    rows = [(s, presenters.due_colour(s.answer_due)) for s in due]
    context = {
        "topics": list(selectors.staff_topics(actor=request.user)[:50]),
        "due": rows,
        "overdue": sum(1 for s in due if s.answer_due < timezone.localdate()),
        "hidden": list(selectors.moderation_queue(actor=request.user)),
        "reports": list(report_queue(actor=request.user)[:100]),
        "answer_form": AnswerForm(),
        "topic_form": _topic_form(request) if has_perm_anywhere(request.user, "consult.manage") else None,
    }
    return render(request, "consult/console.html", context)


def _topic_form(request: HttpRequest) -> TopicForm:
    today = timezone.localdate()
    paths = scope_paths(request.user, "consult.manage")
    area = Area.objects.filter(path=paths[0]).first() if len(paths) == 1 else None
    initial = {"opens": today, "closes": today + dt.timedelta(days=14), "area": area.code if area else ""}
    return TopicForm(initial=initial)


@login_required
@require_POST
def open_topic(request: HttpRequest) -> HttpResponse:
    """Staff open a topic from the console."""
    form = TopicForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-console")
    data = form.cleaned_data
    draft = services.TopicDraft(
        title=data["title"],
        question=data["question"],
        background=data["background"],
        opens=data["opens"],
        closes=data["closes"],
        participants=data["participants"],
        answer_days=data["answer_days"],
    )
    try:
        topic = services.topic_open(actor=request.user, area=area_named(data["area"]), draft=draft)
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
        return redirect("consult-console")
    messages.success(request, _("The topic is open: %(title)s") % {"title": topic.title})
    return redirect("consult-topic", topic.pk)


@login_required
@require_POST
def make_result(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """An adopted suggestion becomes a result in its topic's area, to be followed through."""
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    try:
        result = services.result_create(actor=request.user, area=s.topic.area, title=s.title, suggestions=[s])
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
        return redirect("consult-topic", s.topic_id)
    return redirect("consult-result", result.pk)


@login_required
@require_POST
def add_action(request: HttpRequest, result_id: int) -> HttpResponse:
    result = selectors.access_result(result_id=result_id)
    form = ActionForm(request.POST, actions=list(result.actions.all()))
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-result", result.pk)
    data = form.cleaned_data
    try:
        parent = selectors.access_action(result=result, action_id=data["parent"]) if data["parent"] else None
        case = selectors.linkable_case(actor=request.user, number=data["case"]) if data["case"] else None
        services.action_add(
            actor=request.user,
            result=result,
            draft=services.ActionDraft(
                title=data["title"],
                progress=data["progress"],
                weight=data["weight"],
                parent=parent,
                case=case,
            ),
        )
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("consult-result", result.pk)


@login_required
@require_POST
def set_progress(request: HttpRequest, result_id: int, action_id: int) -> HttpResponse:
    result = selectors.access_result(result_id=result_id)
    action = selectors.access_action(result=result, action_id=action_id)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-result", result.pk)
    try:
        services.action_update(
            actor=request.user,
            action=action,
            change=services.ActionChange(progress=form.cleaned_data["progress"]),
        )
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    return redirect("consult-result", result.pk)


@login_required
@require_POST
def answer(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return go_back(request, reverse("consult-console"))
    attempt(
        request,
        lambda: services.suggestion_answer(
            actor=request.user,
            suggestion=s,
            answer=form.cleaned_data["status"],
            text_=form.cleaned_data["text"],
        ),
        _("Answered: %(title)s") % {"title": s.title},
    )
    return go_back(request, reverse("consult-console"))


@login_required
@require_POST
def moderate(request: HttpRequest, suggestion_id: int, action: str) -> HttpResponse:
    s = selectors.access_suggestion(actor=request.user, suggestion_id=suggestion_id)
    if action not in ("hide", "restore"):
        raise NotFound()
    reason = ""
    if action == "hide":
        form = HideForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason for hiding it."))
            return go_back(request, reverse("consult-topic", args=[s.topic_id]))
        reason = form.cleaned_data["reason"]
    try:
        services.suggestion_moderate(actor=request.user, suggestion=s, move_name=action, reason=reason)
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    return go_back(request, reverse("consult-topic", args=[s.topic_id]))


@login_required
@require_POST
def decide_report(request: HttpRequest, report_id: int, decision: str) -> HttpResponse:
    """A moderator's decision on a report from the console: hide the item or keep it."""
    report = access_report(actor=request.user, report_id=report_id)
    try:
        services.report_decide(actor=request.user, report=report, decision=decision)
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
    return go_back(request, reverse("consult-console"))


@require_GET
def result_page(request: HttpRequest, result_id: int) -> HttpResponse:
    """Open to everyone: the result's tree with each action's computed progress, and the
    suggestions it came from."""
    result = selectors.access_result(result_id=result_id)
    roots, progress = selectors.result_tree(result)
    origins: list[Suggestion] = list(result.suggestions.filter(hidden=False).select_related("topic"))
    manage = may_manage(request.user, result.area_path)
    lines = presenters.tree_lines(roots)
    context = {
        "result": result,
        "progress": progress,
        "lines": lines,
        "origins": origins,
        "decisions": list(result.decisions.select_related("meeting")),
        "timeline": presenters.timeline_rows(selectors.result_timeline(result)),
        "may_manage": manage,
        "action_form": ActionForm(actions=[line.node.action for line in lines]) if manage else None,
    }
    return render(request, "consult/result.html", context)
