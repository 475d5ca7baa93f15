"""Reads of the lists: needs (staff and grid workers of the community), projects and shifts
(open ones are public, as on the community's page), claims (their member, their unit's people,
the community's staff), the people on a shift (names to co-volunteers, phones masked unless a
member chose to show theirs; staff see phones, and that read is audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.core.audit import audit_record
from needle.core.errors import NotFound
from needle.orgs.models import mask_phone
from needle.orgs.permissions import can_act_for_unit, can_in_area, require, require_authenticated
from needle.volunteering.models import (
    HOLDING,
    CheckIn,
    CheckInStatus,
    Claim,
    Need,
    NeedStatus,
    Project,
    ProjectStatus,
    Shift,
)

LIST_MAX = 200


def may_see_needs(actor: Any, area_path: str) -> bool:
    return can_in_area(actor, "volunteering.raise_needs", area_path) or can_in_area(
        actor, "volunteering.view", area_path
    )


def may_manage(actor: Any, area_path: str) -> bool:
    return can_in_area(actor, "volunteering.manage", area_path)


def need_list_for(*, actor: Any, community: Area, status: str | None = NeedStatus.OPEN) -> list[Need]:
    """The community's needs (open ones by default) to its staff and grid workers."""
    require_authenticated(actor)
    require(may_see_needs(actor, community.path))
    needs = Need.objects.filter(community=community).select_related("case", "grid").prefetch_related("skills")
    if status:
        needs = needs.filter(status=status)
    return list(needs.order_by("-urgency", "starts_on", "pk")[:LIST_MAX])


def access_need(*, actor: Any, need_id: int, for_write: bool = False) -> Need:
    need = Need.objects.select_related("case", "community", "grid").filter(pk=need_id).first()
    if need is None or not may_see_needs(actor, need.area_path):
        raise NotFound(_("No such need."))
    return need


def _rated(projects: Any) -> Any:
    return projects.annotate(rating_count=Count("ratings", distinct=True), rating_avg=Avg("ratings__rating"))


def project_list_for(*, actor: Any, community: Area, include_closed: bool = False) -> list[Project]:
    """Open projects are public; staff of the community also read closed ones."""
    projects = Project.objects.filter(community=community)
    if not (include_closed and may_manage(actor, community.path)):
        projects = projects.filter(status=ProjectStatus.OPEN)
    return list(_rated(projects).order_by("-created_at", "-pk")[:LIST_MAX])


def access_project(*, actor: Any, project_id: int) -> Project:
    project = _rated(Project.objects.select_related("community", "coordinator")).filter(pk=project_id).first()
    if project is None or (
        project.status != ProjectStatus.OPEN
        and not can_in_area(actor, "volunteering.view", project.area_path)
    ):
        raise NotFound(_("No such project."))
    return project


def access_shift(*, actor: Any, shift_id: int) -> Shift:
    shift = Shift.objects.select_related("project", "project__community").filter(pk=shift_id).first()
    if shift is None:
        raise NotFound(_("No such shift."))
    access_project(actor=actor, project_id=shift.project_id)
    return shift


def access_claim(*, actor: Any, claim_id: int) -> Claim:
    """The claim to its member, its unit's people and the community's staff; 404 to others."""
    require_authenticated(actor)
    claim = (
        Claim.objects.select_related("shift", "shift__project", "person", "unit").filter(pk=claim_id).first()
    )
    if claim is None or not (
        claim.person_id == actor.pk
        or (claim.unit is not None and can_act_for_unit(actor, "volunteering.view", claim.unit))
        or can_in_area(actor, "volunteering.view", claim.shift.area_path)
    ):
        raise NotFound(_("No such claim."))
    return claim


def with_free(shifts: list[Shift]) -> list[Shift]:
    for s in shifts:
        s.free_slots = max(s.slots - s.filled, 0)  # type: ignore[attr-defined]
    return shifts


def upcoming_shifts(project: Project, *, limit: int = 50) -> list[Shift]:
    now = timezone.now()
    return with_free(
        list(
            project.shifts.filter(cancelled=False)
            .filter(Q(ends_at__gt=now) | Q(due_on__gte=timezone.localdate()))
            .prefetch_related("skills")
            .order_by(F("starts_at").asc(nulls_last=True), "due_on", "pk")[:limit]
        )
    )


def project_shifts(project: Project) -> list[Shift]:
    return with_free(
        list(
            project.shifts.prefetch_related("skills").order_by(F("starts_at").asc(nulls_last=True), "due_on")
        )
    )


