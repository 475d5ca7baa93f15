"""Reads of the area tree. The tree is reference geography: any signed-in person may read it;
what lives in an area (units, people, cases) is scoped by orgs.permissions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from needle.areas import geometry
from needle.areas.models import Area, Level, subtree_q
from needle.core.errors import NotFound, ValidationFailed, or_invalid

# The longest code an area has (Area.code's column).
CODE_LENGTH = Area._meta.get_field("code").max_length or 0


def area_get(*, code: str) -> Area:
    # A code with a NUL (or longer than any code) names no area: the database is not asked.
    if "\x00" in code or len(code) > CODE_LENGTH:
        raise NotFound(_("No area has the code %(code)s.") % {"code": code.replace("\x00", "")[:CODE_LENGTH]})
    try:
        return Area.objects.get(code=code)
    except Area.DoesNotExist:
        raise NotFound(_("No area has the code %(code)s.") % {"code": code}) from None


def area_named(code: str | None, *, field: str = "area") -> Area:
    """The area a form, a request body or a query string names by its code (the community apps'
    inputs read it here). The input is at fault when no area has it: a ValidationFailed naming
    `field` (a 422), where a code in the address is area_get's 404. An empty code is a missing
    field."""
    if not code:
        raise ValidationFailed(fields={field: _("This field is required.")})
    # A code with a NUL (or longer than any code) names no area: the database is not asked.
    found = None if "\x00" in code or len(code) > CODE_LENGTH else Area.objects.filter(code=code).first()
    return or_invalid(found, field, _("No area has this code."))


def area_named_or_none(code: str | None, *, field: str = "area") -> Area | None:
    """area_named for an input that may leave the area out (None when its code is empty)."""
    return area_named(code, field=field) if code else None


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


def child_labels(*, area: Area, drawn: set[str]) -> tuple[list[dict[str, Any]], list[Area]]:
    """The area's children (in jurisdiction) that a map draws as labelled points because no
    outline of theirs is drawn (`drawn`: the codes of the outlines shown): those the tree
    gives a point (a centroid) as {code, name, level, lat, lng}, and those it gives none, for
    the caller to place (the cases app puts them at their cases' pins)."""
    children = jurisdictional_children(
        area=area,
        queryset=Area.objects.only(
            "id",
            "code",
            "name",
            "level",
            "path",
            "depth",
            "parent_id",
            "placeholder",
            "centroid_lat",
            "centroid_lng",
        ),
    )
    placed, unplaced = [], []
    for child in children:
        if child.code in drawn:
            continue
        if child.has_centroid:
            placed.append(label_of(child, child.centroid_lat, child.centroid_lng))  # type: ignore[arg-type]
        else:
            unplaced.append(child)
    return placed, unplaced


def label_of(area: Area, lat: float, lng: float) -> dict[str, Any]:
    return {"code": area.code, "name": area.name, "level": area.level, "lat": lat, "lng": lng}


def area_at(*, lat: float, lng: float, within: Area | None = None) -> Area | None:
    """The deepest live area whose boundary contains the point (within `within`'s subtree when
    given). It descends the tree a depth at a time, reading only the outlines inside the
    container found so far (the partial index `area_outlined`: depth, path of the areas with a
    boundary), so a pin in a city of thousands of grid outlines reads its district's grids, not
    the city's. A depth without outlines there (communities drawn by no one above grids that
    are) is passed over."""
    outlined = Area.objects.filter(boundary__isnull=False, retired=False).only(
        "id", "code", "path", "depth", "boundary"
    )
    found: Area | None = None
    for depth in range((within.depth if within is not None else 0) + 1, MAX_DEPTH + 1):
        rows = outlined.filter(depth=depth)
        scope = found or within
        if scope is not None:
            rows = rows.filter(subtree_q(scope.path))
        hit = next((a for a in rows if a.boundary and geometry.contains(a.boundary, lat, lng)), None)
        if hit is not None:
            found = hit
    return Area.objects.get(pk=found.pk) if found is not None else None


# Levels of the tree: province (1) to grid (6); a tree imported below a country root is one
# deeper.
MAX_DEPTH = 7


# Communities and grids without a boundary but with a point (a community's office) are offered
# as "near" a pin within this distance.
NEAR_METRES = 1500.0


@dataclass(frozen=True)
class Near:
    area: Area
    metres: float


@dataclass(frozen=True)
class Place:
    """Where a point lies: the deepest area whose boundary holds it, its chain from the
    district (or the highest level below the placeholders) down to it, and the areas below it
    that have only a point, nearest first (a resident may pick one)."""

    area: Area | None
    chain: list[Area]
    near: list[Near]


def place_at(*, lat: float, lng: float, within: Area | None = None, near: int = 3) -> Place:
    """The place names of a point: what the report form reads back for a pin and the intake
    writes as the case's area when the reporter chose none. Public reference geography only
    (codes, names, levels): anonymous callers use it."""
    area = area_at(lat=lat, lng=lng, within=within)
    if area is None:
        return Place(area=None, chain=[], near=[])
    chain = [a for a in [*area_ancestors(area=area), area] if not a.placeholder]
    return Place(area=area, chain=chain, near=_near(area, lat, lng, near) if near else [])


def _near(area: Area, lat: float, lng: float, limit: int) -> list[Near]:
    # A box around the point first (an index-free filter on a few hundred rows of one
    # container), then the exact distance.
    pad_lat = NEAR_METRES / geometry.METRES_PER_DEGREE
    pad_lng = pad_lat / max(0.1, math.cos(math.radians(lat)))
    rows = Area.objects.filter(
        subtree_q(area.path),
        depth__gt=area.depth,
        # A point stands for a community or a grid; a street is too wide to be "near".
        level__gte=Level.COMMUNITY,
        retired=False,
        boundary__isnull=True,
        centroid_lat__range=(lat - pad_lat, lat + pad_lat),
        centroid_lng__range=(lng - pad_lng, lng + pad_lng),
    ).only("id", "code", "name", "level", "path", "depth", "centroid_lat", "centroid_lng")
    found = [
        Near(a, geometry.metres_between(lat, lng, a.centroid_lat, a.centroid_lng))  # type: ignore[arg-type]
        for a in rows
    ]
    found = [n for n in found if n.metres <= NEAR_METRES]
    return sorted(found, key=lambda n: (n.metres, n.area.code))[:limit]
