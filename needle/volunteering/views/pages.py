"""The pages made of the parts: the member's own page (check-in, open shifts that fit them,
their shifts, their hours, points and cards), the community coordinator's console (check-ins
and pairings to confirm, needs and projects, hours to verify, members behind the target, open
needs by age) and the console's door for staff of several communities. Each part renders its
own partial with its own context, so that the parts' names cannot collide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from needle.areas.models import Area, Level
from needle.orgs.permissions import area_scope_q, can_in_area, require, require_anywhere
from needle.volunteering.models import CheckInStatus, Need, NeedStatus
from needle.volunteering.selectors.suggestions import shifts_for_member
from needle.volunteering.views import checkins, hours, lists

# Open needs by how long they have waited (days), for the console.
AGES = ((0, 7), (8, 30), (31, None))
# How many communities the console's door lists.
DOOR_MAX = 200


def _part(request: HttpRequest, template: str, context: dict[str, Any]) -> SafeString:
    return mark_safe(render_to_string(template, context, request=request))  # noqa: S308 - our own template


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """The member's page, on the phone first."""
    actor = request.user
    checkin = checkins.checkin_panel(actor)
    standing = checkin["checkin_panel"]["standing"]
    confirmed = standing is not None and standing.status == CheckInStatus.CONFIRMED
    fits = shifts_for_member(actor=actor, limit=5) if confirmed else []
    parts = [
        _part(request, "volunteering/_checkin_panel.html", checkin),
        _part(request, "volunteering/_fits_me.html", {"fits": fits, "confirmed": confirmed}),
        _part(request, "volunteering/_claims_panel.html", lists.claims_panel(actor)),
        _part(request, "volunteering/_hours_panel.html", hours.hours_panel(actor)),
    ]
    return render(request, "volunteering/me.html", {"parts": parts})


def open_needs_by_age(community: Area) -> list[dict[str, Any]]:
    """The community's open needs counted by how long ago they were raised."""
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    counts = {}
    for low, high in AGES:
        q = Q(created_at__lt=dt.datetime.combine(today - dt.timedelta(days=low - 1), dt.time(), tz))
        if high is not None:
            q &= Q(created_at__gte=dt.datetime.combine(today - dt.timedelta(days=high), dt.time(), tz))
        counts[f"n{low}"] = Count("pk", filter=q)
    found = Need.objects.filter(community=community, status=NeedStatus.OPEN).aggregate(**counts)
    return [{"low": low, "high": high, "count": found[f"n{low}"]} for low, high in AGES]


@login_required
@require_GET
def console(request: HttpRequest, code: str) -> HttpResponse:
    """A community's coordinator console: the day's volunteering work of its staff."""
    community = lists.community_page_area(code)
    require(can_in_area(request.user, "volunteering.manage", community.path))
    return _console(request, community)


def _console(request: HttpRequest, community: Area) -> HttpResponse:
    actor = request.user
    parts = [
        _part(
            request,
            "volunteering/_console_checkins.html",
            checkins.console_checkins(actor=actor, community=community),
        ),
        _part(
            request, "volunteering/_console_hours.html", hours.console_hours(actor=actor, community=community)
        ),
        _part(
            request, "volunteering/_console_lists.html", lists.console_lists(actor=actor, community=community)
        ),
    ]
    return render(
        request,
        "volunteering/console.html",
        {"community": community, "parts": parts, "ages": open_needs_by_age(community)},
    )


@login_required
@require_GET
@require_anywhere("volunteering.manage")
def console_door(request: HttpRequest) -> HttpResponse:
    """The console of the one community the person runs (at this address, so the menu's link
    opens it), or the list of those they may run."""
    scope = area_scope_q(request.user, "volunteering.manage")
    communities = Area.objects.filter(level=Level.COMMUNITY)
    if scope is not None:
        communities = communities.filter(scope)
    first = list(communities.order_by("path")[: DOOR_MAX + 1])
    if len(first) == 1:
        return _console(request, first[0])
    return render(
        request,
        "volunteering/console_door.html",
        {"communities": first[:DOOR_MAX], "more": len(first) > DOOR_MAX},
    )
