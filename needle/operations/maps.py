"""The operations center's maps: an area's children drawn with their figures, markers where a
child has no boundary, and the period's cases as points from street level down."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from needle.areas.geometry import simplify
from needle.areas.models import Area, subtree_q
from needle.areas.selectors import boundary_features
from needle.cases.models import Case
from needle.cases.selectors import case_scope_q, label_points, period_bounds
from needle.core.errors import ValidationFailed
from needle.operations.figures_types import COUNTER_NAMES, Dashboard, Figures, figures_by
from needle.operations.params import areas_without_boundary
from needle.rollups import read
from needle.rollups.models import TOTAL_DEPTH, CaseRollup, Grouping, NodeRollup


def area_case_points(
    *, actor: Any, area: Area, start: dt.date, end: dt.date, limit: int = 2000
) -> list[list[float]]:
    """[lat, lng] of cases located in the area and received in the period (for the heat layer
    of street and community maps), newest first, at most `limit`."""
    lo, hi = period_bounds(start, end)
    qs = Case.objects.filter(subtree_q(area.path, "area_path"), submitted_at__gte=lo, submitted_at__lt=hi)
    scope = case_scope_q(actor)
    if scope is not None:
        qs = qs.filter(scope)
    qs = qs.filter(lat__isnull=False, lng__isnull=False).order_by("-submitted_at")
    return [[round(lat or 0.0, 5), round(lng or 0.0, 5)] for lat, lng in qs.values_list("lat", "lng")[:limit]]


# Street level and below: few enough cases in a period to draw each one.
POINTS_FROM_DEPTH = 4


def map_layers(*, actor: Any, dashboard: Dashboard) -> dict[str, Any]:
    """GeoJSON of the area's children with their figures, markers for children without a
    boundary, and case points from street level down."""
    area = dashboard.area
    if area is None:
        raise ValidationFailed(fields={"area": _("Maps are drawn for areas.")})
    by_code = {r.key: r.figures for r in dashboard.children if r.kind == "area"}
    by_code[area.code] = dashboard.totals
    tolerance = 0.0008 if area.depth <= 2 else 0.0003 if area.depth == 3 else 0.0001
    features = []
    drawn = set()
    shapes = boundary_features(area=area)
    # A city's map may draw its grandchildren (the districts): their figures too.
    missing = [f["properties"]["code"] for f in shapes if f["properties"]["code"] not in by_code]
    if missing:
        by_code.update(
            figures_of_areas(
                list(areas_without_boundary().filter(code__in=missing)), dashboard.start, dashboard.end
            )
        )
    for f in shapes:
        code = f["properties"]["code"]
        figures = by_code.get(code)
        drawn.add(code)
        f["geometry"] = simplify(f["geometry"], tolerance)
        f["properties"]["figures"] = _map_figures(figures) if figures else None
        f["properties"]["url"] = f"/operations/area/{code}/"
        features.append(f)
    children = {r.key: r for r in dashboard.children if r.kind == "area"}
    # A child without an outline is a point: the one the tree holds, else the mean of its
    # cases' pins (streets and communities of the shared data have no geometry).
    undrawn = list(
        Area.objects.filter(code__in=[c for c in children if c not in drawn]).only(
            "id", "code", "path", "centroid_lat", "centroid_lng"
        )
    )
    points_of = {a.code: (a.centroid_lat, a.centroid_lng) for a in undrawn if a.has_centroid}
    points_of.update(label_points(areas=[a for a in undrawn if not a.has_centroid], public_only=False))
    markers = [
        {
            "code": code,
            "name": children[code].name,
            "lat": lat,
            "lng": lng,
            "url": f"/operations/area/{code}/",
            "figures": _map_figures(children[code].figures),
        }
        for code, (lat, lng) in sorted(points_of.items())
    ]
    points = (
        area_case_points(actor=actor, area=area, start=dashboard.start, end=dashboard.end)
        if area.depth >= POINTS_FROM_DEPTH
        else []
    )
    return {
        "type": "FeatureCollection",
        "features": features,
        "markers": markers,
        "points": points,
        "centre": [area.centroid_lat, area.centroid_lng] if area.has_centroid else None,
    }


def figures_of_areas(areas: list[Area], start: dt.date, end: dt.date) -> dict[str, Figures]:
    """Figures (period flows and backlog) of some areas of one depth, by code, in two queries."""
    if not areas:
        return {}
    depth = areas[0].depth
    areas = [a for a in areas if a.depth == depth]
    ids = {a.pk: a.code for a in areas}
    if depth <= TOTAL_DEPTH:
        qs: QuerySet[Any] = NodeRollup.objects.filter(grouping=Grouping.TOTAL, area_id__in=ids)
        key = "area_id"
    else:
        level = f"a{depth}"
        qs = CaseRollup.objects.filter(**{f"{level}__in": ids})
        key = level
    rows = read.sums(read.period_and_backlog(qs, start, end), [key], COUNTER_NAMES)
    return {ids[k]: f for k, f in figures_by(rows, key).items()}


def _map_figures(f: Figures) -> dict[str, Any]:
    return {
        "received": f.received,
        "open": f.open,
        "overdue_open": f.overdue_open,
        "response_rate": f.response_rate,
        "resolution_rate": f.resolution_rate,
        "satisfaction_rate": f.satisfaction_rate,
        "on_time_rate": f.on_time_rate,
    }
