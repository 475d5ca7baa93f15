"""The demo's invented geometry (named as invented in data/SOURCES.md).

The shared data outline Chongqing's districts only. So that the maps have something below
them, the demo invents, seeded: a point for each street inside its district's outline, a
point for each community near its street's (on a loose lattice 700 m apart, inside the
district), grids as small rectangles around the communities of the street supervisor's street,
and a pin for most cases near its community's point (inside one of its grids where it has
them, so those cases sit in the grids). None of it is a real place: the streets and
communities keep their real names and codes, their points are made up.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from needle.areas import geometry
from needle.areas.models import Area, Level, subtree_q
from needle.areas.services import grid_add

SEED = "2026-places"
# Communities of one street on a lattice this far apart (metres), each moved up to JITTER.
SPACING = 700.0
JITTER = 100.0
# A community's grids share a square this wide around its point (cut into strips), smaller than
# the lattice's closest spacing, so no two communities' grids overlap.
GRID_SQUARE = 460.0
# Cases with a pin; the pins of a community without grids fall around its point (metres).
PINNED_SHARE = 0.85
PIN_SPREAD = 180.0


@dataclass(frozen=True)
class Grids:
    """A community's invented grids: (grid, its outline) in order."""

    community_id: int
    outlines: list[tuple[Area, dict[str, Any]]]


def _metres(lat: float) -> tuple[float, float]:
    """Degrees of latitude and of longitude in one metre at this latitude."""
    per = 1 / geometry.METRES_PER_DEGREE
    return per, per / math.cos(math.radians(lat))


def _inside(outline: dict[str, Any], rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    """n points drawn uniformly inside a district's outline (by rejection in its box)."""
    rings = outline["coordinates"] if outline["type"] == "MultiPolygon" else [outline["coordinates"]]
    xs = [p[0] for poly in rings for p in poly[0]]
    ys = [p[1] for poly in rings for p in poly[0]]
    found: list[tuple[float, float]] = []
    while len(found) < n:
        lats = rng.uniform(min(ys), max(ys), 4 * n + 16)
        lngs = rng.uniform(min(xs), max(xs), 4 * n + 16)
        keep = geometry.contains_points(outline, lats, lngs)
        found += list(zip(lats[keep].tolist(), lngs[keep].tolist(), strict=True))
    return found[:n]


def invent_points(city: Area) -> None:
    """Give every street and community of the city's outlined districts an invented point
    (`centroid_lat`, `centroid_lng`), in one UPDATE per level."""
    rng = np.random.default_rng(list(SEED.encode()))
    areas = list(
        Area.objects.filter(subtree_q(city.path), level__in=[Level.STREET, Level.COMMUNITY], retired=False)
        .order_by("path")
        .only("id", "path", "level", "parent_id")
    )
    districts = {
        a.path: a.boundary
        for a in Area.objects.filter(subtree_q(city.path), level=Level.DISTRICT, boundary__isnull=False)
    }
    streets = [a for a in areas if a.level == Level.STREET]
    communities: dict[int, list[Area]] = {}
    for a in areas:
        if a.level == Level.COMMUNITY and a.parent_id is not None:
            communities.setdefault(a.parent_id, []).append(a)
    by_district: dict[str, list[Area]] = {}
    for street in streets:
        by_district.setdefault(street.path[: street.path.rstrip("/").rfind("/") + 1], []).append(street)
    points: dict[int, tuple[float, float]] = {}
    # A district at a time: its streets' points, then its communities' on their lattices, the
    # ones that fell outside the outline drawn again inside it (numpy: one test a district).
    for district, members in by_district.items():
        outline = districts.get(district)
        if outline is None:
            continue
        placed: list[tuple[int, float, float]] = []
        for street, (lat, lng) in zip(members, _inside(outline, rng, len(members)), strict=True):
            points[street.pk] = (lat, lng)
            children = communities.get(street.pk, [])
            side = max(1, math.ceil(math.sqrt(len(children))))
            dlat, dlng = _metres(lat)
            for i, community in enumerate(children):
                row, col = divmod(i, side)
                north = (row - (side - 1) / 2) * SPACING + rng.uniform(-JITTER, JITTER)
                east = (col - (side - 1) / 2) * SPACING + rng.uniform(-JITTER, JITTER)
                placed.append((community.pk, lat + north * dlat, lng + east * dlng))
        if not placed:
            continue
        inside = geometry.contains_points(outline, [p[1] for p in placed], [p[2] for p in placed])
        spare = iter(_inside(outline, rng, int((~inside).sum())))
        for (pk, lat, lng), ok in zip(placed, inside.tolist(), strict=True):
            points[pk] = (lat, lng) if ok else next(spare)
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE areas_area SET centroid_lat = %s, centroid_lng = %s WHERE id = %s",
            [(round(p[0], 6), round(p[1], 6), pk) for pk, p in points.items()],
        )


