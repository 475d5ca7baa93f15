"""The units a supervision form or API call names, as the actor may use them: the units a
person issues (or applies) for, and a unit looked up by the id the input gave."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from needle.core.errors import or_invalid
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
    """The unit a form or a request body names by id. The input is at fault when no unit has it:
    a ValidationFailed naming `field` (a 422), as for an area (areas.selectors.area_named)."""
    return or_invalid(Unit.objects.filter(pk=pk).first(), field, _("No unit has this id."))
