"""Who may do what with a task and its targets: the one answer services, selectors, pages and
the API ask.

- `target`: a role in the target unit itself (acting as it: accept, report, decline, split);
- `signer`: a signing role in the unit one level above the target (or the issuer);
- `issuer`: an issuing role in the issuing unit (extensions);
- a reader: any of those, or "supervision.view" over the target's or the issuer's place.
Acting as a unit needs a grant in that very unit: an area-wide grant lets one see, not act."""

from __future__ import annotations

from typing import Any

from needle.orgs.models import Unit
from needle.orgs.permissions import can_act_for_unit, can_in_area
from needle.supervision.models import Target, Task
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
