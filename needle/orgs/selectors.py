"""Reads that depend on who asks. Each list goes through the same grants as orgs.permissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level, subtree_q
from needle.core import periods
from needle.core.audit import audit_record
from needle.core.errors import NotFound, ValidationFailed, or_not_found
from needle.core.models import AuditEvent
from needle.orgs import figures as org_figures
from needle.orgs.models import (
    GridAssignment,
    Membership,
    Person,
    PersonRecord,
    RoleAssignment,
    Unit,
    UnitType,
    mask_phone,
)
from needle.orgs.permissions import (
    area_scope_q,
    can_for_unit,
    can_in_area,
    can_view_person,
    has_perm_anywhere,
    is_superuser,
    require,
    require_authenticated,
    unit_scope_q,
)
from needle.rollups import read as rollup_read


@dataclass
class UnitFilters:
    text: str = ""
    type: str = ""
    area: Area | None = None
    include_dissolved: bool = False


def unit_list_for(*, actor: Any, filters: UnitFilters) -> QuerySet[Unit]:
    require_authenticated(actor)
    qs = Unit.objects.select_related("area", "parent")
    scope = unit_scope_q(actor, "orgs.view_units")
    if scope is not None:
        qs = qs.filter(scope)
    if filters.text:
        qs = qs.filter(Q(name__contains=filters.text) | Q(code__startswith=filters.text))
    if filters.type:
        if filters.type not in UnitType.values:
            raise ValidationFailed(fields={"type": _("Unknown unit type.")})
        qs = qs.filter(type=filters.type)
    if filters.area is not None:
        qs = qs.filter(subtree_q(filters.area.path, "area_path"))
    if not filters.include_dissolved:
        qs = qs.filter(dissolved_on__isnull=True)
    return qs.order_by("area_path", "type", "name")


def access_unit(*, actor: Any, unit_id: int, for_write: bool = False) -> Unit:
    """The unit if the actor may see it (404 otherwise); 403 when writing is not allowed."""
    require_authenticated(actor)
    qs = Unit.objects.select_related("area", "parent")
    if for_write:
        qs = qs.select_for_update(of=("self",))
    unit = qs.filter(pk=unit_id).first()
    if unit is None or not can_for_unit(actor, "orgs.view_units", unit):
        raise NotFound(_("No such unit."))
    if for_write:
        require(can_for_unit(actor, "orgs.manage_units", unit))
    return unit


def unit_members(*, actor: Any, unit: Unit) -> QuerySet[Membership]:
    """Current members, for actors who may see people there."""
    require(can_for_unit(actor, "orgs.view_people", unit))
    return (
        Membership.objects.filter(unit=unit, left_on__isnull=True)
        .select_related("person")
        .order_by("kind", "person__username")
    )


def unit_roles(*, actor: Any, unit: Unit) -> QuerySet[RoleAssignment]:
    require(can_for_unit(actor, "orgs.view_people", unit))
    return RoleAssignment.objects.filter(unit=unit).select_related("person").order_by("role")


def may_see_phone(*, actor: Any, unit: Unit) -> bool:
    return can_for_unit(actor, "orgs.view_phone", unit)


def unit_phones(*, actor: Any, unit: Unit, people: Iterable[Person]) -> dict[int, str]:
    """The phone numbers of a unit's people as the actor may see them (person id -> number):
    whole for those who may see phones there, in one audit event naming whose numbers were
    shown; masked for everyone else. Every page and API listing a unit's people reads them here."""
    people = list(people)
    if not may_see_phone(actor=actor, unit=unit):
        return {p.pk: mask_phone(p.phone) for p in people}
    shown = sorted({p.username for p in people if p.phone and p.pk != getattr(actor, "pk", None)})
    if shown:
        audit_record(actor=actor, action="orgs.unit.phones_viewed", obj=unit, new={"people": shown})
    return {p.pk: p.phone for p in people}


def person_places(*, person: Person) -> list[str]:
    """Area paths a person is located at: units they belong to or act for, and home area."""
    paths = set(person.memberships.filter(left_on__isnull=True).values_list("unit__area_path", flat=True))
    paths |= set(person.roles.values_list("unit__area_path", flat=True))
    if person.home_area_id:
        paths.add(Area.objects.values_list("path", flat=True).get(pk=person.home_area_id))
    return sorted(paths)


def access_person(*, actor: Any, username: str) -> Person:
    require_authenticated(actor)
    person = Person.objects.filter(username=username).first()
    if person is None or not can_view_person(actor, person, person_places(person=person)):
        raise NotFound(_("No such person."))
    return person


def my_roles(*, actor: Any) -> QuerySet[RoleAssignment]:
    require_authenticated(actor)
    return RoleAssignment.objects.filter(person=actor).select_related("unit", "unit__area")


def my_memberships(*, actor: Any) -> QuerySet[Membership]:
    """The units the actor belongs to now (a party branch, a volunteer team, a committee's staff)."""
    require_authenticated(actor)
    return (
        Membership.objects.filter(person=actor, left_on__isnull=True)
        .select_related("unit")
        .order_by("unit__name")
    )


def grid_workers(*, actor: Any, grid: Area) -> QuerySet[GridAssignment]:
    require(can_in_area(actor, "orgs.view_people", grid))
    return GridAssignment.objects.filter(grid=grid, ended_at__isnull=True).select_related("worker")


