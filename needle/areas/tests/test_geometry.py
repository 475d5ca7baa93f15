"""areas.geometry on shapes and places whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from needle.areas import geometry
from needle.testing import GCJ_REFERENCE

# GeoJSON order: [longitude, latitude].
SQUARE = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]
HOLE = [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]]
FRAME = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}

BEIJING = (39.9042, 116.4074)  # Tiananmen
SHANGHAI = (31.2304, 121.4737)  # People's Square
BEIJING_SHANGHAI_KM = 1068  # great-circle distance between the two


def test_a_point_inside_a_square_is_in_it_and_one_outside_is_not():
    assert geometry.point_in_ring(5.0, 5.0, SQUARE)
    assert geometry.point_in_ring(0.5, 9.5, SQUARE)
    assert not geometry.point_in_ring(15.0, 5.0, SQUARE)
    assert not geometry.point_in_ring(5.0, -0.5, SQUARE)
    assert geometry.contains({"type": "Polygon", "coordinates": [SQUARE]}, 5.0, 5.0)


def test_a_polygon_with_a_hole_does_not_hold_the_points_in_the_hole():
    assert geometry.contains(FRAME, 2.0, 2.0)
    assert geometry.contains(FRAME, 8.0, 5.0)
    assert not geometry.contains(FRAME, 5.0, 5.0)  # in the hole
    assert not geometry.contains(FRAME, 11.0, 5.0)


def test_a_multipolygon_holds_the_points_of_each_of_its_polygons():
    far = [[[20.0, 20.0], [21.0, 20.0], [21.0, 21.0], [20.0, 21.0], [20.0, 20.0]]]
    shape = {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], far]}
    assert geometry.contains(shape, 20.5, 20.5)
    assert geometry.contains(shape, 1.0, 1.0)
    assert not geometry.contains(shape, 5.0, 5.0)
    assert not geometry.contains(shape, 15.0, 15.0)


def test_the_centroid_of_a_square_is_its_centre():
    assert geometry.centroid({"type": "Polygon", "coordinates": [SQUARE, HOLE]}) == (5.0, 5.0)
    rectangle = [[100.0, 30.0], [104.0, 30.0], [104.0, 32.0], [100.0, 32.0], [100.0, 30.0]]
    assert geometry.centroid({"type": "MultiPolygon", "coordinates": [[rectangle]]}) == (31.0, 102.0)
    assert geometry.centroid({"type": "Polygon", "coordinates": []}) is None


def test_the_distance_from_beijing_to_shanghai_is_known_within_one_percent():
    km = float(geometry.haversine_km(*BEIJING, *SHANGHAI))
    assert km == pytest.approx(BEIJING_SHANGHAI_KM, rel=0.01)
    # Arrays are measured element by element, as the hot-spot grouping does.
    lat1, lng1 = np.array([BEIJING[0], SHANGHAI[0]]), np.array([BEIJING[1], SHANGHAI[1]])
    lat2, lng2 = np.array([SHANGHAI[0], SHANGHAI[0]]), np.array([SHANGHAI[1], SHANGHAI[1]])
    assert geometry.haversine_km(lat1, lng1, lat2, lng2) == pytest.approx([km, 0.0])


def test_the_plane_distance_agrees_with_the_great_circle_over_a_kilometre():
    here = (29.5630, 106.5516)  # Jiefangbei, Chongqing
    there = (29.5700, 106.5600)
    metres = geometry.metres_between(*here, *there)
    assert 1_000 < metres < 1_200
    assert metres == pytest.approx(float(geometry.haversine_km(*here, *there)) * 1000, rel=0.005)


def test_simplifying_drops_close_vertices_and_keeps_the_ring_closed():
    ring = [[i / 1000, 0.0] for i in range(20)] + [[0.02, 1.0], [0.0, 1.0], [0.0, 0.0]]
    simple = geometry.simplify({"type": "Polygon", "coordinates": [ring]}, 0.005)
    (kept,) = simple["coordinates"]
    assert kept[0] == kept[-1] == [0.0, 0.0]
    assert len(kept) < len(ring)
    assert [0.02, 1.0] in kept
    point = {"type": "Point", "coordinates": [1.0, 2.0]}
    assert geometry.simplify(point, 0.005) is point


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), GCJ_REFERENCE)
def test_wgs84_to_gcj02_gives_the_published_reference_points(wlat, wlng, glat, glng):
    lat, lng = geometry.wgs84_to_gcj02(wlat, wlng)
    assert lat == pytest.approx(glat, abs=1e-9) and lng == pytest.approx(glng, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), GCJ_REFERENCE)
def test_gcj02_to_wgs84_finds_the_point_back_within_a_millimetre(wlat, wlng, glat, glng):
    lat, lng = geometry.gcj02_to_wgs84(glat, glng)
    # 1e-8 degrees is about a millimetre.
    assert lat == pytest.approx(wlat, abs=1e-8) and lng == pytest.approx(wlng, abs=1e-8)


def test_the_gcj02_offset_is_a_few_hundred_metres_in_china_and_none_outside():
    lat, lng = 29.5630, 106.5516  # Chongqing, Jiefangbei
    glat, glng = geometry.wgs84_to_gcj02(lat, lng)
    assert 100 < geometry.metres_between(lat, lng, glat, glng) < 700
    for outside in ((48.8584, 2.2945), (40.6892, -74.0445), (-33.8568, 151.2153)):  # Paris, NY, Sydney
        assert geometry.wgs84_to_gcj02(*outside) == outside
        assert geometry.gcj02_to_wgs84(*outside) == outside


def test_a_boundary_is_converted_vertex_by_vertex():
    square = [[106.5, 29.5], [106.6, 29.5], [106.6, 29.6], [106.5, 29.6], [106.5, 29.5]]
    shape = {"type": "MultiPolygon", "coordinates": [[square]]}
    moved = geometry.map_coordinates(shape, geometry.wgs84_to_gcj02)
    assert moved["type"] == "MultiPolygon"
    for (x, y), (mx, my) in zip(square, moved["coordinates"][0][0], strict=True):
        assert (my, mx) == geometry.wgs84_to_gcj02(y, x)
    back = geometry.map_coordinates(moved, geometry.gcj02_to_wgs84)
    flat = [c for point in back["coordinates"][0][0] for c in point]
    assert flat == pytest.approx([c for point in square for c in point], abs=1e-8)
    assert geometry.map_coordinates({"type": "Point", "coordinates": [1, 2]}, geometry.wgs84_to_gcj02) == {
        "type": "Point",
        "coordinates": [1, 2],
    }


def test_many_points_are_tested_at_once_as_one_at_a_time():
    rng = np.random.default_rng(7)
    lats, lngs = rng.uniform(-2, 12, 2000), rng.uniform(-2, 12, 2000)
    far = [[[20.0, 20.0], [21.0, 20.0], [21.0, 21.0], [20.0, 21.0], [20.0, 20.0]]]
    for shape in (FRAME, {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], far]}):
        many = geometry.contains_points(shape, lats, lngs)
        assert many.tolist() == [geometry.contains(shape, a, b) for a, b in zip(lats, lngs, strict=True)]
        assert 0 < many.sum() < len(lats)
