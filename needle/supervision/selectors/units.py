"""The units and areas a supervision form or API call names, as the actor may use them: the
units a person issues (or applies) for, and a unit or area looked up by what the input gave."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.core.errors import NotFound
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import granting_unit_ids, is_superuser

# How many units an administrator is offered (they may act for any).
SUPERUSER_UNITS = 50


def issuing_units(*, actor: Any, perm: str) -> list[Unit]:
    """The active units the actor holds `perm` in (an administrator: the general offices and
    departments), in the order of the area tree."""
    units = Unit.objects.filter(dissolved_on__isnull=True).order_by("area_path", "name")
    if is_superuser(actor):
        return list(units.filter(type__in=[UnitType.GENERAL_OFFICE, UnitType.DEPARTMENT])[:SUPERUSER_UNITS])
    return list(units.filter(pk__in=granting_unit_ids(actor, perm)))


def unit_named(pk: int, *, field: str) -> Unit:
    """The unit an input names by id (404 naming the field when none has it)."""
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise NotFound(fields={field: _("No unit has this id.")})
    return unit


def area_named(code: str, *, field: str) -> Area:
    """The area an input names by code (404 naming the field when none has it)."""
    area = Area.objects.filter(code=code[:40]).first()
    if area is None:
        raise NotFound(fields={field: _("No area has this code.")})
    return area
