"""The admission list as anyone may read it (admitted entries of a district, valid on a day)
and as its deciders and applicants read it (applications waiting)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from needle.areas.models import Area, Level, subtree_q
from needle.core.errors import NotFound, PermissionDenied
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import granting_unit_ids, is_superuser
from needle.supervision.access import may_decide, may_decide_in
from needle.supervision.models import Entry, EntryStatus


def public_list(*, district: Area, on: dt.date) -> QuerySet[Entry]:
    """What the district's communities may be asked to do, on `on`: public."""
    return (
        Entry.objects.filter(
            area_path=district.path, status=EntryStatus.ADMITTED, valid_from__lte=on, valid_until__gte=on
        )
        .select_related("issuer")
        .order_by("task_type", "id")
    )


def admitted_list(*, district: Area) -> QuerySet[Entry]:
    """Every admitted entry of the district, whatever its period (what its deciders amend)."""
    return (
        Entry.objects.filter(area_path=district.path, status=EntryStatus.ADMITTED)
        .select_related("issuer")
        .order_by("task_type", "id")
    )


def applications_for(*, actor: Any) -> QuerySet[Entry]:
    """Applications waiting for a decision: those a general office of the actor's may decide,
    and those the actor's units applied for."""
    if is_superuser(actor):
        return Entry.objects.filter(status=EntryStatus.APPLIED).select_related("issuer", "district")
    deciding = Unit.objects.filter(
        pk__in=granting_unit_ids(actor, "supervision.decide_admission"), type=UnitType.GENERAL_OFFICE
    ).values_list("area_path", flat=True)
    q = Q(issuer_id__in=granting_unit_ids(actor, "supervision.apply_admission"))
    for path in deciding:
        q |= subtree_q(path, "area_path")
    return Entry.objects.filter(q, status=EntryStatus.APPLIED).select_related("issuer", "district")


def access_district(code: str) -> Area:
    area = Area.objects.filter(code=code[:20], level=Level.DISTRICT).first()
    if area is None:
        raise NotFound()
    return area


def entry_to_decide(*, actor: Any, entry_id: int) -> Entry:
    """An entry for the general office that decides its district's list (404 when there is no
    such entry, 403 for anyone else)."""
    entry = Entry.objects.select_related("issuer", "district").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    if not getattr(actor, "is_authenticated", False) or not may_decide(actor, entry):
        raise PermissionDenied()
    return entry


def decides_list(*, actor: Any, district: Area) -> bool:
    """Whether the actor amends, revokes and imports this district's list."""
    return bool(getattr(actor, "is_authenticated", False)) and may_decide_in(actor, district.path)
