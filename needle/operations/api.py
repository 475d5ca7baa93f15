"""/api/v1/operations: the indicators of an area or a unit, its children and its services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from needle.core.errors import ValidationFailed
from needle.core.schemas import ERRORS
from needle.operations import selectors
from needle.operations.schemas import FiguresOut, IndicatorsOut, NodeOut
from needle.operations.selectors import Figures, Row

router = Router(tags=["operations"])


# Built without validation: the values are the selectors' own ints, floats and strings, and a
# city's answer holds hundreds of objects.
def figures_out(f: Figures) -> FiguresOut:
    return FiguresOut.model_construct(None, **f.counts(), **f.rates())


def row_out(r: Row) -> NodeOut:
    return NodeOut.model_construct(kind=r.kind, key=r.key, name=r.name, figures=figures_out(r.figures))


def dashboard_from_params(
    actor: Any, area: str | None, unit: str | None, start: Any, end: Any, *, daily: bool = True
) -> Any:
    """Parse the shared parameters of the API, the exports and the pages; one error shape."""
    if area and unit:
        raise ValidationFailed(fields={"unit": _("Give an area or a unit, not both.")})
    start_d, end_d = selectors.parse_period(start, end)
    if unit:
        node_unit = selectors.access_unit(actor=actor, unit_id=unit)
        return selectors.dashboard_for(actor=actor, unit=node_unit, start=start_d, end=end_d)
    node_area = selectors.access_area(actor=actor, code=area) if area else selectors.default_area(actor=actor)
    if node_area is None:
        raise ValidationFailed(fields={"area": _("Give an area.")})
    return selectors.dashboard_for(actor=actor, area=node_area, start=start_d, end=end_d, daily=daily)


@router.get(
    "/indicators",
    response={200: IndicatorsOut, **ERRORS},
    summary="Indicators of an area or unit subtree, of each child and each service",
    description="Counts over [start, end] (default: the last 30 days) and the backlog now. "
    "A node's counts equal the sum over `children` (a child of kind `here` holds what sits "
    "on the node itself) and over `by_service`.",
)
def indicators(
    request: HttpRequest,
    area: str | None = None,
    unit: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Any:
    d = dashboard_from_params(request.user, area, unit, start, end, daily=False)
    node_key = d.area.code if d.area is not None else str(d.unit.pk)
    return IndicatorsOut(
        start=d.start,
        end=d.end,
        node=NodeOut(kind=d.kind, key=node_key, name=d.name, figures=figures_out(d.totals)),
        previous=figures_out(d.previous),
        children=[row_out(r) for r in d.children],
        by_service=[row_out(r) for r in d.by_service],
        units=[row_out(r) for r in d.units],
        refreshed_at=selectors.rollup_status()["refreshed_at"],
    )
