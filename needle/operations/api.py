"""/api/v1/operations: the indicators of an area or a unit, its children and its services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Router

from needle.cases.figures import SOURCE as CASES
from needle.core.schemas import ERRORS, Code, Day, Id
from needle.operations.dashboards import dashboard_from_params
from needle.operations.figures_types import Figures, Row
from needle.operations.schemas import IndicatorsOut, SourceOut
from needle.operations.source_figures import source_indicators
from needle.orgs.permissions import require_authenticated
from needle.rollups.read import rollup_status
from needle.rollups.sources import Source, source_named, sources

router = Router(tags=["operations"])


def figures_out(f: Figures) -> dict[str, Any]:
    return {**f.counts(), **f.rates()}


def row_out(r: Row) -> dict[str, Any]:
    return {"kind": r.kind, "key": r.key, "name": r.name, "figures": figures_out(r.figures)}


def source_out(s: Source) -> dict[str, Any]:
    return {
        "name": s.name,
        "label": str(s.label),
        "figures": [
            {
                "name": f.name,
                "label": str(f.label),
                "numerator": list(f.numerator),
                "denominator": list(f.denominator),
                "less": list(f.less),
                "counts": str(f.counts or ""),
            }
            for f in s.figures
        ],
    }


@router.get(
    "/sources",
    response={200: list[SourceOut], **ERRORS},
    summary="The sources of figures and the figures each defines",
    description="Each source (an app that counts something for the operations center) with "
    "its figures: a count (a counter or a sum of counters) or a ratio of two such sums, with "
    "their labels in the request's language; a count may subtract counters (`less`: a net "
    "change). `source=NAME` on the indicators asks for one.",
)
def sources_list(request: HttpRequest) -> Any:
    require_authenticated(request.user)
    return [source_out(s) for s in sources()]


@router.get(
    "/indicators",
    response={200: IndicatorsOut, **ERRORS},
    summary="Indicators of an area or unit subtree, of each child and each service",
    description="Counts over [start, end] (default: the last 30 days) and the backlog now. "
    "A node's counts equal the sum over `children` (a child of kind `here` holds what sits "
    "on the node itself) and over `by_service`. With `units=true`, an area's answer also ranks "
    "its lead units (`units`: the 50 busiest, the others summed in one row, then the cases "
    "without a unit); otherwise `units` is empty. `source` names the source of the figures "
    "(see /sources; default `cases`); an unknown one is refused with 400. Another source's "
    "answer has its own counters and figures, `by_service` and `units` empty, and `breakdowns`: "
    "its figures by the value of each of its keys.",
)
def indicators(
    request: HttpRequest,
    area: Code | None = None,
    unit: Id | None = None,
    start: Day | None = None,
    end: Day | None = None,
    units: bool = False,
    source: str = "cases",
) -> Any:
    require_authenticated(request.user)
    chosen = source_named(source)
    if chosen.name != CASES.name:
        answer = source_indicators(
            actor=request.user, source=chosen, area=area, unit=unit, start=start, end=end
        )
        answer["refreshed_at"] = rollup_status()["refreshed_at"]
        return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})
    d = dashboard_from_params(request.user, area, unit, start, end, daily=False, units=units)
    node_key = d.area.code if d.area is not None else str(d.unit.pk)  # type: ignore[union-attr]
    # `IndicatorsOut` documents the answer; it is written as JSON straight from the selectors'
    # ints, floats and strings, since building and serialising the hundreds of objects of a
    # city's answer as models cost more than its queries (test_api checks it against the schema).
    answer = {
        "start": d.start,
        "end": d.end,
        "node": {"kind": d.kind, "key": node_key, "name": d.name, "figures": figures_out(d.totals)},
        "previous": figures_out(d.previous),
        "children": [row_out(r) for r in d.children],
        "by_service": [row_out(r) for r in d.by_service],
        "units": [row_out(r) for r in d.units],
        "refreshed_at": rollup_status()["refreshed_at"],
    }
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})