def invent_grids(street: Area, *, sizes: dict[int, int] | None = None) -> dict[int, Grids]:
    """Divide each community of the street into grids (第1网格, …; 2 to 4 each, or `sizes`
    by community id) through `grid_add`, each grid a strip of a GRID_SQUARE around the
    community's invented point. Returns the grids by community id."""
    rng = random.Random(f"{SEED}-grids-{street.code}")
    made: dict[int, Grids] = {}
    for community in Area.objects.filter(parent=street, level=Level.COMMUNITY, retired=False).order_by(
        "code"
    ):
        if not community.has_centroid:
            continue
        n = (sizes or {}).get(community.pk) or rng.randint(2, 4)
        lat, lng = community.centroid_lat, community.centroid_lng
        assert lat is not None and lng is not None
        dlat, dlng = _metres(lat)
        south, north = lat - GRID_SQUARE / 2 * dlat, lat + GRID_SQUARE / 2 * dlat
        west = lng - GRID_SQUARE / 2 * dlng
        width = GRID_SQUARE / n * dlng
        outlines = []
        for i in range(n):
            left, right = west + i * width, west + (i + 1) * width
            ring = [[left, south], [right, south], [right, north], [left, north], [left, south]]
            outline = {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}
            grid = grid_add(community=community, name=f"第{i + 1}网格")
            centre = geometry.centroid(outline)
            assert centre is not None
            grid.boundary, (grid.centroid_lat, grid.centroid_lng) = outline, centre
            grid.save(update_fields=["boundary", "centroid_lat", "centroid_lng"])
            outlines.append((grid, outline))
        made[community.pk] = Grids(community.pk, outlines)
    return made


def invent_pin(
    rng: random.Random, point: tuple[float, float] | None, grids: Grids | None
) -> tuple[float, float, Area | None] | None:
    """A case's pin near its community's point (None for the cases without one): inside a
    grid of the community when it has grids, and then the grid whose outline holds it."""
    if point is None or rng.random() > PINNED_SHARE:
        return None
    lat, lng = point
    dlat, dlng = _metres(lat)
    if grids is not None and grids.outlines:
        half = GRID_SQUARE / 2 * 0.96
        lat += rng.uniform(-half, half) * dlat
        lng += rng.uniform(-half, half) * dlng
    else:
        distance, angle = min(abs(rng.gauss(0, PIN_SPREAD)), 3 * PIN_SPREAD), rng.uniform(0, 2 * math.pi)
        lat += distance * math.sin(angle) * dlat
        lng += distance * math.cos(angle) * dlng
    lat, lng = round(lat, 6), round(lng, 6)
    holder = (
        next((g for g, outline in grids.outlines if geometry.contains(outline, lat, lng)), None)
        if grids
        else None
    )
    return lat, lng, holder


def invented(city: Area) -> tuple[dict[int, tuple[float, float]], dict[int, Grids]]:
    """The invented points of the city's communities and their grids, by community id, as
    stored (what `invent_points` and `invent_grids` wrote)."""
    points: dict[int, tuple[float, float]] = {
        pk: (lat, lng)
        for pk, lat, lng in Area.objects.filter(
            subtree_q(city.path),
            level=Level.COMMUNITY,
            centroid_lat__isnull=False,
            centroid_lng__isnull=False,
        ).values_list("pk", "centroid_lat", "centroid_lng")
        if lat is not None and lng is not None
    }
    grids: dict[int, Grids] = {}
    for grid in Area.objects.filter(
        subtree_q(city.path), level=Level.GRID, retired=False, boundary__isnull=False
    ).order_by("code"):
        assert grid.parent_id is not None and grid.boundary is not None
        grids.setdefault(grid.parent_id, Grids(grid.parent_id, [])).outlines.append((grid, grid.boundary))
    return points, grids
