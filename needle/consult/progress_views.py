"""The public progress page of an area: its results by status, each with its progress, its
timeline and the suggestions and decisions it came from. Open to everyone, nothing personal
(no names, no phone numbers, no request's text)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from needle.areas.selectors import area_get
from needle.consult import presenters, selectors
from needle.consult.models import ActionStatus


@require_GET
def area_progress(request: HttpRequest, code: str) -> HttpResponse:
    area = area_get(code=code)
    cards = selectors.area_progress(area=area)
    groups = [
        (status, label, [presenters.progress_card(c) for c in cards if c.status == status])
        for status, label in ActionStatus.choices
    ]
    # The ones under way first: they are what people come to follow.
    order: list[str] = [ActionStatus.IN_PROGRESS, ActionStatus.PLANNED, ActionStatus.DONE]
    groups.sort(key=lambda g: order.index(g[0]))
    return render(
        request,
        "consult/progress.html",
        {"area": area, "groups": groups, "total": len(cards)},
    )
