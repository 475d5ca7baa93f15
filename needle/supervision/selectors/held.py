"""Tasks held for the general office's approval (NEEDLE_SUPERVISION_HOLD_UNLISTED): an unlisted
task to communities waits until a general office over the communities' districts approves or
rejects it. The queue a general office decides, and its count for the staff home."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat

from needle.areas.models import PATH_END
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import granting_unit_ids, is_superuser
from needle.supervision.models import Hold, Target, Task

LIMIT = 100


def held_target_q(actor: Any) -> Q | None:
    """Targets in communities of held tasks the actor decides (a general office of theirs holds
    the target's area: the subtree's path range, as areas.subtree_q writes it); None when the
    actor decides no admission list."""
    deciding = granting_unit_ids(actor, "supervision.decide_admission")
    if not deciding:
        return None
    office = (
        Unit.objects.filter(
            pk__in=deciding,
            type=UnitType.GENERAL_OFFICE,
            dissolved_on__isnull=True,
            area_path__lte=OuterRef("area_path"),
        )
        .annotate(end=Concat("area_path", Value(PATH_END), output_field=CharField()))
        .filter(end__gt=OuterRef("area_path"))
    )
    return Q(Exists(office), task__hold=Hold.HELD, unit__type=UnitType.RESIDENT_COMMITTEE)


def _held(actor: Any) -> QuerySet[Task]:
    if not getattr(actor, "is_authenticated", False):
        return Task.objects.none()
    held = Task.objects.filter(hold=Hold.HELD)
    if is_superuser(actor):
        return held
    reached = held_target_q(actor)
    if reached is None:
        return Task.objects.none()
    return held.filter(pk__in=Target.objects.filter(reached).values("task_id"))


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