def my_claims(*, actor: Any, limit: int = 100) -> list[Claim]:
    """The member's claims and tasks: those still to come first (soonest first), then the past."""
    actor = require_authenticated(actor)
    now = timezone.now()
    claims = list(
        Claim.objects.filter(person=actor)
        .select_related("shift", "shift__project")
        .order_by("-created_at")[:limit]
    )

    def ahead(c: Claim) -> bool:
        s = c.shift
        return (s.ends_at is not None and s.ends_at > now) or (
            s.due_on is not None and s.due_on >= timezone.localdate()
        )

    def when(c: Claim) -> dt.datetime:
        s = c.shift
        if s.starts_at is not None:
            return s.starts_at
        return timezone.make_aware(dt.datetime.combine(s.due_on or dt.date.max, dt.time()))

    live = [c for c in claims if ahead(c) and c.status in HOLDING]
    rest = [c for c in claims if c not in live]
    return sorted(live, key=when) + rest


@dataclass(frozen=True)
class OnShift:
    claim: Claim
    name: str
    phone: str


def shift_claims_for(*, actor: Any, shift: Shift) -> list[OnShift]:
    """The people on a shift. Staff of the community see everyone with their phone (an audited
    read); a member holding a place sees the others' names, their phones masked unless that
    member's check-in shows it; anyone else is refused."""
    actor = require_authenticated(actor)
    claims = list(
        Claim.objects.filter(shift=shift).select_related("person", "unit").order_by("created_at", "pk")
    )
    staff = can_in_area(actor, "volunteering.view", shift.area_path)
    mine = any(c.person_id == actor.pk and c.status in HOLDING for c in claims)
    require(staff or mine)
    if not staff:
        claims = [c for c in claims if c.status in HOLDING]
    visible = set(
        CheckIn.objects.filter(
            person_id__in=[c.person_id for c in claims if c.person_id],
            status=CheckInStatus.CONFIRMED,
            phone_visible=True,
        ).values_list("person_id", flat=True)
    )
    shown: list[OnShift] = []
    for c in claims:
        if c.person is None:
            shown.append(OnShift(c, c.unit.name if c.unit else "", ""))
            continue
        phone = c.person.phone
        if not (staff or c.person_id in visible or c.person_id == actor.pk):
            phone = mask_phone(phone)
        shown.append(OnShift(c, str(c.person), phone))
    if staff and any(c.person_id for c in claims):
        audit_record(
            actor=actor,
            action="volunteering.shift.phones_viewed",
            obj=shift,
            new={"people": [c.person_id for c in claims if c.person_id]},
        )
    return shown


def rating_summary(project: Project) -> tuple[int, float | None]:
    agg = project.ratings.aggregate(n=Count("pk"), avg=Avg("rating"))
    return agg["n"], (round(agg["avg"], 1) if agg["avg"] is not None else None)


def community_public(*, community: Area) -> dict[str, Any]:
    """What anyone may read of a community's lists: open needs (what, where, when, how many),
    open projects with their upcoming shifts and free slots, and ratings. No names, no phones,
    no linked request; a need made from a request that is not public stays off the page (its
    title and description are the resident's own words)."""
    needs = list(
        Need.objects.filter(community=community, status=NeedStatus.OPEN)
        .filter(Q(case__isnull=True) | Q(case__public=True))
        .prefetch_related("skills")
        .order_by("-urgency", "starts_on", "pk")[:LIST_MAX]
    )
    projects = project_list_for(actor=None, community=community)
    for p in projects:
        p.upcoming = upcoming_shifts(p, limit=20)  # type: ignore[attr-defined]
    return {"community": community, "needs": needs, "projects": projects}


def unfilled_shifts(*, community: Area, limit: int = 30) -> list[Shift]:
    now = timezone.now()
    return with_free(
        list(
            Shift.objects.filter(
                subtree_q(community.path, "area_path"), cancelled=False, filled__lt=F("slots")
            )
            .filter(project__status=ProjectStatus.OPEN)
            .filter(Q(starts_at__gt=now) | Q(due_on__gte=timezone.localdate()))
            .select_related("project")
            .order_by(F("starts_at").asc(nulls_last=True), "due_on", "pk")[:limit]
        )
    )


def claims_by_shift(shifts: list[Shift]) -> dict[int, list[Claim]]:
    out: dict[int, list[Claim]] = {s.pk: [] for s in shifts}
    for c in Claim.objects.filter(shift__in=shifts).select_related("person", "unit").order_by("created_at"):
        out[c.shift_id].append(c)
    return out
