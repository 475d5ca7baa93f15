"""What a request to the operations center asks for, checked: the period, grain and indicator,
parsed one way for the pages, the API, the exports and the reports; and the node (an area or a
unit) whose figures it reads, loaded only if the actor may read them.

Every read here answers 404 for a node the actor has no figures for, so that a node's existence
does not leak through the operations center."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.core import periods
from needle.core.errors import NotFound, ValidationFailed
from needle.operations.figures_types import GRAINS, INDICATORS
from needle.orgs.models import Unit
from needle.orgs.permissions import (
    can_for_unit,
    can_in_area,
    is_superuser,
    require_authenticated,
    scope_paths,
)

# Reading a node's figures (its dashboard, map, alerts and reports) takes the right to view its cases.
PERM = "cases.view"
MAX_DAYS = 3 * 366


# Parameters ----------------------------------------------------------------------------------


def parse_period(start: Any, end: Any) -> tuple[dt.date, dt.date]:
    """[start, end] from strings or dates; default: the last 30 days up to today."""
    start_d, end_d = periods.parse_period(start, end, default_start=lambda e: e - dt.timedelta(days=29))
    if (end_d - start_d).days >= MAX_DAYS:
        raise ValidationFailed(fields={"start": _("A period is at most three years long.")})
    return start_d, end_d


def _one_of(value: Any, allowed: Any, *, default: str, field: str, refusal: str) -> str:
    """`value` when it is one of `allowed`, `default` when not given; refused under `field`."""
    if value in (None, ""):
        return default
    if value not in allowed:
        raise ValidationFailed(fields={field: refusal})
    return str(value)


def parse_grain(value: Any) -> str:
    return _one_of(value, GRAINS, default="day", field="grain", refusal=_("Choose day, week or month."))


def parse_indicator(value: Any) -> str:
    return _one_of(
        value, INDICATORS, default="response_rate", field="indicator", refusal=_("Unknown indicator.")
    )


# The node -------------------------------------------------------------------------------------


def areas_without_boundary() -> QuerySet[Area]:
    """Areas as the figures need them: without their boundaries (GeoJSON, megabytes for a city)."""
    return Area.objects.defer("boundary")


def default_area(*, actor: Any, perm: str = PERM) -> Area | None:
    """The widest area whose figures the actor may read (the root for superusers)."""
    require_authenticated(actor)
    if is_superuser(actor):
        return areas_without_boundary().filter(parent__isnull=True, retired=False).order_by("code").first()
    paths = scope_paths(actor, perm)
    return areas_without_boundary().filter(path=paths[0]).first() if paths else None


def access_area(*, actor: Any, code: str, perm: str = PERM) -> Area:
    """The area if the actor may read its figures; 404 otherwise (its existence does not leak)."""
    require_authenticated(actor)
    area = areas_without_boundary().filter(code=code).first()
    if area is None or not can_in_area(actor, perm, area):
        raise NotFound(_("You have no figures for the area %(code)s.") % {"code": code})
    return area


def access_unit_figures(*, actor: Any, unit_id: Any) -> Unit:
    """The unit if the actor may read its figures; 404 otherwise.

    Not `orgs.selectors.access_unit`, whose rule is seeing the unit at all (orgs.view_units,
    which every role holds): a unit's figures need cases.view over it, which a member's role
    lacks. The id comes unparsed, as a page or the API received it, and a unit that does not
    exist is refused with the same words as one without figures."""
    require_authenticated(actor)
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"unit": _("Give a unit's number.")}) from None
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not can_for_unit(actor, PERM, unit):
        raise NotFound(_("You have no figures for this unit."))
    return unit
