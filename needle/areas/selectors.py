"""Reads of the area tree. The tree is reference geography: any signed-in person may read it;
what lives in an area (units, people, cases) is scoped by orgs.permissions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from needle.areas import geometry
from needle.areas.models import Area, Level, subtree_q
from needle.core.errors import NotFound, ValidationFailed


def area_get(*, code: str) -> Area:
    try:
        return Area.objects.get(code=code)
    except Area.DoesNotExist:
        raise NotFound(_("No area has the code %(code)s.") % {"code": code}) from None


def area_ancestors(*, area: Area) -> list[Area]:
    """Root first; one query whatever the depth."""
    return list(Area.objects.filter(path__in=area.ancestor_paths).order_by("depth"))


def area_children(*, area: Area, include_retired: bool = False) -> QuerySet[Area]:
    qs = Area.objects.filter(parent=area).order_by("code")
    return qs if include_retired else qs.filter(retired=False)


def jurisdictional_children(*, area: Area, queryset: QuerySet[Area] | None = None) -> list[Area]:
    """The live areas one step down in jurisdiction, by code: the children, each placeholder
    container (市辖区, 县, 省直辖县级行政区划: `Area.placeholder`) replaced by what it holds.
    Chongqing's are its 38 districts and counties, not "市辖区" and "县". One query, plus one
    per level of placeholders met. `queryset` narrows the columns read (e.g. no boundaries)."""
    base = Area.objects.all() if queryset is None else queryset
    found: list[Area] = []
    parents = [area.pk]
    while parents:
        rows = list(base.filter(parent_id__in=parents, retired=False).order_by())
        found += [a for a in rows if not a.placeholder]
        parents = [a.pk for a in rows if a.placeholder]
    return sorted(found, key=lambda a: a.code)


def area_roots() -> QuerySet[Area]:
    return Area.objects.filter(parent__isnull=True, retired=False).order_by("code")


def children_counts(*, areas: list[Area]) -> dict[int, int]:
    """How many live children each area has, in one grouped query."""
    rows = (
        Area.objects.filter(parent__in=[a.pk for a in areas], retired=False)
        .values("parent_id")
        .annotate(n=Count("id"))
    )
    return {r["parent_id"]: r["n"] for r in rows}


def area_search(*, text: str, level: int | None = None, within: Area | None = None) -> QuerySet[Area]:
    text = text.strip()
    if not text:
        raise ValidationFailed(fields={"search": _("Type part of a name or a code.")})
    qs = Area.objects.filter(retired=False)
    qs = qs.filter(code__startswith=text) if text.isdigit() else qs.filter(name__contains=text)
    if level is not None:
        if level not in Level.values:
            raise ValidationFailed(fields={"level": _("Level must be 1 to 6.")})
        qs = qs.filter(level=level)
    if within is not None:
        qs = qs.filter(subtree_q(within.path))
    return qs.order_by("level", "code")


def has_boundaries_below(*, area: Area) -> bool:
    """Whether boundary_features would draw anything: one query, for deciding to show a map."""
    nearby = subtree_q(area.path) & Q(depth__lte=area.depth + 2, boundary__isnull=False)
    return Area.objects.filter(nearby, retired=False).exists()


def boundary_features(*, area: Area) -> list[dict[str, Any]]:
    """GeoJSON features for a map of `area`: the nearest generation of descendants that has
    boundaries (a city's districts may sit two levels down), else the area itself."""
    for extra_depth in (1, 2):
        rows = list(
            Area.objects.filter(subtree_q(area.path), depth=area.depth + extra_depth, retired=False)
            .exclude(boundary__isnull=True)
            .values("code", "name", "level", "boundary", "centroid_lat", "centroid_lng")
        )
        if rows:
            break
    else:
        rows = (
            [
                {
                    "code": area.code,
                    "name": area.name,
                    "level": area.level,
                    "boundary": area.boundary,
                    "centroid_lat": area.centroid_lat,
                    "centroid_lng": area.centroid_lng,
                }
            ]
            if area.boundary
            else []
        )
    return [
        {
            "type": "Feature",
            "geometry": r["boundary"],
            "properties": {
                "code": r["code"],
                "name": r["name"],
                "level": r["level"],
                "centroid": [r["centroid_lat"], r["centroid_lng"]] if r["centroid_lat"] is not None else None,
            },
        }
        for r in rows
    ]


def area_at(*, lat: float, lng: float, within: Area | None = None) -> Area | None:
    """The deepest area with a boundary containing the point."""
    qs = Area.objects.filter(boundary__isnull=False, retired=False)
    if within is not None:
        qs = qs.filter(subtree_q(within.path))
    best: Area | None = None
    for area in qs.only("id", "code", "path", "depth", "boundary", "level", "name").iterator():
        if (
            (best is None or area.depth > best.depth)
            and area.boundary
            and geometry.contains(area.boundary, lat, lng)
        ):
            best = area
    return best
