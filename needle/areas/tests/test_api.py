from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_area_detail_has_ancestors_and_children_count(world, api_for):
    body = api_for("outsider").get("/api/v1/areas/500103001000").json()
    assert body["code"] == "500103001000" and body["level"] == 4 and body["parent_code"] == "500103000000"
    assert [a["code"] for a in body["ancestors"]] == ["500000000000", "500100000000", "500103000000"]
    assert body["children_count"] == 2


def test_unknown_code_is_a_404_in_the_error_shape(world, api_for):
    response = api_for("resident").get("/api/v1/areas/123")
    assert response.status_code == 404
    assert "123" in response.json()["error"]["message"]


def test_children_are_paginated(world, api_for):
    api = api_for("resident")
    page = api.get("/api/v1/areas/500100000000/children", page_size=1).json()
    assert page["count"] == 2 and [a["code"] for a in page["results"]] == ["500103000000"]
    assert page["results"][0]["children_count"] == 2
    page2 = api.get("/api/v1/areas/500100000000/children", page_size=1, page=2).json()
    assert [a["code"] for a in page2["results"]] == ["500106000000"]
    bad = api.get("/api/v1/areas/500100000000/children", page="x")
    assert bad.status_code == 422 and "page" in bad.json()["error"]["fields"]


def test_search_by_name_or_code_prefix(world, api_for):
    api = api_for("resident")
    names = [a["name"] for a in api.get("/api/v1/areas", search="社区").json()["results"]]
    assert names == ["华一坡社区居委会", "领事巷社区居委会", "小什字社区居委会", "平街社区居委会"]
    codes = [a["code"] for a in api.get("/api/v1/areas", search="500106").json()["results"]]
    assert codes == ["500106000000", "500106001000", "500106001001"]
    within = api.get("/api/v1/areas", search="社区", within="500106000000").json()
    assert within["count"] == 1
    assert api.get("/api/v1/areas", search=" ").status_code == 422
    roots = api.get("/api/v1/areas").json()
    assert [a["code"] for a in roots["results"]] == ["500000000000"]


def test_area_reads_cost_a_constant_number_of_queries(world, api_for):
    api = api_for("resident")
    counts = []
    for code in ["500000000000", "500103001000", "500103001001-001"]:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"/api/v1/areas/{code}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1, counts


def test_boundaries_endpoint_returns_the_nearest_generation(world, api_for):
    square = {"type": "Polygon", "coordinates": [[[106, 29], [107, 29], [107, 30], [106, 29]]]}
    world.areas["district_a"].__class__.objects.filter(level=3).update(boundary=square)
    body = api_for("resident").get("/api/v1/areas/500000000000/boundaries").json()
    assert sorted(f["properties"]["code"] for f in body["features"]) == ["500103000000", "500106000000"]
