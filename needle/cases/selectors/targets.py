"""Which units a move may reach: the rules every entry point's pickers and the moves share."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from needle.areas.models import subtree_q
from needle.cases.models import Case
from needle.core.errors import ValidationFailed, or_invalid
from needle.orgs.models import Unit
from needle.orgs.permissions import Actor, area_scope_q, can_in_area, require


def dispatch_target_units(*, actor: Actor) -> QuerySet[Unit]:
    """Units the actor may send cases to: live units located in the actor's dispatch areas."""
    qs = Unit.objects.filter(dissolved_on__isnull=True)
    scope = area_scope_q(actor, "cases.dispatch", "area_path")
    return qs.filter(scope) if scope is not None else qs


def whistle_target_units(*, case: Case) -> QuerySet[Unit]:
    """Units a street may call in on a case: live units whose home area contains the case's
    place (the district's departments, the city's), or lies within it."""
    area = case.area
    ancestors = [*area.ancestor_paths, area.path]
    return Unit.objects.filter(dissolved_on__isnull=True).filter(
        Q(area_path__in=ancestors) | subtree_q(area.path, "area_path")
    )


def dispatch_targets(*, actor: Actor, case: Case) -> QuerySet[Unit]:
    """Units a dispatcher may send this case to (dispatch_target_units, which case_dispatch
    checks, ordered for the picker)."""
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    return dispatch_target_units(actor=actor).select_related("area").order_by("area_path", "type", "name")


def whistle_targets(*, case: Case) -> QuerySet[Unit]:
    """Units a street may call in on a case (whistle_target_units, which case_whistle checks)."""
    return whistle_target_units(case=case).order_by("area_path", "name")


def move_unit(*, unit_id: int) -> Unit:
    """The unit a move names by id; whether the move may reach it is the move's service's rule."""
    return or_invalid(Unit.objects.filter(pk=unit_id).first(), "unit", _("No such unit."))


def move_units(*, unit_ids: Sequence[int]) -> list[Unit]:
    """The units a move names by id (as move_unit)."""
    units = list(Unit.objects.filter(pk__in=set(unit_ids)))
    if len(units) != len(set(unit_ids)):
        raise ValidationFailed(fields={"units": _("No such unit.")})
    return units
