"""What volunteering puts on a person's home: for community staff, the check-ins to confirm,
the hours to verify and the coming week's shifts still short of people, in the communities
they manage; for a member, the tasks dispatched to them to accept and their next shifts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from needle.areas.models import Area
from needle.orgs.permissions import area_scope_q, has_perm_anywhere, scope_paths
from needle.volunteering.models import (
    CheckIn,
    CheckInStatus,
    Claim,
    ClaimStatus,
    HourEntry,
    HourStatus,
    Shift,
)

# How far ahead a shift short of people is a to-do, and how many a home lists.
SHORT_DAYS = 7
LISTED = 5


@dataclass
class VolunteeringToday:
    checkins_to_confirm: int
    hours_to_verify: int
    short_shifts: list[Shift]
    short_count: int
    # The one community the person manages, for the links to its console; none when several.
    area: Area | None = None


@dataclass
class MemberToday:
    to_accept: list[Claim] = field(default_factory=list)
    next_shifts: list[Claim] = field(default_factory=list)


def volunteering_today(*, actor: Any) -> VolunteeringToday | None:
    """None for anyone who does not manage volunteering somewhere."""
    if not getattr(actor, "is_authenticated", False) or not has_perm_anywhere(actor, "volunteering.manage"):
        return None
    scope = area_scope_q(actor, "volunteering.manage", "area_path") or Q()
    now = timezone.now()
    short = Shift.objects.filter(
        scope,
        cancelled=False,
        filled__lt=F("slots"),
        starts_at__gte=now,
        starts_at__lt=now + dt.timedelta(days=SHORT_DAYS),
        project__status="open",
    )
    paths = scope_paths(actor, "volunteering.manage")
    area = Area.objects.filter(path=paths[0]).first() if len(paths) == 1 else None
    return VolunteeringToday(
        checkins_to_confirm=CheckIn.objects.filter(scope, status=CheckInStatus.SUBMITTED).count(),
        hours_to_verify=HourEntry.objects.filter(scope, status=HourStatus.REPORTED).count(),
        short_shifts=list(short.select_related("project").order_by("starts_at", "pk")[:LISTED]),
        short_count=short.count(),
        area=area,
    )


def member_today(*, actor: Any) -> MemberToday | None:
    """None for anyone with neither a task to accept nor a coming shift (one query)."""
    if not getattr(actor, "is_authenticated", False):
        return None
    now, today = timezone.now(), timezone.localdate()
    coming = (
        Claim.objects.filter(
            person=actor,
            status__in=[ClaimStatus.DISPATCHED, ClaimStatus.CLAIMED, ClaimStatus.ACCEPTED],
            shift__cancelled=False,
        )
        .filter(Q(starts_at__gte=now) | Q(starts_at__isnull=True, shift__due_on__gte=today))
        .select_related("shift__project")
        .order_by("starts_at", "pk")[: LISTED * 4]
    )
    found = MemberToday()
    for claim in coming:
        chosen = found.to_accept if claim.status == ClaimStatus.DISPATCHED else found.next_shifts
        if len(chosen) < LISTED:
            chosen.append(claim)
    if not found.to_accept and not found.next_shifts:
        return None
    return found
