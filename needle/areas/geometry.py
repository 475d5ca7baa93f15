"""Plane geometry on GeoJSON coordinates ([longitude, latitude] pairs, in degrees), for the
areas' boundaries and the points placed in them: which area holds a point, where to put an
area's label, how to draw a boundary light enough for a map, how far apart two points are, and
the conversion between WGS-84 and the GCJ-02 coordinates of Chinese basemaps.

Everything Needle stores is WGS-84 (what GPS and the browser's geolocation give; Tianditu's
CGCS2000 agrees with it within a few centimetres). GCJ-02 is only a way of showing points on
a GCJ-02 basemap (AMap, Tencent) and of reading a tap on one; static/needle/maps.js has the same
formula for the browser.

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


def contains_points(geometry: dict[str, Any], lats: Any, lngs: Any) -> Any:
    """`contains` for many points at once (arrays of latitudes and longitudes): a boolean
    array. The same even-odd rule, one ring edge at a time over every point."""
    lats, lngs = np.asarray(lats, dtype=float), np.asarray(lngs, dtype=float)
    polygons = (
        geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry.get("coordinates")]
    )
    inside_any = np.zeros(lats.shape, dtype=bool)
    for polygon in polygons:
        if not polygon:
            continue
        inside = _in_ring(polygon[0], lats, lngs)
        for hole in polygon[1:]:
            inside &= ~_in_ring(hole, lats, lngs)
        inside_any |= inside
    return inside_any


def _in_ring(ring: list[list[float]], lats: Any, lngs: Any) -> Any:
    xs = np.array([p[0] for p in ring], dtype=float)
    ys = np.array([p[1] for p in ring], dtype=float)
    inside = np.zeros(lats.shape, dtype=bool)
    xj, yj = xs[-1], ys[-1]
    for xi, yi in zip(xs, ys, strict=True):
        crosses = (yi > lats) != (yj > lats)
        dy = (yj - yi) or 1e-12
        inside ^= crosses & (lngs < (xj - xi) * (lats - yi) / dy + xi)
        xj, yj = xi, yi
    return inside


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


# WGS-84 <-> GCJ-02 ----------------------------------------------------------------------------
# The public formula of the GCJ-02 offset (Krasovsky 1940 ellipsoid constants and two
# polynomial-and-sine series in the distance from 105°E, 35°N), as published with
# googollee/eviltransform (MIT) and reproduced by most Chinese map tools. The offset is zero
# outside a rough box around China. The tests check the published reference points.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def out_of_china(lat: float, lng: float) -> bool:
    """Whether the point lies outside the box where GCJ-02 differs from WGS-84."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _offset_lng(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def _gcj_offset(lat: float, lng: float) -> tuple[float, float]:
    """(dlat, dlng) in degrees that GCJ-02 adds to the WGS-84 point (lat, lng)."""
    dlat = _offset_lat(lng - 105.0, lat - 35.0)
    dlng = _offset_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) on a GCJ-02 basemap of the WGS-84 point."""
    if out_of_china(lat, lng):
        return lat, lng
    dlat, dlng = _gcj_offset(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The WGS-84 point that a GCJ-02 point shows. The offset has no closed inverse: from
    the first guess (the GCJ-02 point less its own offset, a few metres off) each step moves
    by what the forward conversion misses, until under 1e-9 degrees (a tenth of a
    millimetre); three or four steps."""
    if out_of_china(lat, lng):
        return lat, lng
    dlat, dlng = _gcj_offset(lat, lng)
    wlat, wlng = lat - dlat, lng - dlng
    for _step in range(10):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        elat, elng = glat - lat, glng - lng
        if abs(elat) < 1e-9 and abs(elng) < 1e-9:
            break
        wlat, wlng = wlat - elat, wlng - elng
    return wlat, wlng


def map_coordinates(geometry: dict[str, Any], convert: Any) -> dict[str, Any]:
    """A Polygon or MultiPolygon with every vertex passed through `convert(lat, lng) ->
    (lat, lng)` (GeoJSON keeps [lng, lat]); any other geometry as it is."""

    def ring(points: list[list[float]]) -> list[list[float]]:
        out = []
        for x, y, *_rest in points:
            lat, lng = convert(y, x)
            out.append([lng, lat])
        return out

    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return {"type": kind, "coordinates": [ring(r) for r in coords]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[ring(r) for r in poly] for poly in coords]}
    return geometry
