"""Pages and fragments of the request intelligence: suggestions while a resident types, the
classifier's panel on the case page and in the queue, following an existing case, hot topics
and the tasks made from them, and the model versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needle.cases import selectors as case_selectors
from needle.cases import services as case_services
from needle.core import throttle
from needle.core.errors import (
    Conflict,
    DomainError,
    TooManyRequests,
    ValidationFailed,
    or_not_found,
)
from needle.core.views import show_form_errors
from needle.intel import selectors, services
from needle.intel.forms import HotTopicTaskForm, ReclassifyForm
from needle.intel.models import HotTopic
from needle.orgs.permissions import can_in_area, require_anywhere


def _pin(data: Any) -> tuple[float | None, float | None]:
    """A half-filled form's pin: both numbers or neither (a pin being placed is not an error)."""
    try:
        lat, lng = float(data.get("lat") or ""), float(data.get("lng") or "")
    except ValueError:
        return None, None
    return (lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else (None, None)


@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx, on the intake form: the services the description reads as, and recent requests
    nearby that look like the same matter (follow one instead of filing again)."""
    try:
        throttle.spend(request, "intel.suggest", settings.INTEL_SUGGEST_PER_MINUTE)
    except TooManyRequests as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    data = request.POST if request.method == "POST" else request.GET
    text = (data.get("description") or "").strip()[: selectors.SUGGEST_TEXT]
    lat, lng = _pin(data)
    try:
        found = selectors.suggest_for(
            actor=request.user,
            text=text,
            service_code=(data.get("service") or "").strip()[:40],
            area_code=(data.get("area") or "").strip()[:40],
            lat=lat,
            lng=lng,
            staff=request.GET.get("staff") == "1",
            limit=3,
        )
    except DomainError:
        # A form being filled in may hold a code not chosen yet: suggest nothing rather than
        # put a refusal where the suggestions go; the form's own submit names the problem.
        return HttpResponse("")
    context = {"guesses": found.services, "similar": found.similar, "staff": found.staff, "text": text}
    return render(request, "intel/_suggest.html", context)


@login_required
@require_GET
def case_panel(request: HttpRequest, number: str) -> HttpResponse:
    """htmx, on the case page and in the queue: what the classifier says, and likely duplicates."""
    case = case_selectors.access_case(actor=request.user, number=number)
    suggestion = selectors.suggestion_for(case=case)
    may_dispatch = can_in_area(request.user, "cases.dispatch", case.area_path)
    compact = request.GET.get("compact") == "1"
    similar = (
        []
        if compact
        else selectors.similar_cases(
            actor=request.user,
            text=services.case_text(case.title, case.description),
            service=case.service,
            area=case.area,
            lat=case.lat,
            lng=case.lng,
            exclude=case,
        )
    )
    form = None
    if may_dispatch and suggestion is not None and not compact:
        form = ReclassifyForm(initial={"version": case.version}, case=case, suggestion=suggestion)
    context = {
        "case": case,
        "suggestion": suggestion,
        "similar": similar,
        "form": form,
        "compact": compact,
        "may_merge": may_dispatch and case.is_open,
    }
    return render(request, "intel/_case_panel.html", context)


@login_required
@require_POST
def reclassify(request: HttpRequest, number: str) -> HttpResponse:
    case = case_selectors.access_case(actor=request.user, number=number)
    form = ReclassifyForm(request.POST, case=case, suggestion=None)
    if form.is_valid():
        try:
            case_services.case_reclassify(
                actor=request.user,
                case=case,
                service=form.cleaned_data["service"],
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            if exc.status in (401, 403, 404) and not exc.fields:
                raise  # the refusal page, through the middleware
            messages.error(request, exc.message)
            for text in exc.fields.values():
                messages.error(request, text)
        else:
            messages.success(request, _("The service is corrected; the classifier will learn from it."))
    else:
        show_form_errors(request, form)
    return redirect("case-detail", number=case.number)


@login_required
@require_POST
def follow(request: HttpRequest, number: str) -> HttpResponse:
    """A resident follows an existing request instead of filing the same one again."""
    case = or_not_found(case_selectors.public_cases().filter(number=number).first())
    try:
        case_services.case_follow(actor=request.user, case=case)
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request,
            _("You follow request %(number)s: you will hear of every step.") % {"number": case.number},
        )
    return redirect("case-mine")


# Hot topics ------------------------------------------------------------------------------------


@login_required
@require_anywhere("intel.view_hotspots")
@require_GET
def hotspots(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or HotTopic.Status.OPEN
    if status not in HotTopic.Status.values:
        status = HotTopic.Status.OPEN
    topics = list(selectors.hot_topics_for(actor=request.user, status=status)[:50])
    context = {"topics": topics, "status": status, "statuses": HotTopic.Status.choices}
    return render(request, "intel/hotspots.html", context)


def _topic_page(request: HttpRequest, topic: HotTopic, form: Any = None, status: int = 200) -> HttpResponse:
    may_task = topic.status == HotTopic.Status.OPEN and can_in_area(
        request.user, "intel.task", topic.area_path
    )
    if may_task and form is None:
        form = HotTopicTaskForm(topic=topic, initial={"due": timezone.localdate() + dt.timedelta(days=7)})
    context = {
        "topic": topic,
        "cases": topic.cases.select_related("service", "area").order_by("-submitted_at")[:100],
        "form": form if may_task else None,
        "trend_max": max(topic.trend or [1]) or 1,
    }
    return render(request, "intel/hotspot_detail.html", context, status=status)


@login_required
@require_GET
def hotspot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.access_hot_topic(actor=request.user, pk=pk)
    return _topic_page(request, topic)


@login_required
@require_POST
def hotspot_task(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.access_hot_topic(actor=request.user, pk=pk)
    form = HotTopicTaskForm(request.POST, topic=topic)
    if not form.is_valid():
        return _topic_page(request, topic, form, status=400)
    d = form.cleaned_data
    due = timezone.make_aware(dt.datetime.combine(d["due"], dt.time(18, 0)))
    try:
        task = services.hot_topic_task(
            actor=request.user, topic=topic, unit=d["unit"], resolve_by=due, note=d["note"]
        )
    except ValidationFailed as exc:
        for field, text in exc.fields.items():
            form.add_error(field if field in form.fields else None, text)
        return _topic_page(request, topic, form, status=400)
    except Conflict as exc:
        # Someone else acted first: the page as it is now, with why, as a case page answers.
        messages.error(request, exc.message)
        topic = selectors.access_hot_topic(actor=request.user, pk=pk)
        return _topic_page(request, topic, status=409)
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise  # the refusal page, through the middleware
        messages.error(request, exc.message)
        return redirect("intel:hotspot", pk=topic.pk)
    messages.success(
        request, _("Task %(number)s sent to %(unit)s.") % {"number": task.number, "unit": d["unit"].name}
    )
    return redirect(reverse("case-detail", args=[task.number]))


@login_required
@require_POST
def hotspot_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        topic = selectors.access_hot_topic(actor=request.user, pk=pk)
        services.hot_topic_dismiss(actor=request.user, topic=topic)
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect("intel:hotspots")


@login_required
@require_anywhere("intel.train", "intel.view_hotspots")
@require_GET
def models_page(request: HttpRequest) -> HttpResponse:
    versions = list(selectors.model_versions()[:30])
    return render(request, "intel/models.html", {"versions": versions})
