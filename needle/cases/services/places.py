"""Where a case lies: staff place a case in a grid of its community (a pin inside a grid's
outline is placed there at intake; this is for the cases without one)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from needle.areas.models import Area, Level
from needle.cases.models import Case, EventKind
from needle.cases.services._common import _atomic_move, _audit, _conflict, _event, _locked, _save
from needle.core.errors import ValidationFailed
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated

# Who knows the grids: the community's staff and grid workers (intake) and the dispatchers.
PLACE_PERMISSIONS = ("cases.intake", "cases.dispatch")


def _may_place(actor: Actor, where: Area | str) -> bool:
    return any(can_in_area(actor, perm, where) for perm in PLACE_PERMISSIONS)


@_atomic_move
def case_place_in_grid(*, actor: Actor, case: Case, grid: Area, version: int | None = None) -> Case:
    """Place the case in a grid of its community (from the community, or from a sibling grid),
    in any state: the figures of the grid then count it. Needs `cases.intake` or
    `cases.dispatch` over the case's place and the grid. An internal timeline entry and an
    audit event with the old and new area."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_place(actor, case.area_path))
    if version is not None and version != case.version:
        raise _conflict(case, _("Someone else changed this case meanwhile; reload it."))
    area = case.area
    community_id = (
        area.pk if area.level == Level.COMMUNITY else area.parent_id if area.level == Level.GRID else None
    )
    if grid.level != Level.GRID or grid.retired or community_id is None or grid.parent_id != community_id:
        raise ValidationFailed(fields={"grid": _("Choose a live grid of the case's community.")})
    require(_may_place(actor, grid))
    if grid.pk == case.area_id:
        raise _conflict(case, _("The case is already in this grid."))
    old = area
    case.area, case.area_path = grid, grid.path
    _save(case, ["area", "area_path"])
    _event(case, actor=actor, kind=EventKind.PLACED, note=f"{old.name} → {grid.name}", public=False)
    _audit(actor, "placed", case, {"area": old.code}, {"area": grid.code})
    return case
