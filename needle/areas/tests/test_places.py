"""Where a point lies: the descent through the outlines (grids under communities without one),
the chain of names a pin reads back as, the areas "near" it, the open API the report form
asks, and boundary files in GCJ-02 stored as WGS-84."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from needle.areas import geometry
from needle.areas.models import Area
from needle.areas.selectors import area_at, child_labels, place_at
from needle.areas.services import boundaries_import
from needle.core.errors import ValidationFailed
from needle.testing import give_community_boundary, give_districts_boundaries, give_grid_boundary

IN_GRID = (29.55, 106.55)  # the middle of district A's square and of grid A1a's
IN_COMMUNITY_ONLY = (29.53, 106.53)  # inside community A1a's square, outside its grid's
IN_DISTRICT_B = (29.55, 106.65)
NOWHERE = (31.23, 121.47)  # Shanghai


def test_a_pin_in_a_grid_lands_in_the_grid_though_its_community_has_no_outline(world):
    give_districts_boundaries(world)
    give_grid_boundary(world)
    assert area_at(lat=IN_GRID[0], lng=IN_GRID[1]) == world.areas["grid_a1a"]
    # Outside the grid, the deepest outline holding it is the district's.
    assert area_at(lat=IN_COMMUNITY_ONLY[0], lng=IN_COMMUNITY_ONLY[1]) == world.areas["district_a"]
    assert area_at(lat=IN_DISTRICT_B[0], lng=IN_DISTRICT_B[1]) == world.areas["district_b"]
    assert area_at(lat=NOWHERE[0], lng=NOWHERE[1]) is None
    # Within an area: only what lies below it.
    assert (
        area_at(lat=IN_GRID[0], lng=IN_GRID[1], within=world.areas["community_a1a"])
        == world.areas["grid_a1a"]
    )
    assert area_at(lat=IN_GRID[0], lng=IN_GRID[1], within=world.areas["district_b"]) is None


def test_with_every_level_outlined_the_deepest_wins(world):
    give_districts_boundaries(world)
    give_community_boundary(world)
    give_grid_boundary(world)
    assert area_at(lat=IN_GRID[0], lng=IN_GRID[1]) == world.areas["grid_a1a"]
    assert area_at(lat=IN_COMMUNITY_ONLY[0], lng=IN_COMMUNITY_ONLY[1]) == world.areas["community_a1a"]


def test_the_descent_reads_only_the_outlines_inside_the_container(world, django_assert_max_num_queries):
    give_districts_boundaries(world)
    give_grid_boundary(world)
    # One query a depth (province to a country-rooted grid), and the area found.
    with django_assert_max_num_queries(8):
        assert area_at(lat=IN_GRID[0], lng=IN_GRID[1]) == world.areas["grid_a1a"]


def test_a_retired_grid_holds_no_pin(world):
    give_districts_boundaries(world)
    give_grid_boundary(world)
    Area.objects.filter(pk=world.areas["grid_a1a"].pk).update(retired=True)
    assert area_at(lat=IN_GRID[0], lng=IN_GRID[1]) == world.areas["district_a"]


def test_a_pin_reads_back_as_its_chain_of_names_without_placeholders(world):
    give_districts_boundaries(world)
    give_grid_boundary(world)
    Area.objects.filter(pk=world.areas["city"].pk).update(placeholder=True)  # 市辖区
    place = place_at(lat=IN_GRID[0], lng=IN_GRID[1])
    assert place.area == world.areas["grid_a1a"]
    assert [a.name for a in place.chain] == ["重庆市", "渝中区", "七星岗街道", "华一坡社区居委会", "第1网格"]
    outside = place_at(lat=NOWHERE[0], lng=NOWHERE[1])
    assert (outside.area, outside.chain, outside.near) == (None, [], [])


def test_areas_with_only_a_point_nearby_are_offered_nearest_first(world):
    give_districts_boundaries(world)
    # Community A1b's office 300 m north of the pin, A2a's 1 km east, B1a's far away.
    lat, lng = IN_COMMUNITY_ONLY
    north = 300 / geometry.METRES_PER_DEGREE
    east = 1000 / (geometry.METRES_PER_DEGREE * 0.87)
    Area.objects.filter(pk=world.areas["community_a1b"].pk).update(centroid_lat=lat + north, centroid_lng=lng)
    Area.objects.filter(pk=world.areas["community_a2a"].pk).update(centroid_lat=lat, centroid_lng=lng + east)
    Area.objects.filter(pk=world.areas["community_b1a"].pk).update(centroid_lat=29.55, centroid_lng=106.65)
    place = place_at(lat=lat, lng=lng)
    assert place.area == world.areas["district_a"]
    assert [n.area.name for n in place.near] == ["领事巷社区居委会", "小什字社区居委会"]
    assert place.near[0].metres == pytest.approx(300, rel=0.01)
    assert place.near[1].metres == pytest.approx(1000, rel=0.02)


def test_anyone_may_ask_where_a_point_is(world):
    give_districts_boundaries(world)
    give_grid_boundary(world)
    response = Client().get("/api/v1/areas/at", {"lat": IN_GRID[0], "lng": IN_GRID[1]})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == world.areas["grid_a1a"].code
    assert [(a["name"], a["level"]) for a in body["chain"]][-3:] == [
        ("七星岗街道", 4),
        ("华一坡社区居委会", 5),
        ("第1网格", 6),
    ]
    # Names and codes only: nothing of what lives there.
    assert set(body) == {"code", "chain", "near"} and set(body["chain"][0]) == {"code", "name", "level"}
    outside = Client().get("/api/v1/areas/at", {"lat": NOWHERE[0], "lng": NOWHERE[1]}).json()
    assert outside == {"code": None, "chain": [], "near": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [({"lat": 91, "lng": 106}, "lat"), ({"lat": 29.5, "lng": "east"}, "lng"), ({"lat": 29.5}, "lng")],
)
def test_a_bad_point_is_refused_naming_the_field(world, query, field):
    response = Client().get("/api/v1/areas/at", query)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_children_without_an_outline_drawn_are_labels_where_the_tree_gives_a_point(world):
    street = world.areas["street_a1"]
    Area.objects.filter(pk=world.areas["community_a1a"].pk).update(centroid_lat=29.55, centroid_lng=106.55)
    placed, unplaced = child_labels(area=street, drawn=set())
    assert placed == [
        {"code": "500103001001", "name": "华一坡社区居委会", "level": 5, "lat": 29.55, "lng": 106.55}
    ]
    assert [a.code for a in unplaced] == ["500103001002"]
    # An outline drawn is not labelled again.
    assert child_labels(area=street, drawn={"500103001001", "500103001002"}) == ([], [])


# A district square in GCJ-02 whose WGS-84 corners are known: the file says where a GCJ-02
# basemap draws them, the tree keeps where they are.
WGS_SQUARE = [(29.5, 106.5), (29.5, 106.6), (29.6, 106.6), (29.6, 106.5), (29.5, 106.5)]


def _gcj_file() -> bytes:
    ring = [list(reversed(geometry.wgs84_to_gcj02(lat, lng))) for lat, lng in WGS_SQUARE]
    centre = list(reversed(geometry.wgs84_to_gcj02(29.55, 106.55)))
    feature = {
        "type": "Feature",
        "properties": {"adcode": 500103, "centroid": centre},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def test_a_gcj02_boundary_file_is_stored_as_wgs84(world):
    boundaries_import(actor=None, source=io.BytesIO(_gcj_file()), crs="gcj02")
    district = Area.objects.get(code="500103000000")
    stored = [c for lng, lat in district.boundary["coordinates"][0] for c in (lat, lng)]
    assert stored == pytest.approx([c for point in WGS_SQUARE for c in point], abs=1e-8)
    assert (district.centroid_lat, district.centroid_lng) == pytest.approx((29.55, 106.55), abs=1e-8)
    # As WGS-84 the same file would sit a few hundred metres off.
    boundaries_import(actor=None, source=io.BytesIO(_gcj_file()))
    district.refresh_from_db()
    off = district.boundary["coordinates"][0][0]
    assert 100 < geometry.metres_between(29.5, 106.5, off[1], off[0]) < 700


def test_an_unknown_coordinate_system_is_refused(world):
    with pytest.raises(ValidationFailed) as err:
        boundaries_import(actor=None, source=io.BytesIO(_gcj_file()), crs="bd09")
    assert "crs" in err.value.fields
    assert not Area.objects.filter(boundary__isnull=False).exists()


def test_the_cli_takes_the_files_coordinate_system(world, tmp_path, capsys):
    path = tmp_path / "districts.geojson"
    path.write_bytes(_gcj_file())
    call_command("import_boundaries", str(path), "--crs", "gcj02")
    assert "1 boundaries attached" in capsys.readouterr().out
    corner = Area.objects.get(code="500103000000").boundary["coordinates"][0][0]
    assert corner == pytest.approx([106.5, 29.5], abs=1e-8)