def grid_worker_candidates(*, actor: Any, grid: Area) -> QuerySet[Person]:
    """People who belong to or act for a unit whose area contains the grid."""
    require(can_in_area(actor, "areas.manage_grids", grid))
    ancestors = [*grid.ancestor_paths, grid.path]
    return (
        Person.objects.filter(
            Q(memberships__unit__area_path__in=ancestors, memberships__left_on__isnull=True)
            | Q(roles__unit__area_path__in=ancestors)
        )
        .distinct()
        .order_by("username")
    )


# Organization statistics -------------------------------------------------------------------


@dataclass
class OrgStats:
    area: Area
    start: dt.date
    end: dt.date
    units_total: int = 0
    units_founded: int = 0
    units_dissolved: int = 0
    members_total: int = 0
    members_joined: int = 0
    members_left: int = 0
    units_by_type: list[dict[str, Any]] = field(default_factory=list)
    units_by_level: list[dict[str, Any]] = field(default_factory=list)

    @property
    def units_net_change(self) -> int:
        return self.units_founded - self.units_dissolved

    @property
    def members_net_change(self) -> int:
        return self.members_joined - self.members_left


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """[start, end]; by default from the first of January to today."""
    return periods.parse_period(start, end, default_start=lambda e: e.replace(month=1, day=1))


def org_stats_for(*, actor: Any, area: Area, start: dt.date | None, end: dt.date | None) -> OrgStats:
    """Units by type and level, members, and net change over [start, end] in an area subtree,
    read from the rollups (the orgs source), as the operations center reads them.

    The rollups count flows by day and the stocks of now; what stood at the period's end is the
    stock now, less what began after the end, plus what ended after it (facts may be dated
    ahead, so "after the end" runs to the rollups' last day, not to today)."""
    require_authenticated(actor)
    if not can_in_area(actor, "orgs.view_stats", area):
        raise NotFound(_("You have no statistics for this area."))
    start, end = check_period(start, end)
    source = org_figures.SOURCE
    within = rollup_read.area_sums(source, [area], start, end)[area.pk]
    # Every flow after the end, with the stocks now (the rows of a period and the backlog are
    # summed together): the days from end + 1 to the last counted one, or one empty day.
    after_start = end + dt.timedelta(days=1)
    after_end = max(rollup_read.last_day(source) or after_start, after_start)
    after = rollup_read.area_sums(source, [area], after_start, after_end)[area.pk]
    stats = OrgStats(
        area=area,
        start=start,
        end=end,
        units_total=_units_at_end(after),
        units_founded=within["founded"],
        units_dissolved=within["dissolved"],
        members_total=after["members"] - after["joined"] + after["left"],
        members_joined=within["joined"],
        members_left=within["left"],
    )
    by_type = {
        key: _units_at_end(counts)
        for key, counts in rollup_read.key_sums(source, area, 0, after_start, after_end).items()
    }
    stats.units_by_type = [
        {"type": t.value, "label": str(t.label), "count": by_type[key]}
        for t, key in ((t, org_figures.TYPE_KEYS[t.value]) for t in UnitType)
        if by_type.get(key)
    ]
    # A level is a depth below the area's own: the tree has one level per depth (a grid under
    # its community, a placeholder city standing for its city), whatever depth it is rooted at.
    by_level = {
        area.level + depth - area.depth: _units_at_end(counts)
        for depth, counts in rollup_read.key_sums(source, area, 1, after_start, after_end).items()
    }
    stats.units_by_level = [
        {"level": lvl.value, "label": str(lvl.label), "count": by_level[lvl.value]}
        for lvl in Level
        if by_level.get(lvl.value)
    ]
    return stats


def _units_at_end(after: dict[str, int]) -> int:
    """The units standing at a period's end, from the stocks now and the flows after the end."""
    return after["units"] - after["founded"] + after["dissolved"]


def stats_default_area(*, actor: Any) -> Area | None:
    """The widest area the actor has statistics for (the first, when several)."""
    if is_superuser(actor):
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    from needle.orgs.permissions import scope_paths

    paths = scope_paths(actor, "orgs.view_stats")
    return Area.objects.filter(path=paths[0]).first() if paths else None


# Audit -------------------------------------------------------------------------------------


@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def audit_list_for(*, actor: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit events the actor may search: admins and auditors, within their areas."""
    require_authenticated(actor)
    require(has_perm_anywhere(actor, "core.view_audit"))
    qs = AuditEvent.objects.select_related("actor")
    scope = area_scope_q(actor, "core.view_audit", "area_path")
    if scope is not None:
        # Events about objects outside the tree (a profile, a token) stay with superusers.
        qs = qs.filter(scope & ~Q(area_path=""))
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.actor:
        qs = qs.filter(actor__username=filters.actor)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.start:
        qs = qs.filter(created_at__date__gte=filters.start)
    if filters.end:
        qs = qs.filter(created_at__date__lte=filters.end)
    return qs


def token_list_for(*, actor: Any) -> QuerySet[Any]:
    from needle.orgs.models import ApiToken

    require_authenticated(actor)
    return ApiToken.objects.filter(person=actor).order_by("-created_at")


def access_token(*, actor: Any, token_id: int) -> Any:
    token = token_list_for(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    return token


def my_family(*, actor: Any) -> QuerySet[PersonRecord]:
    """The people without an account the actor looks after (recorded by them)."""
    if not getattr(actor, "is_authenticated", False):
        return PersonRecord.objects.none()
    return PersonRecord.objects.filter(family_of=actor, merged_into__isnull=True).order_by("pk")


def access_family_member(*, actor: Any, record_id: int) -> PersonRecord:
    """A family member the actor looks after; to anyone else the record does not exist."""
    return or_not_found(my_family(actor=actor).filter(pk=record_id).first())
