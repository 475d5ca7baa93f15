"""Who may do what with a task and its targets: the one answer services, selectors, pages and
the API ask.

- `target`: a role in the target unit itself (acting as it: accept, report, decline, split);
- `signer`: a signing role in the unit one level above the target (or the issuer);
- `issuer`: an issuing role in the issuing unit (extensions);
- a reader: any of those, or "supervision.view" over the target's or the issuer's place;
- a decider of a district's admission list (and of tasks held for it): a "decide_admission"
  role in a general office whose area holds the district.
Acting as a unit needs a grant in that very unit: an area-wide grant lets one see, not act."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from needle.core.errors import NotFound, or_not_found
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import can_act_for_unit, can_in_area, granting_unit_ids, is_superuser
from needle.supervision.models import Entry, Target, Task
from needle.supervision.states import ISSUER, SIGNER, TARGET


def capacities(actor: Any, target: Target) -> set[str]:
    """The capacities of states.TARGET_MOVES and EXTENSION_MOVES the actor holds here."""
    held = set()
    if can_act_for_unit(actor, "supervision.work", Unit(pk=target.unit_id)):
        held.add(TARGET)
    if can_act_for_unit(actor, "supervision.sign_off", Unit(pk=target.signer_id)):
        held.add(SIGNER)
    if can_act_for_unit(actor, "supervision.issue", Unit(pk=target.task.issuer_id)):
        held.add(ISSUER)
    return held


def may_view_task(actor: Any, task: Task) -> bool:
    return can_in_area(actor, "supervision.view", task.area_path) or can_act_for_unit(
        actor, "supervision.issue", Unit(pk=task.issuer_id)
    )


def may_view_target(actor: Any, target: Target, held: set[str] | None = None) -> bool:
    if held is None:
        held = capacities(actor, target)
    return (
        bool(held)
        or can_in_area(actor, "supervision.view", target.area_path)
        or can_in_area(actor, "supervision.view", target.task.area_path)
    )


M = TypeVar("M", bound=Model)


def visible_row(
    actor: Any,
    rows: QuerySet[M],
    pk: int,
    *,
    held_by: Callable[[Any, M], set[str]],
    may_view: Callable[[Any, M, set[str]], bool],
) -> tuple[M, set[str]]:
    """The row taken from rows (joined for a read, locked for a write) and the capacities the
    actor holds on it; NotFound when it is missing or the actor may not see it, so that its
    existence does not leak."""
    row = or_not_found(rows.filter(pk=pk).first())
    held = held_by(actor, row)
    if not may_view(actor, row, held):
        raise NotFound()
    return row, held


def visible_target(actor: Any, rows: QuerySet[Target], target_id: int) -> tuple[Target, set[str]]:
    return visible_row(actor, rows, target_id, held_by=capacities, may_view=may_view_target)


def may_decide(actor: Any, entry: Entry) -> bool:
    """A decider of the admission list in a general office whose area holds the district."""
    return may_decide_in(actor, entry.area_path)


def may_decide_in(actor: Any, path: str) -> bool:
    """A decider of the admission list in a general office whose area holds `path`."""
    if is_superuser(actor):
        return True
    units = granting_unit_ids(actor, "supervision.decide_admission")
    return (
        Unit.objects.filter(pk__in=units, type=UnitType.GENERAL_OFFICE, dissolved_on__isnull=True)
        .filter(area__path__in=_ancestors(path))
        .exists()
    )


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
