"""Tasks held for the general office's approval (NEEDLE_SUPERVISION_HOLD_UNLISTED): an unlisted
task to communities waits until a general office over the communities' districts approves or
rejects it. The queue a general office decides, and its count for the staff home."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from needle.areas.models import subtree_q
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import granting_unit_ids, is_superuser
from needle.supervision.models import Hold, Target, Task

LIMIT = 100


def _held(actor: Any) -> QuerySet[Task]:
    if not getattr(actor, "is_authenticated", False):
        return Task.objects.none()
    held = Task.objects.filter(hold=Hold.HELD)
    if not is_superuser(actor):
        paths = list(
            Unit.objects.filter(
                pk__in=granting_unit_ids(actor, "supervision.decide_admission"),
                type=UnitType.GENERAL_OFFICE,
                dissolved_on__isnull=True,
            ).values_list("area_path", flat=True)
        )
        if not paths:
            return Task.objects.none()
        under = Q(pk__in=[])
        for path in paths:
            under |= subtree_q(path, "area_path")
        reached = Target.objects.filter(under, unit__type=UnitType.RESIDENT_COMMITTEE).values("task_id")
        held = held.filter(pk__in=reached)
    return held


def held_for(*, actor: Any) -> QuerySet[Task]:
    """Held tasks that reach a community under a general office where the actor decides the
    admission list (the service asks for every district the task reaches), oldest first, with
    how many of their targets are not on the list."""
    return (
        _held(actor)
        .select_related("issuer")
        .annotate(unlisted=Count("targets", filter=Q(targets__listed=False)))
        .order_by("created_at", "id")
    )


def held_count(*, actor: Any) -> int:
    return _held(actor).count()
