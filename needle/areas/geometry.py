"""Plane geometry on GeoJSON coordinates ([longitude, latitude] pairs, in degrees), for the
areas' boundaries and the points placed in them: which area holds a point, where to put an
area's label, how to draw a boundary light enough for a map, how far apart two points are.

Pure functions over plain lists and numbers: no database, no GIS library (the app runs on
SQLite and PostgreSQL alike, without PostGIS)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

EARTH_RADIUS_KM = 6371.0
# Metres in a degree of latitude (and of longitude at the equator).
METRES_PER_DEGREE = 111_320.0


def point_in_ring(lat: float, lng: float, ring: list[list[float]]) -> bool:
    """Whether the point lies inside the closed ring (even-odd rule, by a ray to the east)."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict[str, Any], lat: float, lng: float) -> bool:
    """Whether a Polygon or MultiPolygon holds the point: inside an outer ring and in none of
    its holes."""
    polygons = (
        geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry.get("coordinates")]
    )
    for polygon in polygons:
        if (
            polygon
            and point_in_ring(lat, lng, polygon[0])
            and not any(point_in_ring(lat, lng, h) for h in polygon[1:])
        ):
            return True
    return False


def centroid(geometry: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lng): the mean of the outer rings' vertices, good enough to place a label or a
    marker; None for a geometry without vertices. A closed ring's last vertex repeats its
    first and is counted once, or it would pull the point towards the first."""
    coords: list[list[float]] = []
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        if polygon and polygon[0]:
            ring = polygon[0]
            closed = len(ring) > 1 and list(ring[0][:2]) == list(ring[-1][:2])
            coords.extend(ring[:-1] if closed else ring)
    if not coords:
        return None
    return sum(c[1] for c in coords) / len(coords), sum(c[0] for c in coords) / len(coords)


def simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    """Drop vertices closer than `tolerance` degrees to the last kept one; round to 5 decimals
    (about a metre). Keeps the ring closed and at least four points."""
    if len(ring) <= 8:
        return [[round(x, 5), round(y, 5)] for x, y, *_rest in ring]
    kept = [ring[0]]
    for point in ring[1:-1]:
        last = kept[-1]
        if abs(point[0] - last[0]) >= tolerance or abs(point[1] - last[1]) >= tolerance:
            kept.append(point)
    kept.append(ring[-1])
    if len(kept) < 4:
        kept = [ring[0], ring[len(ring) // 3], ring[2 * len(ring) // 3], ring[-1]]
    return [[round(x, 5), round(y, 5)] for x, y, *_rest in kept]


def simplify(geometry: dict[str, Any], tolerance: float) -> dict[str, Any]:
    """A Polygon or MultiPolygon with each ring simplified (simplify_ring); any other geometry
    as it is."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return {"type": kind, "coordinates": [simplify_ring(r, tolerance) for r in coords]}
    if kind == "MultiPolygon":
        return {
            "type": kind,
            "coordinates": [[simplify_ring(r, tolerance) for r in poly] for poly in coords],
        }
    return geometry


def metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance in metres on a plane tangent at the two points' mean latitude: within a few
    tenths of a percent of the great circle for points a few kilometres apart, and cheap in a
    loop."""
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    dx = (lng2 - lng1) * METRES_PER_DEGREE * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def haversine_km(lat1: Any, lng1: Any, lat2: Any, lng2: Any) -> Any:
    """Great-circle distance in kilometres, element by element over arrays (or of two points)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lng2) - np.asarray(lng1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return EARTH_RADIUS_KM * 2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
